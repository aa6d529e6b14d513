// Type model built from DWARF type DIEs, lazily and cached per DIE: base types, pointers,
// structs/unions/classes (with C bitfields and Rust variant parts), arrays, enums, typedefs,
// qualifiers, functions. Cycles (struct node { node *next; }) resolve through lazy targets.
import { ParseError } from '../../common/cursor';
import { DW_AT, DW_TAG, type Die } from '../dwarf';

export type BaseEncoding = 'address' | 'bool' | 'float' | 'signed' | 'signedChar' | 'unsigned' | 'unsignedChar' | 'utf' | 'other';

export interface Member {
  name: string | undefined;
  type: TypeInfo;
  /** Byte offset in the aggregate (for bitfields, of the storage unit containing the field). */
  byteOffset: number;
  /** For bitfields: bit offset from the start of the aggregate and width in bits. */
  bitOffset?: number;
  bitSize?: number;
  artificial: boolean;
}

export interface Variant {
  /** undefined: the default variant (no DW_AT_discr_value). */
  discrValue?: bigint;
  members: Member[];
}

export interface VariantPart {
  /** The member holding the discriminant (absent for niche-less single variants). */
  discr?: Member;
  variants: Variant[];
}

export type TypeInfo =
  | { kind: 'void'; name: string }
  | { kind: 'base'; name: string; size: number; encoding: BaseEncoding }
  | { kind: 'pointer'; name: string; size: number; reference: boolean; target: () => TypeInfo }
  | { kind: 'struct'; name: string; keyword: 'struct' | 'union' | 'class'; size: number; members: () => Member[]; variantPart: () => VariantPart | undefined; rust: boolean }
  | { kind: 'array'; name: string; element: TypeInfo; counts: (number | undefined)[]; size: number; rust: boolean }
  | { kind: 'enum'; name: string; size: number; signed: boolean; enumerators: { name: string; value: bigint }[] }
  | { kind: 'typedef'; name: string; target: () => TypeInfo }
  | { kind: 'qualified'; name: string; qualifier: 'const' | 'volatile' | 'restrict' | 'atomic'; target: () => TypeInfo }
  | { kind: 'function'; name: string }
  | { kind: 'unknown'; name: string; size: number };

const ENC: Record<number, BaseEncoding> = {
  0x1: 'address', 0x2: 'bool', 0x4: 'float', 0x5: 'signed', 0x6: 'signedChar', 0x7: 'unsigned', 0x8: 'unsignedChar', 0x10: 'utf',
};
const DW_LANG_Rust = 0x1c;

const cache = new WeakMap<object, Map<number, TypeInfo>>();

/** Strips typedefs and qualifiers (bounded: malformed chains end as 'unknown'). */
export function strip(t: TypeInfo): TypeInfo {
  for (let i = 0; i < 32; i++) {
    if (t.kind !== 'typedef' && t.kind !== 'qualified') return t;
    t = t.target();
  }
  return { kind: 'unknown', name: t.name, size: 0 };
}

export function sizeOf(t: TypeInfo): number {
  const s = strip(t);
  switch (s.kind) {
    case 'base': case 'pointer': case 'struct': case 'array': case 'enum': case 'unknown': return s.size;
    default: return 0;
  }
}

/** The type of `die`'s DW_AT_type, through DW_AT_specification/abstract_origin (a definition
 *  completing a declaration carries no type of its own); void when absent. */
export function typeOf(die: Die): TypeInfo {
  let d: Die | undefined = die, t: Die | undefined;
  for (let n = 0; d && !t && n < 8; n++) { t = d.ref(DW_AT.type); if (!t) d = d.origin(); }
  return t ? typeFromDie(t) : VOID;
}

const VOID: TypeInfo = { kind: 'void', name: 'void' };

export function typeFromDie(die: Die, depth = 0): TypeInfo {
  let perDwarf = cache.get(die.unit.dwarf);
  if (!perDwarf) { perDwarf = new Map(); cache.set(die.unit.dwarf, perDwarf); }
  const hit = perDwarf.get(die.offset);
  if (hit) return hit;
  if (depth > 64) throw new ParseError('.debug_info', die.offset, 'type chain deeper than 64');
  const t = build(die, depth);
  perDwarf.set(die.offset, t);
  return t;
}

/** Rust paths (`core::option::Option<i32>`) name types as gdb prints them. */
function safeQualified(die: Die): string | undefined {
  try { return die.qualifiedName(); } catch { return undefined; }
}

function lazy<T>(f: () => T): () => T {
  let done = false, v: T | undefined;
  return () => { if (!done) { v = f(); done = true; } return v as T; };
}

