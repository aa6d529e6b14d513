// One page-table entry decoded: the architectural flags (P RW US PWT PCD A D PS G PAT NX),
// protection key, software-available bits (one of them may be the kernel's COW bit) and the
// reserved bits whose presence marks an entry as garbage.

/** Level numbers count from the leaf: 1 = PT, 2 = PD, 3 = PDPT, 4 = PML4, 5 = PML5. */
export type TableLevel = 1 | 2 | 3 | 4 | 5;

export const LEVEL_NAMES: Record<TableLevel, string> = { 1: 'PT', 2: 'PD', 3: 'PDPT', 4: 'PML4', 5: 'PML5' };

export const PTE = {
  P: 1n << 0n, RW: 1n << 1n, US: 1n << 2n, PWT: 1n << 3n, PCD: 1n << 4n, A: 1n << 5n,
  D: 1n << 6n, PS: 1n << 7n, G: 1n << 8n, PAT_4K: 1n << 7n, PAT_LARGE: 1n << 12n, NX: 1n << 63n,
} as const;

/** Software-available bits of 64-bit entries (ignored by the MMU). */
export const SOFTWARE_BITS_64 = [9, 10, 11, 52, 53, 54, 55, 56, 57, 58] as const;
export const SOFTWARE_BITS_32 = [9, 10, 11] as const;

export interface PteOptions {
  /** Software bit the kernel uses to mark copy-on-write pages (e.g. 9), if any. */
  readonly cowBit?: number;
  /** MAXPHYADDR: bits at and above it (up to 51) are reserved. Default 52. */
  readonly physAddrBits?: number;
  /** Entry width: 8 bytes (PAE, 4/5-level) or 4 bytes (32-bit paging). */
  readonly entrySize?: 4 | 8;
}

export interface DecodedPte {
  readonly raw: bigint;
  readonly level: TableLevel;
  readonly present: boolean;
  readonly writable: boolean;
  readonly user: boolean;
  readonly writeThrough: boolean;
  readonly cacheDisable: boolean;
  readonly accessed: boolean;
  readonly dirty: boolean;
  /** PS: maps a large page (at PD/PDPT level). */
  readonly pageSize: boolean;
  readonly global: boolean;
  readonly pat: boolean;
  readonly noExecute: boolean;
  /** Protection key (bits 59-62) of a leaf, 0 otherwise. */
  readonly protectionKey: number;
  /** Set software-available bits, ascending. */
  readonly softwareBits: readonly number[];
  readonly cow: boolean;
  /** True when the entry maps a page rather than pointing at the next table. */
  readonly leaf: boolean;
  /** Physical address of the page (leaf) or of the next table. */
  readonly address: bigint;
  /** Bytes mapped by one entry at this level (for a leaf: the page size). */
  readonly size: bigint;
  /** Reserved bits that are set (non-zero means the MMU would fault: garbage). */
  readonly reserved: bigint;
}

export const LEVEL_SHIFT: Record<TableLevel, bigint> = { 1: 12n, 2: 21n, 3: 30n, 4: 39n, 5: 48n };

const bit = (v: bigint, m: bigint) => (v & m) !== 0n;
const mask = (lo: number, hiExclusive: number) => ((1n << BigInt(hiExclusive)) - 1n) & ~((1n << BigInt(lo)) - 1n);

/**
 * Decodes an entry at `level`. `largePagesAllowed` says whether PS means a large page here
 * (PD and PDPT in long mode / PD in PAE; PD in 32-bit paging only with CR4.PSE).
 */
export function decodePte(raw: bigint, level: TableLevel, opts: PteOptions = {}, largePagesAllowed = level === 2 || level === 3): DecodedPte {
  const wide = (opts.entrySize ?? 8) === 8;
  const physBits = Math.min(opts.physAddrBits ?? 52, 52);
  const present = bit(raw, PTE.P);
  const ps = bit(raw, PTE.PS);
  const leaf = present && (level === 1 || (ps && largePagesAllowed));
  const large = leaf && level > 1;
  let address: bigint;
  let reserved = 0n;
  if (wide) {
    const addrMask = mask(12, physBits);
    address = raw & addrMask & (large ? ~((1n << LEVEL_SHIFT[level]) - 1n) : ~0n);
    if (physBits < 52) reserved |= raw & mask(physBits, 52);
    if (large) reserved |= raw & mask(13, Number(LEVEL_SHIFT[level]));   // large page frame misaligned
    if (present && level >= 4 && ps) reserved |= PTE.PS;                 // PS is reserved in PML4/PML5
  } else {
    address = large ? raw & 0xffc0_0000n : raw & 0xffff_f000n;
  }
  const softwareBits = (wide ? SOFTWARE_BITS_64 : SOFTWARE_BITS_32).filter(b => ((raw >> BigInt(b)) & 1n) === 1n);
  return {
    raw, level, present,
    writable: bit(raw, PTE.RW),
    user: bit(raw, PTE.US),
    writeThrough: bit(raw, PTE.PWT),
    cacheDisable: bit(raw, PTE.PCD),
    accessed: bit(raw, PTE.A),
    dirty: leaf && bit(raw, PTE.D),
    pageSize: ps && level > 1,
    global: leaf && bit(raw, PTE.G),
    pat: leaf && (level === 1 ? bit(raw, PTE.PAT_4K) : bit(raw, PTE.PAT_LARGE)),
    noExecute: wide && bit(raw, PTE.NX),
    protectionKey: wide && leaf ? Number((raw >> 59n) & 0xfn) : 0,
    softwareBits,
    cow: opts.cowBit !== undefined && ((raw >> BigInt(opts.cowBit)) & 1n) === 1n,
    leaf,
    address,
    size: wide ? 1n << LEVEL_SHIFT[level] : level === 2 ? 1n << 22n : 1n << 12n,
    reserved,
  };
}

/** Short flag string for views: `P RW US A D G NX COW pkey=5`. */
export function describePte(e: DecodedPte): string {
  if (!e.present) return e.raw === 0n ? 'not present' : `not present (raw 0x${e.raw.toString(16)})`;
  const parts = ['P'];
  if (e.writable) parts.push('RW');
  if (e.user) parts.push('US');
  if (e.writeThrough) parts.push('PWT');
  if (e.cacheDisable) parts.push('PCD');
  if (e.accessed) parts.push('A');
  if (e.dirty) parts.push('D');
  if (e.pageSize) parts.push('PS');
  if (e.global) parts.push('G');
  if (e.pat) parts.push('PAT');
  if (e.noExecute) parts.push('NX');
  if (e.cow) parts.push('COW');
  if (e.protectionKey) parts.push(`pkey=${e.protectionKey}`);
  if (e.reserved) parts.push(`RESERVED=0x${e.reserved.toString(16)}`);
  return parts.join(' ');
}
