// A bounds-checked little-endian reader over one section's bytes. Every read past the end or
// malformed LEB128 throws a ParseError naming the section and the offset, never a RangeError.
import { ExoError } from './errors';

/** A malformed input: says which section and at which offset (relative to the section start). */
export class ParseError extends ExoError {
  constructor(readonly section: string, readonly offset: number, detail: string) {
    super('protocol', `${section} at offset 0x${offset.toString(16)}: ${detail}`);
    this.name = 'ParseError';
  }
}

export class ByteCursor {
  /**
   * @param bytes the section (or a window of it)
   * @param section name used in errors, e.g. ".debug_frame"
   * @param pos first byte to read, as an index into `bytes`
   * @param end one past the last readable byte
   * @param base section offset of bytes[0], so errors report section offsets
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly section: string,
    public pos = 0,
    readonly end = bytes.length,
    readonly base = 0,
  ) {
    if (end > bytes.length || pos > end || pos < 0) throw this.error(`window ${pos}..${end} outside ${bytes.length} bytes`);
  }

  get offset(): number { return this.base + this.pos; }
  get remaining(): number { return this.end - this.pos; }
  get eof(): boolean { return this.pos >= this.end; }

  error(detail: string, at = this.pos): ParseError {
    return new ParseError(this.section, this.base + at, detail);
  }

  /** A cursor over the next `len` bytes, advancing this one past them. */
  sub(len: number): ByteCursor {
    this.need(len);
    const c = new ByteCursor(this.bytes, this.section, this.pos, this.pos + len, this.base);
    this.pos += len;
    return c;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw this.error(`needs ${n} byte(s) but only ${Math.max(0, this.end - this.pos)} remain`);
    }
  }

  skip(n: number): void { this.need(n); this.pos += n; }

  u8(): number { this.need(1); return this.bytes[this.pos++]; }
  i8(): number { const v = this.u8(); return v >= 0x80 ? v - 0x100 : v; }
  u16(): number { this.need(2); const b = this.bytes, p = this.pos; this.pos += 2; return b[p] | (b[p + 1] << 8); }
  i16(): number { const v = this.u16(); return v >= 0x8000 ? v - 0x10000 : v; }
  u32(): number {
    this.need(4);
    const b = this.bytes, p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
  }
  i32(): number { const v = this.u32(); return v >= 0x80000000 ? v - 0x100000000 : v; }
  u64(): bigint { const lo = this.u32(), hi = this.u32(); return (BigInt(hi) << 32n) | BigInt(lo); }
  i64(): bigint { return BigInt.asIntN(64, this.u64()); }

  /** Unsigned integer of 1, 2, 4 or 8 bytes as bigint (addresses, DW_OP_constNu...). */
  uN(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.u8());
      case 2: return BigInt(this.u16());
      case 4: return BigInt(this.u32());
      case 8: return this.u64();
      default: throw this.error(`unsupported integer size ${size}`);
    }
  }
  iN(size: number): bigint { return BigInt.asIntN(size * 8, this.uN(size)); }

  /** ULEB128 as bigint; at most 10 bytes are meaningful, longer encodings are rejected. */
  uleb(): bigint {
    const start = this.pos;
    let result = 0n, shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw this.error('truncated ULEB128', start);
      const b = this.bytes[this.pos++];
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      else if ((b & 0x7f) !== 0) throw this.error('ULEB128 overflows 64 bits', start);
      shift += 7n;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      if (shift > 140n) throw this.error('ULEB128 too long', start);
    }
  }

  /** SLEB128 as a signed 64-bit bigint. */
  sleb(): bigint {
    const start = this.pos;
    let result = 0n, shift = 0n, b = 0;
    for (;;) {
      if (this.pos >= this.end) throw this.error('truncated SLEB128', start);
      b = this.bytes[this.pos++];
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
      if (shift > 140n) throw this.error('SLEB128 too long', start);
    }
    if (shift < 64n && (b & 0x40) !== 0) result |= -(1n << shift);
    return BigInt.asIntN(64, result);
  }

  /** ULEB128 that must fit a JS number below `max` (register numbers, lengths, counts). */
  ulebNum(max = 0xffffffff, what = 'value'): number {
    const start = this.pos;
    // Fast path without BigInt for encodings of up to 4 bytes (28 bits): DWARF is full of them.
    let r = 0;
    for (let i = 0, p = this.pos; i < 4 && p < this.end; i++, p++) {
      const b = this.bytes[p];
      r |= (b & 0x7f) << (7 * i); // at most 28 bits: stays a small integer (no heap number)
      if ((b & 0x80) === 0) {
        if (r > max) throw this.error(`${what} ${r} too large`, start);
        this.pos = p + 1;
        return r;
      }
    }
    const v = this.uleb();
    if (v > BigInt(max)) throw this.error(`${what} ${v} too large`, start);
    return Number(v);
  }

  bytesN(n: number): Uint8Array { this.need(n); const v = this.bytes.subarray(this.pos, this.pos + n); this.pos += n; return v; }

  /** NUL-terminated string (latin1/utf-8 decoded as utf-8). */
  cstr(): string {
    const start = this.pos;
    let i = start;
    while (i < this.end && this.bytes[i] !== 0) i++;
    if (i >= this.end) throw this.error('unterminated string', start);
    this.pos = i + 1;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, i - start).toString('utf8');
  }
}
