// The page-table walker: loads every reachable table of one CR3 (level by level, reads in
// flight together), enumerates leaves in address order with a bound against garbage,
// translates virtual → physical with the chain of entries, and physical → virtual.
import { ExoError } from '../common/errors';
import { readLE } from '../common/hex';
import { canonical, geometry, Geometry, PagingContext, QEMU_TABLE_MASK, TableCache } from './paging';
import { decodePte, DecodedPte, PteOptions, TableLevel } from './pte';

export interface WalkOptions extends PteOptions {
  /** Leaves enumerated before a walk stops and reports `truncated`. Default 4,000,000. */
  readonly maxLeaves?: number;
}

export interface PageTableSnapshot {
  readonly geometry: Geometry;
  readonly cache: TableCache;
}

/** Physical address of the next table from an entry, as QEMU's monitor computes it. */
export function nextTable(g: Geometry, raw: bigint): bigint {
  return g.mode === '32-bit' ? raw & 0xffff_f000n : raw & QEMU_TABLE_MASK;
}

function isLeaf(g: Geometry, depth: number, raw: bigint): boolean {
  const lv = g.levels[depth];
  return depth === g.levels.length - 1 || (lv.largePages && (raw & 0x80n) !== 0n);
}

/**
 * Reads every table reachable from CR3 into `cache`. Returns undefined when paging is off.
 * Garbage that points at many distinct "tables" stops at the cache's maxTables with an error.
 */
export async function loadSnapshot(ctx: PagingContext, cache: TableCache): Promise<PageTableSnapshot | undefined> {
  const g = geometry(ctx);
  if (!g) return undefined;
  let frontier = new Set<bigint>([g.root]);
  for (let depth = 0; depth < g.levels.length; depth++) {
    const lv = g.levels[depth];
    await cache.prefetch(frontier, lv.entries, lv.entrySize);
    if (depth === g.levels.length - 1) break;
    const next = new Set<bigint>();
    const wide = lv.entrySize === 8;
    for (const t of frontier) {
      const w = cache.loadedTableWords(t, lv.entries, lv.entrySize)!;
      for (let i = 0; i < lv.entries; i++) {
        const lo = wide ? w[2 * i] : w[i];
        if ((lo & 1) !== 0 && !(lv.largePages && (lo & 0x80) !== 0)) next.add(nextTableWords(g, lo, wide ? w[2 * i + 1] : 0));
      }
    }
    frontier = next;
  }
  return { geometry: g, cache };
}

/** nextTable from an entry's 32-bit halves (hot loops over TableCache words). */
export function nextTableWords(g: Geometry, lo: number, hi: number): bigint {
  const low = BigInt((lo & ~0xfff) >>> 0);
  return g.mode === '32-bit' ? low : (BigInt(hi & 0x3_ffff) << 32n) | low;
}

export interface RawLeaf {
  /** Table indices from the top level down to the leaf's level. */
  readonly indices: readonly number[];
  /** Raw entries from the top level down to the leaf. */
  readonly chain: readonly bigint[];
  /** Canonical virtual address of the page. */
  readonly virt: bigint;
}

export interface LeafWalkResult { readonly leaves: number; readonly truncated: boolean }

/**
 * Calls `visit` for every present leaf in ascending index order (QEMU's `info tlb` order).
 * Returning false from `visit` stops the walk. `leaf.indices`/`leaf.chain` are reused between
 * calls: copy them to keep them.
 */
export function forEachLeaf(snap: PageTableSnapshot, visit: (leaf: RawLeaf) => boolean | void, opts: WalkOptions = {}): LeafWalkResult {
  const g = snap.geometry;
  const max = opts.maxLeaves ?? 4_000_000;
  const indices: number[] = [];
  const chain: bigint[] = [];
  let count = 0;
  let stopped = false;
  const rec = (table: bigint, depth: number, base: bigint): void => {
    const lv = g.levels[depth];
    const entries = snap.cache.loadedTable(table, lv.entries, lv.entrySize);
    if (!entries) throw new ExoError('internal', `page table 0x${table.toString(16)} was not loaded`);
    for (let i = 0; i < entries.length && !stopped; i++) {
      const raw = entries[i];
      if ((raw & 1n) === 0n) continue;
      const va = base + (BigInt(i) << lv.shift);
      indices.push(i); chain.push(raw);
      if (isLeaf(g, depth, raw)) {
        if (count >= max) { stopped = true; indices.pop(); chain.pop(); return; }
        count++;
        // The arrays are live views, valid during the call only: copying them per leaf costs
        // more than the rest of a 70,000-leaf walk.
        if (visit({ indices, chain, virt: canonical(va, g.vaBits) }) === false) stopped = true;
      } else {
        rec(nextTable(g, raw), depth + 1, va);
      }
      indices.pop(); chain.pop();
    }
  };
  rec(g.root, 0, 0n);
  return { leaves: count, truncated: stopped && count >= max };
}

export interface Mapping {
  readonly virt: bigint;
  readonly phys: bigint;
  readonly size: bigint;
  readonly leaf: DecodedPte;
  /** Effective permissions over the whole chain: RW and US must be set at every level, NX at any. */
  readonly writable: boolean;
  readonly user: boolean;
  readonly executable: boolean;
  readonly chain: readonly bigint[];
}

function levelOf(g: Geometry, depth: number): TableLevel { return g.levels[depth].level; }

