// C integer semantics on bigint: literal typing, integer promotion, the usual arithmetic
// conversions, wrap-around to the result type, and scalar ↔ number conversion.
import { ExoError } from '../../common/errors';
import { EvalType, IntType, T } from './types';

export const userErr = (msg: string) => new ExoError('user', msg);

/** C's type for an unsuffixed or suffixed literal (Rust suffixes name the type). */
export function literalType(value: bigint, suffix: string, radix: number): IntType {
  const fits = (t: IntType) => value <= (t.signed ? (1n << BigInt(t.size * 8 - 1)) - 1n : (1n << BigInt(t.size * 8)) - 1n);
  const rust: Record<string, IntType> = {
    u8: T.u8, u16: T.u16, u32: T.u32, u64: T.u64, u128: T.u128, i8: T.i8, i16: T.i16, i32: T.i32, i64: T.i64, i128: T.i128,
    usize: T.u64, isize: T.i64,
  };
  const explicit = rust[suffix];
  if (explicit) {
    if (!fits(explicit)) throw userErr(`literal ${value} does not fit in ${explicit.name}`);
    return explicit;
  }
  const unsigned = suffix.includes('u');
  const long = suffix.includes('l');
  const candidates: IntType[] = unsigned
    ? (long ? [T.ulong] : [T.uint, T.ulong])
    : long
      ? (radix === 10 ? [T.long, T.ulong] : [T.long, T.ulong])
      : radix === 10 ? [T.int, T.long, T.ulong] : [T.int, T.uint, T.long, T.ulong];
  const t = candidates.find(fits);
  if (!t) throw userErr(`literal ${value} does not fit in 64 bits`);
  return t;
}

/** Integer promotion: anything narrower than int becomes int. Bools and enums are ints. */
export function promote(t: EvalType): IntType {
  if (t.kind === 'int') return t.size < 4 ? T.int : t;
  if (t.kind === 'bool') return T.int;
  if (t.kind === 'enum') return t.size < 4 ? T.int : { kind: 'int', name: t.name, size: t.size, signed: t.signed };
  if (t.kind === 'pointer') return T.ulong;
  throw userErr(`${t.name} is not an integer`);
}

/** The usual arithmetic conversions for two integer operands. */
export function commonIntType(a: EvalType, b: EvalType): IntType {
  const x = promote(a), y = promote(b);
  if (x.size !== y.size) return x.size > y.size ? x : y;
  if (x.signed === y.signed) return x;
  return x.signed ? y : x;
}

/** Wraps a mathematical value to the type's width; returns the raw unsigned bits. */
export function wrap(v: bigint, t: { size: number }): bigint {
  return BigInt.asUintN(t.size * 8, v);
}

/** The mathematical value of raw bits of an integer type. */
export function signedValue(bits: bigint, t: EvalType): bigint {
  if ((t.kind === 'int' || t.kind === 'enum') && t.signed) return BigInt.asIntN(t.size * 8, bits);
  return bits;
}

export function floatFromBits(bits: bigint, size: 4 | 8): number {
  const buf = new DataView(new ArrayBuffer(8));
  if (size === 4) { buf.setUint32(0, Number(bits & 0xffff_ffffn), true); return buf.getFloat32(0, true); }
  buf.setBigUint64(0, BigInt.asUintN(64, bits), true);
  return buf.getFloat64(0, true);
}

export function floatToBits(v: number, size: 4 | 8): bigint {
  const buf = new DataView(new ArrayBuffer(8));
  if (size === 4) { buf.setFloat32(0, v, true); return BigInt(buf.getUint32(0, true)); }
  buf.setFloat64(0, v, true);
  return buf.getBigUint64(0, true);
}

/** Float → integer as C does (truncation toward zero); NaN/inf are errors. */
export function truncToBig(v: number): bigint {
  if (!Number.isFinite(v)) throw userErr(`cannot convert ${v} to an integer`);
  return BigInt(Math.trunc(v));
}
