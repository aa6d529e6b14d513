// A live debug target: the RSP connection (and QEMU + QMP when we launched it), the breakpoint
// table and sites, and run control. The DAP session asks it to run/step and hears back through
// RuntimeEvents; everything it starts in the background reports through those events.
import type { RspClientApi } from '../rsp';
import type { QemuInstance } from '../qemu/launcher';
import type { QmpClient } from '../qemu/qmpClient';
import { describeError, ExoError } from '../common/errors';
import { RspThreadId, rspThread } from '../common/types';
import { BreakpointEntry, BreakpointTable, HitEvaluator } from './breakpoints/table';
import { renderLogMessage } from './breakpoints/logMessage';
import { SiteManager } from './execution/sites';
import { RunResult, Runner } from './execution/runner';
import { Granularity, Stepper, StepKind } from './execution/stepper';
import type { SteppingMode } from './protocol';
import type { SessionSymbols } from './symbolsPort';
import type { LoadedSymbols } from './symbolsLoader';
import type { CallerLocator } from './ports';
import { cachingStopState } from './stopCache';
import { LineRuns, warmUpLineRuns } from './execution/lineRun';
import { trace } from './trace';

export type StoppedResult = Extract<RunResult, { kind: 'stopped' }>;

export interface RuntimeEvents {
  stopped(r: StoppedResult): void;
  output(category: 'console' | 'stdout' | 'stderr' | 'important', text: string): void;
  exited(description: string): void;
}

export interface RuntimeParts {
  rsp: RspClientApi;
  qemu?: QemuInstance;
  qmp?: QmpClient;
  symbols: SessionSymbols;
  /** The loaded symbol file's richer services (unwinder, values), when any. */
  loaded: LoadedSymbols;
  threads: RspThreadId[];
  steppingMode: SteppingMode;
  timeoutMs: number;
}

export class Runtime {
  readonly table = new BreakpointTable();
  readonly sites: SiteManager;
  readonly runner: Runner;
  readonly stepper: Stepper;
  /** Line steps on hidden breakpoints (code read at the stop, ahead of the step). */
  private lineRuns: LineRuns | undefined;
  private warmed = false;
  /** Counts runs and steps as they are asked for: work for a stop (rendering variables ahead
   *  of the client) stops reading once this moved on. */
  runs = 0;
  /** The vCPU of the last stop: the one stepping and `Hg` context default to. */
  lastThread: RspThreadId;
  private ended = false;
  private busy: Promise<void> = Promise.resolve();
  /** Set by restart(): puts -no-reboot's 'shutdown' back once the VM stopped again. */
  private restoreRebootAction: (() => Promise<void>) | undefined;
  /** Expression evaluation in a vCPU's context (conditions, log points); set by the inspector. */
  evaluate: (thread: RspThreadId, expr: string) => Promise<{ result: string; raw?: bigint }> =
    async (_t, expr) => { throw new ExoError('user', `cannot evaluate "${expr}" here`); };
  /** Hidden log-point entries (e.g. the views' fault trace) claim their hits here; true = handled. */
  hiddenLog: ((thread: RspThreadId, entry: BreakpointEntry) => Promise<boolean>) | undefined;
  /** Where the current frame of a vCPU returns to (step out); set by the inspector. */
  callerOf: CallerLocator = async () => undefined;
  /** Resolves once the client has what it asks first about a stop of `thread` (stack, the top
   *  frame's variables); set by the inspector. Work for a later step waits for it. */
  inspected: (thread: RspThreadId) => Promise<void> = async () => undefined;

  constructor(readonly parts: RuntimeParts, private readonly events: RuntimeEvents) {
    // Registers and stack memory are read once per vCPU per stop (steps and stack views ask repeatedly).
    parts.rsp = cachingStopState(parts.rsp, () => this.lineRuns?.invalidate());
    this.lastThread = parts.threads[0] ?? rspThread(1);
    this.sites = new SiteManager(parts.rsp, this.table);
    this.runner = new Runner(parts.rsp, this.sites, t => this.hitEvaluator(t), parts.timeoutMs);
    const lineRuns = new LineRuns({ target: parts.rsp, sites: this.sites, runner: this.runner, lines: parts.symbols, mode: () => parts.steppingMode });
    this.lineRuns = lineRuns;
    this.stepper = new Stepper({
      target: parts.rsp, sites: this.sites, runner: this.runner, lines: parts.symbols,
      callerOf: t => this.callerOf(t),
      mode: () => parts.steppingMode, stepTimeoutMs: parts.timeoutMs,
      runLine: (thread, stepIn, range, fn) => lineRuns.leg(thread, stepIn, range, fn),
      threads: () => parts.threads,
    });
  }

  get rsp(): RspClientApi { return this.parts.rsp; }
  get symbols(): SessionSymbols { return this.parts.symbols; }
  get cpus(): number { return this.parts.threads.length; }
  get isRunning(): boolean { return this.runner.isRunning; }
  get isEnded(): boolean { return this.ended; }

  /** Applies steppingMode to QEMU's single-step flags (interrupts/timers masked or not). */
  async applySteppingMode(): Promise<void> {
    const bits = this.rsp.features.sstep?.bits;
    if (!bits) return;
    const masked = this.parts.steppingMode === 'isolated';
    await this.rsp.setSstep(bits.enable | (masked ? bits.noIrq | bits.noTimer : 0));
  }

  private hitEvaluator(thread: RspThreadId): HitEvaluator {
    return {
      condition: async expr => {
        const v = await this.evaluate(thread, expr);
        if (v.raw !== undefined) return v.raw !== 0n;
        throw new ExoError('user', `the condition "${expr}" is not a number or boolean (it is ${v.result})`);
      },
      log: async (parts, entry) => {
        if (await this.hiddenLog?.(thread, entry)) return;
        const text = await renderLogMessage(parts, async expr => (await this.evaluate(thread, expr)).result);
        this.events.output('console', text + '\n');
      },
    };
  }

