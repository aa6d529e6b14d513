// Maps the symbol layer's DWARF type model (adapter/symbols/values/types.ts) onto the
// evaluator's type descriptors, lazily and with identity caching so recursive types
// (struct node { struct node *next; }) convert in finite time.
import type { Member, TypeInfo } from '../../symbols/values/types';
import { strip } from '../../symbols/values/types';
import type { EvalField, EvalType } from './types';

const cache = new WeakMap<TypeInfo, EvalType>();
/** The DWARF type an evaluator type was made from, so results print as gdb prints them. */
const origin = new WeakMap<EvalType, TypeInfo>();

export function evalTypeFromSymbols(info: TypeInfo): EvalType {
  const hit = cache.get(info);
  if (hit) return hit;
  const t = convert(info);
  cache.set(info, t);
  if (!origin.has(t)) origin.set(t, strip(info));
  return t;
}

/** The symbols' type behind `t` (undefined for built-in and evaluator-made types). */
export function symbolTypeOf(t: EvalType): TypeInfo | undefined {
  return origin.get(t);
}

function convert(info: TypeInfo): EvalType {
  const s = strip(info);
  if (s !== info) return evalTypeFromSymbols(s);
  switch (s.kind) {
    case 'void': return { kind: 'void', name: 'void' };
    case 'base':
      switch (s.encoding) {
        case 'bool': return { kind: 'bool', name: s.name, size: s.size };
        case 'float':
          if (s.size === 4 || s.size === 8) return { kind: 'float', name: s.name, size: s.size };
          return { kind: 'int', name: s.name, size: s.size, signed: false };
        case 'signedChar': return { kind: 'int', name: s.name, size: s.size, signed: true, char: true };
        case 'unsignedChar': return { kind: 'int', name: s.name, size: s.size, signed: false, char: true };
        case 'signed': return { kind: 'int', name: s.name, size: s.size, signed: true };
        default: return { kind: 'int', name: s.name, size: s.size, signed: false };
      }
    case 'pointer': {
      // The pointee converts on first access: pointers to recursive or huge types stay cheap.
      const target = s.target;
      let converted: EvalType | undefined;
      return {
        kind: 'pointer', size: s.size,
        get name() { return s.name; },
        get target() { return (converted ??= evalTypeFromSymbols(target())); },
      };
    }
    case 'struct': {
      let fields: EvalField[] | undefined;
      return {
        kind: 'struct', name: s.name, size: s.size, union: s.keyword === 'union',
        fields: () => (fields ??= fieldsOf(s.members())),
      };
    }
    case 'array': {
      // counts [2, 3] is an array of 2 arrays of 3 elements.
      let t: EvalType = evalTypeFromSymbols(s.element);
      for (let i = s.counts.length - 1; i >= 0; i--) t = { kind: 'array', element: t, count: s.counts[i], name: i === 0 ? s.name : undefined };
      return t;
    }
    case 'enum': return { kind: 'enum', name: s.name, size: s.size, signed: s.signed, enumerators: s.enumerators };
    case 'function': return { kind: 'function', name: s.name };
    case 'unknown': return { kind: 'struct', name: s.name, size: s.size, fields: () => [] };
    default: return { kind: 'void', name: 'void' };
  }
}

/**
 * Named members, and the members of anonymous struct/union members in their place at their
 * offset, as C reaches them (Linux: `vmf->address` lives in an anonymous const struct).
 */
function fieldsOf(members: readonly Member[]): EvalField[] {
  const out: EvalField[] = [];
  for (const m of members) {
    if (m.name !== undefined) { out.push(fieldOf(m)); continue; }
    const t = evalTypeFromSymbols(m.type);
    if (t.kind === 'struct') for (const f of t.fields()) out.push({ ...f, offset: f.offset + m.byteOffset });
  }
  return out;
}

function fieldOf(m: Member): EvalField {
  const type = evalTypeFromSymbols(m.type);
  if (m.bitSize !== undefined && m.bitOffset !== undefined) {
    return { name: m.name!, offset: m.byteOffset, type, bitOffset: m.bitOffset - m.byteOffset * 8, bitSize: m.bitSize };
  }
  return { name: m.name!, offset: m.byteOffset, type };
}
