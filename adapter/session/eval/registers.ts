// `$name` registers: the stub's registers plus gdb's aliases ($pc $sp $fp) and the x86
// sub-registers ($eax $ax $al $ah $r8d…) computed from their 64-bit parents.
import { BUILTIN_TYPES, EvalType, T } from './types';

/** `shift` is in bits (8 for ah/bh/ch/dh). */
interface SubRegister { readonly parent: string; readonly shift: number; readonly size: number }

const ALIASES: Record<string, string> = { pc: 'rip', sp: 'rsp', fp: 'rbp', rflags: 'eflags' };

const SUB: Map<string, SubRegister> = (() => {
  const m = new Map<string, SubRegister>();
  for (const x of ['a', 'b', 'c', 'd']) {
    m.set(`e${x}x`, { parent: `r${x}x`, shift: 0, size: 4 });
    m.set(`${x}x`, { parent: `r${x}x`, shift: 0, size: 2 });
    m.set(`${x}l`, { parent: `r${x}x`, shift: 0, size: 1 });
    m.set(`${x}h`, { parent: `r${x}x`, shift: 8, size: 1 });
  }
  for (const x of ['si', 'di', 'bp', 'sp']) {
    m.set(`e${x}`, { parent: `r${x}`, shift: 0, size: 4 });
    m.set(x === 'sp' ? 'sp16' : x, { parent: `r${x}`, shift: 0, size: 2 });
    m.set(`${x}l`, { parent: `r${x}`, shift: 0, size: 1 });
  }
  for (let n = 8; n <= 15; n++) {
    m.set(`r${n}d`, { parent: `r${n}`, shift: 0, size: 4 });
    m.set(`r${n}w`, { parent: `r${n}`, shift: 0, size: 2 });
    m.set(`r${n}b`, { parent: `r${n}`, shift: 0, size: 1 });
  }
  m.set('eip', { parent: 'rip', shift: 0, size: 4 });
  m.set('ip', { parent: 'rip', shift: 0, size: 2 });
  return m;
})();

/** 32-bit registers in QEMU's target description. */
const REG32 = new Set(['eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'mxcsr', 'fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop']);

export interface RegisterRef {
  /** The register the stub knows. */
  readonly stubName: string;
  /** Bit position of the value inside the stub register. */
  readonly shift: number;
  /** Bytes of the value (1, 2, 4, 8, 10, 16). */
  readonly size: number;
  readonly type: EvalType;
  /** True for sub-registers: the value is derived, not directly writable as the stub register. */
  readonly derived: boolean;
}

export function resolveRegister(name: string): RegisterRef {
  const n = ALIASES[name] ?? name;
  const sub = SUB.get(n);
  if (sub) return { stubName: sub.parent, shift: sub.shift, size: sub.size, type: uintOf(sub.size), derived: true };
  if (/^st[0-7]$/.test(n)) return { stubName: n, shift: 0, size: 10, type: T.u128, derived: false };
  if (/^xmm([0-9]|1[0-5])$/.test(n)) return { stubName: n, shift: 0, size: 16, type: T.u128, derived: false };
  const size = REG32.has(n) ? 4 : 8;
  return { stubName: n, shift: 0, size, type: uintOf(size), derived: false };
}

function uintOf(size: number): EvalType {
  return size === 1 ? T.u8 : size === 2 ? T.u16 : size === 4 ? T.u32 : size === 8 ? T.u64 : BUILTIN_TYPES.get('u128')!;
}

/** Register names for completion (`$` + these). */
export const COMPLETION_REGISTERS: readonly string[] = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base', 'k_gs_base',
  'cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer', 'pc', 'sp', 'fp', 'eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', 'eip',
];
