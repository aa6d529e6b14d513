// Memory access (virtual through the Hg vCPU's page tables, or physical in PhyMemMode).
//
//   -> | "m" addr(hex) "," len(hex) |          <- | hex bytes | or | "E14" | (whole read fails)
//   -> | "M" addr "," len ":" hex bytes |      <- | "OK" |
// QEMU: m reads at most 0x800 bytes; an M packet body above 4095 chars is dropped silently.
import { toHex } from '../../common/hex';

export const encodeRead = (addr: bigint, len: number) => `m${addr.toString(16)},${len.toString(16)}`;

export const encodeWrite = (addr: bigint, data: Uint8Array) =>
  `M${addr.toString(16)},${data.length.toString(16)}:${toHex(data)}`;

/** Largest read per `m` for a packet size: the hex reply must fit, and QEMU caps at 0x800. */
export const maxReadChunk = (packetSize: number) => Math.max(1, Math.min(0x800, Math.floor(packetSize / 2)));

/** Largest write per `M`: "M" + 16 addr digits + "," + 4 len digits + ":" must fit too. */
export const maxWriteChunk = (packetSize: number) => Math.max(1, Math.floor((packetSize - 1 - 23) / 2));
