// Evaluation results printed as gdb 13's `print` prints them: values whose type came from DWARF
// go through the symbols' renderer (structs, Rust enums and arrays in full, `<sym+off>` labels),
// pointers get their type in front, and Rust pointers and references are all `*mut T` (gdb spells
// `&T`, `&mut T`, `*const T` and `*mut T` that way). Built-in and evaluator-made types fall back
// to the evaluator's own format.
import { writeLE } from '../../common/hex';
import { bytesSource, formatValue as renderValue, memorySource, ValueRef, type RenderContext } from '../../symbols/values/render';
import { strip, type TypeInfo } from '../../symbols/values/types';
import type { EvalEnvironment, Value } from './env';
import { formatOf, formatValue, type FormatOptions } from './format';
import { symbolTypeOf } from './fromSymbols';
import { sizeOf, typeName, type EvalType } from './types';

export interface PrintedValue {
  text: string;
  /** The value for an expandable view (children through the symbols' value nodes). */
  ref?: ValueRef;
  ctx?: RenderContext;
}

const RUST_BASE = /^(?:[ui](?:8|16|32|64|128|size)|f32|f64|bool|char|str|\(\)|!)$/;

/** Whether a DWARF type is spelled the Rust way. */
function isRust(t: TypeInfo): boolean {
  const s = strip(t);
  switch (s.kind) {
    case 'struct': case 'array': return s.rust;
    case 'pointer': return /^(?:&|\*const |\*mut )/.test(s.name) || isRust(s.target());
    case 'enum': return !s.name.startsWith('enum ');
    case 'base': return RUST_BASE.test(s.name) && !(s.name === 'char' && s.size === 1);
    default: return false;
  }
}

/** gdb's name of a DWARF type in `print`'s `(type)` prefix. */
function gdbTypeName(t: TypeInfo): string {
  const s = strip(t);
  if (s.kind === 'pointer' && isRust(s)) return `*mut ${gdbTypeName(s.target())}`;
  if (s.kind === 'array' && s.rust) {
    // [[T; 3]; 2] for counts [2, 3]
    return s.counts.reduceRight((inner, n) => `[${inner}; ${n ?? 0}]`, gdbTypeName(s.element));
  }
  return t.name;
}

/** The same for evaluator types: those made from DWARF use its names; `&x` of a Rust value is
 *  `*mut T`; built-ins keep C syntax (`u64 *`). */
function evalTypeName(t: EvalType): string {
  const info = symbolTypeOf(t);
  if (info) return gdbTypeName(info);
  if (t.kind === 'pointer' && t.name === undefined) {
    const target = symbolTypeOf(t.target);
    if (target && isRust(target)) return `*mut ${gdbTypeName(target)}`;
    const inner = evalTypeName(t.target);
    if (t.target.kind === 'pointer' && inner.startsWith('*mut ')) return `*mut ${inner}`;
    return inner.endsWith('*') ? `${inner}*` : `${inner} *`; // gdb: char **
  }
  return typeName(t);
}

/** gdb leaves the `(type)` off only for pointers to plain `char` (cv-qualified too): the quoted
 *  string shows the type; `unsigned char *` and `u8 *` keep it. */
const isPlainChar = (t: TypeInfo): boolean => {
  const s = strip(t);
  return s.kind === 'base' && s.name === 'char' && s.size === 1;
};

function labelOf(addr: bigint, env: EvalEnvironment): string {
  const s = addr === 0n ? undefined : env.symbolAt?.(addr);
  return s ? (s.offset === 0n ? ` <${s.name}>` : ` <${s.name}+${s.offset}>`) : '';
}

/** A ValueRef over wherever `v` lives, when its type came from DWARF. */
function refOf(v: Value, info: TypeInfo, env: EvalEnvironment): ValueRef | undefined {
  if (v.bitField) return undefined;
  if (v.location.kind === 'memory') return new ValueRef(info, memorySource(v.location.address, env.readMemory));
  const size = sizeOf(v.type);
  let bytes = v.bytes;
  if (!bytes && v.bits !== undefined && size !== undefined && size <= 16) bytes = writeLE(BigInt.asUintN(size * 8, v.bits), size);
  if (!bytes) return undefined;
  return new ValueRef(info, bytesSource({ bytes, known: new Uint8Array(bytes.length).fill(1) }));
}

/** `print EXPR` text of an evaluated value (scalars loaded). */
export async function printValue(v: Value, env: EvalEnvironment, opts: FormatOptions = {}): Promise<PrintedValue> {
  const info = symbolTypeOf(v.type);
  const format = formatOf(opts);
  // gdb's p/x prints a scalar bare (no type, label or string); the evaluator's format does that.
  if (format && v.type.kind !== 'struct' && v.type.kind !== 'array' && (v.bits !== undefined || v.float !== undefined)) {
    return { text: formatValue(v, opts) };
  }
  const ref = info ? refOf(v, info, env) : undefined;
  if (info && ref) {
    // Aggregates in a format: each field, element and pointer in it, recursively (gdb's p/x).
    const ctx: RenderContext = { readMemory: env.readMemory, symbolAt: env.symbolAt ? a => env.symbolAt!(a) : undefined, ...(format ? { format } : {}) };
    let text = await renderValue(ref, ctx);
    const s = strip(info);
    if (!format && s.kind === 'pointer' && !s.reference && !text.startsWith('(') && !text.startsWith('<') && !isPlainChar(s.target())) {
      text = `(${gdbTypeName(info)}) ${text}`;
    }
    return { text, ref, ctx };
  }
  if (v.type.kind === 'pointer' && v.bits !== undefined) {
    return { text: `(${evalTypeName(v.type)}) 0x${v.bits.toString(16)}${labelOf(v.bits, env)}` };
  }
  return { text: formatValue(v, opts) };
}
