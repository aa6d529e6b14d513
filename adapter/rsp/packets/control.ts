// Session control.
//
//   -> | "D;" pid(hex) |   detach from process pid (multiprocess; plain "D" gives E22 then)
//   -> | "D" |             detach (non-multiprocess)        <- | "OK" |
//   -> | "k" |             kill: QEMU answers "W00"/"X09" or just exits
//   -> | "?" |             why did it stop — NEVER once breakpoints exist: QEMU then drops
//                          them on the current vCPU only and later z answers E22.
export const encodeDetach = (pid?: number) => (pid === undefined ? 'D' : `D;${pid.toString(16)}`);
export const KILL = 'k';
export const HALT_REASON = '?';
