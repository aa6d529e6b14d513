// Line tables as gdb builds them from a unit's line program: one table per source file
// ("subfile"), sorted by address, with gdb's rules for file switches at one address, line-0
// rows, discriminators and GC'd sequences at address 0. Queries: pc → line (gdb's
// find_pc_sect_line) and the raw row for columns. Keeping gdb's rules is what makes our
// breakpoint addresses and `info line` answers agree with gdb's. Tables are columnar, with
// addresses as JS numbers relative to the unit's lowest address (no object per row).
import { ROW_END, ROW_PROLOGUE_END, ROW_STMT, type LineProgram, type LineRow, type LineSequence } from './dwarf/line';

export interface PcLine {
  file: string;
  line: number;
  /** Start of the line-table entry covering the pc. */
  pc: bigint;
  /** Address of the next entry (gdb's sal.end), if known. */
  end?: bigint;
  isStmt: boolean;
}

/** One source file's entries in a unit, sorted by address; end markers have line 0. */
export class SubfileTable {
  // Typed columns (off the JS heap: a vmlinux unit has ~10^5 entries); trimmed by finish().
  pcs: Float64Array;
  lines: Uint32Array;
  flags: Uint8Array;
  /** @internal entries while building (then pcs.length). */
  n = 0;
  /** @internal set once the table is in its CuLineTable's `subfiles` (creation order matters). */
  listed = false;
  /** @param base what pcs are offsets from (set once the unit's lowest address is known)
   *  @param cap expected entries */
  constructor(readonly path: string, public base: bigint, cap = 16) {
    cap = Math.max(1, cap);
    this.pcs = new Float64Array(cap); this.lines = new Uint32Array(cap); this.flags = new Uint8Array(cap);
  }
  get length(): number { return this.n; }
  /** @internal */
  push(pc: number, line: number, flags: number): void {
    if (this.n === this.pcs.length) {
      const cap = this.n * 2;
      const p = new Float64Array(cap); p.set(this.pcs); this.pcs = p;
      const l = new Uint32Array(cap); l.set(this.lines); this.lines = l;
      const f = new Uint8Array(cap); f.set(this.flags); this.flags = f;
    }
    this.pcs[this.n] = pc; this.lines[this.n] = line; this.flags[this.n] = flags;
    this.n++;
  }
  /** @internal drops the spare capacity: afterwards pcs.length === length. */
  finish(): this {
    // Views, not copies: the spare tail was never written (untouched memory costs nothing).
    this.pcs = this.pcs.subarray(0, this.n); this.lines = this.lines.subarray(0, this.n); this.flags = this.flags.subarray(0, this.n);
    return this;
  }
  pc(i: number): bigint { return BigInt.asUintN(64, this.base + BigInt(this.pcs[i])); }
  isStmt(i: number): boolean { return (this.flags[i] & ROW_STMT) !== 0; }
  prologueEnd(i: number): boolean { return (this.flags[i] & ROW_PROLOGUE_END) !== 0; }
  /** First index whose pc is > off (upper bound), or >= off when `strict` is false. */
  bound(off: number, strict: boolean): number {
    const p = this.pcs;
    let lo = 0, hi = p.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (strict ? p[m] <= off : p[m] < off) lo = m + 1; else hi = m; }
    return lo;
  }
}

export class CuLineTable {
  /** path → table. Order matters: gdb's first table wins ties in lookups. */
  readonly subfiles = new Map<string, SubfileTable>();
  /** Addresses in tables are offsets from this (the lowest sequence start, as a signed 64-bit
   *  value: a kernel unit may span the low boot code and the higher half, 2^64 apart unsigned). */
  readonly base: bigint;
  /** Tables by file register: dense (growing a holey array changed its map under V8's optimized
   *  addSequence, a deopt per unit); registers past the header's files go through `extra`. */
  private readonly byFileIndex: (SubfileTable | undefined)[];
  private readonly extra = new Map<number, SubfileTable>();
  /** Tables by path; one joins `subfiles` when its first entry is recorded (gdb's creation order). */
  private readonly known = new Map<string, SubfileTable>();
  /** What offsets are taken from while the sequences stream in (the first one's start). */
  private firstStart = 0n;
  private low: bigint | undefined;

