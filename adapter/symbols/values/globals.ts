// Globals and statics by name (`nodes`, `exo::percpu::CPUS`), as gdb's name index would find
// them but without indexing everything: units are scanned one at a time with a top-level-only
// DIE walk (no tree, no DIE objects; siblings jumped), names compared as bytes at their
// .debug_str offsets. The scan stops at a definition, or, when the ELF symbol table gives the
// address, at the first declaration whose type is complete (Linux's `jiffies` exists only as
// declarations in ~2000 units; gdb reads its address from the ELF symbol too).
import type { ByteCursor } from '../../common/cursor';
import { DW_AT, DW_TAG, infoOffset, type Abbrev, type Die, type Dwarf, type RawValue, type Unit } from '../dwarf';
import { readAttrIn, scanTopLevel } from '../dwarf/toplevel';
import { type FrameState, readVariable, type VariableValue } from './variables';
import { typeOf } from './types';

/** ELF symbols by name, for variables DWARF declares without a location (gdb's msymbol fallback). */
export interface SymbolLookup {
  lookup(name: string): { value: bigint; type: string } | undefined;
}

const DW_TAG_module = 0x1e;
/** Scopes whose children are file scope too: namespaces (C++/Rust), plus types outside C (static members). */
const SCOPES = new Set<number>([DW_TAG.namespace, DW_TAG_module]);
const SCOPES_AND_TYPES = new Set<number>([DW_TAG.namespace, DW_TAG_module, DW_TAG.structure_type, DW_TAG.class_type, DW_TAG.union_type]);
const C_LANGUAGES = new Set<number>([0x1, 0x2, 0xc, 0x1d, 0x2c]);

/** Units walked in order before narrowing the rest by their bytes. */
const EAGER_UNITS = 32;
/** More .debug_str places than this for one name: narrowing by offset is not worth it. */
const MAX_STR_HITS = 64;

const hasStorage = (d: Die) => d.has(DW_AT.location) || d.has(DW_AT.const_value);

/** Whether the variable's type is complete here (not an opaque struct or an array of unknown size). */
export function hasCompleteType(d: Die): boolean {
  let t = d.ref(DW_AT.type);
  for (let i = 0; t && i < 32; i++) {
    switch (t.tag) {
      case DW_TAG.typedef: case DW_TAG.const_type: case DW_TAG.volatile_type: case DW_TAG.restrict_type: case DW_TAG.atomic_type:
        t = t.ref(DW_AT.type); continue;
      case DW_TAG.structure_type: case DW_TAG.union_type: case DW_TAG.class_type: case DW_TAG.enumeration_type:
        return !t.flag(DW_AT.declaration);
      case DW_TAG.array_type:
        if (!t.children().some(c => c.tag === DW_TAG.subrange_type && (c.has(DW_AT.count) || c.has(DW_AT.upper_bound)))) return false;
        t = t.ref(DW_AT.type); continue;
      default: return true;
    }
  }
  return false;
}

export class GlobalIndex {
  private readonly results = new Map<string, Die[]>();
  private units: Unit[] | undefined;
  private readonly failed = new Set<number>();
  /** Units that failed to parse while indexing (the others are still searched). */
  readonly problems: unknown[] = [];

  constructor(private readonly dwarf: Dwarf, readonly symbols?: SymbolLookup) {}

  /** File-scope variable DIEs named `name` (plain, qualified or linkage name). */
  find(name: string): Die[] {
    let r = this.results.get(name);
    if (!r) { r = this.search(name); this.results.set(name, r); }
    return r;
  }

  private search(name: string): Die[] {
    this.units ??= this.dwarf.compileUnits();
    const parts = name.split('::');
    const q: Query = { name, last: parts[parts.length - 1], qualified: parts.length > 1, needle: Buffer.from(parts[parts.length - 1] + '\0', 'utf8') };
    const sym = this.symbols?.lookup(name);
    const addressKnown = sym?.type === 'object' || sym?.type === 'tls';
    const found: Die[] = [];
    const done = () => found.some(hasStorage) || (addressKnown && found.some(hasCompleteType));
    const visit = (u: Unit) => {
      if (this.failed.has(u.offset)) return;
      let dies: Die[];
      try { dies = this.scanUnit(u, q); } catch (e) { this.failed.add(u.offset); this.problems.push(e); return; }
      for (const d of dies) if (!found.some(x => x.offset === d.offset)) found.push(d);
    };
    // The first units in order (a declaration in a common header is usually among them), then
    // only the units whose bytes can name it: a full walk of a vmlinux takes tens of seconds.
    const units = this.units;
    let i = 0;
    for (; i < units.length && i < EAGER_UNITS; i++) { visit(units[i]); if (done()) return found; }
    if (i >= units.length) return found;
    const cands = this.candidateUnits(q, addressKnown ? sym!.value : undefined);
    for (; i < units.length; i++) {
      if (cands && !cands.has(units[i].offset)) continue;
      visit(units[i]);
      if (done()) break;
    }
    return found;
  }

