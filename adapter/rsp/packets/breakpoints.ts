// Breakpoints and watchpoints.
//
//   -> | "Z" type "," addr(hex) "," kind(hex) |   <- | "OK" | "Exx" | "" (unsupported)
//   -> | "z" type "," addr "," kind |
//   type: 0 software, 1 hardware, 2 write watch, 3 read watch, 4 access watch.
//   kind: breakpoint length in bytes (x86: 1), watchpoint length in bytes.
import type { BreakpointKind } from '../api';

const TYPE: Record<BreakpointKind, number> = { sw: 0, hw: 1, write: 2, read: 3, access: 4 };

export function encodeBreakpoint(insert: boolean, kind: BreakpointKind, addr: bigint, length: number): string {
  return `${insert ? 'Z' : 'z'}${TYPE[kind]},${addr.toString(16)},${length.toString(16)}`;
}
