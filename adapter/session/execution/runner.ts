// Runs the target until something the user should see: resumes vCPUs, waits for the stop and
// classifies it against the breakpoint table (per-CPU filter, conditions, hit counts, log
// points resume silently). Stepping reuses it to run to a hidden return-address breakpoint.
import type { RegisterValues, ResumeAction, StopEvent } from '../../rsp';
import { RspThreadId, rspThread } from '../../common/types';
import { BreakpointEntry, decideHit, HitEvaluator, Site } from '../breakpoints/table';
import type { ExecTarget } from '../ports';
import type { SiteManager } from './sites';

export type StopReason =
  | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint'
  | 'pause' | 'step' | 'entry' | 'exception';

export type RunResult =
  | { kind: 'stopped'; reason: StopReason; thread: RspThreadId; hitIds: number[]; text?: string; rip?: bigint }
  | { kind: 'temp'; thread: RspThreadId; regs: RegisterValues }
  | { kind: 'exited'; description: string };

/** Hidden breakpoints the caller waits for; `accept` says whether this hit is the one. */
export interface TempTarget {
  sites: readonly Site[];
  accept(thread: RspThreadId, regs: RegisterValues): boolean | Promise<boolean>;
}

export interface RunOptions {
  /** Resume only this vCPU (others stay stopped); default: all vCPUs run. */
  only?: RspThreadId;
  temp?: TempTarget;
  /** The vCPU that must first be stepped off a breakpoint at its rip. */
  current: RspThreadId;
}

const reasonOf = (e: BreakpointEntry): StopReason =>
  e.kind === 'function' ? 'function breakpoint'
    : e.kind === 'instruction' ? 'instruction breakpoint'
      : e.kind === 'data' ? 'data breakpoint' : 'breakpoint';

/** Waiting for a running kernel to stop has no deadline (it may idle for hours). */
const FOREVER_MS = 0x7fffffff;

export class Runner {
  /** Set by pause(): the next SIGINT stop is reported as 'pause'. */
  private pauseRequested = false;
  private running = false;
  /** Work that needs the VM stopped for a moment (e.g. breakpoint changes while running). */
  private pendingWork: (() => Promise<void>)[] = [];

  constructor(
    private readonly target: ExecTarget,
    private readonly sites: SiteManager,
    private readonly evaluatorFor: (thread: RspThreadId) => HitEvaluator,
    private readonly stepTimeoutMs: number,
  ) {}

  get isRunning(): boolean { return this.running; }

  async run(opts: RunOptions): Promise<RunResult> {
    try {
      // Hidden breakpoints a finished step left inserted must not be hit by this run.
      await this.sites.sync();
      return await this.runLoop(opts);
    } finally {
      await this.drainWork();
    }
  }

  private async drainWork(): Promise<void> {
    while (this.pendingWork.length) await this.pendingWork.shift()!();
  }

