// Scalar formatting as gdb prints it: integers, chars ('x' with C escapes / octal), floats with
// %g at 9 (float) or 17 (double) significant digits, string literals with repeat runs.

export function intFromBytes(b: Uint8Array, signed: boolean): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return signed && b.length > 0 ? BigInt.asIntN(b.length * 8, v) : v;
}

const C_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\033' };

/** One character inside quotes `q` as gdb escapes it (octal for non-printables). */
export function escapeChar(code: number, q: "'" | '"'): string {
  if (code === 0) return '\\000';
  if (C_ESCAPES[code]) return C_ESCAPES[code];
  if (code === 0x5c) return '\\\\';
  if (code === q.charCodeAt(0)) return '\\' + q;
  if (code >= 0x20 && code < 0x7f) return String.fromCharCode(code);
  if (code < 0x100) return '\\' + code.toString(8).padStart(3, '0');
  return String.fromCodePoint(code);
}

/** `120 'x'` for a C char, `-105 '\227'` for a negative signed char. */
export function formatChar(v: bigint, byteWidth: number): string {
  const code = Number(BigInt.asUintN(byteWidth * 8, v));
  return `${v} '${escapeChar(code, "'")}'`;
}

/** A Rust `char` as gdb prints it: `97 'a'`, `955 '\u{0003bb}'`. */
export function formatRustChar(v: bigint): string {
  const code = Number(BigInt.asUintN(32, v));
  const c = code >= 0x20 && code < 0x7f ? (code === 0x27 || code === 0x5c ? '\\' + String.fromCharCode(code) : String.fromCharCode(code))
    : `\\u{${code.toString(16).padStart(6, '0')}}`;
  return `${code} '${c}'`;
}

/** C's %.Ng (trailing zeros removed, exponent at least 2 digits), plus gdb's inf/nan spelling. */
export function formatG(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan(0x8000000000000)';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const trim = (m: string) => (m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m);
  const [mant, e] = x.toExponential(digits - 1).split('e');
  const ev = Number(e); // from the rounded result, as C does
  if (ev < -4 || ev >= digits) return `${trim(mant)}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  return trim(x.toFixed(digits - 1 - ev));
}

export function formatFloat(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length === 4 || b.length === 8) {
    const x = b.length === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
    if (Number.isNaN(x)) {
      // gdb shows a NaN's sign and mantissa bits: -nan(0x7fdea8)
      const bits = intFromBytes(b, false);
      const mant = bits & (b.length === 4 ? 0x7fffffn : 0xfffffffffffffn);
      const neg = (bits >> BigInt(b.length * 8 - 1)) & 1n;
      return `${neg ? '-' : ''}nan(0x${mant.toString(16)})`;
    }
    return formatG(x, b.length === 4 ? 9 : 17);
  }
  return `<${b.length * 8}-bit float>`;
}

/** gdb's `repeat_count_threshold`: runs longer than this print as `x <repeats N times>`. */
export const REPEAT_THRESHOLD = 10;

/**
 * Characters as gdb prints a char array or string: quoted segments, runs of more than 10 equal
 * characters as `'c' <repeats N times>`, at most `limit` characters (a run counts as 10), and
 * `...` when something was left out.
 */
export function formatCharRun(codes: number[], truncated: boolean, limit = Number.MAX_SAFE_INTEGER): string {
  const parts: string[] = [];
  let cur = '';
  let printed = 0, i = 0;
  for (; i < codes.length && printed < limit;) {
    let j = i;
    while (j < codes.length && codes[j] === codes[i]) j++;
    const n = j - i;
    if (n > REPEAT_THRESHOLD) {
      if (cur) { parts.push(`"${cur}"`); cur = ''; }
      parts.push(`'${escapeChar(codes[i], "'")}' <repeats ${n} times>`);
      printed += REPEAT_THRESHOLD;
      i = j;
    } else {
      cur += escapeChar(codes[i], '"');
      printed++;
      i++;
    }
  }
  if (cur || parts.length === 0) parts.push(`"${cur}"`);
  return parts.join(', ') + (truncated || i < codes.length ? '...' : '');
}

/** gdb's output formats for integers (`print/x`, `/d`, `/u`, `/o`, `/t`, `/z`): applied to every
 *  scalar of a value, pointers, bools, chars and enums included (floats by their raw bits). */
export type IntegerFormat = 'x' | 'd' | 'u' | 'o' | 't' | 'z';

/** `raw` (a value of `size` bytes, any sign) in format `f` as gdb prints it: /x 0xff, /z
 *  zero-padded, /o 0377, /t 11111111, /d signed, /u unsigned. */
export function radixText(raw: bigint, size: number, f: IntegerFormat): string {
  const bits = Math.max(1, size) * 8;
  const u = BigInt.asUintN(bits, raw);
  switch (f) {
    case 'x': return '0x' + u.toString(16);
    case 'z': return '0x' + u.toString(16).padStart(bits / 4, '0');
    case 'o': return u === 0n ? '0' : '0' + u.toString(8);
    case 't': return u.toString(2);
    case 'd': return BigInt.asIntN(bits, raw).toString();
    case 'u': return u.toString();
  }
}
