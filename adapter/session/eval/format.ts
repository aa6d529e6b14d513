// Display text of evaluated values, gdb-like: integers in decimal (hex on request), pointers
// as `(T *) 0x…`, chars with their glyph, bools, enumerator names, floats; aggregates as `{…}`
// (the session expands their children lazily).
import { radixText, type IntegerFormat } from '../../symbols/values/format';
import { floatToBits, signedValue } from './arith';
import type { Value } from './env';
import { typeName } from './types';

export interface FormatOptions {
  /** DAP `format.hex`: the same as `format: 'x'`. */
  readonly hex?: boolean;
  /** gdb's `print/FMT`: every scalar in this integer format. */
  readonly format?: IntegerFormat;
}

/** The integer format the options ask for, if any. */
export const formatOf = (opts: FormatOptions): IntegerFormat | undefined => opts.format ?? (opts.hex ? 'x' : undefined);

const hexOf = (v: bigint) => '0x' + v.toString(16);

function charText(code: bigint): string {
  const n = Number(code);
  const esc: Record<number, string> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };
  if (esc[n] !== undefined) return `'${esc[n]}'`;
  if (n >= 0x20 && n < 0x7f) return `'${String.fromCharCode(n)}'`;
  return `'\\${(n & 0xff).toString(8).padStart(3, '0')}'`;
}

/** One-line display of a value (scalars must be loaded). */
export function formatValue(v: Value, opts: FormatOptions = {}): string {
  const t = v.type;
  const f = formatOf(opts);
  if (f) {
    // gdb's /x etc.: the bits of any scalar, floats included, without names, glyphs or types
    if (t.kind === 'float' && v.float !== undefined) return radixText(floatToBits(v.float, t.size), t.size, f);
    if ((t.kind === 'int' || t.kind === 'bool' || t.kind === 'enum' || t.kind === 'pointer') && v.bits !== undefined) {
      return radixText(v.bits, v.bitField ? Math.ceil(v.bitField.size / 8) : t.size, f);
    }
  }
  switch (t.kind) {
    case 'int': {
      if (v.bits === undefined) return '<not loaded>';
      const n = signedValue(v.bits, t);
      return t.char ? `${n} ${charText(v.bits)}` : n.toString();
    }
    case 'bool':
      if (v.bits === undefined) return '<not loaded>';
      return v.bits === 0n ? 'false' : v.bits === 1n ? 'true' : `true (${v.bits})`;
    case 'enum': {
      if (v.bits === undefined) return '<not loaded>';
      const n = signedValue(v.bits, t);
      const e = t.enumerators.find(x => x.value === n || BigInt.asUintN(t.size * 8, x.value) === v.bits);
      return e ? e.name : n.toString();
    }
    case 'float':
      if (v.float === undefined) return '<not loaded>';
      return Number.isNaN(v.float) ? 'nan' : v.float === Infinity ? 'inf' : v.float === -Infinity ? '-inf' : String(v.float);
    case 'pointer':
      if (v.bits === undefined) return '<not loaded>';
      return `(${typeName(t)}) ${hexOf(v.bits)}`;
    case 'void': return 'void';
    case 'function': return v.location.kind === 'memory' ? `{${t.name}} ${hexOf(v.location.address)}` : `{${t.name}}`;
    case 'struct': case 'array': return '{…}';
  }
}

/** A memory reference for DAP (hex address) when the value is or points at memory. */
export function memoryReference(v: Value): string | undefined {
  if (v.type.kind === 'pointer' && v.bits !== undefined) return hexOf(v.bits);
  if (v.location.kind === 'memory') return hexOf(v.location.address);
  return undefined;
}
