// Turns a Location into the value's bytes: memory, register contents, DW_OP_stack_value,
// implicit values and composite pieces, with a per-byte "known" mask for optimized-out parts.
import type { Location, SimpleLocation } from '../expr/location';

export type MemoryReader = (address: bigint, length: number) => Promise<Uint8Array>;
/** Register value by DWARF number (xmm registers as 128-bit values); undefined if unknown. */
export type RegisterReader = (regno: number) => bigint | undefined;

export interface ValueBytes {
  bytes: Uint8Array;
  /** known[i] is 0 where byte i is optimized out or unavailable. */
  known: Uint8Array;
  /** Address of the value in target memory, when it has one (for `&x`, children, pointers). */
  address?: bigint;
  /** Why some bytes are unknown (first reason seen). */
  reason?: string;
}

function le(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(Math.max(size, 8) * 8, v);
  for (let i = 0; i < size; i++) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

/** Thrown for memory that cannot be read (gdb: "Cannot access memory at address 0x…"). */
export class MemoryError extends Error {
  constructor(readonly address: bigint) { super(`Cannot access memory at address 0x${address.toString(16)}`); }
}

export async function readExact(read: MemoryReader, address: bigint, size: number): Promise<Uint8Array> {
  if (size === 0) return new Uint8Array(0);
  let b: Uint8Array;
  try { b = await read(address, size); } catch { throw new MemoryError(address); }
  if (b.length < size) throw new MemoryError(address + BigInt(b.length));
  return b;
}

async function simpleBytes(loc: SimpleLocation, size: number, read: MemoryReader, reg: RegisterReader): Promise<{ bytes?: Uint8Array; reason?: string; address?: bigint }> {
  switch (loc.kind) {
    case 'memory': return { bytes: await readExact(read, loc.address, size), address: loc.address };
    case 'register': {
      const v = reg(loc.regno);
      return v === undefined ? { reason: `register ${loc.regno} is not available` } : { bytes: le(v, size) };
    }
    case 'value': return { bytes: le(loc.value, size) };
    case 'implicit': { const b = new Uint8Array(size); b.set(loc.bytes.subarray(0, size)); return { bytes: b }; }
    case 'implicitPointer': return { reason: 'implicit pointer' };
    case 'optimizedOut': return { reason: 'optimized out' };
  }
}

/** The `size` bytes of a value at `loc`. Memory errors propagate as MemoryError. */
export async function locationBytes(loc: Location, size: number, read: MemoryReader, reg: RegisterReader): Promise<ValueBytes> {
  if (loc.kind !== 'pieces') {
    const r = await simpleBytes(loc, size, read, reg);
    if (!r.bytes) return { bytes: new Uint8Array(size), known: new Uint8Array(size), reason: r.reason };
    return { bytes: r.bytes, known: new Uint8Array(size).fill(1), address: r.address };
  }
  const bytes = new Uint8Array(size), known = new Uint8Array(size);
  let reason: string | undefined;
  let bit = 0;
  for (const p of loc.pieces) {
    if (bit >= size * 8) break;
    const need = Math.ceil((p.offsetBits + p.sizeBits) / 8);
    const r = await simpleBytes(p.location, need, read, reg);
    if (!r.bytes) {
      reason ??= r.reason;
    } else {
      for (let i = 0; i < p.sizeBits && bit + i < size * 8; i++) {
        const src = p.offsetBits + i;
        const v = (r.bytes[src >> 3] >> (src & 7)) & 1;
        const dst = bit + i;
        bytes[dst >> 3] |= v << (dst & 7);
      }
      // A byte counts as known when every bit of it came from a known piece
      for (let b = Math.ceil(bit / 8); b < Math.min(size, Math.floor((bit + p.sizeBits) / 8)); b++) known[b] = 1;
      if (p.sizeBits < 8 && (bit & 7) === 0) known[bit >> 3] = 1; // small pieces (bool in a register)
    }
    bit += p.sizeBits;
  }
  return { bytes, known, reason };
}