  /** Runs `work` in the background; its result becomes a stopped or exited event. */
  private background(work: () => Promise<RunResult>): void {
    this.runs++;
    this.busy = this.busy.then(async () => {
      if (this.ended) return;
      let r: RunResult;
      try { r = await work(); } catch (e) {
        if (this.ended) return;
        if (e instanceof ExoError && e.kind === 'disconnected') { this.end(describeError(e)); return; }
        this.events.output('stderr', `${describeError(e)}\n`);
        r = { kind: 'stopped', reason: 'exception', thread: this.lastThread, hitIds: [], text: describeError(e) };
      }
      if (this.ended) return;
      if (r.kind === 'exited') { this.end(r.description); return; }
      if (r.kind === 'temp') r = { kind: 'stopped', reason: 'step', thread: r.thread, hitIds: [] };
      const restore = this.restoreRebootAction;
      this.restoreRebootAction = undefined;
      if (restore) await restore().catch(() => { /* QMP gone: the session ends anyway */ });
      this.lastThread = r.thread;
      // EXO_TRACE: from the stop reply to here is the run loop's classification of the stop.
      trace()?.line(`runtime stopped (${r.reason})`);
      this.events.stopped(r);
      // The stack the client asks for first goes first: its reads are queued by now.
      await new Promise(resolve => setImmediate(resolve));
      // Hidden breakpoints a step left inserted stay until the next resume (SiteManager.sync).
      // Code for a likely line step is read (and planned) ahead: at once after a step (the user
      // steps on), after any other stop once the client has the stack and variables (that
      // work would only delay them).
      const runs = this.runs;
      const ahead = () => { if (this.runs === runs && !this.ended) this.lineRuns?.prefetch(r.thread); };
      if (r.reason === 'step') ahead();
      else void this.inspected(r.thread).then(ahead, ahead);
      // The disassembler (a 1.7 MB wasm module) loads after the first stop, not during launch.
      if (!this.warmed) { this.warmed = true; warmUpLineRuns(); }
    });
  }

  continueAll(): void {
    this.background(() => this.runner.run({ current: this.lastThread }));
  }

  /** Runs to the kernel entry (hidden breakpoint) and reports reason 'entry'. */
  runToEntry(entry: bigint): void {
    this.background(async () => {
      const site = this.table.addTemp(entry);
      try {
        await this.sites.sync();
        const r = await this.runner.run({ current: this.lastThread, temp: { sites: [site], accept: () => true } });
        if (r.kind === 'temp') return { kind: 'stopped', reason: 'entry', thread: r.thread, hitIds: [] };
        return r;
      } finally {
        this.table.removeTemp(site);
        await this.sites.sync();
      }
    });
  }

  step(thread: RspThreadId, kind: StepKind, granularity: Granularity): void {
    this.lastThread = thread;
    this.background(async () => {
      // A line step's plan decides which leftovers of the last step go (lineRun syncs fully).
      await this.sites.sync(true);
      return this.stepper.step(thread, kind, granularity);
    });
  }

  async pause(): Promise<void> {
    await this.runner.pause();
  }

  /** Waits until background run control is idle (the target is stopped). */
  idle(): Promise<void> { return this.busy; }

  /** Ends the session once, with a reason the user sees. */
  end(description: string): void {
    if (this.ended) return;
    this.ended = true;
    this.events.exited(description);
  }

  /** True when we started QEMU (terminate kills it); false when attached. */
  get launched(): boolean { return this.parts.qemu !== undefined; }

  /** Runs `work` with the VM stopped, resuming it afterwards if it was running. */
  withTargetStopped<T>(work: () => Promise<T>): Promise<T> {
    return this.runner.whileStopped(work);
  }

  /**
   * QMP system_reset keeping breakpoints, then run as after launch. SeaBIOS answers a warm reset
   * with guest resets of its own, which -no-reboot would turn into an exit: the reboot action
   * stays 'reset' until the next stop, then goes back to 'shutdown' (a kernel triple fault ends
   * the session again).
   */
  async restart(): Promise<void> {
    const qmp = this.parts.qmp;
    if (!qmp) throw new ExoError('user', 'Restart needs QMP, which only a launched QEMU has: in attach mode reset the VM yourself.');
    if (this.isRunning) await this.pause();
    await this.idle();
    await qmp.execute('set-action', { reboot: 'reset' });
    this.restoreRebootAction = async () => { await qmp.execute('set-action', { reboot: 'shutdown' }); };
    await qmp.execute('system_reset');
    this.continueAll();
  }

  /** Terminate (kill QEMU, no orphan) or detach (`D;1`, QEMU keeps running). */
  async shutdown(killTarget: boolean): Promise<void> {
    if (this.ended) { await this.parts.qemu?.kill(); return; }
    this.ended = true;
    const { rsp, qemu, qmp } = this.parts;
    if (!killTarget || !qemu) {
      try {
        if (rsp.state === 'running') await rsp.interrupt();
        this.table.replace('source', undefined, []);
        this.table.replace('function', undefined, []);
        this.table.replace('instruction', undefined, []);
        this.table.replace('data', undefined, []);
        await this.sites.sync();
        await rsp.detach();
      } catch { /* the connection may already be gone */ }
      rsp.close();
      qmp?.close();
      if (killTarget && qemu) await qemu.kill();
      return;
    }
    try { await qmp?.quit(); } catch { /* fall through to kill */ }
    rsp.close();
    qmp?.close();
    await qemu.kill();
  }
}
