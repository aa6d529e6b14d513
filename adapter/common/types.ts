// Branded value types shared by every layer: a virtual address cannot be passed where a
// physical one is expected, and a vCPU id is not a DAP thread id by accident.

export type VirtAddr = bigint & { readonly __brand: 'VirtAddr' };
export type PhysAddr = bigint & { readonly __brand: 'PhysAddr' };
/** A vCPU as QEMU's gdbstub numbers it: 1-based (thread `p01.01` is vCPU 1 = "CPU 0"). */
export type RspThreadId = number & { readonly __brand: 'RspThreadId' };

export const virt = (v: bigint): VirtAddr => BigInt.asUintN(64, v) as VirtAddr;
export const phys = (v: bigint): PhysAddr => BigInt.asUintN(64, v) as PhysAddr;
export const rspThread = (n: number): RspThreadId => n as RspThreadId;
