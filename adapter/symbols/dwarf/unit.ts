// .debug_info unit headers (DWARF 2-5) and the Unit: its DIE tree (parsed on first use into flat
// arrays), its bases (str_offsets/addr/rnglists/loclists, base address) and value resolution.
//   v2-4: unit_length | version u16 | abbrev_offset | address_size u8
//   v5:   unit_length | version u16 | unit_type u8 | address_size u8 | abbrev_offset
//         [dwo_id u64 (skeleton, split_compile)] [type_signature u64, type_offset (type, split_type)]
import { ByteCursor, ParseError } from '../../common/cursor';
import type { Section } from '../elf/section';
import type { Abbrev, AbbrevTable } from './abbrev';
import { DW_AT, DW_FORM, DW_UT } from './constants';
import { Die } from './die';
import type { Dwarf } from './dwarf';
import { readValue, skipValue, type FormContext, type RawValue } from './form';
import { topLevelParent } from './shallow';
import { layoutOf, skipAttrs } from './layout';
import { abbrevOffset, infoOffset, type DebugAbbrevOffset, type DebugInfoOffset, type DebugLineOffset } from './offsets';
import { addressAt, strOffsetAt, stringAt } from './strings';

export interface UnitHeader extends FormContext {
  readonly offset: DebugInfoOffset;
  /** One past the unit's last byte. */
  readonly end: number;
  readonly unitType: number;
  readonly abbrevOffset: DebugAbbrevOffset;
  /** Offset of the first DIE. */
  readonly dieStart: number;
  readonly dwoId?: bigint;
  readonly typeSignature?: bigint;
  readonly typeOffset?: number;
}

/** A resolved attribute value: index forms are turned into addresses, strings and offsets. */
export type AttrValue =
  | Exclude<RawValue, { kind: 'addrx' | 'strp' | 'lineStrp' | 'strx' | 'loclistx' | 'rnglistx' }>
  | { kind: 'loclistx'; index: number; offset: number }
  | { kind: 'rnglistx'; index: number; offset: number };

export interface Attribute { at: number; form: number; value: AttrValue }

/** Reads the header of the unit at `offset` (reads only the header bytes). */
export function readUnitHeader(sec: Section, offset: number): UnitHeader {
  const c = sec.cursor(offset, Math.min(40, sec.size - offset));
  let length: number = c.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    const l = c.u64();
    if (l > BigInt(Number.MAX_SAFE_INTEGER)) throw c.error('64-bit unit length too large', 4);
    length = Number(l); offsetSize = 8;
  } else if (length >= 0xfffffff0) throw c.error(`reserved unit length 0x${length.toString(16)}`, 0);
  const end = offset + c.pos + length;
  if (end > sec.size) throw new ParseError(sec.name, offset, `unit length ${length} runs past the end of the section (${sec.size} bytes)`);
  const version = c.u16();
  if (version < 2 || version > 5) throw new ParseError(sec.name, offset, `unsupported DWARF version ${version}`);
  let unitType: number = DW_UT.compile, addressSize: number, abbrev: number;
  let dwoId: bigint | undefined, typeSignature: bigint | undefined, typeOffset: number | undefined;
  const readOff = () => (offsetSize === 4 ? c.u32() : Number(c.u64()));
  if (version >= 5) {
    unitType = c.u8(); addressSize = c.u8(); abbrev = readOff();
    if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) dwoId = c.u64();
    else if (unitType === DW_UT.type || unitType === DW_UT.split_type) { typeSignature = c.u64(); typeOffset = readOff(); }
    else if (unitType !== DW_UT.compile && unitType !== DW_UT.partial) throw new ParseError(sec.name, offset, `unknown unit type ${unitType}`);
  } else {
    abbrev = readOff(); addressSize = c.u8();
  }
  if (addressSize !== 4 && addressSize !== 8) throw new ParseError(sec.name, offset, `unsupported address size ${addressSize}`);
  const dieStart = offset + c.pos;
  if (dieStart > end) throw new ParseError(sec.name, offset, 'unit header is longer than the unit');
  return {
    offset: infoOffset(offset), end, version, unitType, addressSize, offsetSize, abbrevOffset: abbrevOffset(abbrev),
    dieStart, dwoId, typeSignature, typeOffset,
  };
}

