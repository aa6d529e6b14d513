// Breakpoint addresses as gdb chooses them: `break FILE:LINE` (is_stmt entries of the line, or
// of the next line with code; one per block; prologue skipped at function starts), `break FUNC`
// (every concrete function and inlined copy named FUNC, after the prologue) and `info line`.
import { ExoError } from '../../common/errors';
import type { Unit } from '../dwarf/unit';
import { fileMatches, type SubfileTable } from '../linetable';
import type { SymbolFile } from '../symbolfile';
import { unitsWithFile } from './fileindex';
import { NameMatcher } from './names';
import { skipPrologue } from './prologue';

export interface BreakpointLocation { address: bigint; function?: string; file?: string; line?: number; inlined?: boolean }
export type LineBreakpoints =
  | { ok: true; file: string; requestedLine: number; line: number; addresses: bigint[]; locations: BreakpointLocation[] }
  | { ok: false; reason: string };
export type FunctionBreakpoints =
  | { ok: true; name: string; addresses: bigint[]; locations: BreakpointLocation[] }
  | { ok: false; reason: string };
export type InfoLineResult =
  | { ok: true; file: string; line: number; start: bigint; end: bigint; noCode: boolean }
  | { ok: false; reason: string };

interface Symtab { unit: Unit; path: string; table: SubfileTable }

/** Units whose line program names a file matching `file`, with their matching subfiles. */
function symtabsFor(sf: SymbolFile, file: string): Symtab[] {
  const out: Symtab[] = [];
  const base = file.slice(file.lastIndexOf('/') + 1);
  for (const u of unitsWithFile(sf, file)) {
    // Same base name is not the same file (kernel/irq/core.c vs kernel/sched/core.c): check the
    // header's full paths before running the program (only of entries with that base name: a
    // path is built by joining and normalizing).
    const off = u.lineProgramOffset();
    if (off === undefined || !sf.dwarf.lineProgram(off, u).files.some(f => f && f.name.endsWith(base) && fileMatches(f.path, file))) continue;
    const lt = sf.lineTable(u);
    if (!lt) continue;
    for (const [path, table] of lt.subfiles) if (fileMatches(path, file)) out.push({ unit: u, path, table });
  }
  return out;
}

/** find_pcs_for_symtab_line over all symtabs: exact is_stmt pcs, else the best (next) line. */
function pcsForLine(tabs: Symtab[], line: number): { hits: { tab: Symtab; pc: bigint }[]; best?: number } {
  const hits: { tab: Symtab; pc: bigint }[] = [];
  let best: number | undefined;
  for (const tab of tabs) {
    let tabBest: number | undefined;
    let exact = false;
    const t = tab.table;
    for (let i = 0; i < t.length; i++) {
      if (!t.isStmt(i)) continue;
      const l = t.lines[i];
      if (l === line) { hits.push({ tab, pc: t.pc(i) }); exact = true; }
      else if (!exact && l > line && (tabBest === undefined || l < tabBest)) tabBest = l;
    }
    if (!exact && tabBest !== undefined && (best === undefined || tabBest < best)) best = tabBest;
  }
  return { hits, best };
}

