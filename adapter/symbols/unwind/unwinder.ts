// Call-stack unwinder for x86_64: CFI first (.debug_frame, then .eh_frame), frame pointers as
// the fallback; stops at `.cfi_undefined rip`, a zero pc, a loop, a bad read or a depth bound.
import { ExoError } from '../../common/errors';
import { ParseError } from '../../common/cursor';
import { CfiSection } from '../cfi/section';
import { RegisterRule, UnwindRow } from '../cfi/rows';
import { evaluateValue, ExprContext } from '../expr/eval';

/** DWARF register numbers of x86_64 (System V psABI, figure 3.36). */
export const X86_64 = { rax: 0, rdx: 1, rcx: 2, rbx: 3, rsi: 4, rdi: 5, rbp: 6, rsp: 7, r8: 8, r15: 15, rip: 16 } as const;
export const X86_64_REG_NAMES = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'];

/** Register values by DWARF number; an absent register is unknown in that frame. */
export type RegisterSet = Map<number, bigint>;

export type MemoryReader = (address: bigint, length: number) => Promise<Uint8Array>;

export interface UnwindFrame {
  pc: bigint;
  /** Canonical frame address (the caller's rsp before the call), when known. */
  cfa?: bigint;
  registers: RegisterSet;
  /** How this frame's registers were found from the frame below it. */
  method: 'initial' | 'cfi' | 'framePointer';
  /** The frame was interrupted (signal/interrupt frame): its pc is not a return address. */
  signalFrame: boolean;
}

export type StopReason = 'outermost' | 'zeroPc' | 'depth' | 'loop' | 'noUnwindInfo' | 'memory' | 'badCfi';

export interface UnwindResult {
  frames: UnwindFrame[];
  stopReason: StopReason;
  detail?: string;
}

export interface UnwindOptions {
  registers: RegisterSet;
  readMemory: MemoryReader;
  /** Searched in order (put .debug_frame before .eh_frame). */
  cfi: CfiSection[];
  maxDepth?: number;
  /** Use rbp chains where no CFI covers the pc (default true: the kernel keeps frame pointers). */
  framePointerFallback?: boolean;
  /** Start of the function containing pc (e.g. its ELF symbol), so the fallback can tell, as
   *  gdb's prologue analyzer does, a function that never pushed rbp (leaf assembly such as
   *  memset: return address at [rsp]) from one that keeps a frame pointer. */
  functionStart?(pc: bigint): bigint | undefined;
}

const RIP = X86_64.rip, RSP = X86_64.rsp, RBP = X86_64.rbp;

class StopUnwind extends Error {
  constructor(readonly reason: StopReason, detail: string) { super(detail); }
}

export async function unwind(opts: UnwindOptions): Promise<UnwindResult> {
  const maxDepth = opts.maxDepth ?? 256;
  const pc0 = opts.registers.get(RIP);
  if (pc0 === undefined) throw new ExoError('internal', 'unwind: the register set has no rip (DWARF register 16)');
  const frames: UnwindFrame[] = [{ pc: pc0, registers: new Map(opts.registers), method: 'initial', signalFrame: false }];
  const seen = new Set<string>();
  for (;;) {
    if (frames.length >= maxDepth) return { frames, stopReason: 'depth', detail: `stopped after ${maxDepth} frames` };
    const callee = frames[frames.length - 1];
    let caller: UnwindFrame | undefined;
    try {
      caller = await step(callee, frames.length === 1, opts);
    } catch (e) {
      if (e instanceof StopUnwind) return { frames, stopReason: e.reason, detail: e.message };
      if (e instanceof ParseError) return { frames, stopReason: 'badCfi', detail: e.message };
      throw e;
    }
    if (!caller) return { frames, stopReason: 'outermost' };
    if (caller.pc === 0n) return { frames, stopReason: 'zeroPc', detail: 'return address is 0' };
    // The callee's CFA identifies it; the same (pc, CFA) twice means a corrupt stack.
    const key = `${caller.pc}:${caller.cfa ?? ''}:${caller.registers.get(RSP) ?? ''}`;
    if (seen.has(key)) return { frames, stopReason: 'loop', detail: `frame at pc 0x${caller.pc.toString(16)} repeats` };
    seen.add(key);
    frames.push(caller);
  }
}

