// Source file name → units whose line program lists it, built once from the line program
// headers only (no DIE trees, no line rows), so `FILE:LINE` on a vmlinux stays cheap. The
// programs are walked in .debug_line order and matched to units by position (the linker keeps
// both sections in input order), checking each guess against the unit's DW_AT_stmt_list.
import { LineProgram } from '../dwarf/line';
import type { DebugLineOffset } from '../dwarf/offsets';
import type { Unit } from '../dwarf/unit';
import type { SymbolFile } from '../symbolfile';

interface FileIndex { byName: Map<string, number[]>; programs: number[]; unitOf: Map<number, Unit | null>; error?: unknown }
const indexes = new WeakMap<SymbolFile, FileIndex>();

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

function build(sf: SymbolFile): FileIndex {
  const idx: FileIndex = { byName: new Map(), programs: [], unitOf: new Map() };
  const sec = sf.dwarf.sections.line;
  if (!sec) return idx;
  const lineStrCache = new Map<number, string>();
  const addr = sf.units()[0]?.addressSize ?? 8;
  for (let off = 0; off < sec.size;) {
    let lp: LineProgram;
    try {
      lp = LineProgram.parse(sec, off as DebugLineOffset, { addressSize: addr, sections: sf.dwarf.sections, lineStrCache });
    } catch (e) { idx.error = e; break; } // the rest cannot be walked; units found so far still answer
    const i = idx.programs.length;
    idx.programs.push(off);
    const seen = new Set<string>();
    for (const f of lp.files) {
      if (!f) continue;
      const b = baseName(f.name);
      if (seen.has(b)) continue;
      seen.add(b);
      const l = idx.byName.get(b);
      if (l) l.push(i); else idx.byName.set(b, [i]);
    }
    off = lp.end;
  }
  return idx;
}

/** The unit whose DW_AT_stmt_list is program `i` of the index. */
function unitFor(sf: SymbolFile, idx: FileIndex, i: number): Unit | undefined {
  const off = idx.programs[i];
  if (idx.unitOf.has(off)) return idx.unitOf.get(off) ?? undefined;
  const units = sf.units();
  const stmt = (u: Unit) => { try { return u.lineProgramOffset(); } catch { return undefined; } };
  const guess = units[i];
  if (guess && stmt(guess) === off) { idx.unitOf.set(off, guess); return guess; }
  // Not in the same order: map every unit once.
  for (const u of units) { const s = stmt(u); if (s !== undefined && !idx.unitOf.has(s)) idx.unitOf.set(s, u); }
  if (!idx.unitOf.has(off)) idx.unitOf.set(off, null);
  return idx.unitOf.get(off) ?? undefined;
}

/** Units whose line table names a file with this base name. */
export function unitsWithFile(sf: SymbolFile, file: string): Unit[] {
  let idx = indexes.get(sf);
  if (!idx) { idx = build(sf); indexes.set(sf, idx); }
  const out: Unit[] = [];
  for (const i of idx.byName.get(baseName(file)) ?? []) {
    const u = unitFor(sf, idx, i);
    if (u) out.push(u);
  }
  // Not found, and part of .debug_line is unreadable: say so rather than "no such file".
  if (!out.length && idx.error) throw idx.error;
  return out;
}
