// Stepping state machine for one vCPU: by instruction or by source line, in/over/out. Calls are
// stepped over with a hidden return-address breakpoint (never by single-stepping the callee);
// only the stepping vCPU moves unless steppingMode says otherwise.
import type { RegisterValues, StopEvent } from '../../rsp';
import type { RspThreadId } from '../../common/types';
import { readLE } from '../../common/hex';
import { virt } from '../../common/types';
import type { CallerLocator, ExecTarget, FunctionRange, LineLocator, SourceLine } from '../ports';
import type { LineLeg } from './lineRun';
import type { SteppingMode } from '../protocol';
import type { RunResult, Runner } from './runner';
import type { SiteManager } from './sites';

export type StepKind = 'in' | 'over' | 'out';
export type Granularity = 'line' | 'instruction';

/** A line step that runs longer than this many instructions gives up and reports. */
const MAX_LINE_INSTRUCTIONS = 20_000;
/** Longest x86 instruction: a call's return address lies within this of its rip. */
const MAX_INSN = 15n;
/** Interrupts passed through while stepping one instruction before it counts as moved anyway. */
const MAX_INTERRUPTS = 8;
/** Stops of other vCPUs (steppingMode all) resumed silently during one instruction step. */
const MAX_FOREIGN_STOPS = 64;

export interface StepperDeps {
  target: ExecTarget;
  sites: SiteManager;
  runner: Runner;
  lines: LineLocator;
  callerOf: CallerLocator;
  mode: () => SteppingMode;
  stepTimeoutMs: number;
  /** Runs the rest of a line to hidden breakpoints at its exits (lineRun.ts); undefined when it
   *  cannot plan, and the line is single-stepped. */
  runLine?: (thread: RspThreadId, stepIn: boolean, range: SourceLine, fn: FunctionRange) => Promise<LineLeg | undefined>;
  /** All vCPUs (steppingMode all checks the others for breakpoints around a step). */
  threads?: () => readonly RspThreadId[];
}

const rip = (r: RegisterValues) => r.get('rip') ?? 0n;
const rsp = (r: RegisterValues) => r.get('rsp') ?? 0n;
const sameLine = (a: SourceLine | undefined, b: SourceLine | undefined) =>
  !!a && !!b && a.line === b.line && a.file === b.file;

export class Stepper {
  constructor(private readonly d: StepperDeps) {}

  /** Steps `thread`; resolves with the stop to report (reason 'step' unless interrupted). */
  async step(thread: RspThreadId, kind: StepKind, granularity: Granularity): Promise<RunResult> {
    if (kind === 'out') return this.stepOut(thread);
    if (granularity === 'instruction') {
      // Step into an interrupt handler only by instruction 'in' (steppingMode irqs/all).
      const r = await this.oneInstruction(thread, kind === 'over', kind === 'over');
      return r.kind === 'moved' ? this.done(thread, r.regs) : r.result;
    }
    return this.stepLine(thread, kind);
  }

  private done(thread: RspThreadId, regs: RegisterValues): RunResult {
    return { kind: 'stopped', reason: 'step', thread, hitIds: [], rip: rip(regs) };
  }

  /**
   * One instruction. With `overCalls`, a call is completed by running to its return address;
   * otherwise 'moved' carries the call's return address when one was entered. With
   * `overInterrupts`, an interrupt or exception taken instead (interrupts unmasked by
   * steppingMode, or a fault) runs to its return and the instruction is stepped again.
   */
  private async oneInstruction(thread: RspThreadId, overCalls: boolean, overInterrupts = true): Promise<
    { kind: 'moved'; regs: RegisterValues; before: RegisterValues; callReturn?: bigint } | { kind: 'other'; result: RunResult }> {
    let before = await this.d.target.readRegisters(thread);
    let after: RegisterValues;
    for (let handled = 0; ; handled++) {
      const stop = await this.stepRaw(thread, rip(before));
      if ('kind' in stop) return { kind: 'other', result: stop };
      if (stop.exited !== undefined || stop.terminated) {
        return { kind: 'other', result: { kind: 'exited', description: stop.exited !== undefined ? `QEMU exited with code ${stop.exited}.` : 'QEMU was terminated.' } };
      }
      if (stop.watch) {
        const t = stop.thread ?? thread;
        return { kind: 'other', result: { kind: 'stopped', reason: 'data breakpoint', thread: t, hitIds: this.d.sites.table.dataEntriesAt(stop.watch.addr).map(e => e.id) } };
      }
      after = await this.d.target.readRegisters(thread);
      const resumeAt = overInterrupts && handled < MAX_INTERRUPTS ? await interruptedAt(this.d.target, thread, before, after) : undefined;
      if (resumeAt === undefined) break;
      const r = await this.runTo(thread, resumeAt, rsp(before));
      if (r.kind !== 'temp') return { kind: 'other', result: r };
      // The handler returned: done if the instruction had completed (hlt), else step it again.
      if (rip(r.regs) !== rip(before)) return { kind: 'moved', regs: r.regs, before };
      before = r.regs;
    }
    const callReturn = await this.enteredCall(thread, before, after);
    if (callReturn === undefined || !overCalls) return { kind: 'moved', regs: after, before, callReturn };
    return this.finishCall(thread, callReturn, before);
  }