const NONE = -1;

/** A unit's DIE columns while they are built (capacity >= the DIEs read). */
class TreeColumns {
  offs: Float64Array; codeLen: Uint8Array; codes: Uint32Array; parents: Int32Array; sibs: Int32Array;
  constructor(cap: number) {
    this.offs = new Float64Array(cap); this.codeLen = new Uint8Array(cap); this.codes = new Uint32Array(cap);
    this.parents = new Int32Array(cap); this.sibs = new Int32Array(cap);
  }
  get cap(): number { return this.offs.length; }
  grow(): void {
    const cap = this.cap * 2;
    const g = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(x: T, y: T): T => { y.set(x); return y; };
    this.offs = g(this.offs, new Float64Array(cap)); this.codeLen = g(this.codeLen, new Uint8Array(cap)); this.codes = g(this.codes, new Uint32Array(cap));
    this.parents = g(this.parents, new Int32Array(cap)); this.sibs = g(this.sibs, new Int32Array(cap));
  }
}

/**
 * One pass over a unit's DIEs into `t`; returns how many. Only the loop lives here, and nothing
 * but the count comes after it: V8 optimizes the loop while it runs, and code after it that had
 * not run yet would deoptimize that code (once per unit).
 */
function walkTree(c: ByteCursor, table: AbbrevTable, h: UnitHeader, t: TreeColumns): number {
  const bytes = c.bytes, end = c.end, base = c.base;
  let { offs, codeLen, codes, parents, sibs } = t;
  let cap = t.cap;
  const stack: number[] = [];   // parent indices
  const last: number[] = [NONE]; // last child index at each depth
  let n = 0, pos = c.pos;
  while (pos < end) {
    const at = pos;
    let code = bytes[pos];
    if (code < 0x80) pos++;
    else { c.pos = pos; code = c.ulebNum(0x7fffffff, 'abbreviation code'); pos = c.pos; }
    if (code === 0) {
      if (stack.length === 0) { if (n === 0) throw c.error('unit starts with a null entry', at - base); continue; } // padding after the root
      stack.pop(); last.pop();
      continue;
    }
    if (n > 0 && stack.length === 0) throw c.error('a second top-level DIE in the unit', at - base);
    const a = table.get(code);
    if (!a) throw c.error(`abbreviation code ${code} is not in the table at .debug_abbrev+0x${h.abbrevOffset.toString(16)}`, at - base);
    if (n === cap) {
      t.grow(); cap = t.cap;
      ({ offs, codeLen, codes, parents, sibs } = t);
    }
    const i = n++;
    offs[i] = base + at; codeLen[i] = pos - at; codes[i] = code;
    parents[i] = stack.length ? stack[stack.length - 1] : NONE; sibs[i] = NONE;
    const prev = last[last.length - 1];
    if (prev !== NONE) sibs[prev] = i;
    last[last.length - 1] = i;
    const lay = layoutOf(a, h);
    if (lay.fixed >= 0) {
      pos += lay.fixed;
      if (pos > end) { c.pos = end; throw c.error(`DIE attributes run past the end of the unit (by ${pos - end} byte(s))`); }
    } else pos = skipAttrs(c, pos, lay.plan, h);
    if (a.hasChildren) { stack.push(i); last.push(NONE); }
  }
  return n;
}
// Shared placeholders until parseTree(): a vmlinux has thousands of units, most never parsed.
const NO_U8 = new Uint8Array(0), NO_U32 = new Uint32Array(0), NO_I32 = new Int32Array(0);
/** Bytes read for the root DIE before the whole unit is needed. */
const HEAD_BYTES = 4096;

export class Unit {
  private bytes: ByteCursor | undefined;
  private head: ByteCursor | undefined;
  private abbrevs: AbbrevTable | undefined;
  // Flat DIE tree (index 0 = root): built by parseTree() on first use, typed columns.
  private count = 0;
  private offs: Float64Array | undefined;
  /** Bytes of each DIE's abbreviation code (its attributes start right after). */
  private codeLen: Uint8Array = NO_U8;
  private codes: Uint32Array = NO_U32;
  private parents: Int32Array = NO_I32;
  private siblings: Int32Array = NO_I32;
  private treeError: unknown;
  private rootCache: Die | undefined;
  private basesCache: UnitBases | undefined;

