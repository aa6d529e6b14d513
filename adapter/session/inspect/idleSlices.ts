// Background work in small slices, one per event-loop turn (setImmediate): between two slices
// Node polls its sockets and pipes, so a DAP request or an RSP stop reply waits at most one slice.
export type Slice = () => unknown;

/** 'run': go on; 'wait': not yet, ask again in a millisecond (e.g. the VM is about to be
 *  resumed); 'stop': not now, until the next kick(). */
export type SliceGate = 'run' | 'wait' | 'stop';

const WAIT_MS = 1;

export class IdleSlices {
  private readonly queue: Slice[] = [];
  private scheduled = false;

  /** `gate` is asked before each slice. */
  constructor(private readonly gate: () => SliceGate) {}

  get pending(): number { return this.queue.length; }

  add(slices: Iterable<Slice>): void {
    for (const s of slices) this.queue.push(s);
    this.kick();
  }

  /** Schedules the next slice (call when `allowed` may have become true). */
  kick(): void {
    if (this.scheduled || this.queue.length === 0) return;
    const g = this.gate();
    if (g === 'stop') return;
    this.scheduled = true;
    if (g === 'run') setImmediate(() => { void this.runOne(); });
    else setTimeout(() => { this.scheduled = false; this.kick(); }, WAIT_MS);
  }

  clear(): void { this.queue.length = 0; }

  private async runOne(): Promise<void> {
    this.scheduled = false;
    if (this.gate() !== 'run') { this.kick(); return; }
    const s = this.queue.shift();
    // A slice's own errors surface again, cached or not, when a real request asks.
    try { await s?.(); } catch { /* see above */ }
    this.kick();
  }
}