  private async finishCall(thread: RspThreadId, callReturn: bigint, before: RegisterValues): Promise<
    { kind: 'moved'; regs: RegisterValues; before: RegisterValues } | { kind: 'other'; result: RunResult }> {
    const r = await this.runTo(thread, callReturn, rsp(before));
    if (r.kind !== 'temp') return { kind: 'other', result: r };
    return { kind: 'moved', regs: r.regs, before };
  }

  /** One instruction of `thread`: its stop, or (steppingMode all) what another vCPU's stop during
   *  it means for the user, e.g. a breakpoint hit on another CPU, reported as a run would. */
  private async stepRaw(thread: RspThreadId, at: bigint): Promise<StopEvent | RunResult> {
    // Hidden breakpoints a line step left go before any vCPU moves (no packet when none left).
    await this.d.sites.sync();
    if (this.d.mode() !== 'all') return this.d.sites.stepOff(thread, at, this.d.stepTimeoutMs);
    const others = (this.d.threads?.() ?? []).filter(t => t !== thread);
    // As gdb: vCPUs sitting on a breakpoint (already reported) are moved off it first, so the
    // resume does not re-hit it at once; afterwards one on a breakpoint has hit it in this run.
    for (const t of others) {
      const r = rip(await this.d.target.readRegisters(t));
      if (this.d.sites.installedCodeSitesAt(r).length > 0) await this.d.sites.stepOff(t, r, this.d.stepTimeoutMs);
    }
    const stop = await this.stepWithOthers(thread, at);
    if ('kind' in stop || stop.exited !== undefined || stop.terminated) return stop;
    for (const t of others) {
      const r = rip(await this.d.target.readRegisters(t));
      if (this.d.sites.table.codeEntriesAt(r).length === 0) continue;
      // Hit in the same run as our step (QEMU reports one stop): reported now, as gdb reports
      // a pending event.
      const res = await this.d.runner.classifyStop({ signal: 5, thread: t, extra: new Map() }, t);
      if (res) return res;
      if (this.d.sites.installedCodeSitesAt(r).length > 0) await this.d.sites.stepOff(t, r, this.d.stepTimeoutMs);
    }
    return stop;
  }

  /** steppingMode all: `thread` steps while the others run, until its step is done or another
   *  vCPU's stop must be reported. */
  private async stepWithOthers(thread: RspThreadId, at: bigint): Promise<StopEvent | RunResult> {
    for (let tries = 0, spurious = 0; ; tries++) {
      // Everyone runs while this vCPU steps; QEMU reports the step (or another vCPU's stop).
      await this.d.target.resume([{ kind: 'step', thread }, { kind: 'continue' }]);
      const stop = await this.d.target.waitForStop(this.d.stepTimeoutMs);
      const other = stop.thread;
      if (other === undefined || other === thread || stop.exited !== undefined || stop.terminated || tries >= MAX_FOREIGN_STOPS) {
        // QEMU's rare spurious step (T05, rip unchanged) is retried here too, as stepOff does.
        const plain = stop.signal === 5 && !stop.watch && stop.exited === undefined && !stop.terminated;
        if (plain && spurious++ < 3 && rip(await this.d.target.readRegisters(thread)) === at) continue;
        return stop;
      }
      const otherRip = rip(await this.d.target.readRegisters(other));
      if (stop.watch || stop.signal !== 5 || this.d.sites.table.codeEntriesAt(otherRip).length > 0) {
        const r = await this.d.runner.classifyStop(stop, other);
        if (r) return r;
        // A hit that resumes silently (another CPU's per-CPU breakpoint, a false condition, a log
        // point): move that vCPU off the breakpoint so the next resume does not re-hit it at once.
        if (this.d.sites.installedCodeSitesAt(otherRip).length > 0) await this.d.sites.stepOff(other, otherRip, this.d.stepTimeoutMs);
      }
      // Done if this vCPU executed its instruction meanwhile; else step it again.
      if (rip(await this.d.target.readRegisters(thread)) !== at) return { signal: 5, thread, extra: new Map() };
    }
  }

  /** The return address if the last instruction was a call: rsp dropped by 8 and the pushed
   *  value points just after the old rip while rip went elsewhere. */
  private async enteredCall(thread: RspThreadId, before: RegisterValues, after: RegisterValues): Promise<bigint | undefined> {
    if (rsp(after) !== rsp(before) - 8n) return undefined;
    const ret = await this.d.target.readVirtual(thread, virt(rsp(after)), 8);
    if (ret.unreadable.length) return undefined;
    const value = readLE(ret.data, 0, 8);
    const r0 = rip(before);
    if (value <= r0 || value > r0 + MAX_INSN) return undefined;
    if (rip(after) === value) return undefined;
    return value;
  }