  /**
   * @param primary the unit's main source file (comp_dir/DW_AT_name): gdb lists its table first,
   *   the others in reverse order of creation.
   */
  constructor(readonly program: LineProgram, private readonly hasSectionAtZero: boolean, private readonly primary?: string) {
    this.byFileIndex = new Array<SubfileTable | undefined>(program.files.length).fill(undefined);
    // Sequences stream from the program (no row columns kept): offsets are taken from the first
    // start and moved to the lowest one at the end.
    program.eachSequence(this);
    this.base = this.low ?? 0n;
    const shift = Number(this.firstStart - this.base);
    const order = [...this.subfiles.keys()].reverse();
    const pi = primary === undefined ? -1 : order.indexOf(primary);
    if (pi > 0) { order.splice(pi, 1); order.unshift(primary!); }
    const tables = new Map(this.subfiles);
    this.subfiles.clear();
    for (const k of order) {
      const t = tables.get(k)!;
      if (!t.length) continue;
      t.finish();
      if (shift) shiftPcs(t.pcs, shift);
      t.base = this.base;
      this.subfiles.set(k, sortTable(t));
    }
  }

  /** @internal SequenceSink: one sequence of the program, in order. */
  sequence(q: LineSequence): void {
    if (!keepSequence(q, this.hasSectionAtZero)) return;
    const st = BigInt.asIntN(64, q.start);
    if (this.low === undefined) this.firstStart = st;
    if (this.low === undefined || st < this.low) this.low = st;
    this.addSequence(q);
  }

  /** gdb's buildsym record_line: an end marker (line 0) deletes entries at its pc. */
  private record(t: SubfileTable, line: number, pc: number, flags: number): void {
    if (!t.listed) { t.listed = true; this.subfiles.set(t.path, t); }
    if (line === 0) {
      let lastLine: number | undefined;
      while (t.n) {
        const i = t.n - 1;
        lastLine = t.lines[i];
        if (t.pcs[i] !== pc) break;
        t.n--;
      }
      if (lastLine === undefined || lastLine === 0) return;
    }
    t.push(pc, line, flags);
  }

  /** The subfile of a row's file register (cached per register: rows compare tables, not paths). */
  private subfileOf(file: number): SubfileTable {
    let t = file < this.byFileIndex.length ? this.byFileIndex[file] : this.extra.get(file);
    if (!t) {
      const fe = this.program.file(file);
      const path = fe ? fe.path : `<file ${file}>`;
      t = this.known.get(path);
      // The unit's own file gets most rows: sized for them at once (regrowth copies fresh memory).
      if (!t) { t = new SubfileTable(path, this.firstStart, path === this.primary ? this.program.rowEstimate : 64); this.known.set(path, t); }
      if (file < this.byFileIndex.length) this.byFileIndex[file] = t; else this.extra.set(file, t);
    }
    return t;
  }

  /** gdb's lnp_state_machine::record_line over one sequence. */
  private addSequence(q: LineSequence): void {
    const off = Number(BigInt.asIntN(64, q.start) - this.firstStart);
    let lastFile: SubfileTable | undefined;
    let lastLine = 0;
    let lastAddress: number | undefined;
    let stmtAtAddress = false;
    let nonZeroDisc = false;
    let prevLine = -1;
    const { delta, flags, opIndex, file, line: lines, disc } = q;
    for (let i = 0; i < delta.length; i++) {
      const fl = flags[i];
      const end = (fl & ROW_END) !== 0;
      if (opIndex[i] !== 0 && !end) continue;
      const addr = off + delta[i], line = lines[i], stmt = (fl & ROW_STMT) !== 0;
      const t = this.subfileOf(file[i]);
      nonZeroDisc = line !== prevLine ? disc[i] !== 0 : nonZeroDisc || disc[i] !== 0;
      prevLine = line;
      const fileChanged = lastFile !== t;
      // A non-stmt row switching files at an address that already has a stmt row is dropped.
      const ignore = (fileChanged && !end && lastAddress === addr && !stmt && stmtAtAddress) || (!end && line === 0);
      if ((fileChanged && !ignore) || end) {
        if (lastFile !== undefined) this.record(lastFile, 0, addr, ROW_STMT);
      }
      if (!end && !ignore) {
        if (fileChanged || line !== lastLine || !nonZeroDisc) this.record(t, line, addr, fl & (ROW_STMT | ROW_PROLOGUE_END));
        lastFile = t;
        lastLine = line;
      }
      if (lastAddress !== addr) { stmtAtAddress = false; lastAddress = addr; }
      stmtAtAddress ||= stmt;
    }
  }

