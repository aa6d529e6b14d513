// CPU mode, CPL, paging mode, code bitness and linear PC of one vCPU, from the gdbstub's
// registers plus (when known) the CS descriptor attributes the monitor reports.
import { bitSet } from './bits';
import { CR0, CR4, EFER, RFLAGS } from './regdefs';
import type { MonitorCpuRegisters } from './monitorRegs';

/** Register name → value as read from the stub (`rip`, `cr0`, `xmm0`…); vectors as bytes. */
export type RegisterValues = ReadonlyMap<string, bigint | Uint8Array>;

export type CpuMode = 'real' | 'virtual-8086' | 'protected' | 'compatibility' | 'long';
export type PagingMode = 'none' | '32-bit' | 'PAE' | '4-level' | '5-level';

/** What the gdbstub cannot tell: CS attributes and base, from `info registers`. */
export interface CsInfo {
  readonly long: boolean;
  readonly big: boolean;
  readonly base: bigint;
}

export interface CpuModeInfo {
  readonly mode: CpuMode;
  /** False when long vs compatibility had to be guessed (no CS attributes known). */
  readonly modeCertain: boolean;
  readonly cpl: number;
  readonly paging: PagingMode;
  /** Default code size for disassembly. */
  readonly bits: 16 | 32 | 64;
  readonly interruptsEnabled: boolean;
  /** rip as the stub reports it (IP/EIP outside long mode). */
  readonly pc: bigint;
  /** Linear address of the next instruction (CS base + IP outside long mode). */
  readonly linearPc: bigint;
}

export function reg(regs: RegisterValues, name: string): bigint {
  const v = regs.get(name);
  return typeof v === 'bigint' ? v : 0n;
}

export function csInfoFromMonitor(m: MonitorCpuRegisters): CsInfo | undefined {
  const cs = m.segments.get('CS');
  return cs ? { long: cs.long, big: cs.big, base: cs.base } : undefined;
}

export function pagingMode(cr0: bigint, cr4: bigint, efer: bigint): PagingMode {
  if (!bitSet(cr0, CR0.PG)) return 'none';
  if (!bitSet(cr4, CR4.PAE)) return '32-bit';
  if (!bitSet(efer, EFER.LMA)) return 'PAE';
  return bitSet(cr4, CR4.LA57) ? '5-level' : '4-level';
}

/**
 * Decides the mode from CR0.PE, RFLAGS.VM, EFER.LMA and CS.L. Without CS attributes a CPU with
 * LMA=1 is taken to be in 64-bit mode (kernels nearly always are) and `modeCertain` is false.
 */
export function cpuMode(regs: RegisterValues, cs?: CsInfo): CpuModeInfo {
  const cr0 = reg(regs, 'cr0'), cr4 = reg(regs, 'cr4'), efer = reg(regs, 'efer');
  const eflags = reg(regs, 'eflags');
  const csSel = reg(regs, 'cs');
  const rip = reg(regs, 'rip');
  const paging = pagingMode(cr0, cr4, efer);
  const interruptsEnabled = bitSet(eflags, RFLAGS.IF);
  if (!bitSet(cr0, CR0.PE)) {
    // Real mode: CS base is selector << 4 (the monitor's base is the same after a far jump;
    // at reset it is 0xffff0000, which the monitor reports and we prefer when known).
    const base = cs?.base ?? (csSel << 4n);
    const ip = rip & 0xffffn;
    return { mode: 'real', modeCertain: true, cpl: 0, paging: 'none', bits: 16, interruptsEnabled, pc: ip, linearPc: (base + ip) & 0xffff_ffffn };
  }
  if (bitSet(eflags, RFLAGS.VM)) {
    const ip = rip & 0xffffn;
    return { mode: 'virtual-8086', modeCertain: true, cpl: 3, paging, bits: 16, interruptsEnabled, pc: ip, linearPc: ((csSel << 4n) + ip) & 0xf_ffffn };
  }
  const cpl = Number(csSel & 3n);
  if (bitSet(efer, EFER.LMA)) {
    if (!cs || cs.long) {
      return { mode: 'long', modeCertain: cs !== undefined, cpl, paging, bits: 64, interruptsEnabled, pc: rip, linearPc: rip };
    }
    const bits = cs.big ? 32 : 16;
    const ip = rip & 0xffff_ffffn;
    return { mode: 'compatibility', modeCertain: true, cpl, paging, bits, interruptsEnabled, pc: ip, linearPc: (cs.base + ip) & 0xffff_ffffn };
  }
  const bits = cs && !cs.big ? 16 : 32;
  const ip = rip & 0xffff_ffffn;
  const base = cs?.base ?? 0n;
  return { mode: 'protected', modeCertain: true, cpl, paging, bits, interruptsEnabled, pc: ip, linearPc: (base + ip) & 0xffff_ffffn };
}
