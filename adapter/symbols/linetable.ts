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
  pcs: number[] = [];
  lines: number[] = [];
  flags: number[] = [];
  /** @internal set once the table is in its CuLineTable's `subfiles` (creation order matters). */
  listed = false;
  constructor(readonly path: string, readonly base: bigint) {}
  get length(): number { return this.pcs.length; }
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
  private readonly seqs: LineSequence[];
  private readonly byFileIndex: (SubfileTable | undefined)[] = [];
  /** Tables by path; one joins `subfiles` when its first entry is recorded (gdb's creation order). */
  private readonly known = new Map<string, SubfileTable>();

  /**
   * @param primary the unit's main source file (comp_dir/DW_AT_name): gdb lists its table first,
   *   the others in reverse order of creation.
   */
  constructor(readonly program: LineProgram, hasSectionAtZero: boolean, primary?: string) {
    this.seqs = program.columns().filter(s => s.delta.length > 0 && (hasSectionAtZero || s.start !== 0n || s.delta[0] !== 0));
    let base: bigint | undefined;
    for (const s of this.seqs) { const st = BigInt.asIntN(64, s.start); if (base === undefined || st < base) base = st; }
    this.base = base ?? 0n;
    for (const seq of this.seqs) this.addSequence(seq);
    const order = [...this.subfiles.keys()].reverse();
    const pi = primary === undefined ? -1 : order.indexOf(primary);
    if (pi > 0) { order.splice(pi, 1); order.unshift(primary!); }
    const tables = new Map(this.subfiles);
    this.subfiles.clear();
    for (const k of order) {
      const t = tables.get(k)!;
      if (t.length) this.subfiles.set(k, sortTable(t));
    }
    this.seqs.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** gdb's buildsym record_line: an end marker (line 0) deletes entries at its pc. */
  private record(t: SubfileTable, line: number, pc: number, flags: number): void {
    if (!t.listed) { t.listed = true; this.subfiles.set(t.path, t); }
    if (line === 0) {
      let lastLine: number | undefined;
      while (t.pcs.length) {
        const i = t.pcs.length - 1;
        lastLine = t.lines[i];
        if (t.pcs[i] !== pc) break;
        t.pcs.pop(); t.lines.pop(); t.flags.pop();
      }
      if (lastLine === undefined || lastLine === 0) return;
    }
    t.pcs.push(pc); t.lines.push(line); t.flags.push(flags);
  }

  /** The subfile of a row's file register (cached per register: rows compare tables, not paths). */
  private subfileOf(file: number): SubfileTable {
    let t = this.byFileIndex[file];
    if (!t) {
      const fe = this.program.file(file);
      const path = fe ? fe.path : `<file ${file}>`;
      t = this.known.get(path);
      if (!t) { t = new SubfileTable(path, this.base); this.known.set(path, t); }
      this.byFileIndex[file] = t;
    }
    return t;
  }

  /** gdb's lnp_state_machine::record_line over one sequence. */
  private addSequence(q: LineSequence): void {
    const off = Number(BigInt.asIntN(64, q.start) - this.base);
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
    for (const q of this.seqs) {
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

/** Stable sort by pc; an end marker sorts before other entries at its pc (gdb's lte_is_less_than). */
function sortTable(t: SubfileTable): SubfileTable {
  const n = t.pcs.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    if (t.pcs[i] < t.pcs[i - 1] || (t.pcs[i] === t.pcs[i - 1] && t.lines[i] === 0 && t.lines[i - 1] !== 0)) sorted = false;
  }
  if (sorted) return t;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => {
    if (t.pcs[a] !== t.pcs[b]) return t.pcs[a] - t.pcs[b];
    const za = t.lines[a] === 0, zb = t.lines[b] === 0;
    if (za !== zb) return za ? -1 : 1;
    return a - b;
  });
  const out = new SubfileTable(t.path, t.base);
  out.pcs = idx.map(i => t.pcs[i]); out.lines = idx.map(i => t.lines[i]); out.flags = idx.map(i => t.flags[i]);
  return out;
}

/** gdb's filename matching for `FILE:LINE`: equal, or the query matches whole trailing components. */
export function fileMatches(path: string, query: string): boolean {
  if (path === query) return true;
  if (query.startsWith('/')) return false;
  const q = query.startsWith('./') ? query.slice(2) : query;
  return path === q || path.endsWith('/' + q);
}