  /**
   * Units that may hold a DIE named by the query: those containing its bytes as an inline string,
   * a 4-byte .debug_str offset where the name is, or DW_OP_addr of the ELF symbol's address; one
   * streaming pass over .debug_info. Undefined when names may be indirect (DW_FORM_strx) or the
   * name is too common to narrow anything.
   */
  private candidateUnits(q: Query, address: bigint | undefined): Set<number> | undefined {
    const info = this.dwarf.sections.info, str = this.dwarf.sections.str;
    if (!info || this.dwarf.sections.strOffsets || this.units!.some(u => u.header.offsetSize !== 4)) return undefined;
    const names = q.qualified ? [q.needle, Buffer.from(q.name + '\0', 'utf8')] : [q.needle];
    const offsets = str ? names.flatMap(n => str.indexOfAll(n)) : [];
    if (offsets.length > MAX_STR_HITS) return undefined;
    const needles: Uint8Array[] = [...names];
    for (const o of offsets) needles.push(Uint8Array.of(o & 0xff, (o >>> 8) & 0xff, (o >>> 16) & 0xff, o >>> 24));
    if (address !== undefined) {
      const a = new Uint8Array(9);
      a[0] = 0x03; // DW_OP_addr
      for (let k = 0; k < 8; k++) a[1 + k] = Number((address >> BigInt(8 * k)) & 0xffn);
      needles.push(a);
    }
    const out = new Set<number>();
    for (const hits of info.indexOfEach(needles)) {
      for (const p of hits) { try { out.add(this.dwarf.unitContaining(p).offset); } catch { /* between units */ } }
    }
    return out;
  }

  /** Variables of one unit matching the query, from a top-level walk of its bytes. */
  private scanUnit(u: Unit, q: Query): Die[] {
    const named: number[] = [];
    const bySpec: [number, number][] = [];
    const str = this.dwarf.sections.str;
    const nameIs = (v: RawValue): boolean => {
      if (v.kind === 'strp') return !!str && str.equalsAt(v.offset, q.needle);
      if (v.kind === 'string') return v.value === q.last;
      const r = u.resolve(v);
      return r.kind === 'string' && r.value === q.last;
    };
    const linkIs = (v: RawValue): boolean => {
      const r = v.kind === 'string' ? v : u.resolve(v);
      return r.kind === 'string' && r.value === q.name;
    };
    const lang = u.language();
    scanTopLevel(u, u.scanBytes(), {
      descend: lang !== undefined && C_LANGUAGES.has(lang) ? SCOPES : SCOPES_AND_TYPES,
      visit: (a: Abbrev, off: number, attrs: number, c: ByteCursor) => {
        if (a.tag !== DW_TAG.variable) return;
        const n = readAttrIn(u, c, a, attrs, DW_AT.name);
        if (n) { if (nameIs(n)) named.push(off); }
        else {
          const sp = readAttrIn(u, c, a, attrs, DW_AT.specification);
          if (sp?.kind === 'ref') bySpec.push([off, sp.offset]);
        }
        const ln = readAttrIn(u, c, a, attrs, DW_AT.linkage_name) ?? readAttrIn(u, c, a, attrs, DW_AT.MIPS_linkage_name);
        if (ln && linkIs(ln) && !named.includes(off)) named.push(off);
      },
    });
    if (!named.length) return [];
    const out: Die[] = [];
    for (const off of named) {
      const d = u.dieAt(infoOffset(off));
      // `a::b::v` must be the qualified name; a plain name or the linkage name matches as is.
      if (!q.qualified || d.qualifiedName() === q.name || d.linkageName() === q.name) out.push(d);
    }
    // Definitions that complete a matching declaration (DW_AT_specification, no name of their own).
    const keep = new Set(out.map(d => d.offset as number));
    for (const [off, target] of bySpec) if (keep.has(target)) out.push(u.dieAt(infoOffset(off)));
    return out;
  }
}

interface Query { name: string; last: string; qualified: boolean; needle: Uint8Array }

/** Reads the global `name`; undefined when no such variable is described by DWARF. */
export async function readGlobal(index: GlobalIndex, name: string, st: FrameState): Promise<VariableValue | undefined> {
  const dies = index.find(name);
  if (dies.length === 0) return undefined;
  // A definition with storage first, then a constant, then one the compiler optimized away
  // (gdb then prints <optimized out>), and a bare `extern` declaration last
  const d = dies.find(x => x.has(DW_AT.location)) ?? dies.find(x => x.has(DW_AT.const_value))
    ?? dies.find(x => !x.flag(DW_AT.declaration)) ?? dies[0];
  if (!d.has(DW_AT.location) && !d.has(DW_AT.const_value) && d.flag(DW_AT.declaration)) {
    // `extern` without a definition in DWARF (e.g. Linux's jiffies, a linker-script alias):
    // gdb takes the address from the ELF symbol
    const sym = index.symbols?.lookup(d.name() ?? name);
    if (sym && sym.type === 'object') {
      const v = await readVariable(d, undefined, st, { kind: 'memory', address: sym.value });
      return { ...v, type: typeOf(d) };
    }
  }
  return readVariable(d, undefined, st);
}
