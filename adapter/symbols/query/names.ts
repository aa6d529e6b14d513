// Function name matching as gdb's wild matching does it (`f` matches `f` and `a::b::f`), on raw
// attribute values: a DW_FORM_strp name is compared by .debug_str offset, so scanning the
// thousands of declarations in a kernel unit decodes no strings.
import { DW_AT, DW_TAG } from '../dwarf/constants';
import type { Die } from '../dwarf/die';
import type { Unit } from '../dwarf/unit';
import type { SymbolFile } from '../symbolfile';

const SUBPROGRAM = new Set<number>([DW_TAG.subprogram]);

export class NameMatcher {
  /** The last path component: what DW_AT_name holds. */
  readonly last: string;
  private strOffsets: Set<number> | undefined;

  constructor(private readonly sf: SymbolFile, readonly query: string) {
    const parts = query.split('::');
    this.last = parts[parts.length - 1];
  }

  /** Offsets in .debug_str where the string `last` starts (tails of longer strings included). */
  private offsets(): Set<number> {
    if (this.strOffsets) return this.strOffsets;
    const sec = this.sf.dwarf.sections.str;
    const set = new Set<number>(sec && this.last ? sec.indexOfAll(Buffer.from(this.last + '\0', 'utf8')) : []);
    return (this.strOffsets = set);
  }

  /** Whether the DIE's own DW_AT_name is the last component. */
  ownName(d: Die): boolean {
    const r = d.raw(DW_AT.name);
    if (!r) return false;
    const v = r.value;
    if (v.kind === 'strp') return this.offsets().has(v.offset);
    if (v.kind === 'string') return v.value === this.last;
    const res = d.unit.resolve(v);
    return res.kind === 'string' && res.value === this.last;
  }

  /** Whether the qualified name fits the whole query (only checked for `a::b` queries). */
  qualified(d: Die): boolean {
    if (!this.query.includes('::')) return true;
    const q = d.qualifiedName();
    return !!q && (q === this.query || q.endsWith('::' + this.query));
  }

  /** Offsets of the unit's subprogram DIEs named like the query (declarations and abstract instances included). */
  subprograms(u: Unit): Set<number> {
    const named = new Set<number>();
    const unnamed: Die[] = [];
    for (const d of u.diesWithTag(SUBPROGRAM)) {
      if (this.ownName(d)) { if (this.qualified(d)) named.add(d.offset); }
      else if (!d.has(DW_AT.name)) unnamed.push(d);
    }
    // Unnamed ones complete a named declaration (C++/Rust out-of-class definitions, abstract instances).
    for (let pass = 0; pass < 2 && named.size; pass++) {
      for (const d of unnamed) {
        if (named.has(d.offset)) continue;
        for (const at of [DW_AT.specification, DW_AT.abstract_origin]) {
          const v = d.raw(at)?.value;
          if (v?.kind === 'ref' && named.has(v.offset)) named.add(d.offset);
        }
      }
    }
    return named;
  }
}
