// Bit layouts of the x86 flag and control registers (Intel SDM vol. 3, ch. 2.5 and 2.2.1),
// with CR3 decoding that depends on CR4.PCIDE.
import { BitField, bitSet, extractBits } from './bits';

export const RFLAGS_FIELDS: readonly BitField[] = [
  { name: 'CF', bit: 0, description: 'carry' },
  { name: 'PF', bit: 2, description: 'parity' },
  { name: 'AF', bit: 4, description: 'auxiliary carry' },
  { name: 'ZF', bit: 6, description: 'zero' },
  { name: 'SF', bit: 7, description: 'sign' },
  { name: 'TF', bit: 8, description: 'trap (single step)' },
  { name: 'IF', bit: 9, description: 'interrupts enabled' },
  { name: 'DF', bit: 10, description: 'direction' },
  { name: 'OF', bit: 11, description: 'overflow' },
  { name: 'IOPL', bit: 12, width: 2, description: 'I/O privilege level' },
  { name: 'NT', bit: 14, description: 'nested task' },
  { name: 'RF', bit: 16, description: 'resume' },
  { name: 'VM', bit: 17, description: 'virtual-8086 mode' },
  { name: 'AC', bit: 18, description: 'alignment check / SMAP access' },
  { name: 'VIF', bit: 19, description: 'virtual interrupt' },
  { name: 'VIP', bit: 20, description: 'virtual interrupt pending' },
  { name: 'ID', bit: 21, description: 'CPUID available' },
];

export const CR0_FIELDS: readonly BitField[] = [
  { name: 'PE', bit: 0, description: 'protection enable' },
  { name: 'MP', bit: 1, description: 'monitor coprocessor' },
  { name: 'EM', bit: 2, description: 'x87 emulation' },
  { name: 'TS', bit: 3, description: 'task switched' },
  { name: 'ET', bit: 4, description: 'extension type' },
  { name: 'NE', bit: 5, description: 'numeric error' },
  { name: 'WP', bit: 16, description: 'write protect (supervisor honours read-only pages)' },
  { name: 'AM', bit: 18, description: 'alignment mask' },
  { name: 'NW', bit: 29, description: 'not write-through' },
  { name: 'CD', bit: 30, description: 'cache disable' },
  { name: 'PG', bit: 31, description: 'paging' },
];

export const CR4_FIELDS: readonly BitField[] = [
  { name: 'VME', bit: 0, description: 'virtual-8086 mode extensions' },
  { name: 'PVI', bit: 1, description: 'protected-mode virtual interrupts' },
  { name: 'TSD', bit: 2, description: 'time stamp disable' },
  { name: 'DE', bit: 3, description: 'debugging extensions' },
  { name: 'PSE', bit: 4, description: 'page size extensions' },
  { name: 'PAE', bit: 5, description: 'physical address extension' },
  { name: 'MCE', bit: 6, description: 'machine-check enable' },
  { name: 'PGE', bit: 7, description: 'page global enable' },
  { name: 'PCE', bit: 8, description: 'performance-counter enable' },
  { name: 'OSFXSR', bit: 9, description: 'FXSAVE/FXRSTOR and SSE enabled' },
  { name: 'OSXMMEXCPT', bit: 10, description: 'unmasked SIMD FP exceptions' },
  { name: 'UMIP', bit: 11, description: 'user-mode instruction prevention' },
  { name: 'LA57', bit: 12, description: '57-bit linear addresses (5-level paging)' },
  { name: 'VMXE', bit: 13, description: 'VMX enable' },
  { name: 'SMXE', bit: 14, description: 'SMX enable' },
  { name: 'FSGSBASE', bit: 16, description: 'RDFSBASE/WRGSBASE… enabled' },
  { name: 'PCIDE', bit: 17, description: 'process-context identifiers' },
  { name: 'OSXSAVE', bit: 18, description: 'XSAVE enabled' },
  { name: 'SMEP', bit: 20, description: 'supervisor-mode execution prevention' },
  { name: 'SMAP', bit: 21, description: 'supervisor-mode access prevention' },
  { name: 'PKE', bit: 22, description: 'protection keys for user pages' },
  { name: 'CET', bit: 23, description: 'control-flow enforcement' },
  { name: 'PKS', bit: 24, description: 'protection keys for supervisor pages' },
];

export const EFER_FIELDS: readonly BitField[] = [
  { name: 'SCE', bit: 0, description: 'SYSCALL enable' },
  { name: 'LME', bit: 8, description: 'long mode enable' },
  { name: 'LMA', bit: 10, description: 'long mode active' },
  { name: 'NXE', bit: 11, description: 'no-execute enable' },
  { name: 'SVME', bit: 12, description: 'SVM enable' },
  { name: 'LMSLE', bit: 13, description: 'long mode segment limit enable' },
  { name: 'FFXSR', bit: 14, description: 'fast FXSAVE/FXRSTOR' },
  { name: 'TCE', bit: 15, description: 'translation cache extension' },
];

/** CR3 fields without PCIDs: page-level write-through and cache-disable for the top table. */
export const CR3_FIELDS: readonly BitField[] = [
  { name: 'PWT', bit: 3, description: 'page-level write-through' },
  { name: 'PCD', bit: 4, description: 'page-level cache disable' },
];

/** CR3 fields when CR4.PCIDE=1: bits 0-11 are the PCID. */
export const CR3_PCID_FIELDS: readonly BitField[] = [
  { name: 'PCID', bit: 0, width: 12, description: 'process-context identifier' },
];

export const CR0 = { PE: 0, MP: 1, EM: 2, TS: 3, WP: 16, PG: 31 } as const;
export const CR4 = { PSE: 4, PAE: 5, PGE: 7, LA57: 12, PCIDE: 17, SMEP: 20, SMAP: 21, PKE: 22 } as const;
export const EFER = { SCE: 0, LME: 8, LMA: 10, NXE: 11 } as const;
export const RFLAGS = { IF: 9, VM: 17 } as const;

/** Physical address bits of CR3 and of table entries: bits 12..51 (MAXPHYADDR up to 52). */
export const PHYS_ADDR_MASK_52 = 0x000f_ffff_ffff_f000n;

export interface Cr3Decoded {
  /** Physical address of the top-level table. */
  readonly base: bigint;
  readonly pwt: boolean;
  readonly pcd: boolean;
  /** Present only when CR4.PCIDE=1 (then PWT/PCD are not defined and read false). */
  readonly pcid?: number;
}

/**
 * Decodes CR3. In 32-bit non-PAE paging the base is bits 12-31; in PAE paging the PDPT is
 * 32-byte aligned (bits 5-31); in 4/5-level paging bits 12-51.
 */
export function decodeCr3(cr3: bigint, cr4: bigint, paging: 'none' | '32-bit' | 'PAE' | '4-level' | '5-level' = '4-level'): Cr3Decoded {
  const pcide = bitSet(cr4, CR4.PCIDE) && (paging === '4-level' || paging === '5-level');
  let base: bigint;
  if (paging === '32-bit') base = cr3 & 0xffff_f000n;
  else if (paging === 'PAE') base = cr3 & 0xffff_ffe0n;
  else base = cr3 & PHYS_ADDR_MASK_52;
  if (pcide) return { base, pwt: false, pcd: false, pcid: Number(extractBits(cr3, 0, 12)) };
  return { base, pwt: bitSet(cr3, 3), pcd: bitSet(cr3, 4) };
}