  /** Runs `thread` to `addr`, accepting the hit only once its frame is popped (rsp >= minRsp). */
  private async runTo(thread: RspThreadId, addr: bigint, minRsp: bigint): Promise<RunResult> {
    const site = this.d.sites.table.addTemp(addr);
    try {
      await this.d.sites.sync();
      const only = this.d.mode() === 'all' ? undefined : thread;
      return await this.d.runner.run({
        current: thread, only,
        temp: { sites: [site], accept: (t, regs) => t === thread && rsp(regs) >= minRsp },
      });
    } finally {
      this.d.sites.table.removeTemp(site);
      await this.d.sites.sync();
    }
  }

  private async stepOut(thread: RspThreadId): Promise<RunResult> {
    const caller = await this.d.callerOf(thread);
    if (!caller) {
      const regs = await this.d.target.readRegisters(thread);
      return { kind: 'stopped', reason: 'step', thread, hitIds: [], rip: rip(regs), text: 'No caller frame to return to: stepped nowhere.' };
    }
    const r = await this.runTo(thread, caller.returnAddress, caller.cfa);
    return r.kind === 'temp' ? this.done(thread, r.regs) : r;
  }

  private async stepLine(thread: RspThreadId, kind: 'in' | 'over'): Promise<RunResult> {
    const start = await this.d.target.readRegisters(thread);
    let range = this.d.lines.lineAt(rip(start));
    let fn = this.d.lines.functionAt(rip(start));
    if (!range) {
      // No line info here (assembly without debug lines, firmware): an instruction step.
      const r = await this.oneInstruction(thread, kind === 'over');
      return r.kind === 'moved' ? this.done(thread, r.regs) : r.result;
    }
    for (let n = 0; n < MAX_LINE_INSTRUCTIONS; n++) {
      const leg = fn && this.d.runLine ? await this.d.runLine(thread, kind === 'in', range, fn) : undefined;
      if (leg?.kind === 'done') return leg.result;
      let r = await this.oneInstruction(thread, false);
      if (r.kind === 'other') return r.result;
      if (r.callReturn !== undefined) {
        const entered = kind === 'in' ? await this.enterCallee(thread, rip(r.regs)) : undefined;
        if (entered) return entered;
        r = await this.finishCall(thread, r.callReturn, r.before);
        if (r.kind === 'other') return r.result;
      }
      const regs = r.regs;
      const pc = rip(regs);
      const here = this.d.lines.lineAt(pc);
      const hereFn = this.d.lines.functionAt(pc);
      if (fn && hereFn && hereFn.low !== fn.low && rsp(regs) > rsp(start)) {
        // Returned into the caller in the middle of its line: finish that line, as gdb does.
        range = here; fn = hereFn;
        if (!range) return this.done(thread, regs);
        continue;
      }
      if (!here || here.line === 0) continue;
      if (!sameLine(here, range) && here.isStmtStart !== false) return this.done(thread, regs);
    }
    const regs = await this.d.target.readRegisters(thread);
    return { kind: 'stopped', reason: 'step', thread, hitIds: [], rip: rip(regs), text: `Line step gave up after ${MAX_LINE_INSTRUCTIONS} instructions.` };
  }

  /** Step in landed on a callee's first instruction: when it has source, run to the end of its
   *  prologue and stop there; otherwise undefined (the caller steps over it). */
  private async enterCallee(thread: RspThreadId, pc: bigint): Promise<RunResult | undefined> {
    const callee = this.d.lines.functionAt(pc);
    if (!callee || !this.d.lines.lineAt(pc)) return undefined;
    const body = this.d.lines.afterPrologue(callee);
    const regs = await this.d.target.readRegisters(thread);
    if (body === undefined || body === pc) return this.done(thread, regs);
    const r = await this.runTo(thread, body, 0n);
    return r.kind === 'temp' ? this.done(thread, r.regs) : r;
  }
}

/**
 * Where the interrupted code resumes when the step delivered an interrupt or exception instead
 * of (or, after hlt, right after) the instruction: the 64-bit frame the CPU pushed (RIP, CS,
 * RFLAGS, RSP, SS, after an error code for some exceptions) holds the old rsp and a rip at or
 * just after the old one. undefined for an ordinary instruction.
 */
export async function interruptedAt(target: ExecTarget, thread: RspThreadId, before: RegisterValues, after: RegisterValues): Promise<bigint | undefined> {
  const d = rsp(before) - rsp(after);
  if (d >= -8n && d <= 8n) return undefined; // push/pop/call/ret or no stack change
  for (const off of [0, 8]) {
    // Read only the frame: an IST stack's top is often followed by an unmapped guard page.
    const r = await target.readVirtual(thread, virt(rsp(after)), off + 40);
    if (r.unreadable.length) return undefined;
    const savedRip = readLE(r.data, off, 8);
    const savedRsp = readLE(r.data, off + 24, 8);
    const cs = readLE(r.data, off + 8, 8);
    if (savedRsp === rsp(before) && savedRip >= rip(before) && savedRip <= rip(before) + MAX_INSN
      && cs !== 0n && cs < 0x10000n && savedRip !== rip(after)) return savedRip;
  }
  return undefined;
}