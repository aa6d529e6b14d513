// Background work in small slices, one per event-loop turn (setImmediate): between two slices
// Node polls its sockets and pipes, so a DAP request or an RSP stop reply waits at most one slice.
export type Slice = () => unknown;

export class IdleSlices {
  private readonly queue: Slice[] = [];
  private scheduled = false;

  /** `allowed` is asked before each slice: when false the queue waits for the next kick(). */
  constructor(private readonly allowed: () => boolean) {}

  get pending(): number { return this.queue.length; }

  add(slices: Iterable<Slice>): void {
    for (const s of slices) this.queue.push(s);
    this.kick();
  }

  /** Schedules the next slice (call when `allowed` may have become true). */
  kick(): void {
    if (this.scheduled || this.queue.length === 0 || !this.allowed()) return;
    this.scheduled = true;
    setImmediate(() => { void this.runOne(); });
  }

  clear(): void { this.queue.length = 0; }

  private async runOne(): Promise<void> {
    this.scheduled = false;
    if (!this.allowed()) return;
    const s = this.queue.shift();
    // A slice's own errors surface again, cached or not, when a real request asks.
    try { await s?.(); } catch { /* see above */ }
    this.kick();
  }
}