export function toMapping(snap: PageTableSnapshot, leaf: RawLeaf, opts: PteOptions = {}): Mapping {
  const g = snap.geometry;
  const depth = leaf.chain.length - 1;
  const entrySize = g.levels[depth].entrySize;
  const decoded = decodePte(leaf.chain[depth], levelOf(g, depth), { ...opts, entrySize }, g.levels[depth].largePages);
  // PAE PDPTEs have no RW/US/NX bits: leave them out of the effective permissions.
  const perm = g.mode === 'PAE' ? leaf.chain.slice(1) : leaf.chain;
  const writable = perm.every(e => (e & 2n) !== 0n);
  const user = perm.every(e => (e & 4n) !== 0n);
  const executable = entrySize === 4 || !perm.some(e => (e >> 63n) === 1n);
  const size = g.mode === '32-bit' && depth === 0 ? 1n << 22n : 1n << g.levels[depth].shift;
  return { virt: leaf.virt, phys: decoded.address, size, leaf: decoded, writable, user, executable, chain: [...leaf.chain] };
}

export interface TranslationStep {
  readonly level: TableLevel;
  /** Physical address of the table and of the entry read. */
  readonly table: bigint;
  readonly index: number;
  readonly entryAddress: bigint;
  readonly entry: DecodedPte;
}

export interface Translation {
  readonly virt: bigint;
  /** Undefined when the walk faults. */
  readonly phys?: bigint;
  readonly pageSize?: bigint;
  readonly steps: readonly TranslationStep[];
  /** Why there is no physical address, in one sentence. */
  readonly fault?: string;
}

/** Translates one virtual address, reading only the tables on its path. */
export async function translate(ctx: PagingContext, cache: TableCache, virt: bigint, opts: PteOptions = {}): Promise<Translation> {
  const g = geometry(ctx);
  if (!g) return { virt, phys: virt, steps: [], pageSize: undefined };
  const va = BigInt.asUintN(64, virt);
  if (g.vaBits < 64 && g.vaBits > 32 && canonical(va & ((1n << BigInt(g.vaBits)) - 1n), g.vaBits) !== va) {
    return { virt: va, steps: [], fault: `0x${va.toString(16)} is not canonical for ${g.vaBits}-bit linear addresses` };
  }
  if (g.vaBits === 32 && va > 0xffff_ffffn) {
    return { virt: va, steps: [], fault: `0x${va.toString(16)} is beyond 32-bit linear addresses` };
  }
  const steps: TranslationStep[] = [];
  let table = g.root;
  for (let depth = 0; depth < g.levels.length; depth++) {
    const lv = g.levels[depth];
    const index = Number((va >> lv.shift) & BigInt(lv.entries - 1));
    const entries = await cache.table(table, lv.entries, lv.entrySize);
    const raw = entries[index];
    const entry = decodePte(raw, lv.level, { ...opts, entrySize: lv.entrySize }, lv.largePages);
    steps.push({ level: lv.level, table, index, entryAddress: table + BigInt(index * lv.entrySize), entry });
    if (!entry.present) return { virt: va, steps, fault: `not present at ${levelName(lv.level, g)}[${index}]` };
    if (entry.reserved !== 0n) return { virt: va, steps, fault: `reserved bits 0x${entry.reserved.toString(16)} set at ${levelName(lv.level, g)}[${index}]` };
    if (isLeaf(g, depth, raw)) {
      const size = g.mode === '32-bit' && depth === 0 ? 1n << 22n : 1n << lv.shift;
      return { virt: va, steps, phys: entry.address + (va & (size - 1n)), pageSize: size };
    }
    table = nextTable(g, raw);
  }
  throw new ExoError('internal', 'page walk fell off the last level');
}

function levelName(level: TableLevel, g: Geometry): string {
  if (g.mode === '32-bit') return level === 2 ? 'PD' : 'PT';
  return ({ 1: 'PT', 2: 'PD', 3: 'PDPT', 4: 'PML4', 5: 'PML5' } as const)[level];
}

/**
 * The raw leaf entry mapping `virt`, reading one entry per level instead of whole tables (for
 * a single lookup, e.g. a fault trace's PTE before/after). Undefined where `translate` faults.
 */
export async function leafEntry(ctx: PagingContext, read: (addr: bigint, len: number) => Promise<Uint8Array>, virt: bigint, opts: PteOptions = {}): Promise<bigint | undefined> {
  const g = geometry(ctx);
  if (!g) return undefined;
  const va = BigInt.asUintN(64, virt);
  if (g.vaBits === 32 ? va > 0xffff_ffffn : canonical(va & ((1n << BigInt(g.vaBits)) - 1n), g.vaBits) !== va) return undefined;
  let table = g.root;
  for (let depth = 0; depth < g.levels.length; depth++) {
    const lv = g.levels[depth];
    const index = (va >> lv.shift) & BigInt(lv.entries - 1);
    const raw = readLE(await read(table + index * BigInt(lv.entrySize), lv.entrySize), 0, lv.entrySize);
    const e = decodePte(raw, lv.level, { ...opts, entrySize: lv.entrySize }, lv.largePages);
    if (!e.present || e.reserved !== 0n) return undefined;
    if (isLeaf(g, depth, raw)) return raw;
    table = nextTable(g, raw);
  }
  return undefined;
}
