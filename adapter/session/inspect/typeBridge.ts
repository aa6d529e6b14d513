// Maps DWARF types (adapter/symbols/values) onto the expression evaluator's type descriptors,
// lazily and cached, so watch/console expressions work on locals and statics with their types.
import type { EvalField, EvalType } from '../eval';
import { T } from '../eval';
import { sizeOf, strip, type TypeInfo } from '../../symbols/values/types';

const cache = new WeakMap<object, EvalType>();

export function toEvalType(t: TypeInfo, depth = 0): EvalType {
  const hit = cache.get(t);
  if (hit) return hit;
  const out = convert(t, depth);
  cache.set(t, out);
  return out;
}

function convert(t0: TypeInfo, depth: number): EvalType {
  if (depth > 16) return T.u64;
  const t = strip(t0);
  switch (t.kind) {
    case 'base':
      if (t.encoding === 'bool') return { kind: 'bool', name: t.name, size: t.size };
      if (t.encoding === 'float' && (t.size === 4 || t.size === 8)) return { kind: 'float', name: t.name, size: t.size };
      return { kind: 'int', name: t.name, size: t.size, signed: t.encoding === 'signed' || t.encoding === 'signedChar', char: t.encoding === 'signedChar' || t.encoding === 'unsignedChar' };
    case 'pointer':
      return { kind: 'pointer', name: t.name, size: t.size, get target() { return toEvalType(t.target(), depth + 1); } } as EvalType;
    case 'enum':
      return { kind: 'enum', name: t.name, size: t.size, signed: t.signed, enumerators: t.enumerators };
    case 'array':
      return t.counts.length <= 1
        ? { kind: 'array', name: t.name, element: toEvalType(t.element, depth + 1), count: t.counts[0] }
        : { kind: 'array', name: t.name, element: toEvalType({ ...t, counts: t.counts.slice(1) }, depth + 1), count: t.counts[0] };
    case 'struct':
      return {
        kind: 'struct', name: t.name, size: t.size, union: t.keyword === 'union',
        fields: (): readonly EvalField[] => t.members().filter(m => m.name).map(m => ({
          name: m.name as string, offset: m.byteOffset, type: toEvalType(m.type, depth + 1),
          ...(m.bitSize !== undefined && m.bitOffset !== undefined ? { bitOffset: m.bitOffset - m.byteOffset * 8, bitSize: m.bitSize } : {}),
        })),
      };
    case 'void': return T.void;
    case 'function': return { kind: 'function', name: t.name };
    default: {
      const n = sizeOf(t);
      return n === 1 ? T.u8 : n === 2 ? T.u16 : n === 4 ? T.u32 : T.u64;
    }
  }
}
