// Line tables as gdb builds them from a unit's line program: one table per source file
// ("subfile"), sorted by address, with gdb's rules for file switches at one address, line-0
// rows, discriminators and GC'd sequences at address 0. Queries: pc → line (gdb's
// find_pc_sect_line) and the raw rows for columns. Keeping gdb's rules is what makes our
// breakpoint addresses and `info line` answers agree with gdb's.
import type { LineProgram, LineRow } from './dwarf/line';

export interface LtEntry { pc: bigint; line: number; isStmt: boolean; prologueEnd: boolean }

export interface PcLine {
  file: string;
  line: number;
  /** Start of the line-table entry covering the pc. */
  pc: bigint;
  /** Address of the next entry (gdb's sal.end), if known. */
  end?: bigint;
  isStmt: boolean;
}

export class CuLineTable {
  /** path → entries sorted by pc (end markers have line 0). Insertion order = first use order. */
  readonly subfiles = new Map<string, LtEntry[]>();
  /** Raw sequences kept (sorted by start address) for column lookups. */
  private readonly seqs: LineRow[][];

  /**
   * @param primary the unit's main source file (comp_dir/DW_AT_name): gdb lists its table first,
   *   the others in reverse order of creation, and the first table wins ties in lookups.
   */
  constructor(readonly program: LineProgram, hasSectionAtZero: boolean, primary?: string) {
    this.seqs = program.sequences().filter(s => s.length > 0 && (hasSectionAtZero || s[0].address !== 0n));
    for (const seq of this.seqs) this.addSequence(seq);
    const order = [...this.subfiles.keys()].reverse();
    const pi = primary === undefined ? -1 : order.indexOf(primary);
    if (pi > 0) { order.splice(pi, 1); order.unshift(primary!); }
    const tables = new Map(this.subfiles);
    this.subfiles.clear();
    for (const k of order) this.subfiles.set(k, tables.get(k)!);
    for (const [k, v] of this.subfiles) {
      // Stable sort by pc; an end marker sorts before other entries at its pc (gdb's lte_is_less_than).
      v.sort((a, b) => (a.pc < b.pc ? -1 : a.pc > b.pc ? 1 : (a.line === 0) === (b.line === 0) ? 0 : a.line === 0 ? -1 : 1));
      if (v.length === 0) this.subfiles.delete(k);
    }
    this.seqs.sort((a, b) => (a[0].address < b[0].address ? -1 : a[0].address > b[0].address ? 1 : 0));
  }

  private table(path: string): LtEntry[] {
    let t = this.subfiles.get(path);
    if (!t) { t = []; this.subfiles.set(path, t); }
    return t;
  }

  /** gdb's buildsym record_line: an end marker (line 0) deletes entries at its pc. */
  private record(path: string, line: number, pc: bigint, isStmt: boolean, prologueEnd: boolean): void {
    const t = this.table(path);
    if (line === 0) {
      let lastLine: number | undefined;
      while (t.length) {
        const last = t[t.length - 1];
        lastLine = last.line;
        if (last.pc !== pc) break;
        t.pop();
      }
      if (lastLine === undefined || lastLine === 0) return;
    }
    t.push({ pc, line, isStmt, prologueEnd });
  }

  /** gdb's lnp_state_machine::record_line over one sequence. */
  private addSequence(seq: LineRow[]): void {
    let lastFile: string | undefined;
    let lastLine = 0;
    let lastAddress: bigint | undefined;
    let stmtAtAddress = false;
    let nonZeroDisc = false;
    let prevLine = -1;
    for (const r of seq) {
      if (r.opIndex !== 0 && !r.endSequence) continue;
      const fe = this.program.file(r.file);
      const path = fe ? fe.path : `<file ${r.file}>`;
      nonZeroDisc = r.line !== prevLine ? r.discriminator !== 0 : nonZeroDisc || r.discriminator !== 0;
      prevLine = r.line;
      const fileChanged = lastFile !== path;
      // A non-stmt row switching files at an address that already has a stmt row is dropped.
      const ignore = (fileChanged && !r.endSequence && lastAddress === r.address && !r.isStmt && stmtAtAddress) || (!r.endSequence && r.line === 0);
      if ((fileChanged && !ignore) || r.endSequence) {
        if (lastFile !== undefined) this.record(lastFile, 0, r.address, true, false);
      }
      if (!r.endSequence && !ignore) {
        if (fileChanged || r.line !== lastLine || !nonZeroDisc) this.record(path, r.line, r.address, r.isStmt, r.prologueEnd);
        lastFile = path;
        lastLine = r.line;
      }
      if (lastAddress !== r.address) { stmtAtAddress = false; lastAddress = r.address; }
      stmtAtAddress ||= r.isStmt;
    }
  }

  /** gdb's find_pc_sect_line over this unit's tables. */
  lookup(pc: bigint): PcLine | undefined {
    let best: LtEntry | undefined, bestFile: string | undefined, bestEnd = 0n;
    let alt: LtEntry | undefined;
    for (const [file, t] of this.subfiles) {
      if (!t.length) continue;
      if (t[0].pc > pc && (!alt || t[0].pc < alt.pc)) alt = t[0];
      // upper_bound: first entry with pc > target
      let lo = 0, hi = t.length;
      while (lo < hi) { const m = (lo + hi) >> 1; if (t[m].pc <= pc) lo = m + 1; else hi = m; }
      const item = lo;
      const prev = item > 0 ? item - 1 : -1;
      // A real line beats an end marker at the same pc (file switch inside one address).
      if (prev >= 0 && (!best || t[prev].pc > best.pc || (t[prev].pc === best.pc && best.line === 0 && t[prev].line !== 0))) {
        let b = prev;
        if (!t[b].isStmt) {
          let tmp = b;
          while (tmp > 0 && t[tmp - 1].pc === t[tmp].pc && t[tmp - 1].line !== 0 && !t[tmp].isStmt) tmp--;
          if (t[tmp].isStmt) b = tmp;
        }
        best = t[b]; bestFile = file;
        if (bestEnd <= best.pc) bestEnd = 0n;
      }
      if (best && item < t.length && t[item].pc > best.pc && (bestEnd === 0n || bestEnd > t[item].pc)) bestEnd = t[item].pc;
    }
    if (!best || best.line === 0 || bestFile === undefined) return undefined;
    let end: bigint | undefined;
    if (bestEnd && (!alt || bestEnd < alt.pc)) end = bestEnd;
    else if (alt) end = alt.pc;
    return { file: bestFile, line: best.line, pc: best.pc, end, isStmt: best.isStmt };
  }

  /** The raw row covering pc (for the column), if any sequence covers it. */
  rowAt(pc: bigint): LineRow | undefined {
    for (const s of this.seqs) {
      if (pc < s[0].address || pc >= s[s.length - 1].address) continue;
      let found: LineRow | undefined;
      for (const r of s) { if (r.address > pc) break; if (!r.endSequence) found = r; }
      return found;
    }
    return undefined;
  }

  /** Paths of every subfile with entries. */
  files(): string[] { return [...this.subfiles.keys()]; }
}

/** gdb's filename matching for `FILE:LINE`: equal, or the query matches whole trailing components. */
export function fileMatches(path: string, query: string): boolean {
  if (path === query) return true;
  if (query.startsWith('/')) return false;
  const q = query.startsWith('./') ? query.slice(2) : query;
  return path === q || path.endsWith('/' + q);
}
