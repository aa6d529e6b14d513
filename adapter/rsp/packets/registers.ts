// Register access, laid out by the target description (targetdesc/table.ts).
//
//   -> | "g" |                       <- | hex of every register, target byte order |
//   -> | "G" hex |                   <- | "OK" |
//   -> | "p" regnum(hex) |           <- | hex of that register (empty before target.xml!) |
//   -> | "P" regnum "=" hex |        <- | "OK" |  (QEMU answers OK even for a bad regnum)
import type { RegisterInfo, RegisterTable } from '../api';
import { readLE, writeLE, toHex } from '../../common/hex';
import { ExoError } from '../../common/errors';

export const READ_ALL = 'g';

export const encodeReadOne = (r: RegisterInfo) => `p${r.regnum.toString(16)}`;

export function encodeWriteOne(r: RegisterInfo, value: bigint): string {
  return `P${r.regnum.toString(16)}=${toHex(writeLE(value, r.bitsize / 8))}`;
}

export function encodeWriteAll(bytes: Uint8Array): string {
  return 'G' + toHex(bytes);
}

/** Decodes a `g` payload (already hex-decoded) into values by name. */
export function decodeAll(table: RegisterTable, bytes: Uint8Array): Map<string, bigint> {
  if (bytes.length < table.gSize) {
    throw new ExoError('protocol', `'g' reply has ${bytes.length} bytes, the target description says ${table.gSize}`);
  }
  const out = new Map<string, bigint>();
  for (const r of table.registers) out.set(r.name, readLE(bytes, r.offset, r.bitsize / 8));
  return out;
}

/** Replaces the given registers inside a `g` image (for a `G` write). */
export function patchAll(table: RegisterTable, bytes: Uint8Array, values: ReadonlyMap<string, bigint>): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (const [name, v] of values) {
    const r = table.byName(name);
    if (!r) throw new ExoError('user', `unknown register '${name}'`);
    out.set(writeLE(v, r.bitsize / 8), r.offset);
  }
  return out;
}

export function decodeOne(r: RegisterInfo, bytes: Uint8Array): bigint {
  if (bytes.length !== r.bitsize / 8) {
    throw new ExoError('protocol', `'p' reply for ${r.name} has ${bytes.length} bytes, expected ${r.bitsize / 8}`);
  }
  return readLE(bytes, 0, bytes.length);
}