function isRust(die: Die): boolean {
  try { return die.unit.language() === DW_LANG_Rust; } catch { return false; }
}

function build(die: Die, depth: number): TypeInfo {
  const name = die.string(DW_AT.name);
  const size = Number(die.udata(DW_AT.byte_size) ?? 0n);
  const target = lazy(() => { const t = die.ref(DW_AT.type); return t ? typeFromDie(t, depth + 1) : VOID; });
  switch (die.tag) {
    case DW_TAG.base_type:
      return { kind: 'base', name: name ?? '?', size, encoding: ENC[Number(die.udata(DW_AT.encoding) ?? 0n)] ?? 'other' };
    case DW_TAG.unspecified_type:
      return { kind: 'void', name: name ?? 'void' };
    case DW_TAG.pointer_type: case DW_TAG.reference_type: case DW_TAG.rvalue_reference_type: {
      const reference = die.tag !== DW_TAG.pointer_type;
      const rust = isRust(die);
      const t: TypeInfo = {
        kind: 'pointer', size: size || die.unit.addressSize, reference, target,
        // gdb names a Rust pointer by its target, whatever rustc called it (`&T`, `&mut T`,
        // `*const T`): `*mut T` in whatis, ptype and print alike
        get name() { return rust ? `*mut ${target().name}` : name ?? pointerName(target(), reference ? '&' : '*'); },
      };
      return t;
    }
    case DW_TAG.structure_type: case DW_TAG.union_type: case DW_TAG.class_type: {
      const keyword = die.tag === DW_TAG.union_type ? 'union' : die.tag === DW_TAG.class_type ? 'class' : 'struct';
      const rust = isRust(die);
      return {
        kind: 'struct', keyword, size, rust,
        // C spells aggregate types with their keyword (`struct point`), Rust does not
        name: rust ? safeQualified(die) ?? name ?? '{anon}' : `${keyword} ${name ?? '{...}'}`,
        members: lazy(() => membersOf(die, depth)),
        variantPart: lazy(() => variantPartOf(die, depth)),
      };
    }
    case DW_TAG.array_type: {
      const element = target();
      const counts: (number | undefined)[] = [];
      for (const sub of die.children()) {
        if (sub.tag !== DW_TAG.subrange_type && sub.tag !== DW_TAG.enumeration_type) continue;
        const count = sub.udata(DW_AT.count);
        const upper = sub.sdata(DW_AT.upper_bound);
        const lower = sub.sdata(DW_AT.lower_bound) ?? 0n;
        const n = count !== undefined ? count : upper !== undefined ? upper - lower + 1n : undefined;
        counts.push(n === undefined || n < 0n || n > 0x7fffffffn ? undefined : Number(n));
      }
      if (counts.length === 0) counts.push(undefined);
      const total = counts.every(c => c !== undefined) ? counts.reduce<number>((a, c) => a * (c as number), 1) * sizeOf(element) : 0;
      const rust = isRust(die);
      return {
        kind: 'array', element, counts, size: size || total, rust,
        // Rust as gdb spells it: [[T; 3]; 2] for counts [2, 3]
        get name() { return rust ? counts.reduceRight<string>((inner, n) => `[${inner}; ${n ?? 0}]`, element.name) : `${element.name} [${counts.map(c => c ?? '').join('][')}]`; },
      };
    }
    case DW_TAG.enumeration_type: {
      const under = die.ref(DW_AT.type);
      let signed = false;
      if (under) { const u = strip(typeFromDie(under, depth + 1)); signed = u.kind === 'base' && (u.encoding === 'signed' || u.encoding === 'signedChar'); }
      const enumerators = die.children().filter(c => c.tag === DW_TAG.enumerator).map(c => {
        const v = c.attr(DW_AT.const_value);
        const value = v?.kind === 'constant' ? (v.signed ? v.value : signed ? BigInt.asIntN(v.size * 8 || 64, v.value) : v.value) : 0n;
        return { name: c.string(DW_AT.name) ?? '?', value };
      });
      return { kind: 'enum', name: isRust(die) ? safeQualified(die) ?? name ?? '{anon}' : `enum ${name ?? '{...}'}`, size: size || 4, signed, enumerators };
    }
    case DW_TAG.typedef:
      return { kind: 'typedef', name: name ?? '?', target };
    case DW_TAG.const_type: case DW_TAG.volatile_type: case DW_TAG.restrict_type: case DW_TAG.atomic_type: {
      const qualifier = die.tag === DW_TAG.const_type ? 'const' : die.tag === DW_TAG.volatile_type ? 'volatile' : die.tag === DW_TAG.restrict_type ? 'restrict' : 'atomic';
      // C puts an array's qualifiers on its elements: `const char []`, not `const const char []`
      return { kind: 'qualified', qualifier, target, get name() { const n = target().name; return n.startsWith(`${qualifier} `) ? n : `${qualifier} ${n}`; } };
    }
    case DW_TAG.subroutine_type: case DW_TAG.subprogram:
      return { kind: 'function', name: name ?? functionTypeName(die, depth) };
    default:
      return { kind: 'unknown', name: name ?? `<type 0x${die.tag.toString(16)}>`, size };
  }
}

