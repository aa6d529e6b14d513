// What the kernel views need from a debug target, as a small interface so they serve the DAP
// session and tests with fakes alike: vCPU registers, memory, the monitor and the symbols.
import type { SymbolFile } from '../symbols';

export interface PcDescription {
  readonly symbol?: string;
  readonly function?: string;
  readonly file?: string;
  readonly line?: number;
}

export interface ViewTarget {
  /** Number of vCPUs (0-based indices below). */
  readonly cpuCount: number;
  /** True while the VM runs: register and memory reads are impossible then. */
  readonly running: boolean;
  readRegisters(cpu: number): Promise<ReadonlyMap<string, bigint>>;
  /** Guest physical memory; beyond RAM reads as zeros (QEMU PhyMemMode). */
  readPhysical(addr: bigint, len: number): Promise<Uint8Array>;
  /** Virtual memory in `cpu`'s address space; undefined when any byte is unmapped. */
  readVirtual(cpu: number, addr: bigint, len: number): Promise<Uint8Array | undefined>;
  /** A QEMU monitor command's output (qRcmd); undefined when the target has no monitor. */
  monitor?(command: string): Promise<string>;
  /** The kernel's symbol file with DWARF, when loaded. */
  readonly symbols?: SymbolFile;
  /** Symbol/function/line of a kernel address (undefined outside the kernel image). */
  describePc(pc: bigint): PcDescription;
  /** Symbols of a user address in `program` (or any known user program), when available. */
  describeUserPc?(pc: bigint, program?: string): PcDescription | undefined;
  /**
   * Identity of the current stop: caches (page tables, statics) are valid while it stays the
   * same object, since the guest cannot change memory while stopped (except through us).
   */
  readonly stopToken: object;
}