  constructor(readonly dwarf: Dwarf, readonly header: UnitHeader) {}

  get offset(): DebugInfoOffset { return this.header.offset; }
  get version(): number { return this.header.version; }
  get addressSize(): number { return this.header.addressSize; }

  /** A cursor over the unit's bytes positioned at section offset `at`. */
  cursorAt(at: number): ByteCursor {
    const b = this.unitBytes();
    if (at < b.base || at > b.base + b.end) throw new ParseError('.debug_info', at, `offset is outside unit 0x${this.offset.toString(16)}`);
    return new ByteCursor(b.bytes, b.section, at - b.base, b.end, b.base);
  }

  /**
   * The unit's bytes for a one-pass scan: the loaded unit if it is, else a transient read (valid
   * until the next transient read of .debug_info) that a scan over every unit does not retain.
   */
  scanBytes(): ByteCursor {
    if (this.bytes) return new ByteCursor(this.bytes.bytes, this.bytes.section, 0, this.bytes.end, this.bytes.base);
    const h = this.header;
    const b = this.dwarf.sections.info!.transient(h.offset, h.end - h.offset);
    return new ByteCursor(b, '.debug_info', 0, b.length, h.offset);
  }

  private unitBytes(): ByteCursor {
    if (!this.bytes) {
      const sec = this.dwarf.sections.info!;
      const h = this.header;
      this.bytes = sec.cursor(h.offset, h.end - h.offset);
    }
    return this.bytes;
  }

  /**
   * Runs `f` on a cursor at `at`, using only the unit's first bytes while the whole unit is not
   * loaded: reading the root DIE of every unit must not read all of .debug_info.
   */
  private viaHead<T>(at: number, f: (c: ByteCursor) => T): T {
    if (this.bytes) return f(this.cursorAt(at));
    const h = this.header;
    const unitLen = h.end - h.offset;
    if (!this.head) {
      const len = Math.min(unitLen, HEAD_BYTES);
      this.head = new ByteCursor(this.dwarf.sections.info!.read(h.offset, len), '.debug_info', 0, len, h.offset);
    }
    const hb = this.head;
    if (at >= hb.base && at < hb.base + hb.end) {
      try {
        return f(new ByteCursor(hb.bytes, hb.section, at - hb.base, hb.end, hb.base));
      } catch (e) {
        if (hb.end >= unitLen) throw e; // the head was the whole unit: a real error
      }
    }
    return f(this.cursorAt(at));
  }

  abbrevTable(): AbbrevTable {
    return (this.abbrevs ??= this.dwarf.abbrevTable(this.header.abbrevOffset));
  }

  /** Reads the abbreviation code at `offset` and returns its abbrev and the attributes' offset. */
  decodeEntry(offset: number): { abbrev: Abbrev; attrs: number } | undefined {
    return this.viaHead(offset, c => this.decodeAt(c, offset));
  }

  private decodeAt(c: ByteCursor, offset: number): { abbrev: Abbrev; attrs: number } | undefined {
    const code = c.ulebNum(0x7fffffff, 'abbreviation code');
    if (code === 0) return undefined;
    // Before the tree is parsed (root DIE lookups) skim for the one entry instead of decoding the table.
    const a = this.offs ? this.abbrevTable().get(code) : this.abbrevTable().find(code);
    if (!a) throw c.error(`abbreviation code ${code} is not in the table at .debug_abbrev+0x${this.header.abbrevOffset.toString(16)}`, offset - c.base);
    return { abbrev: a, attrs: c.offset };
  }