async function readU64(read: MemoryReader, addr: bigint): Promise<bigint> {
  let b: Uint8Array;
  try {
    b = await read(addr, 8);
  } catch (e) {
    throw new StopUnwind('memory', `cannot read memory at 0x${addr.toString(16)}: ${(e as Error).message}`);
  }
  if (b.length < 8) throw new StopUnwind('memory', `cannot read memory at 0x${addr.toString(16)}`);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

function findRow(sections: CfiSection[], pc: bigint): UnwindRow | undefined {
  for (const s of sections) {
    const r = s.rowAt(pc);
    if (r) return r.row;
  }
  return undefined;
}

/** One unwind step: the caller's frame, or undefined when `callee` is the outermost frame. */
async function step(callee: UnwindFrame, innermost: boolean, opts: UnwindOptions): Promise<UnwindFrame | undefined> {
  // A return address points after the call; look up the call itself (pc - 1), unless this frame
  // was interrupted at pc (innermost or signal frame).
  const lookupPc = innermost || callee.signalFrame ? callee.pc : callee.pc - 1n;
  const row = findRow(opts.cfi, lookupPc);
  if (row) return cfiStep(callee, row, opts);
  if (opts.framePointerFallback === false) throw new StopUnwind('noUnwindInfo', `no CFI covers pc 0x${callee.pc.toString(16)}`);
  return (await prologueStep(callee, lookupPc, opts)) ?? framePointerStep(callee, opts);
}

async function cfiStep(callee: UnwindFrame, row: UnwindRow, opts: UnwindOptions): Promise<UnwindFrame | undefined> {
  const regs = callee.registers;
  const ctx: ExprContext = {
    addressSize: 8,
    readRegister: async r => regs.get(r),
    readMemory: async (a, n) => opts.readMemory(a, n),
  };
  let cfa: bigint | undefined;
  if (row.cfa.kind === 'regOffset') {
    const base = regs.get(row.cfa.reg);
    if (base === undefined) throw new StopUnwind('noUnwindInfo', `CFA register ${row.cfa.reg} is unknown at pc 0x${callee.pc.toString(16)}`);
    cfa = BigInt.asUintN(64, base + row.cfa.offset);
  } else {
    cfa = await evaluateValue(row.cfa.expr, ctx, { section: 'CFA expression' });
    if (cfa === undefined) throw new StopUnwind('noUnwindInfo', `CFA expression cannot be evaluated at pc 0x${callee.pc.toString(16)}`);
  }
  const raRule = row.registers.get(row.returnAddressRegister);
  if (raRule?.kind === 'undefined') return undefined; // .cfi_undefined rip: outermost frame

  const caller: RegisterSet = new Map();
  // Registers without a rule keep their value (gdb's default for x86_64 too).
  for (const [r, v] of regs) if (r !== RIP && r !== RSP) caller.set(r, v);
  caller.set(RSP, cfa);
  for (const [r, rule] of row.registers) {
    const v = await applyRule(rule, r, cfa, regs, ctx, opts.readMemory);
    if (v === undefined) caller.delete(r); else caller.set(r, v);
  }
  const ra = caller.get(row.returnAddressRegister);
  if (ra === undefined) {
    if (raRule === undefined) throw new StopUnwind('noUnwindInfo', `no rule for the return address at pc 0x${callee.pc.toString(16)}`);
    return undefined;
  }
  caller.set(RIP, ra);
  return { pc: ra, cfa, registers: caller, method: 'cfi', signalFrame: row.signalFrame };
}

async function applyRule(rule: RegisterRule, reg: number, cfa: bigint, regs: RegisterSet, ctx: ExprContext, read: MemoryReader): Promise<bigint | undefined> {
  switch (rule.kind) {
    case 'undefined': return undefined;
    case 'sameValue': return regs.get(reg);
    case 'offset': return readU64(read, BigInt.asUintN(64, cfa + rule.offset));
    case 'valOffset': return BigInt.asUintN(64, cfa + rule.offset);
    case 'register': return regs.get(rule.reg);
    case 'expression': {
      const a = await evaluateValue(rule.expr, ctx, { initialStack: [cfa], section: 'CFI register expression' });
      return a === undefined ? undefined : readU64(read, a);
    }
    case 'valExpression':
      return evaluateValue(rule.expr, ctx, { initialStack: [cfa], section: 'CFI register expression' });
  }
}

/**
 * Without CFI, gdb's amd64 prologue analysis: a function that does not start with
 * `push %rbp; mov %rsp,%rbp` is frameless (return address at [rsp]); one stopped before its
 * `mov` has not set rbp yet. Undefined: use the rbp chain.
 */
async function prologueStep(callee: UnwindFrame, lookupPc: bigint, opts: UnwindOptions): Promise<UnwindFrame | undefined> {
  const start = opts.functionStart?.(lookupPc);
  const rsp = callee.registers.get(RSP);
  if (start === undefined || rsp === undefined || lookupPc < start) return undefined;
  let code: Uint8Array;
  try { code = await opts.readMemory(start, 4); } catch { return undefined; }
  if (code.length < 4) return undefined;
  const push = code[0] === 0x55;
  const mov = push && code[1] === 0x48 && ((code[2] === 0x89 && code[3] === 0xe5) || (code[2] === 0x8b && code[3] === 0xec));
  let cfa: bigint;
  const caller: RegisterSet = new Map(callee.registers);
  if (!push || callee.pc === start) cfa = rsp + 8n;
  else if (mov && callee.pc <= start + 1n) { cfa = rsp + 16n; caller.set(RBP, await readU64(opts.readMemory, rsp)); }
  else return undefined; // rbp is (or may be) this frame's: the chain is right
  const ra = await readU64(opts.readMemory, cfa - 8n);
  // Only a return into known code: otherwise (e.g. 32-bit boot code, garbage on the stack) this
  // guess would walk junk; the rbp chain decides instead.
  if (opts.functionStart?.(ra - 1n) === undefined) return undefined;
  caller.set(RSP, cfa);
  caller.set(RIP, ra);
  return { pc: ra, cfa, registers: caller, method: 'framePointer', signalFrame: false };
}

/** Classic rbp chain: [rbp] is the caller's rbp, [rbp+8] the return address. */
async function framePointerStep(callee: UnwindFrame, opts: UnwindOptions): Promise<UnwindFrame | undefined> {
  const rbp = callee.registers.get(RBP);
  const rsp = callee.registers.get(RSP);
  if (rbp === undefined || rbp === 0n) throw new StopUnwind('noUnwindInfo', `no CFI for pc 0x${callee.pc.toString(16)} and no frame pointer`);
  if (rbp % 8n !== 0n) throw new StopUnwind('noUnwindInfo', `frame pointer 0x${rbp.toString(16)} is misaligned`);
  // The frame pointer must point up the stack from the current stack pointer.
  if (rsp !== undefined && rbp < rsp) throw new StopUnwind('noUnwindInfo', `frame pointer 0x${rbp.toString(16)} below rsp`);
  const savedRbp = await readU64(opts.readMemory, rbp);
  const ra = await readU64(opts.readMemory, rbp + 8n);
  const caller: RegisterSet = new Map(callee.registers);
  caller.set(RBP, savedRbp);
  caller.set(RSP, rbp + 16n);
  caller.set(RIP, ra);
  if (savedRbp !== 0n && savedRbp <= rbp) {
    // The next step would go down the stack; keep this frame but make the chain end here.
    caller.delete(RBP);
  }
  return { pc: ra, cfa: rbp + 16n, registers: caller, method: 'framePointer', signalFrame: false };
}

/**
 * The CFA of the frame whose registers are `registers` (for DW_OP_call_frame_cfa), or undefined
 * where no CFI covers its pc. `innermost`: the pc is where the frame was stopped, not a return address.
 */
export async function frameCfa(registers: RegisterSet, cfi: CfiSection[], readMemory: MemoryReader, innermost = true): Promise<bigint | undefined> {
  const pc = registers.get(RIP);
  if (pc === undefined) return undefined;
  let row: UnwindRow | undefined;
  try { row = findRow(cfi, innermost ? pc : pc - 1n); } catch (e) { if (e instanceof ParseError) return undefined; throw e; }
  if (!row) return undefined;
  if (row.cfa.kind === 'regOffset') {
    const base = registers.get(row.cfa.reg);
    return base === undefined ? undefined : BigInt.asUintN(64, base + row.cfa.offset);
  }
  return evaluateValue(row.cfa.expr, { addressSize: 8, readRegister: async r => registers.get(r), readMemory }, { section: 'CFA expression' });
}
