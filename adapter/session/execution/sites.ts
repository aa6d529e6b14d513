// Keeps the target's Z points equal to what the breakpoint table wants, and steps a vCPU off a
// breakpoint (QEMU re-hits at once when continuing from one: remove, step, re-insert).
import type { BreakpointKind, StopEvent } from '../../rsp';
import type { RspThreadId } from '../../common/types';
import { ExoError } from '../../common/errors';
import { BreakpointTable, diffSites, Site, siteKey } from '../breakpoints/table';
import type { ExecTarget } from '../ports';

const zKind = (s: Site): BreakpointKind => s.kind;

export class SiteManager {
  private readonly installed = new Map<string, Site>();
  /** Sites the target refused, with the reason (shown on the breakpoint). */
  readonly failures = new Map<string, string>();

  constructor(private readonly target: ExecTarget, readonly table: BreakpointTable) {}

  /** The sync in progress: syncs run one after the other (two at once could insert a site twice
   *  and leave a phantom after one removal). */
  private syncing: Promise<void> = Promise.resolve();

  /** Inserts and removes Z points so the target matches the table. `keepUnwanted`: only
   *  inserts. Hidden breakpoints a line step left stay inserted while the VM is stopped (QEMU
   *  drops its translated code on every Z0/z0): the next step's plan often wants the same
   *  addresses, and every resume path syncs fully first, so none can be hit. */
  sync(keepUnwanted = false): Promise<void> {
    const p = this.syncing.then(() => this.syncOnce(keepUnwanted));
    this.syncing = p.catch(() => undefined);
    return p;
  }

  /** All Z/z packets of one sync go out together (the client pipelines them: one round trip,
   *  not one per site; QEMU flushes its translated code once for the whole batch either way). */
  private syncOnce(keepUnwanted: boolean): Promise<void> {
    return this.apply(diffSites(this.installed, this.table.desiredSites()), keepUnwanted);
  }

  private async apply({ insert, remove }: { insert: Site[]; remove: Site[] }, keepUnwanted: boolean): Promise<void> {
    const removals = (keepUnwanted ? [] : remove).map(async s => {
      const k = siteKey(s);
      this.installed.delete(k);
      this.failures.delete(k);
      try { await this.target.removeBreakpoint(zKind(s), s.addr, s.length); } catch (e) {
        if (e instanceof ExoError && e.kind === 'target') return; // already gone on the stub
        throw e;
      }
    });
    const inserts = insert.map(async s => {
      const k = siteKey(s);
      try {
        await this.target.insertBreakpoint(zKind(s), s.addr, s.length);
        this.installed.set(k, s);
        this.failures.delete(k);
      } catch (e) {
        if (!(e instanceof ExoError && e.kind === 'target')) throw e;
        this.failures.set(k, `QEMU refused the breakpoint at 0x${s.addr.toString(16)}: ${e.message}`);
      }
    });
    const results = await Promise.allSettled([...removals, ...inserts]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Makes the target match the table plus hidden code breakpoints at `addrs`, ahead of a likely
   *  step (its plan's sites), while the VM is stopped anyway: the step that wants them finds
   *  them in place; any other resume removes them first, as it removes every leftover.
   *  `stillWanted` is asked right before the packets go out (the VM may be running by then). */
  prepare(addrs: readonly bigint[], stillWanted: () => boolean): Promise<void> {
    const p = this.syncing.then(async () => {
      if (!stillWanted()) return;
      const want = new Map(this.table.desiredSites());
      for (const addr of addrs) { const s: Site = { kind: 'sw', addr, length: 1 }; want.set(siteKey(s), s); }
      await this.apply(diffSites(this.installed, want), false);
    });
    this.syncing = p.catch(() => undefined);
    return p;
  }

  installedCodeSitesAt(addr: bigint): Site[] {
    return [...this.installed.values()].filter(s => s.kind === 'sw' && s.addr === addr);
  }

  /**
   * Steps `thread` one instruction, first lifting any breakpoint at its rip so it does not
   * re-hit, and retrying QEMU's rare spurious steps that leave rip unchanged.
   */
  async stepOff(thread: RspThreadId, rip: bigint, stepTimeoutMs: number): Promise<StopEvent> {
    const lifted = this.installedCodeSitesAt(rip);
    for (const s of lifted) await this.target.removeBreakpoint('sw', s.addr, s.length);
    try {
      return await stepRetrying(this.target, thread, rip, stepTimeoutMs);
    } finally {
      for (const s of lifted) await this.target.insertBreakpoint('sw', s.addr, s.length);
    }
  }
}

/** One instruction of `thread`; a T05 that left rip unchanged is retried (QEMU quirk). */
export async function stepRetrying(target: ExecTarget, thread: RspThreadId, rip: bigint, timeoutMs: number): Promise<StopEvent> {
  let stop: StopEvent | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      stop = await target.step(thread, timeoutMs);
    } catch (e) {
      if (!(e instanceof ExoError && e.kind === 'timeout')) throw e;
      // A vCPU in HLT with interrupts masked for stepping never finishes its step: stop the VM
      // again and say what to do instead of hanging.
      await target.interrupt().catch(() => { /* the connection is gone: reported elsewhere */ });
      throw new ExoError('user', `CPU ${thread - 1} did not finish a step within ${timeoutMs} ms: it is probably halted (hlt) waiting for an interrupt, which stepping masks; continue instead, or set "steppingMode": "irqs".`);
    }
    if (stop.exited !== undefined || stop.terminated || stop.watch || stop.signal !== 5) return stop;
    const regs = await target.readRegisters(thread);
    if (regs.get('rip') !== rip) return stop;
  }
  return stop as StopEvent;
}