  /** Parses the DIE tree into flat typed columns; a failure is remembered and rethrown. */
  private parseTree(): void {
    if (this.offs) return;
    if (this.treeError) throw this.treeError;
    try {
      const c = this.cursorAt(this.header.dieStart);
      // ~13 bytes per DIE in a vmlinux, rarely under 10: start there and double when needed
      // (capacity is zero-filled memory: over-allocating costs time).
      const t = new TreeColumns(Math.max(16, Math.ceil((c.end - c.pos) / 10)));
      const n = walkTree(c, this.abbrevTable(), this.header, t);
      if (n === 0) throw new ParseError('.debug_info', this.header.dieStart, 'unit has no DIE');
      this.count = n;
      this.offs = t.offs.subarray(0, n); this.codeLen = t.codeLen.subarray(0, n); this.codes = t.codes.subarray(0, n);
      this.parents = t.parents.subarray(0, n); this.siblings = t.sibs.subarray(0, n);
    } catch (e) {
      this.treeError = e;
      throw e;
    }
  }

  get dieCount(): number { this.parseTree(); return this.count; }

  /** The distinct abbreviations the unit's DIEs use (parses the tree). */
  usedAbbrevs(): Abbrev[] {
    this.parseTree();
    // Codes are small dense integers: a seen-bitmap instead of a Set of every DIE's code.
    const seen = new Uint8Array(1024), out: Abbrev[] = [], more = new Set<number>();
    const table = this.abbrevTable(), codes = this.codes;
    for (let i = 0; i < this.count; i++) {
      const c = codes[i];
      if (c < 1024) { if (seen[c]) continue; seen[c] = 1; } else if (more.has(c)) continue; else more.add(c);
      out.push(table.get(c)!);
    }
    return out;
  }

  /** The unit's top DIE (DW_TAG_compile_unit / partial_unit / type_unit); does not parse the tree. */
  root(): Die {
    if (!this.rootCache) {
      const e = this.decodeEntry(this.header.dieStart);
      if (!e) throw new ParseError('.debug_info', this.header.dieStart, 'unit starts with a null entry');
      this.rootCache = new Die(this, infoOffset(this.header.dieStart), e.abbrev, e.attrs, 0);
    }
    return this.rootCache;
  }

  /** Whether the DIE tree has been parsed (shallow readers use the top-level index until then). */
  get treeParsed(): boolean { return this.offs !== undefined; }

  /**
   * The DIE starting at `offset` (a reference's target). Before the tree is parsed the entry is
   * decoded where it is, without the tree (a few references followed must not parse a unit).
   */
  dieAt(offset: DebugInfoOffset): Die {
    if (!this.offs && !this.treeError) {
      const h = this.header;
      if (offset < h.dieStart || offset >= h.end) throw new ParseError('.debug_info', offset, `offset is outside unit 0x${this.offset.toString(16)}`);
      if (offset === h.dieStart) return this.root();
      const e = this.decodeEntry(offset);
      if (!e) throw new ParseError('.debug_info', offset, 'a null entry where a DIE was expected');
      return new Die(this, offset, e.abbrev, e.attrs, -1);
    }
    return this.dieInTree(offset);
  }