function pointerName(t: TypeInfo, star: string): string {
  if (t.kind === 'function') {
    const i = t.name.indexOf(' (');
    return i < 0 ? `${t.name} (${star})` : `${t.name.slice(0, i)} (${star})${t.name.slice(i + 1)}`;
  }
  return `${t.name} ${star}`.replace(/\* \*$/, '**');
}

function functionTypeName(die: Die, depth: number): string {
  const ret = die.ref(DW_AT.type);
  const params = die.children().filter(c => c.tag === DW_TAG.formal_parameter).map(p => typeOf(p).name);
  if (die.children().some(c => c.tag === DW_TAG.unspecified_parameters)) params.push('...');
  // gdb's Rust spelling: `fn (usize, u64) -> bool`, `fn ()` (a unit return has no DW_AT_type)
  if (isRust(die)) return `fn (${params.join(', ')})${ret ? ` -> ${typeFromDie(ret, depth + 1).name}` : ''}`;
  const r = ret ? typeFromDie(ret, depth + 1).name : 'void';
  return `${r} (${params.length ? params.join(', ') : 'void'})`;
}

function memberOf(m: Die, depth: number): Member {
  const type = (() => { const t = m.ref(DW_AT.type); return t ? typeFromDie(t, depth + 1) : VOID; })();
  const loc = m.attr(DW_AT.data_member_location);
  let byteOffset = 0;
  if (loc?.kind === 'constant') byteOffset = Number(loc.value);
  else if (loc && (loc.kind === 'exprloc' || loc.kind === 'block')) {
    // GCC before DWARF 4 wrote DW_OP_plus_uconst N; that is the only form compilers emit for C/Rust
    const b = loc.bytes;
    if (b.length >= 2 && b[0] === 0x23) {
      let v = 0, shift = 0;
      for (let i = 1; i < b.length && shift < 35; i++) { v += (b[i] & 0x7f) * 2 ** shift; shift += 7; if ((b[i] & 0x80) === 0) break; }
      byteOffset = v;
    }
  }
  const bitSize = m.udata(DW_AT.bit_size);
  const out: Member = { name: m.string(DW_AT.name), type, byteOffset, artificial: m.flag(DW_AT.artificial) };
  if (bitSize !== undefined) {
    const dbo = m.udata(DW_AT.data_bit_offset);
    const DW_AT_bit_offset = 0x0c; // DWARF 2/3: counted from the MSB of the storage unit
    const old = m.udata(DW_AT_bit_offset);
    let bitOffset: number;
    if (dbo !== undefined) bitOffset = Number(dbo);
    else if (old !== undefined) {
      const storage = Number(m.udata(DW_AT.byte_size) ?? BigInt(sizeOf(type)));
      bitOffset = byteOffset * 8 + storage * 8 - Number(old) - Number(bitSize);
    } else bitOffset = byteOffset * 8;
    out.bitOffset = bitOffset;
    out.bitSize = Number(bitSize);
    out.byteOffset = Math.floor(bitOffset / 8);
  }
  return out;
}

function membersOf(die: Die, depth: number): Member[] {
  // C++ static members are declarations without storage in the object: not members here
  return die.children().filter(c => c.tag === DW_TAG.member && !c.flag(DW_AT.declaration)).map(m => memberOf(m, depth));
}

function variantPartOf(die: Die, depth: number): VariantPart | undefined {
  const vp = die.children().find(c => c.tag === DW_TAG.variant_part);
  if (!vp) return undefined;
  const discrDie = vp.ref(DW_AT.discr);
  const discr = discrDie ? memberOf(discrDie, depth) : undefined;
  const variants: Variant[] = vp.children().filter(c => c.tag === DW_TAG.variant).map(v => {
    const dv = v.attr(DW_AT.discr_value);
    return {
      discrValue: dv?.kind === 'constant' ? dv.value : undefined,
      members: v.children().filter(c => c.tag === DW_TAG.member).map(m => memberOf(m, depth)),
    };
  });
  return { discr, variants };
}
