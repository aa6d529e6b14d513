// A tiny fake vCPU machine implementing the RSP subset the run/step services use: instructions
// are ops, calls and rets at fixed addresses; QEMU's quirks are modelled (a continue from a
// breakpoint at rip re-hits at once; a step may be spurious and leave rip unchanged).
import type { BreakpointKind, MemoryRead, RegisterValues, ResumeAction, StopEvent } from '../../../adapter/rsp';
import type { RspThreadId, VirtAddr } from '../../../adapter/common/types';
import { rspThread } from '../../../adapter/common/types';
import { writeLE } from '../../../adapter/common/hex';
import { ExoError } from '../../../adapter/common/errors';
import type { ExecTarget, FunctionRange, LineLocator, SourceLine } from '../../../adapter/session/ports';

export type Insn = { kind: 'op'; len: number } | { kind: 'call'; len: number; target: bigint } | { kind: 'ret'; len: 1 };

interface Cpu { rip: bigint; rsp: bigint }

export class FakeMachine implements ExecTarget {
  readonly cpus: Cpu[];
  readonly mem = new Map<bigint, bigint>();      // 8-byte stack slots
  readonly bps = new Map<bigint, number>();
  /** Every pc executed by a single step (to prove calls were not stepped through). */
  readonly steppedAt: bigint[] = [];
  spuriousSteps = 0;
  /** Steps never finish (a vCPU in HLT with interrupts masked): step() times out. */
  hangSteps = false;
  interrupts = 0;
  sstep = 0;
  private pending: StopEvent | undefined;
  private resumeActions: ResumeAction[] = [];

  constructor(readonly program: Map<bigint, Insn>, starts: bigint[]) {
    this.cpus = starts.map((rip, i) => ({ rip, rsp: 0x8000n + BigInt(i) * 0x1000n }));
  }

  private exec(c: Cpu): void {
    const insn = this.program.get(c.rip);
    if (!insn) throw new Error(`fake: no instruction at 0x${c.rip.toString(16)}`);
    if (insn.kind === 'op') c.rip += BigInt(insn.len);
    else if (insn.kind === 'call') { c.rsp -= 8n; this.mem.set(c.rsp, c.rip + BigInt(insn.len)); c.rip = insn.target; }
    else { const ret = this.mem.get(c.rsp); if (ret === undefined) throw new Error('fake: ret with empty stack'); c.rsp += 8n; c.rip = ret; }
  }

  async readRegisters(thread: RspThreadId): Promise<RegisterValues> {
    const c = this.cpus[thread - 1];
    return new Map([['rip', c.rip], ['rsp', c.rsp], ['rbp', 0n]]);
  }

  async readVirtual(_t: RspThreadId, addr: VirtAddr, length: number): Promise<MemoryRead> {
    const v = this.mem.get(addr);
    if (v === undefined) return { data: new Uint8Array(length), unreadable: [{ start: addr, end: addr + BigInt(length) }] };
    return { data: writeLE(v, length), unreadable: [] };
  }

  async insertBreakpoint(_k: BreakpointKind, addr: bigint): Promise<void> { this.bps.set(addr, (this.bps.get(addr) ?? 0) + 1); }
  async removeBreakpoint(_k: BreakpointKind, addr: bigint): Promise<void> {
    const n = this.bps.get(addr);
    if (!n) throw new Error('fake: z of a breakpoint not inserted');
    if (n === 1) this.bps.delete(addr); else this.bps.set(addr, n - 1);
  }
  async setSstep(flags: number): Promise<void> { this.sstep = flags; }

  async step(thread: RspThreadId): Promise<StopEvent> {
    const c = this.cpus[thread - 1];
    if (this.hangSteps) throw new ExoError('timeout', 'the target did not stop within 1000 ms');
    if (this.spuriousSteps > 0) { this.spuriousSteps--; return stop(thread); }
    this.steppedAt.push(c.rip);
    this.exec(c);
    return stop(thread);
  }

  async resume(actions: ResumeAction[]): Promise<void> { this.resumeActions = actions; this.pending = undefined; }

  async waitForStop(): Promise<StopEvent> {
    const only = this.resumeActions.find(a => a.kind === 'continue' && a.thread !== undefined)?.thread;
    const runners = this.cpus.map((c, i) => ({ c, t: rspThread(i + 1) })).filter(x => only === undefined || x.t === only);
    // QEMU re-hits a breakpoint at rip at once when continuing.
    for (const r of runners) if (this.bps.has(r.c.rip)) return stop(r.t);
    for (let n = 0; n < 10_000; n++) {
      for (const r of runners) {
        if (!this.program.has(r.c.rip)) continue; // parked
        this.exec(r.c);
        if (this.bps.has(r.c.rip)) return stop(r.t);
      }
    }
    return { signal: 2, thread: rspThread(1), extra: new Map() };
  }

  async interrupt(): Promise<StopEvent> { this.interrupts++; return this.pending ?? stop(rspThread(1), 2); }
}

const stop = (thread: RspThreadId, signal = 5): StopEvent => ({ signal, thread, extra: new Map() });

/** Lines: [start, end) ranges of pcs → line numbers, in one file; functions by range. */
export function fakeLines(rows: [bigint, bigint, number][], fns: (FunctionRange & { body: bigint })[]): LineLocator {
  return {
    lineAt(pc): SourceLine | undefined {
      const r = rows.find(([s, e]) => pc >= s && pc < e);
      return r ? { file: '/k/main.rs', line: r[2], isStmtStart: pc === r[0] } : undefined;
    },
    functionAt: pc => fns.find(f => pc >= f.low && pc < f.high),
    afterPrologue: fn => fns.find(f => f.low === fn.low)?.body,
  };
}