  /** The DIE at `offset` in the parsed tree, or a ParseError when no DIE starts there. */
  private dieInTree(offset: DebugInfoOffset): Die {
    this.parseTree();
    const offs = this.offs!;
    let lo = 0, hi = offs.length - 1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (offs[m] === offset) return this.dieByIndex(m);
      if (offs[m] < offset) lo = m + 1; else hi = m - 1;
    }
    throw new ParseError('.debug_info', offset, `no DIE starts at this offset in unit 0x${this.offset.toString(16)}`);
  }

  /** @internal tree navigation for Die. */
  dieByIndex(i: number): Die {
    this.parseTree();
    if (i === 0) return this.root();
    return new Die(this, infoOffset(this.offs![i]), this.abbrevAt(i), this.offs![i] + this.codeLen[i], i);
  }
  /** @internal fast scans: the abbreviation and attribute offset of DIE `i` (tree parsed). */
  abbrevAt(i: number): Abbrev { this.parseTree(); return this.abbrevTable().get(this.codes[i])!; }
  /** @internal */ attrsOffsetAt(i: number): number { this.parseTree(); return this.offs![i] + this.codeLen[i]; }
  /** @internal */ indexOf(die: Die): number {
    if (die.index >= 0) return die.index;
    return this.dieInTree(die.offset).index;
  }
  /** @internal the parent DIE: from the top-level index while the tree is not parsed. */
  parentOf(die: Die): Die | undefined {
    if (die.index < 0 && !this.offs) { const p = topLevelParent(die); if (p) return p; }
    const i = this.indexOf(die);
    if (i === 0) return undefined;
    const p = this.parentIndex(i);
    return p < 0 ? undefined : this.dieByIndex(p);
  }
  /** @internal */ parentIndex(i: number): number { this.parseTree(); return this.parents[i]; }
  /** @internal */ firstChildIndex(i: number): number {
    this.parseTree();
    return this.abbrevAt(i).hasChildren && i + 1 < this.count && this.parents[i + 1] === i ? i + 1 : NONE;
  }
  /** @internal */ nextSiblingIndex(i: number): number { this.parseTree(); return this.siblings[i]; }

  /** All DIEs in tree order (parses the tree). */
  *dies(): Generator<Die> {
    this.parseTree();
    for (let i = 0; i < this.count; i++) yield this.dieByIndex(i);
  }

  /** DIEs of some tags, cheap: tests the tag before building a Die. */
  *diesWithTag(tags: ReadonlySet<number>): Generator<Die> {
    this.parseTree();
    for (let i = 0; i < this.count; i++) if (tags.has(this.abbrevAt(i).tag)) yield this.dieByIndex(i);
  }

  /** Raw value of attribute `at` of the entry whose attributes begin at `attrs`. */
  rawAttr(abbrev: Abbrev, attrs: number, at: number): { form: number; value: RawValue } | undefined {
    let idx = -1;
    for (let k = 0; k < abbrev.attrs.length; k++) if (abbrev.attrs[k].at === at) { idx = k; break; }
    if (idx < 0) return undefined;
    const fixedAt = layoutOf(abbrev, this.header).offsets[idx];
    if (fixedAt >= 0 && this.bytes) {
      // Only fixed-size forms before it: read the value in place.
      const c = this.cursorAt(attrs + fixedAt);
      const s = abbrev.attrs[idx];
      let form = s.form;
      if (form === DW_FORM.indirect) { const p = c.pos; form = c.ulebNum(0xffff, 'form'); c.pos = p; }
      return { form, value: readValue(c, s.form, this.header, s.implicitConst) };
    }
    return this.viaHead(attrs, c => {
      for (let k = 0; k < idx; k++) skipValue(c, abbrev.attrs[k].form, this.header);
      const s = abbrev.attrs[idx];
      let form = s.form;
      if (form === DW_FORM.indirect) { const p = c.pos; form = c.ulebNum(0xffff, 'form'); c.pos = p; }
      return { form, value: readValue(c, s.form, this.header, s.implicitConst) };
    });
  }

  /**
   * @internal fast scans: the value of attribute `at` when its form is the 4-byte `form` (strp,
   * ref4…) at a fixed place in the DIE (tree parsed): -1 when the DIE has no such attribute,
   * undefined when it has it in another shape (use rawAttr). Builds no value objects.
   */
  fixedU32(abbrev: Abbrev, attrs: number, at: number, form: number): number | undefined {
    const specs = abbrev.attrs;
    let k = 0;
    while (k < specs.length && specs[k].at !== at) k++;
    if (k === specs.length) return -1;
    if (specs[k].form !== form || (form === DW_FORM.strp && this.header.offsetSize !== 4) || !this.bytes) return undefined;
    const off = layoutOf(abbrev, this.header).offsets[k];
    if (off < 0) return undefined;
    const b = this.bytes, p = attrs + off - b.base;
    if (p < 0 || p + 4 > b.end) return undefined;
    const x = b.bytes;
    return (x[p] | (x[p + 1] << 8) | (x[p + 2] << 16)) + x[p + 3] * 0x1000000;
  }

  rawAttrs(abbrev: Abbrev, attrs: number): { at: number; form: number; value: RawValue }[] {
    return this.viaHead(attrs, c => abbrev.attrs.map(s => ({ at: s.at, form: s.form, value: readValue(c, s.form, this.header, s.implicitConst) })));
  }

  bases(): UnitBases {
    if (this.basesCache) return this.basesCache;
    const r = this.root();
    const h = this.header;
    const sec = (at: number): number | undefined => {
      const v = this.rawAttr(r.abbrev, r.attrsOffset, at)?.value;
      return v && (v.kind === 'secOffset') ? v.value : v && v.kind === 'constant' ? Number(v.value) : undefined;
    };
    const hdr = h.offsetSize === 8 ? 16 : 8;
    const low = this.rawAttr(r.abbrev, r.attrsOffset, DW_AT.low_pc)?.value;
    const b: UnitBases = {
      strOffsetsBase: sec(DW_AT.str_offsets_base) ?? (h.version >= 5 ? hdr : 0),
      addrBase: sec(DW_AT.addr_base) ?? sec(DW_AT.GNU_addr_base) ?? (h.version >= 5 ? hdr : 0),
      rnglistsBase: sec(DW_AT.rnglists_base) ?? (h.version >= 5 ? hdr + 4 : 0),
      loclistsBase: sec(DW_AT.loclists_base) ?? (h.version >= 5 ? hdr + 4 : 0),
      baseAddress: 0n,
    };
    this.basesCache = b;
    if (low?.kind === 'address') b.baseAddress = low.value;
    else if (low?.kind === 'addrx') b.baseAddress = this.addrx(low.index);
    return b;
  }

  addrx(index: number): bigint {
    return addressAt(this.dwarf.sections.addr, this.bases().addrBase, index, this.header.addressSize);
  }
  strx(index: number): string {
    const off = strOffsetAt(this.dwarf.sections.strOffsets, this.bases().strOffsetsBase, index, this.header.offsetSize);
    return stringAt(this.dwarf.sections.str, '.debug_str', off);
  }
  /** Section offset in .debug_rnglists of range list `index` (DW_FORM_rnglistx). */
  rnglistxOffset(index: number): number {
    const base = this.bases().rnglistsBase;
    return base + strOffsetAt(this.dwarf.sections.rnglists, base, index, this.header.offsetSize);
  }
  /** Section offset in .debug_loclists of location list `index` (DW_FORM_loclistx). */
  loclistxOffset(index: number): number {
    const base = this.bases().loclistsBase;
    return base + strOffsetAt(this.dwarf.sections.loclists, base, index, this.header.offsetSize);
  }

  resolve(v: RawValue): AttrValue {
    switch (v.kind) {
      case 'addrx': return { kind: 'address', value: this.addrx(v.index) };
      case 'strp': return { kind: 'string', value: stringAt(this.dwarf.sections.str, '.debug_str', v.offset) };
      case 'lineStrp': return { kind: 'string', value: stringAt(this.dwarf.sections.lineStr, '.debug_line_str', v.offset) };
      case 'strx': return { kind: 'string', value: this.strx(v.index) };
      case 'loclistx': return { kind: 'loclistx', index: v.index, offset: this.loclistxOffset(v.index) };
      case 'rnglistx': return { kind: 'rnglistx', index: v.index, offset: this.rnglistxOffset(v.index) };
      default: return v;
    }
  }

  // Facts from the root DIE, cached by the root's accessors.
  name(): string | undefined { return this.root().string(DW_AT.name); }
  compDir(): string | undefined { return this.root().string(DW_AT.comp_dir); }
  producer(): string | undefined { return this.root().string(DW_AT.producer); }
  language(): number | undefined { const v = this.root().udata(DW_AT.language); return v === undefined ? undefined : Number(v); }
  lineProgramOffset(): DebugLineOffset | undefined {
    const v = this.root().raw(DW_AT.stmt_list);
    if (!v) return undefined;
    if (v.value.kind === 'secOffset') return v.value.value as DebugLineOffset;
    if (v.value.kind === 'constant') return Number(v.value.value) as DebugLineOffset;
    return undefined;
  }
}

export interface UnitBases {
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  loclistsBase: number;
  /** DW_AT_low_pc of the unit: base of DWARF 2-4 range/location lists and offset_pair entries. */
  baseAddress: bigint;
}
