// The plan of a line step: from the stepping vCPU's pc, follow the decoded code of the current
// line to every place it can leave it — the first instruction of another statement (where a
// single-stepping loop would stop), or an instruction that must be single-stepped (return,
// indirect jump, interrupt, hlt, a call when stepping in, a jump out of the function). The vCPU
// then runs to those hidden breakpoints in one resume instead of one step per instruction.
// Pure: code comes through `decodeAt`, the stop rule through `isStop`.

/** How an instruction passes control on. */
export type Flow =
  | { kind: 'next' }
  /** Unconditional direct jump. */
  | { kind: 'jump'; target: bigint }
  /** Conditional direct branch (jcc, loop, jrcxz): the target or the next instruction. */
  | { kind: 'branch'; target: bigint }
  /** A call returns to the next instruction (stepping over runs the callee). */
  | { kind: 'call' }
  /** Must be single-stepped: its successor is not known from its bytes. */
  | { kind: 'special' }
  /** Near return: a special whose successor is the frame's return address. */
  | { kind: 'return' };

export interface PlanInsn { address: bigint; length: number; flow: Flow }

/** Where the vCPU may stop: breakpoints at `stops` end the step there; at `specials` the
 *  instruction is single-stepped and planning starts again. `returns`: the specials that are
 *  near returns (a caller can replace them by its own plan from the return address). */
export interface LinePlan { stops: bigint[]; specials: bigint[]; returns: bigint[] }

export interface PlanInput {
  pc: bigint;
  /** The function being stepped: a successor outside it is reached by single-stepping. */
  fn: { low: bigint; high: bigint };
  /** Would a single-stepping line step end at `addr` (first instruction of another statement)? */
  isStop(addr: bigint): boolean;
  /** The instruction at `addr`, or undefined where the code cannot be read or decoded. */
  decodeAt(addr: bigint): Promise<PlanInsn | undefined>;
  /** Stepping in: calls are single-stepped (the callee may be entered). */
  stepIn: boolean;
  /** More instructions than this in one line: do not plan (default 4096). */
  maxInstructions?: number;
}

const SPECIAL = new Set([
  'retf', 'retfq', 'lret', 'lretq', 'hlt', 'int', 'int1', 'int3', 'into', 'ljmp', 'lcall',
  'mwait', 'mwaitx', 'xbegin', 'xabort', 'rsm', 'enclu', 'encls', 'wait',
]);
const SPECIAL_PREFIXES = ['iret', 'sys', 'vm', 'ud'];
const DIRECT = /^0x[0-9a-f]+$/i;

/** Control flow of a decoded instruction (capstone, Intel syntax). Prefixes such as `bnd`,
 *  `notrack` or `rep` do not change it. */
export function flowOf(mnemonic: string, operands: string, invalid: boolean): Flow {
  if (invalid) return { kind: 'special' };
  const words = mnemonic.trim().toLowerCase().split(/\s+/);
  const m = words[words.length - 1];
  const op = operands.trim();
  if (m === 'ret') return { kind: 'return' };
  if (SPECIAL.has(m) || SPECIAL_PREFIXES.some(p => m.startsWith(p))) return { kind: 'special' };
  if (m === 'call') return { kind: 'call' };
  if (m === 'jmp') return DIRECT.test(op) ? { kind: 'jump', target: BigInt(op) } : { kind: 'special' };
  if (m.startsWith('j') || m.startsWith('loop')) return DIRECT.test(op) ? { kind: 'branch', target: BigInt(op) } : { kind: 'special' };
  return { kind: 'next' };
}

/** Follows every path from `pc` until it reaches a stop or a special instruction. undefined:
 *  no plan (unreadable code, a line without exits such as `loop {}`, or too long). */
export async function planLine(i: PlanInput): Promise<LinePlan | undefined> {
  const max = i.maxInstructions ?? 4096;
  const inFn = (a: bigint) => a >= i.fn.low && a < i.fn.high;
  const stops = new Set<bigint>();
  const specials = new Set<bigint>();
  const returns = new Set<bigint>();
  const seen = new Set<bigint>();
  const work: bigint[] = [i.pc];
  while (work.length) {
    let a: bigint | undefined = work.pop()!;
    while (a !== undefined && !seen.has(a)) {
      seen.add(a);
      if (seen.size > max) return undefined;
      const insn = await i.decodeAt(a);
      if (!insn) return undefined;
      const f = insn.flow;
      const next: bigint = a + BigInt(insn.length);
      if (f.kind === 'return') returns.add(a);
      if (f.kind === 'special' || f.kind === 'return' || (f.kind === 'call' && i.stepIn)) { specials.add(a); break; }
      const succ: bigint[] = f.kind === 'jump' ? [f.target] : f.kind === 'branch' ? [f.target, next] : [next];
      // Leaving the function other than onto a statement (a tail jump, the end of a noreturn
      // call): single-step this instruction and plan again from where it lands.
      if (succ.some(s => !inFn(s) && !i.isStop(s))) { specials.add(a); break; }
      a = undefined;
      for (const s of succ) {
        if (i.isStop(s)) stops.add(s);
        else if (s === next && a === undefined) a = s;
        else work.push(s);
      }
    }
  }
  if (stops.size + specials.size === 0) return undefined;
  return { stops: [...stops], specials: [...specials], returns: [...returns] };
}
