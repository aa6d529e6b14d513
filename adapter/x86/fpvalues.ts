// x87 80-bit extended floats and SSE 128-bit vectors as gdb shows them (st0 = 1.5,
// xmm0 = {v4_float = {…}, v2_double = {…}, v16_int8 = {…}, …}).
import { readLE } from '../common/hex';

export type X87Class = 'zero' | 'normal' | 'denormal' | 'infinity' | 'nan' | 'unnormal';

export interface X87Value {
  readonly sign: boolean;
  readonly exponent: number;
  readonly mantissa: bigint;
  readonly kind: X87Class;
  /** Nearest double (precision beyond 53 bits is lost). */
  readonly value: number;
}

/** Decodes the 10 little-endian bytes of an x87 register (64-bit mantissa with explicit J bit). */
export function decodeX87(bytes: Uint8Array): X87Value {
  if (bytes.length < 10) throw new RangeError(`x87 register needs 10 bytes, got ${bytes.length}`);
  const mantissa = readLE(bytes, 0, 8);
  const se = bytes[8] | (bytes[9] << 8);
  const sign = (se & 0x8000) !== 0;
  const exponent = se & 0x7fff;
  const s = sign ? -1 : 1;
  const jBit = (mantissa >> 63n) & 1n;
  const fraction = mantissa & ((1n << 63n) - 1n);
  if (exponent === 0x7fff) {
    if (fraction === 0n) return { sign, exponent, mantissa, kind: 'infinity', value: s * Infinity };
    return { sign, exponent, mantissa, kind: 'nan', value: NaN };
  }
  if (exponent === 0 && mantissa === 0n) return { sign, exponent, mantissa, kind: 'zero', value: sign ? -0 : 0 };
  // value = mantissa * 2^(exponent - 16383 - 63); denormals use exponent 1 - 16383.
  const e = (exponent === 0 ? 1 : exponent) - 16383 - 63;
  const value = s * scale(mantissa, e);
  const kind: X87Class = exponent === 0 ? 'denormal' : jBit === 0n ? 'unnormal' : 'normal';
  return { sign, exponent, mantissa, kind, value };
}

/** mantissa * 2^e without overflowing intermediate doubles. */
function scale(mantissa: bigint, e: number): number {
  // Keep the top 64 bits exact as far as a double can: split the power of two.
  let v = Number(mantissa);
  let k = e;
  while (k > 1000) { v *= 2 ** 1000; k -= 1000; }
  while (k < -1000) { v *= 2 ** -1000; k += 1000; }
  return v * 2 ** k;
}

export function formatX87(v: X87Value): string {
  switch (v.kind) {
    case 'infinity': return v.sign ? '-inf' : 'inf';
    case 'nan': return `${v.sign ? '-' : ''}nan(0x${v.mantissa.toString(16)})`;
    case 'zero': return v.sign ? '-0' : '0';
    default: return formatDouble(v.value);
  }
}

/** gdb-like float text: shortest round-trip representation, `inf`/`nan` spelled as gdb does. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export interface VectorView {
  readonly name: string;
  readonly elements: readonly (number | bigint)[];
}

const f32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 4).getFloat32(0, true);
const f64 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 8).getFloat64(0, true);

function ints(b: Uint8Array, size: number): bigint[] {
  const out: bigint[] = [];
  for (let o = 0; o < b.length; o += size) out.push(BigInt.asIntN(size * 8, readLE(b, o, size)));
  return out;
}

/** The union members gdb shows for an xmm register, in gdb's order. */
export function xmmViews(bytes: Uint8Array): VectorView[] {
  if (bytes.length !== 16) throw new RangeError(`xmm register needs 16 bytes, got ${bytes.length}`);
  const floats: number[] = [];
  for (let o = 0; o < 16; o += 4) floats.push(f32(bytes, o));
  const doubles = [f64(bytes, 0), f64(bytes, 8)];
  return [
    { name: 'v4_float', elements: floats },
    { name: 'v2_double', elements: doubles },
    { name: 'v16_int8', elements: ints(bytes, 1) },
    { name: 'v8_int16', elements: ints(bytes, 2) },
    { name: 'v4_int32', elements: ints(bytes, 4) },
    { name: 'v2_int64', elements: ints(bytes, 8) },
    { name: 'uint128', elements: [readLE(bytes, 0, 16)] },
  ];
}

/** C's `%.<digits>g`: exponent form below 1e-4 or at/above 10^digits, trailing zeros dropped. */
export function formatG(x: number, digits: number): string {
  if (!Number.isFinite(x)) return formatDouble(x);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expText] = x.toExponential(digits - 1).split('e');
  const e = Number(expText);
  const trim = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (e < -4 || e >= digits) return `${trim(mant)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return trim(x.toFixed(Math.max(0, digits - 1 - e)));
}

/** gdb collapses runs of more than 10 equal elements into `x <repeats n times>`. */
const REPEAT_THRESHOLD = 10;

/** gdb's rendering of one union member: `{1.5, 0, 0, 0}`, `{0 <repeats 16 times>}`, `1069547520`. */
export function formatVector(v: VectorView): string {
  if (v.name === 'uint128') return (v.elements[0] as bigint).toString();
  const text = v.elements.map(e => typeof e === 'number' ? formatG(e, v.name === 'v4_float' ? 9 : 17) : e.toString());
  const parts: string[] = [];
  for (let i = 0; i < text.length;) {
    let j = i + 1;
    while (j < text.length && text[j] === text[i]) j++;
    if (j - i > REPEAT_THRESHOLD) parts.push(`${text[i]} <repeats ${j - i} times>`);
    else for (let k = i; k < j; k++) parts.push(text[k]);
    i = j;
  }
  return `{${parts.join(', ')}}`;
}
