// Generic bitfield decoding: a register is described once as a list of named single bits and
// multi-bit fields, and decoded into children (for the Registers scope) and short summaries.

export interface BitField {
  readonly name: string;
  /** Lowest bit of the field. */
  readonly bit: number;
  /** Width in bits (1 for a flag). */
  readonly width?: number;
  readonly description?: string;
}

export interface DecodedField {
  readonly name: string;
  readonly bit: number;
  readonly width: number;
  readonly value: bigint;
  readonly description?: string;
}

export const fieldWidth = (f: BitField): number => f.width ?? 1;

export function extractBits(value: bigint, bit: number, width: number): bigint {
  return (value >> BigInt(bit)) & ((1n << BigInt(width)) - 1n);
}

export function bitSet(value: bigint, bit: number): boolean {
  return ((value >> BigInt(bit)) & 1n) === 1n;
}

/** Every field of `spec` with its value in `value`, in spec order. */
export function decodeFields(value: bigint, spec: readonly BitField[]): DecodedField[] {
  return spec.map(f => ({
    name: f.name,
    bit: f.bit,
    width: fieldWidth(f),
    value: extractBits(value, f.bit, fieldWidth(f)),
    description: f.description,
  }));
}

/**
 * gdb-style summary: the names of the set one-bit flags, multi-bit fields as NAME=v when
 * non-zero, e.g. `[ PE MP ET NE WP AM PG ]` or `[ IF IOPL=3 ]`.
 */
export function summarizeFlags(value: bigint, spec: readonly BitField[]): string {
  const parts: string[] = [];
  for (const f of decodeFields(value, spec)) {
    if (f.width === 1) {
      if (f.value === 1n) parts.push(f.name);
    } else if (f.value !== 0n) {
      parts.push(`${f.name}=${f.value.toString()}`);
    }
  }
  return `[ ${parts.join(' ')}${parts.length ? ' ' : ''}]`;
}

/** Replaces the field `f` of `value` with `fieldValue` (for setVariable on a decoded bit). */
export function withField(value: bigint, f: BitField, fieldValue: bigint): bigint {
  const width = BigInt(fieldWidth(f));
  const mask = ((1n << width) - 1n) << BigInt(f.bit);
  return (value & ~mask) | ((fieldValue << BigInt(f.bit)) & mask);
}
