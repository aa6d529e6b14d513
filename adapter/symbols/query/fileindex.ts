// Source file name → units whose line program lists it, built once from the line program
// headers only (no DIE trees, no line rows, no strings: DWARF 5 paths stay .debug_line_str
// offsets), so `FILE:LINE` on a vmlinux stays cheap. The programs are walked in .debug_line
// order and matched to units by position (the linker keeps both sections in input order),
// checking each guess against the unit's DW_AT_stmt_list.
import { NumberList, scanFileNames } from '../dwarf/line';
import { SectionWindow } from '../elf/section';
import type { DebugInfoOffset } from '../dwarf/offsets';
import type { Unit } from '../dwarf/unit';
import type { SymbolFile } from '../symbolfile';

interface FileIndex {
  /** Base name → indices of programs naming it through an inline string (DWARF 2-4). */
  byName: Map<string, number[]>;
  /** (.debug_line_str offset, program index) pairs sorted by offset: ~10^5 in a vmlinux, kept as
   *  two typed columns rather than an array per string. */
  refOffs: Uint32Array;
  refProgs: Uint32Array;
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
  const idx: FileIndex = { byName: new Map(), refOffs: new Uint32Array(0), refProgs: new Uint32Array(0), programs: [], unitOf: new Map() };
  const sec = sf.dwarf.sections.line;
  if (!sec) return idx;
  const win = new SectionWindow(sec);
  // (offset, program) pairs packed in one float (offset * 2^21 + program): sorted natively.
  let pairs = new Float64Array(4096), n = 0;
  const refs = new NumberList();
  for (let off = 0; off < sec.size;) {
    let r;
    try { r = scanFileNames(sec, off, win, refs); } catch (e) { idx.error = e; break; } // the rest cannot be walked
    const i = idx.programs.length;
    idx.programs.push(off);
    const got = r.refs.a, count = r.refs.n;
    if (n + count > pairs.length) { const g = new Float64Array(Math.max(pairs.length * 2, n + count)); g.set(pairs.subarray(0, n)); pairs = g; }
    // Offsets past 2^32 cannot be .debug_line_str offsets of a real file: not indexed.
    for (let k = 0; k < count; k++) if (got[k] < 0x100000000 && i < PROGS) pairs[n++] = got[k] * PROGS + i;
    for (const nm of r.names) push(idx.byName, baseName(nm), i);
    off = r.end;
  }
  const sorted = pairs.subarray(0, n).sort();
  idx.refOffs = new Uint32Array(n); idx.refProgs = new Uint32Array(n);
  for (let k = 0; k < n; k++) { const v = sorted[k], p = v % PROGS; idx.refProgs[k] = p; idx.refOffs[k] = (v - p) / PROGS; }
  return idx;
}

/** Programs per packed pair (2^21): offset * PROGS + program stays an exact float. */
const PROGS = 2097152;

/** Program indices naming .debug_line_str offset `ref` (sorted, maybe repeated). */
function programsOf(idx: FileIndex, ref: number): Uint32Array {
  const o = idx.refOffs;
  let lo = 0, hi = o.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (o[m] < ref) lo = m + 1; else hi = m; }
  let e = lo;
  while (e < o.length && o[e] === ref) e++;
  return idx.refProgs.subarray(lo, e);
}

/** Offsets of .debug_line_str strings by their base name. */
function refsByBase(sf: SymbolFile, idx: FileIndex): Map<string, number[]> {
  if (idx.refsByBase) return idx.refsByBase;
  const m = new Map<string, number[]>();
  const sec = sf.dwarf.sections.lineStr;
  if (sec) {
    const d = sec.data();
    const o = idx.refOffs;
    for (let k = 0; k < o.length; k++) {
      const ref = o[k];
      if ((k > 0 && o[k - 1] === ref) || ref >= d.length) continue;
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
