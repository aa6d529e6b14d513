// Source file name → units whose line program lists it, built once from the line program
// headers only (no DIE trees, no line rows), so `FILE:LINE` on a vmlinux stays cheap.
import { LineProgram } from '../dwarf/line';
import type { Unit } from '../dwarf/unit';
import type { SymbolFile } from '../symbolfile';

const indexes = new WeakMap<SymbolFile, Map<string, Unit[]>>();

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Units whose line table names a file with this base name. */
export function unitsWithFile(sf: SymbolFile, file: string): Unit[] {
  let idx = indexes.get(sf);
  if (!idx) {
    idx = new Map();
    const sec = sf.dwarf.sections.line;
    const lineStrCache = new Map<number, string>();
    for (const u of sf.units()) {
      try {
        const off = u.lineProgramOffset();
        if (off === undefined || !sec) continue;
        const lp = LineProgram.parse(sec, off, { compDir: u.compDir(), name: u.name(), addressSize: u.addressSize, sections: sf.dwarf.sections, lineStrCache });
        const seen = new Set<string>();
        for (const f of lp.files) {
          if (!f) continue;
          const b = baseName(f.name);
          if (seen.has(b)) continue;
          seen.add(b);
          const l = idx.get(b);
          if (l) l.push(u); else idx.set(b, [u]);
        }
      } catch { /* a unit with a broken header cannot match; lineTable() reports it when used */ }
    }
    indexes.set(sf, idx);
  }
  return idx.get(baseName(file)) ?? [];
}
