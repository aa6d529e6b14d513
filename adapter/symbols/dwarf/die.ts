// A debugging information entry: attribute access (resolved values), tree navigation, and the
// conveniences every consumer needs (names through abstract_origin/specification, pc ranges).
import { ParseError } from '../../common/cursor';
import type { Abbrev } from './abbrev';
import { DW_AT, DW_TAG } from './constants';
import type { RawValue } from './form';
import type { DebugInfoOffset } from './offsets';
import { readRanges, type PcRange } from './ranges';
import type { Attribute, AttrValue, Unit } from './unit';

const MAX_CHAIN = 16;
const SCOPE_TAGS = new Set<number>([DW_TAG.namespace, DW_TAG.structure_type, DW_TAG.class_type, DW_TAG.union_type, DW_TAG.enumeration_type]);

export class Die {
  /** @param index position in the unit's tree, or -1 when created without parsing the tree */
  constructor(
    readonly unit: Unit,
    readonly offset: DebugInfoOffset,
    readonly abbrev: Abbrev,
    readonly attrsOffset: number,
    readonly index: number,
  ) {}

  get tag(): number { return this.abbrev.tag; }
  get hasChildren(): boolean { return this.abbrev.hasChildren; }
  has(at: number): boolean { return this.abbrev.attrs.some(s => s.at === at); }

  /** The attribute as encoded (form and unresolved value). */
  raw(at: number): { form: number; value: RawValue } | undefined {
    return this.unit.rawAttr(this.abbrev, this.attrsOffset, at);
  }

  /** The attribute with index forms resolved (addrx → address, strx/strp → string, ...). */
  attr(at: number): AttrValue | undefined {
    const r = this.raw(at);
    return r && this.unit.resolve(r.value);
  }

  attrForm(at: number): number | undefined { return this.abbrev.attrs.find(s => s.at === at)?.form; }

  /** Every attribute, resolved, in abbreviation order. */
  attrs(): Attribute[] {
    return this.unit.rawAttrs(this.abbrev, this.attrsOffset).map(a => ({ at: a.at, form: a.form, value: this.unit.resolve(a.value) }));
  }

  string(at: number): string | undefined { const v = this.attr(at); return v?.kind === 'string' ? v.value : undefined; }
  /** A constant as unsigned (or as encoded for sdata/implicit_const). */
  udata(at: number): bigint | undefined { const v = this.attr(at); return v?.kind === 'constant' ? v.value : undefined; }
  /** A constant as signed: dataN reinterpreted as two's complement of its size. */
  sdata(at: number): bigint | undefined {
    const v = this.attr(at);
    if (v?.kind !== 'constant') return undefined;
    return v.signed || v.size === 0 ? v.value : BigInt.asIntN(v.size * 8, v.value);
  }
  flag(at: number): boolean { const v = this.attr(at); return v?.kind === 'flag' ? v.value : false; }
  address(at: number): bigint | undefined { const v = this.attr(at); return v?.kind === 'address' ? v.value : undefined; }

  /** The DIE an attribute of reference class points to (in this or another unit). */
  ref(at: number): Die | undefined {
    const v = this.raw(at)?.value;
    if (!v) return undefined;
    if (v.kind === 'ref') {
      // Most references stay in the unit: no need for the list of every unit header.
      const u = this.unit;
      return v.offset >= u.header.dieStart && v.offset < u.header.end ? u.dieAt(v.offset) : u.dwarf.die(v.offset);
    }
    if (v.kind === 'refSig8') return this.unit.dwarf.typeUnitDie(v.signature);
    return undefined;
  }

  parent(): Die | undefined { return this.unit.parentOf(this); }

  children(): Die[] {
    const out: Die[] = [];
    if (!this.hasChildren) return out;
    const u = this.unit;
    for (let i = u.firstChildIndex(u.indexOf(this)); i >= 0; i = u.nextSiblingIndex(i)) out.push(u.dieByIndex(i));
    return out;
  }

  /** The DIE this one completes: DW_AT_abstract_origin, else DW_AT_specification. */
  origin(): Die | undefined { return this.ref(DW_AT.abstract_origin) ?? this.ref(DW_AT.specification); }

  /** Follows abstract_origin/specification until `pick` returns something (bounded). */
  private through<T>(pick: (d: Die) => T | undefined): T | undefined {
    const first = pick(this);
    if (first !== undefined) return first;
    let d = this.origin();
    for (let n = 1; d && n < MAX_CHAIN; n++) {
      const v = pick(d);
      if (v !== undefined) return v;
      d = d.origin();
    }
    return undefined;
  }

  /** DW_AT_name, through abstract_origin/specification. */
  name(): string | undefined { return this.through(d => d.string(DW_AT.name)); }
  linkageName(): string | undefined {
    return this.through(d => d.string(DW_AT.linkage_name) ?? d.string(DW_AT.MIPS_linkage_name));
  }
  /** The DIE in the chain that carries the name (the declaration, which sits in its namespace). */
  namedDie(): Die | undefined { return this.through(d => (d.has(DW_AT.name) ? d : undefined)); }

  /** Namespaced name: `a::b::f` for Rust and C++ (namespaces and types enclosing the declaration). */
  qualifiedName(): string | undefined {
    const named = this.namedDie();
    const name = named?.string(DW_AT.name);
    if (!named || name === undefined) return undefined;
    const parts = [name];
    let p = named.parent();
    for (let n = 0; p && n < 64 && SCOPE_TAGS.has(p.tag); n++, p = p.parent()) parts.unshift(p.string(DW_AT.name) ?? '{anon}');
    return parts.join('::');
  }

  /** The address ranges covered: low_pc/high_pc or DW_AT_ranges; empty when neither is present. */
  pcRanges(): PcRange[] {
    const low = this.address(DW_AT.low_pc);
    const hi = this.attr(DW_AT.high_pc);
    if (low !== undefined && hi) {
      const high = hi.kind === 'address' ? hi.value : hi.kind === 'constant' ? low + hi.value : undefined;
      if (high === undefined) throw new ParseError('.debug_info', this.offset, 'DW_AT_high_pc has an unexpected form');
      return high > low ? [{ low, high }] : [];
    }
    const r = this.attr(DW_AT.ranges);
    if (r) return readRanges(this.unit, r, this.offset);
    if (low !== undefined) return [{ low, high: low + 1n }];
    return [];
  }

  /** The lowest address the DIE covers (DW_AT_entry_pc not used: gdb's BLOCK_ENTRY_PC is the range start). */
  entryPc(): bigint | undefined {
    const low = this.address(DW_AT.low_pc);
    if (low !== undefined) return low;
    const r = this.pcRanges();
    return r.length ? r[0].low : undefined;
  }

  toString(): string { return `DIE 0x${this.offset.toString(16)}`; }
}
