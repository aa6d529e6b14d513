// QEMU-only packets (advertised by qqemu.Supported).
//
//   -> | "qqemu.sstep" |               <- | "0x" hex flags |     e.g. 0x7
//   -> | "Qqemu.sstep=" hex flags |    <- | "OK" |
//   -> | "Qqemu.PhyMemMode:" 0|1 |     <- | "OK" |  sticky: m/M use physical addresses
//   -> | "qqemu.PhyMemMode" |          <- | "0" | "1" |
import { protocolError } from '../codec/reply';

export const GET_SSTEP = 'qqemu.sstep';
export const encodeSetSstep = (flags: number) => `Qqemu.sstep=${flags.toString(16)}`;
export const encodePhyMemMode = (on: boolean) => `Qqemu.PhyMemMode:${on ? 1 : 0}`;

export function parseSstep(payload: string): number {
  const m = /^(?:0x)?([0-9a-fA-F]+)$/.exec(payload);
  if (!m) throw protocolError('qqemu.sstep', payload);
  return parseInt(m[1], 16);
}
