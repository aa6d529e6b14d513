// Leaf enumeration on numbers for the whole-address-space views (summary, ranges, phys→virt):
// below 5-level paging linear addresses fit a double and entries are read as 32-bit words, so
// Linux's ~70,000 leaves cost no bigint or object per leaf. 5-level falls back to forEachLeaf.
import { canonical } from './paging';
import { forEachLeaf, nextTableWords, toMapping, type PageTableSnapshot, type WalkOptions } from './walk';
import type { PteOptions } from './pte';

/** One leaf, reused between calls (read it during the call only). */
export interface ScanLeaf {
  /** Linear address before sign extension (< 2^48, or < 2^57 on the bigint path). */
  va: number;
  /** Canonical virtual address. */
  virt(): bigint;
  /** Page frame (physical address of the page). */
  phys: number;
  /** Page size in bytes. */
  size: number;
  /** Effective permissions down the chain: RW and US at every level, NX at none. */
  writable: boolean;
  user: boolean;
  executable: boolean;
  /** The kernel's COW bit set in the leaf. */
  cow: boolean;
  /** Reserved bits set in the leaf (MAXPHYADDR, misaligned large frame). */
  garbage: boolean;
}

export interface ScanResult { readonly leaves: number; readonly truncated: boolean }

/** Bits [lo, hi) of a 64-bit entry given as words, as "any set". */
function anyBits(lo: number, hi: number, from: number, to: number): boolean {
  for (let b = from; b < to; b++) if (((b < 32 ? lo >>> b : hi >>> (b - 32)) & 1) !== 0) return true;
  return false;
}

/** Calls `visit` for every present leaf in address order; false from `visit` stops. */
export function scanLeaves(snap: PageTableSnapshot, visit: (leaf: ScanLeaf) => boolean | void, opts: WalkOptions = {}): ScanResult {
  const g = snap.geometry;
  if (g.mode === '5-level') return scanBig(snap, visit, opts);
  const max = opts.maxLeaves ?? 4_000_000;
  const physBits = Math.min(opts.physAddrBits ?? 52, 52);
  const cowBit = opts.cowBit;
  const leaf: ScanLeaf = {
    va: 0, phys: 0, size: 0, writable: false, user: false, executable: false, cow: false, garbage: false,
    virt() { return canonical(BigInt(this.va), g.vaBits); },
  };
  let count = 0;
  let stopped = false;
  const rec = (table: bigint, depth: number, base: number, rw: boolean, us: boolean, nx: boolean): void => {
    const lv = g.levels[depth];
    const words = snap.cache.loadedTableWords(table, lv.entries, lv.entrySize)!;
    const wide = lv.entrySize === 8;
    const last = depth === g.levels.length - 1;
    const scale = 2 ** Number(lv.shift);
    // PAE PDPTEs carry no RW/US/NX bits: they do not take part in the effective permissions.
    const perm = !(g.mode === 'PAE' && depth === 0);
    for (let i = 0; i < lv.entries && !stopped; i++) {
      const lo = wide ? words[2 * i] : words[i];
      if ((lo & 1) === 0) continue;
      const hi = wide ? words[2 * i + 1] : 0;
      const w = rw && (!perm || (lo & 2) !== 0);
      const u = us && (!perm || (lo & 4) !== 0);
      const n = nx || (perm && wide && hi >>> 31 === 1);
      const va = base + i * scale;
      const large = !last && lv.largePages && (lo & 0x80) !== 0;
      if (!last && !large) { rec(nextTableWords(g, lo, hi), depth + 1, va, w, u, n); continue; }
      if (count >= max) { stopped = true; return; }
      count++;
      const size = g.mode === '32-bit' && depth === 0 ? 2 ** 22 : scale;
      leaf.va = va; leaf.size = size;
      leaf.writable = w; leaf.user = u; leaf.executable = !n;
      if (wide) {
        // decodePte's address: bits 12..MAXPHYADDR-1, large frames aligned to their size.
        const frameHi = physBits > 32 ? hi & (2 ** (physBits - 32) - 1) : 0;
        leaf.phys = frameHi * 2 ** 32 + ((lo & (large ? ~(size - 1) : ~0xfff)) >>> 0);
        leaf.garbage = anyBits(lo, hi, physBits, 52) || (large && anyBits(lo, hi, 13, Number(lv.shift)));
      } else {
        leaf.phys = (lo & (large ? 0xffc0_0000 : 0xffff_f000)) >>> 0;
        leaf.garbage = false;
      }
      leaf.cow = cowBit !== undefined && ((cowBit < 32 ? lo >>> cowBit : wide ? hi >>> (cowBit - 32) : 0) & 1) === 1;
      if (visit(leaf) === false) stopped = true;
    }
  };
  rec(g.root, 0, 0, true, true, false);
  return { leaves: count, truncated: stopped && count >= max };
}

