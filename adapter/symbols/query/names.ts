// Function name matching as gdb's wild matching does it (`f` matches `f` and `a::b::f`), on raw
// attribute values: a DW_FORM_strp name is compared as bytes at its .debug_str offset, so
// scanning the thousands of declarations in a kernel unit decodes no strings.
import { DW_AT, DW_FORM, DW_TAG } from '../dwarf/constants';
import type { Die } from '../dwarf/die';
import type { RawValue } from '../dwarf/form';
import { entryDie, functionsAtTopLevel, topLevelOf } from '../dwarf/shallow';
import type { Unit } from '../dwarf/unit';
import { findStrings } from '../elf/strsearch';
import type { SymbolFile } from '../symbolfile';


/** Per file: .debug_str offsets holding "name\0", for names looked up ahead (prefetchDebugStrNames). */
const strOffsets = new WeakMap<SymbolFile, Map<string, Set<number>>>();

/**
 * Finds where the last components of `queries` sit in .debug_str in one streamed pass, so the
 * name checks of the DIE scans compare offsets instead of reading the string pages (a vmlinux
 * CLI run otherwise reads most of its 3.6 MB .debug_str page by page).
 */
export function prefetchDebugStrNames(sf: SymbolFile, queries: readonly string[]): void {
  const sec = sf.dwarf.sections.str;
  if (!sec) return;
  let known = strOffsets.get(sf);
  if (!known) strOffsets.set(sf, (known = new Map()));
  const want = [...new Set(queries.map(q => q.split('::').pop() ?? ''))].filter(n => n && !n.includes('\0') && !known!.has(n));
  if (!want.length) return;
  const found = findStrings(sec, want.map(n => Buffer.from(n, 'utf8')));
  const sets = want.map(() => new Set<number>());
  for (const [off, w] of found) sets[w].add(off);
  want.forEach((n, w) => known!.set(n, sets[w]));
}

export class NameMatcher {
  /** The last path component: what DW_AT_name holds. */
  readonly last: string;
  /** "last\0" as bytes: a DW_FORM_strp name matches when these bytes sit at its offset. */
  private readonly needle: Uint8Array;

  /** Where "last\0" sits in .debug_str, when looked up ahead: a strp name matches when in it. */
  private readonly offsets: ReadonlySet<number> | undefined;

  constructor(private readonly sf: SymbolFile, readonly query: string) {
    const parts = query.split('::');
    this.last = parts[parts.length - 1];
    this.needle = Buffer.from(this.last + '\0', 'utf8');
    this.offsets = strOffsets.get(sf)?.get(this.last);
  }

  /** Whether the .debug_str string at `strp` is the last component. */
  private strpIs(strp: number): boolean {
    if (this.offsets) return this.offsets.has(strp);
    const sec = this.sf.dwarf.sections.str;
    return !!sec && this.last !== '' && sec.equalsAt(strp, this.needle);
  }

  /** Whether the DIE's own DW_AT_name is the last component. */
  ownName(d: Die): boolean {
    const r = d.raw(DW_AT.name);
    return !!r && this.rawName(d.unit, r.value);
  }

  /** Whether the qualified name fits the whole query (only checked for `a::b` queries). */
  qualified(d: Die): boolean {
    if (!this.query.includes('::')) return true;
    const q = d.qualifiedName();
    return !!q && (q === this.query || q.endsWith('::' + this.query));
  }

  /** Offsets of the unit's subprogram DIEs named like the query (declarations and abstract instances included). */
  subprograms(u: Unit): Set<number> {
    if (!u.treeParsed && functionsAtTopLevel(u)) return this.topLevelSubprograms(u);
    const named = new Set<number>();
    const unnamed: number[] = [], hits: number[] = [];
    // Walks the flat tree by index: a Die is built only for the few that match (after the loop:
    // rare work inside a long loop costs V8 a re-optimization when it first runs).
    const n = u.dieCount;
    const none = this.last === '';
    for (let i = 0; i < n; i++) {
      const a = u.abbrevAt(i);
      if (a.tag !== DW_TAG.subprogram) continue;
      const attrs = u.attrsOffsetAt(i);
      // Most names are DW_FORM_strp: compare the string's bytes in place, no value objects.
      const strp = u.fixedU32(a, attrs, DW_AT.name, DW_FORM.strp);
      if (strp === -1) unnamed.push(i);
      else if (strp !== undefined) { if (!none && this.strpIs(strp)) hits.push(i); }
      else {
        const r = u.rawAttr(a, attrs, DW_AT.name);
        if (!r) unnamed.push(i);
        else if (this.rawName(u, r.value)) hits.push(i);
      }
    }
    for (const i of hits) {
      const d = u.dieByIndex(i);
      if (this.qualified(d)) named.add(d.offset);
    }
    if (named.size) this.completions(u, unnamed, named);
    return named;
  }

  /** subprograms() for a unit whose functions all sit at top level (C): no DIE tree. */
  private topLevelSubprograms(u: Unit): Set<number> {
    const t = topLevelOf(u);
    const named = new Set<number>();
    const unnamed: number[] = [], hits: number[] = [];
    const none = this.last === '';
    for (let i = 0; i < t.count; i++) {
      const a = t.abbrevs[i];
      if (a.tag !== DW_TAG.subprogram) continue;
      const strp = u.fixedU32(a, t.attrs[i], DW_AT.name, DW_FORM.strp);
      if (strp === -1) unnamed.push(i);
      else if (strp !== undefined) { if (!none && this.strpIs(strp)) hits.push(i); }
      else {
        const r = u.rawAttr(a, t.attrs[i], DW_AT.name);
        if (!r) unnamed.push(i);
        else if (this.rawName(u, r.value)) hits.push(i);
      }
    }
    for (const i of hits) {
      const d = entryDie(u, t, i);
      if (this.qualified(d)) named.add(d.offset);
    }
    if (!named.size) return named;
    for (let pass = 0; pass < 2; pass++) {
      for (const i of unnamed) {
        const off = t.offs[i];
        if (named.has(off)) continue;
        for (const at of [DW_AT.specification, DW_AT.abstract_origin]) {
          const v = u.rawAttr(t.abbrevs[i], t.attrs[i], at)?.value;
          if (v?.kind === 'ref' && named.has(v.offset)) named.add(off);
        }
      }
    }
    return named;
  }

  /** Unnamed ones complete a named declaration (C++/Rust out-of-class definitions, abstract instances). */
  private completions(u: Unit, unnamed: number[], named: Set<number>): void {
    for (let pass = 0; pass < 2; pass++) {
      for (const i of unnamed) {
        const a = u.abbrevAt(i), attrs = u.attrsOffsetAt(i);
        const off = u.dieByIndex(i).offset;
        if (named.has(off)) continue;
        for (const at of [DW_AT.specification, DW_AT.abstract_origin]) {
          const v = u.rawAttr(a, attrs, at)?.value;
          if (v?.kind === 'ref' && named.has(v.offset)) named.add(off);
        }
      }
    }
  }

  /** Whether a raw DW_AT_name value is the last component. */
  private rawName(u: Unit, v: RawValue): boolean {
    if (v.kind === 'strp') return this.strpIs(v.offset);
    if (v.kind === 'string') return v.value === this.last;
    const res = u.resolve(v);
    return res.kind === 'string' && res.value === this.last;
  }
}