  /**
   * Runs `work` with the VM stopped: if it is running, interrupts it, runs the work, and the
   * run loop resumes as if nothing happened.
   */
  whileStopped<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingWork.push(async () => { try { resolve(await work()); } catch (e) { reject(e); } });
      if (this.running) this.target.interrupt().catch(() => { /* the run loop sees the failure */ });
      else void this.drainWork();
    });
  }

  private async runLoop(opts: RunOptions): Promise<RunResult> {
    let current = opts.current;
    for (;;) {
      const regs0 = await this.target.readRegisters(current);
      const rip0 = regs0.get('rip') ?? 0n;
      if (this.sites.installedCodeSitesAt(rip0).length > 0) {
        const s = await this.sites.stepOff(current, rip0, this.stepTimeoutMs);
        // A plain step is not news, unless it landed on another breakpoint (which QEMU would
        // not report again: we would lift it on the next resume) or hit a watchpoint.
        const rip1 = (await this.target.readRegisters(current)).get('rip') ?? 0n;
        const news = s.signal !== 5 || s.watch || s.exited !== undefined || s.terminated || this.sites.table.hasCodeSiteAt(rip1);
        if (news) {
          const early = await this.classify(s, current, opts);
          if (early) return early;
          continue;
        }
      }
      if (this.pauseRequested) {
        this.pauseRequested = false;
        return { kind: 'stopped', reason: 'pause', thread: current, hitIds: [] };
      }
      const actions: ResumeAction[] = opts.only ? [{ kind: 'continue', thread: opts.only }] : [{ kind: 'continue' }];
      this.running = true;
      let stop: StopEvent;
      try {
        await this.target.resume(actions);
        stop = await this.target.waitForStop(FOREVER_MS);
      } finally {
        this.running = false;
      }
      current = stop.thread ?? current;
      if (this.pendingWork.length) {
        await this.drainWork();
        if (stop.signal === 2 && !this.pauseRequested) continue;
      }
      const r = await this.classify(stop, current, opts);
      if (r) return r;
    }
  }

  /** Sends 0x03; the pending run() then reports 'pause'. */
  async pause(): Promise<void> {
    this.pauseRequested = true;
    if (this.running) await this.target.interrupt();
  }

  /** What a stop of `thread` outside run() means (another vCPU's stop while one steps with the
   *  others running): a result to report, or undefined to resume silently. */
  classifyStop(stop: StopEvent, thread: RspThreadId): Promise<RunResult | undefined> {
    return this.classify(stop, thread, { current: thread });
  }

  /** undefined = resume silently (a hit that should not surface). */
  private async classify(stop: StopEvent, thread: RspThreadId, opts: RunOptions): Promise<RunResult | undefined> {
    if (stop.exited !== undefined) return { kind: 'exited', description: `QEMU exited with code ${stop.exited}.` };
    if (stop.terminated) return { kind: 'exited', description: `QEMU was terminated by signal ${stop.signal}.` };
    const cpu = thread - 1;
    if (stop.watch) {
      const entries = this.sites.table.dataEntriesAt(stop.watch.addr);
      const d = await decideHit(entries, cpu, this.evaluatorFor(thread));
      if (d.stop || entries.length === 0) {
        return { kind: 'stopped', reason: 'data breakpoint', thread, hitIds: d.hitIds, text: d.conditionErrors[0] };
      }
      return this.pauseIfRequested(thread);
    }
    const regs = await this.target.readRegisters(thread);
    const rip = regs.get('rip') ?? 0n;
    if (opts.temp && opts.temp.sites.some(s => s.addr === rip) && await opts.temp.accept(thread, regs)) {
      return { kind: 'temp', thread, regs };
    }
    const entries = this.sites.table.codeEntriesAt(rip);
    if (stop.signal === 5 && entries.length > 0) {
      const d = await decideHit(entries, cpu, this.evaluatorFor(thread));
      if (d.stop) {
        const first = entries.find(e => d.hitIds.includes(e.id)) ?? entries[0];
        return { kind: 'stopped', reason: reasonOf(first), thread, hitIds: d.hitIds, text: d.conditionErrors[0], rip };
      }
      return this.pauseIfRequested(thread);
    }
    if (stop.signal === 5 && this.sites.table.isTemp(rip)) return this.pauseIfRequested(thread);
    if (stop.signal === 2 || this.pauseRequested) {
      this.pauseRequested = false;
      return { kind: 'stopped', reason: 'pause', thread, hitIds: [], rip };
    }
    return { kind: 'stopped', reason: 'exception', thread, hitIds: [], rip, text: `vCPU stopped with signal ${stop.signal}` };
  }

  /** A pause that raced with a silently resumed hit must still stop. */
  private pauseIfRequested(thread: RspThreadId): RunResult | undefined {
    if (!this.pauseRequested) return undefined;
    this.pauseRequested = false;
    return { kind: 'stopped', reason: 'pause', thread, hitIds: [] };
  }
}

export const threadOfCpu = (cpu: number): RspThreadId => rspThread(cpu + 1);
