// What a client fetches about a stop right after it (the stack, the top frame's Locals and
// Arguments): once it has all that was prefetched (or after a while), later work may start
// without delaying those answers.
import type { RspThreadId } from '../../common/types';

export type Prefetched = 'stack' | 'params' | 'locals';

/** A stop's inspection counts as done this long after the stop, whatever the client asked. */
export const INSPECTION_MS = 100;

export class InspectionBurst {
  private current: { thread: RspThreadId; left: Set<Prefetched>; done: Promise<void>; finish: () => void } | undefined;

  constructor(private readonly timeoutMs = INSPECTION_MS) {}

  /** A stop of `thread` whose `parts` were prefetched; the previous stop's burst ends. */
  start(thread: RspThreadId, parts: Prefetched[]): void {
    this.current?.finish();
    let resolve!: () => void;
    const done = new Promise<void>(r => { resolve = r; });
    const timer = setTimeout(resolve, this.timeoutMs);
    this.current = { thread, left: new Set(parts), done, finish: () => { clearTimeout(timer); resolve(); } };
  }

  /** The client got `what` of the stop of `thread`. */
  served(thread: RspThreadId, what: Prefetched): void {
    const b = this.current;
    if (!b || b.thread !== thread || !b.left.delete(what) || b.left.size) return;
    b.finish();
  }

  /** Resolves when the client has all of the last stop's prefetched parts (at once when the
   *  last stop was of another vCPU, or none was tracked). */
  done(thread: RspThreadId): Promise<void> {
    return this.current?.thread === thread ? this.current.done : Promise.resolve();
  }
}