/** Keeps the first pc of each innermost block (gdb: one location per block for a line). */
function filterByBlock(sf: SymbolFile, hits: { tab: Symtab; pc: bigint }[]): { tab: Symtab; pc: bigint; fn?: string }[] {
  const seen = new Set<string>();
  const out: { tab: Symtab; pc: bigint; fn?: string }[] = [];
  for (const h of hits) {
    const blocks = sf.functions(h.tab.unit).blocksAt(h.pc);
    const real = blocks.filter(b => b.real);
    const inner = real[real.length - 1];
    const fnBlock = [...real].reverse().find(b => b.kind !== 'lexical');
    const fn = fnBlock ? (fnBlock.die.qualifiedName() ?? fnBlock.die.name()) : undefined;
    if (inner) {
      const key = `${h.tab.unit.offset}:${inner.die.offset}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push({ ...h, fn });
  }
  return out;
}

const sortUnique = (xs: bigint[]) => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function breakpointsForLine(sf: SymbolFile, file: string, line: number): LineBreakpoints {
  if (!Number.isInteger(line) || line <= 0) throw new ExoError('user', `line ${line} is not a positive line number`);
  const tabs = symtabsFor(sf, file);
  if (!tabs.length) return { ok: false, reason: `No source file named ${file}.` };
  const first = pcsForLine(tabs, line);
  const best = first.best;
  let hits = first.hits;
  let used = line;
  if (!hits.length && best !== undefined) { used = best; hits = pcsForLine(tabs, best).hits; }
  if (!hits.length) return { ok: false, reason: `No line ${line} in file "${file}".` };
  const locations: BreakpointLocation[] = [];
  for (const h of filterByBlock(sf, hits)) {
    const pc = skipPrologue(sf, h.pc);
    // gdb reports the line found after skipping a prologue, else the line asked for.
    const at = pc !== h.pc ? sf.lineForPc(pc) : undefined;
    locations.push({ address: pc, function: h.fn, file: at?.file ?? h.tab.path, line: at?.line ?? used });
  }
  const seen = new Set<bigint>();
  const uniq = locations.filter(l => (seen.has(l.address) ? false : (seen.add(l.address), true))).sort((a, b) => (a.address < b.address ? -1 : 1));
  return { ok: true, file: tabs[0].path, requestedLine: line, line: used, addresses: uniq.map(l => l.address), locations: uniq };
}

/** gdb's `info line FILE:LINE` (list mode): the first exact is_stmt entry, else the next line's. */
export function infoLine(sf: SymbolFile, file: string, line: number): InfoLineResult {
  const tabs = symtabsFor(sf, file);
  if (!tabs.length) return { ok: false, reason: `No source file named ${file}.` };
  let pick: { tab: Symtab; line: number; pc: bigint } | undefined;
  let bestLine: number | undefined;
  for (const tab of tabs) {
    const t = tab.table;
    for (let i = 0; i < t.length; i++) {
      if (!t.isStmt(i)) continue;
      const l = t.lines[i];
      if (l === line) { pick = { tab, line: l, pc: t.pc(i) }; break; }
      if (l > line && (bestLine === undefined || l < bestLine)) { bestLine = l; pick = { tab, line: l, pc: t.pc(i) }; }
    }
    if (pick && pick.line === line) break;
  }
  if (!pick) return { ok: false, reason: `Line ${line} is out of range for "${file}".` };
  const found = sf.lineForPc(pick.pc);
  const start = found?.pc ?? pick.pc;
  const same = found?.line === line;
  return { ok: true, file: pick.tab.path, line, start, end: same ? (found?.end ?? start) : start, noCode: !same };
}

/** Units to search for a function name: all (small binaries) or those the ELF symbols point to. */
function unitsForName(sf: SymbolFile, name: string): Unit[] {
  const info = sf.dwarf.sections.info;
  if (!info || info.size < 48 * 1024 * 1024) return sf.units();
  const units = new Map<number, Unit>();
  for (const s of sf.elf.symbols().byNameAll(name)) {
    if (s.type !== 'func' || s.value === 0n) continue;
    const u = sf.unitForPc(s.value);
    if (u) units.set(u.offset, u);
  }
  return [...units.values()];
}

export function breakpointsForFunction(sf: SymbolFile, name: string): FunctionBreakpoints {
  const q = name.trim();
  if (!q) throw new ExoError('user', 'an empty function name');
  const locations: BreakpointLocation[] = [];
  const seen = new Set<bigint>();
  const add = (loc: BreakpointLocation) => { if (!seen.has(loc.address)) { seen.add(loc.address); locations.push(loc); } };
  const matcher = new NameMatcher(sf, q);
  for (const u of unitsForName(sf, q)) {
    let named: Set<number>;
    try { named = matcher.subprograms(u); } catch { continue; }
    if (!named.size) continue;
    const fns = sf.functions(u);
    for (const fn of fns.list) {
      if (!named.has(fn.die.offset)) continue;
      const pc = skipPrologue(sf, fn.entry);
      const at = sf.lineForPc(pc);
      add({ address: pc, function: fn.name, file: at?.file, line: at?.line });
    }
    let insts: ReturnType<typeof fns.inlinedInstances> = [];
    try { insts = fns.inlinedInstances(named); } catch { /* an unreadable subtree: the concrete copies stand */ }
    for (const inst of insts) {
      const pc = skipPrologue(sf, inst.entry);
      const at = sf.lineForPc(pc);
      add({ address: pc, function: inst.die.qualifiedName(), file: at?.file, line: at?.line, inlined: true });
    }
  }
  if (!locations.length) {
    // No debug info for it: gdb falls back to the ELF symbol (minimal symbol).
    const s = sf.symbolByName(q);
    if (s && s.type === 'func' && s.value !== 0n) add({ address: s.value, function: s.name });
  }
  if (!locations.length) return { ok: false, reason: `Function "${q}" not defined.` };
  locations.sort((a, b) => (a.address < b.address ? -1 : 1));
  return { ok: true, name: q, addresses: sortUnique(locations.map(l => l.address)), locations };
}