  /** The pc as an offset into the tables, or undefined when outside the number range. */
  offsetOf(pc: bigint): number | undefined {
    const d = BigInt.asIntN(64, pc) - this.base;
    if (d < 0n) return -1;
    return d > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(d);
  }

  /** gdb's find_pc_sect_line over this unit's tables. */
  lookup(pc: bigint): PcLine | undefined {
    const off = this.offsetOf(pc);
    if (off === undefined || off < 0) return undefined;
    let best: SubfileTable | undefined, bi = -1, bestEnd = -1;
    let altPc: number | undefined;
    for (const t of this.subfiles.values()) {
      const p = t.pcs;
      if (p[0] > off && (altPc === undefined || p[0] < altPc)) altPc = p[0];
      const item = t.bound(off, true);
      const prev = item - 1;
      // A real line beats an end marker at the same pc (file switch inside one address).
      if (prev >= 0 && (!best || p[prev] > best.pcs[bi] || (p[prev] === best.pcs[bi] && best.lines[bi] === 0 && t.lines[prev] !== 0))) {
        let b = prev;
        if (!t.isStmt(b)) {
          let tmp = b;
          while (tmp > 0 && p[tmp - 1] === p[tmp] && t.lines[tmp - 1] !== 0 && !t.isStmt(tmp)) tmp--;
          if (t.isStmt(tmp)) b = tmp;
        }
        best = t; bi = b;
        if (bestEnd <= p[b]) bestEnd = -1;
      }
      if (best && item < p.length && p[item] > best.pcs[bi] && (bestEnd < 0 || bestEnd > p[item])) bestEnd = p[item];
    }
    if (!best || best.lines[bi] === 0) return undefined;
    let end: number | undefined;
    if (bestEnd >= 0 && (altPc === undefined || bestEnd < altPc)) end = bestEnd;
    else if (altPc !== undefined) end = altPc;
    return { file: best.path, line: best.lines[bi], pc: best.pc(bi), end: end === undefined ? undefined : BigInt.asUintN(64, this.base + BigInt(end)), isStmt: best.isStmt(bi) };
  }

  /** The raw row covering pc (for the column), if any sequence covers it. */
  rowAt(pc: bigint): LineRow | undefined {
    // The rows themselves are not kept by the table: the program's columns (run once) serve.
    for (const q of this.program.columns()) {
      if (!keepSequence(q, this.hasSectionAtZero)) continue;
      const n = q.delta.length;
      const rel = pc - q.start;
      if (rel < BigInt(q.delta[0]) || rel >= BigInt(q.delta[n - 1])) continue;
      const r = Number(rel);
      let found = -1;
      for (let i = 0; i < n; i++) { if (q.delta[i] > r) break; if ((q.flags[i] & ROW_END) === 0) found = i; }
      if (found < 0) return undefined;
      return {
        address: q.start + BigInt(q.delta[found]), file: q.file[found], line: q.line[found], column: q.column[found],
        isStmt: (q.flags[found] & ROW_STMT) !== 0, basicBlock: false, endSequence: false,
        prologueEnd: (q.flags[found] & ROW_PROLOGUE_END) !== 0, epilogueBegin: false, discriminator: q.disc[found], opIndex: q.opIndex[found],
      };
    }
    return undefined;
  }

