// Source file name → units whose line program lists it, built once from the line program
// headers only (no DIE trees, no line rows, no strings: DWARF 5 paths stay .debug_line_str
// offsets), so `FILE:LINE` on a vmlinux stays cheap. The programs are walked in .debug_line
// order and matched to units by position (the linker keeps both sections in input order),
// checking each guess against the unit's DW_AT_stmt_list.
import { NumberList, scanFileNames } from '../dwarf/linefiles';
import { SectionWindow } from '../elf/section';
import type { DebugInfoOffset } from '../dwarf/offsets';
import type { Unit } from '../dwarf/unit';
import type { SymbolFile } from '../symbolfile';

interface FileIndex {
  /** Base name → indices of programs naming it through an inline string (DWARF 2-4). */
  byName: Map<string, number[]>;
  /** Programs naming each .debug_line_str offset, bucketed by offset (counting sort: ~10^5
   *  pairs in a vmlinux, no array per string): those of `ref` are progs[start[ref]..start[ref+1]). */
  start: Uint32Array;
  progs: Uint32Array;
  programs: number[];
  unitOf: Map<number, Unit | null>;
  /** .debug_line_str offsets by base name of the string there (built on first query). */
  refsByBase?: Map<string, number[]>;
  error?: unknown;
}
const indexes = new WeakMap<SymbolFile, FileIndex>();

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const l = m.get(k);
  if (!l) m.set(k, [v]); else if (l[l.length - 1] !== v) l.push(v);
}

function build(sf: SymbolFile): FileIndex {
  const strSize = sf.dwarf.sections.lineStr?.size ?? 0;
  const idx: FileIndex = { byName: new Map(), start: new Uint32Array(strSize + 1), progs: new Uint32Array(0), programs: [], unitOf: new Map() };
  const sec = sf.dwarf.sections.line;
  if (!sec) return idx;
  const win = new SectionWindow(sec);
  // ~100 paths per program in a vmlinux: size the list from the section (no regrowth). Every
  // program's refs go into one list, programs delimited by their end in it (no pair per ref).
  const refs = new NumberList(Math.max(256, Math.ceil(sec.size / 64)));
  const ends: number[] = [];
  for (let off = 0; off < sec.size;) {
    const before = refs.n;
    let r;
    try { r = scanFileNames(sec, off, win, refs); } catch (e) { refs.n = before; idx.error = e; break; } // the rest cannot be walked
    const i = idx.programs.length;
    idx.programs.push(off);
    ends.push(refs.n);
    for (const nm of r.names) push(idx.byName, baseName(nm), i);
    off = r.end;
  }
  idx.progs = bucket(refs, ends, idx.start);
  return idx;
}

/**
 * Counting sort of (ref, program) by ref: fills `start` (prefix sums) and returns the programs.
 * Refs outside .debug_line_str (start.length - 1 bytes) name no real file and are left out.
 */
function bucket(list: NumberList, ends: number[], start: Uint32Array): Uint32Array {
  const n = list.n, refs = list.a, size = start.length - 1;
  let kept = 0;
  for (let k = 0; k < n; k++) { const ref = refs[k]; if (ref < size) { start[ref + 1]++; kept++; } }
  for (let r = 1; r < start.length; r++) start[r] += start[r - 1];
  const out = new Uint32Array(kept), fill = start.slice(0, size);
  for (let i = 0, k = 0; i < ends.length; i++) {
    for (const end = ends[i]; k < end; k++) { const ref = refs[k]; if (ref < size) out[fill[ref]++] = i; }
  }
  return out;
}

/** Program indices naming .debug_line_str offset `ref` (ascending, maybe repeated). */
function programsOf(idx: FileIndex, ref: number): Uint32Array {
  if (ref + 1 >= idx.start.length) return idx.progs.subarray(0, 0);
  return idx.progs.subarray(idx.start[ref], idx.start[ref + 1]);
}

/** Offsets of .debug_line_str strings by their base name. */
function refsByBase(sf: SymbolFile, idx: FileIndex): Map<string, number[]> {
  if (idx.refsByBase) return idx.refsByBase;
  const m = new Map<string, number[]>();
  const sec = sf.dwarf.sections.lineStr;
  if (sec) {
    const d = sec.data(), st = idx.start;
    for (let ref = 0; ref + 1 < st.length && ref < d.length; ref++) {
      if (st[ref + 1] === st[ref]) continue; // no program names this offset
      const z = d.indexOf(0, ref);
      const s = Buffer.from(d.buffer, d.byteOffset + ref, (z < 0 ? d.length : z) - ref).toString('utf8');
      const b = baseName(s);
      const l = m.get(b);
      if (l) l.push(ref); else m.set(b, [ref]);
    }
  }
  return (idx.refsByBase = m);
}

/** The unit whose DW_AT_stmt_list is program `i` of the index. */
function unitFor(sf: SymbolFile, idx: FileIndex, i: number): Unit | undefined {
  const off = idx.programs[i];
  if (idx.unitOf.has(off)) return idx.unitOf.get(off) ?? undefined;
  const stmt = (u: Unit) => { try { return u.lineProgramOffset(); } catch { return undefined; } };
  // The aranges sets list the units in order without reading 2000+ unit headers of .debug_info.
  const setUnit = sf.dwarf.arangeUnits()?.[i];
  if (setUnit !== undefined) {
    let u: Unit | undefined;
    try { u = sf.dwarf.unit(setUnit as DebugInfoOffset); } catch { /* not a unit: fall back */ }
    if (u && stmt(u) === off) { idx.unitOf.set(off, u); return u; }
  }
  const units = sf.units();
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
  const base = baseName(file);
  const programs = new Set<number>(idx.byName.get(base) ?? []);
  for (const ref of refsByBase(sf, idx).get(base) ?? []) for (const i of programsOf(idx, ref)) programs.add(i);
  const out: Unit[] = [];
  for (const i of [...programs].sort((a, b) => a - b)) {
    const u = unitFor(sf, idx, i);
    if (u) out.push(u);
  }
  // Not found, and part of .debug_line is unreadable: say so rather than "no such file".
  if (!out.length && idx.error) throw idx.error;
  return out;
}