/** 5-level paging: the bigint walk, presented as ScanLeaf. */
function scanBig(snap: PageTableSnapshot, visit: (leaf: ScanLeaf) => boolean | void, opts: WalkOptions & PteOptions): ScanResult {
  let virt = 0n;
  const leaf: ScanLeaf = { va: 0, phys: 0, size: 0, writable: false, user: false, executable: false, cow: false, garbage: false, virt: () => virt };
  return forEachLeaf(snap, raw => {
    const m = toMapping(snap, raw, opts);
    virt = m.virt;
    leaf.va = Number(BigInt.asUintN(57, m.virt)); leaf.phys = Number(m.phys); leaf.size = Number(m.size);
    leaf.writable = m.writable; leaf.user = m.user; leaf.executable = m.executable;
    leaf.cow = m.leaf.cow; leaf.garbage = m.leaf.reserved !== 0n;
    return visit(leaf);
  }, opts);
}

/** Every virtual address that maps physical address `phys` (bounded like forEachLeaf). */
export function physToVirt(snap: PageTableSnapshot, phys: bigint, opts: WalkOptions = {}): { virts: bigint[]; truncated: boolean } {
  const virts: bigint[] = [];
  const target = Number(phys);
  const r = scanLeaves(snap, leaf => {
    if (target >= leaf.phys && target < leaf.phys + leaf.size) virts.push(leaf.virt() + (phys - BigInt(leaf.phys)));
  }, opts);
  return { virts, truncated: r.truncated };
}

export interface MappedRange {
  readonly start: bigint;
  readonly end: bigint;
  readonly phys: bigint;
  /** True when the range is also contiguous in physical memory. */
  readonly physContiguous: boolean;
  readonly writable: boolean;
  readonly user: boolean;
  readonly executable: boolean;
  readonly pages: number;
}

/** Coalesces leaves with equal effective permissions into ranges (richer than `info mem`). */
export function mappedRanges(snap: PageTableSnapshot, opts: WalkOptions = {}): { ranges: MappedRange[]; truncated: boolean } {
  const ranges: MappedRange[] = [];
  const r = coalesce(snap, opts, (c, startVirt) => ranges.push({
    start: startVirt, end: startVirt + BigInt(c.end - c.start), phys: BigInt(c.phys), physContiguous: c.contiguous,
    writable: c.w, user: c.u, executable: c.x, pages: c.pages,
  }));
  return { ranges, truncated: r.truncated };
}

/** How many ranges mappedRanges would give, without building them. */
export function countRanges(snap: PageTableSnapshot, opts: WalkOptions = {}): number {
  let n = 0;
  coalesce(snap, opts, () => { n++; });
  return n;
}

interface OpenRange { start: number; end: number; phys: number; physEnd: number; contiguous: boolean; w: boolean; u: boolean; x: boolean; pages: number }

function coalesce(snap: PageTableSnapshot, opts: WalkOptions, emit: (r: OpenRange, startVirt: bigint) => void): ScanResult {
  const half = 2 ** (snap.geometry.vaBits - 1);
  let cur: OpenRange | undefined;
  let curVirt = 0n;
  const r = scanLeaves(snap, leaf => {
    // No range runs across the canonical hole (2^47 → 0xffff8000_00000000 with 48 bits).
    if (cur && cur.end === leaf.va && leaf.va !== half && cur.w === leaf.writable && cur.u === leaf.user && cur.x === leaf.executable) {
      cur.contiguous &&= cur.physEnd === leaf.phys;
      cur.end = leaf.va + leaf.size; cur.physEnd = leaf.phys + leaf.size; cur.pages++;
      return;
    }
    if (cur) emit(cur, curVirt);
    cur = { start: leaf.va, end: leaf.va + leaf.size, phys: leaf.phys, physEnd: leaf.phys + leaf.size, contiguous: true, w: leaf.writable, u: leaf.user, x: leaf.executable, pages: 1 };
    curVirt = leaf.virt();
  }, opts);
  if (cur) emit(cur, curVirt);
  return r;
}