  /** Paths of every subfile with entries. */
  files(): string[] { return [...this.subfiles.keys()]; }
}

/** Sequences gdb keeps: not empty, and not at address 0 (GC'd code) unless something lives there. */
function keepSequence(q: LineSequence, hasSectionAtZero: boolean): boolean {
  return q.delta.length > 0 && (hasSectionAtZero || q.start !== 0n || q.delta[0] !== 0);
}

/** Moves offsets taken from the first sequence's start to offsets from the lowest one. */
function shiftPcs(p: Float64Array, shift: number): void {
  for (let i = 0; i < p.length; i++) p[i] += shift;
}

/**
 * Stable sort by pc; an end marker sorts before other entries at its pc (gdb's lte_is_less_than).
 * Entries arrive as a few sorted runs (one per sequence): a natural merge sort of indices.
 */
function sortTable(t: SubfileTable): SubfileTable {
  const runs = runStarts(t.pcs, t.lines);
  if (runs.length > 1) permute(t, mergeRuns(t.pcs, t.lines, runs));
  return t;
}

// The phases are separate small functions: V8 optimizes a long loop while it runs (OSR), and code
// after the loop that had not run yet then deoptimizes it, once per table (10x on a vmlinux).

/** Starts of the sorted runs (gdb's lte_is_less_than order). */
function runStarts(P: Float64Array, L: Uint32Array): number[] {
  const runs: number[] = [0];
  for (let i = 1; i < P.length; i++) if (P[i] < P[i - 1] || (P[i] === P[i - 1] && L[i] === 0 && L[i - 1] !== 0)) runs.push(i);
  return runs;
}

/** Natural merge sort of indices over the runs; returns the sorted order. */
function mergeRuns(P: Float64Array, L: Uint32Array, starts: number[]): Int32Array {
  const n = P.length;
  let runs = [...starts, n];
  let src = new Int32Array(n), dst = new Int32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  while (runs.length > 2) {
    const m = runs.length - 1, next = [0];
    for (let k = 0; k < m; k += 2) {
      const lo = runs[k], mid = runs[k + 1], hi = k + 2 <= m ? runs[k + 2] : mid;
      let i = lo, j = mid, o = lo;
      while (i < mid && j < hi) {
        const a = src[j], b = src[i];
        dst[o++] = P[a] < P[b] || (P[a] === P[b] && L[a] === 0 && L[b] !== 0) ? src[j++] : src[i++];
      }
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
      next.push(hi);
    }
    const tmp = src; src = dst; dst = tmp;
    runs = next;
  }
  return src;
}

/** Reorders the table's columns in place through one scratch column. */
function permute(t: SubfileTable, order: Int32Array): void {
  const n = order.length;
  const p2 = new Float64Array(n);
  gatherF64(p2, t.pcs, order); t.pcs.set(p2);
  const l2 = new Uint32Array(p2.buffer, 0, n);
  gatherU32(l2, t.lines, order); t.lines.set(l2);
  const f2 = new Uint8Array(p2.buffer, 0, n);
  gatherU8(f2, t.flags, order); t.flags.set(f2);
}

// One loop per function and per element type: an optimized loop is not deoptimized by code
// after it that had not run yet, nor by a column of another type (7 deopts per vmlinux run).
function gatherF64(dst: Float64Array, src: Float64Array, order: Int32Array): void { for (let i = 0; i < order.length; i++) dst[i] = src[order[i]]; }
function gatherU32(dst: Uint32Array, src: Uint32Array, order: Int32Array): void { for (let i = 0; i < order.length; i++) dst[i] = src[order[i]]; }
function gatherU8(dst: Uint8Array, src: Uint8Array, order: Int32Array): void { for (let i = 0; i < order.length; i++) dst[i] = src[order[i]]; }

/** gdb's filename matching for `FILE:LINE`: equal, or the query matches whole trailing components. */
export function fileMatches(path: string, query: string): boolean {
  if (path === query) return true;
  if (query.startsWith('/')) return false;
  const q = query.startsWith('./') ? query.slice(2) : query;
  return path === q || path.endsWith('/' + q);
}
