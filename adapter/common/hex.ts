// Hex and little-endian helpers; 64-bit values are always bigint.

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses an even-length hex string into bytes; throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error(`not a hex byte string: ${hex.length > 40 ? hex.slice(0, 40) + '…' : hex}`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Reads an unsigned little-endian integer of `size` bytes (1..8) as bigint. */
export function readLE(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]);
  return v;
}

/** Writes `value` as `size` little-endian bytes. */
export function writeLE(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

/** `0x`-prefixed hex of a bigint, optionally zero-padded to `width` digits. */
export function hex(v: bigint, width = 0): string {
  return '0x' + v.toString(16).padStart(width, '0');
}

/** Parses "0x1f", "1f" (hex) or a decimal string with `base` 10 into a bigint. */
export function parseBig(s: string, base: 16 | 10 = 16): bigint {
  const t = s.trim().toLowerCase();
  if (t.startsWith('0x')) return BigInt(t);
  if (base === 16) {
    if (!/^[0-9a-f]+$/.test(t)) throw new Error(`not a hex number: ${s}`);
    return BigInt('0x' + t);
  }
  if (!/^[0-9]+$/.test(t)) throw new Error(`not a number: ${s}`);
  return BigInt(t);
}
