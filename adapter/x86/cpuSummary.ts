// One vCPU as the CPUs view shows it: mode, CPL, IF, paging, PCs, decoded control registers
// and segment bases, from the stub's registers plus (optionally) the monitor's dump.
import { summarizeFlags } from './bits';
import { cpuMode, CpuMode, csInfoFromMonitor, PagingMode, reg, RegisterValues } from './cpumode';
import type { MonitorCpuRegisters } from './monitorRegs';
import { CR0_FIELDS, CR4_FIELDS, decodeCr3, EFER_FIELDS } from './regdefs';

export interface CpuSummary {
  readonly mode: CpuMode;
  readonly modeCertain: boolean;
  readonly cpl: number;
  readonly interruptsEnabled: boolean;
  readonly paging: PagingMode;
  readonly bits: 16 | 32 | 64;
  readonly rip: bigint;
  readonly linearPc: bigint;
  /** From the monitor's HLT flag; undefined without the monitor dump. */
  readonly halted?: boolean;
  readonly cr0: { readonly value: bigint; readonly flags: string };
  readonly cr3: { readonly value: bigint; readonly base: bigint; readonly pcid?: number; readonly flags: string };
  readonly cr4: { readonly value: bigint; readonly flags: string };
  readonly efer: { readonly value: bigint; readonly flags: string };
  readonly fsBase: bigint;
  readonly gsBase: bigint;
  readonly kernelGsBase: bigint;
}

export function summarizeCpu(regs: RegisterValues, monitor?: MonitorCpuRegisters): CpuSummary {
  const m = cpuMode(regs, monitor ? csInfoFromMonitor(monitor) : undefined);
  const cr0 = reg(regs, 'cr0'), cr3 = reg(regs, 'cr3'), cr4 = reg(regs, 'cr4'), efer = reg(regs, 'efer');
  const c3 = decodeCr3(cr3, cr4, m.paging);
  const cr3Flags = c3.pcid !== undefined ? `[ PCID=${c3.pcid} ]` : `[ ${[c3.pwt ? 'PWT' : '', c3.pcd ? 'PCD' : ''].filter(Boolean).join(' ')}${c3.pwt || c3.pcd ? ' ' : ''}]`;
  return {
    mode: m.mode, modeCertain: m.modeCertain, cpl: m.cpl, interruptsEnabled: m.interruptsEnabled,
    paging: m.paging, bits: m.bits, rip: m.pc, linearPc: m.linearPc,
    halted: monitor?.halted,
    cr0: { value: cr0, flags: summarizeFlags(cr0, CR0_FIELDS) },
    cr3: { value: cr3, base: c3.base, pcid: c3.pcid, flags: cr3Flags },
    cr4: { value: cr4, flags: summarizeFlags(cr4, CR4_FIELDS) },
    efer: { value: efer, flags: summarizeFlags(efer, EFER_FIELDS) },
    fsBase: reg(regs, 'fs_base'), gsBase: reg(regs, 'gs_base'), kernelGsBase: reg(regs, 'k_gs_base'),
  };
}
