// A growable ASCII byte buffer for monitor-style dumps of ~100,000 lines: fixed-width hex and
// copied literals written as bytes, one string at the end, so the hot loops allocate nothing.
const HEX = Uint8Array.from('0123456789abcdef', c => c.charCodeAt(0));

export const asciiBytes = (s: string): Uint8Array => Uint8Array.from(s, c => c.charCodeAt(0) & 0x7f);

export class AsciiText {
  private buf: Uint8Array;
  private pos = 0;

  constructor(capacity = 1 << 16) { this.buf = new Uint8Array(capacity); }

  get length(): number { return this.pos; }

  /** Makes room for `n` more bytes (call before a run of writes). */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** `digits` (1-8) low hex digits of a 32-bit word, zero-padded. Needs reserve(). */
  hex32(v: number, digits = 8): void {
    const b = this.buf;
    let p = this.pos;
    for (let s = (digits - 1) * 4; s >= 0; s -= 4) b[p++] = HEX[(v >>> s) & 15];
    this.pos = p;
  }

  /** One ASCII byte. Needs reserve(). */
  byte(c: number): void { this.buf[this.pos++] = c; }

  /** `len` bytes of `src` from `offset` (precomputed literals). Needs reserve(). */
  copy(src: Uint8Array, offset = 0, len = src.length): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) b[p++] = src[offset + i];
    this.pos = p;
  }

  /** A short string, reserving its room itself (not for hot loops). */
  text(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i) & 0x7f;
  }

  toString(): string {
    // latin1 over ASCII bytes is a straight copy into a one-byte string.
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.pos).toString('latin1');
  }
}
