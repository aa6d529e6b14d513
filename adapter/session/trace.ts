// Diagnostic timing trace, on only when EXO_TRACE names a file: RSP packets and DAP requests,
// each line prefixed with milliseconds since start (how bench/adapter.ts finds where time goes).
import * as fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from '../common/log';

export interface Trace {
  /** One line (no newline) with a timestamp. */
  line(text: string): void;
  /** The RSP packet logger (debug lines are the packets). */
  readonly rspLog: Logger;
}

let current: Trace | null | undefined;

/** The process's trace, or undefined when EXO_TRACE is not set. */
export function trace(): Trace | undefined {
  if (current !== undefined) return current ?? undefined;
  const file = process.env.EXO_TRACE;
  if (!file) { current = null; return undefined; }
  const fd = fs.openSync(file, 'a');
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  // Lines are written once per event-loop turn, not one write per line: a stop's dozen lines
  // would otherwise add their writes to the very latency they measure.
  let pending: string[] = [];
  const flush = () => { if (pending.length) { fs.writeSync(fd, pending.join('')); pending = []; } };
  process.on('exit', flush);
  const line = (text: string) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // CPU (user + system) this process used so far: under load, CPU per request is what costs.
    const c = process.cpuUsage(cpu0);
    if (pending.length === 0) setImmediate(flush);
    pending.push(`${ms.toFixed(3)} [cpu ${((c.user + c.system) / 1000).toFixed(1)}] ${text}\n`);
  };
  current = { line, rspLog: { debug: m => line(`rsp ${m}`), info: m => line(`rsp info ${m}`), warn: m => line(`rsp warn ${m}`) } };
  // The monotonic origin, to line the trace up with a --cpu-prof profile (same clock, in µs).
  line(`trace start: monotonic ${t0 / 1000n} us`);
  // Garbage collections pause the event loop: when one lands between a stop and its requests,
  // it shows here (the line comes when the pause is over).
  const gcKinds: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      line(`gc ${gcKinds[kind] ?? kind} ${e.duration.toFixed(3)} ms`);
    }
  }).observe({ entryTypes: ['gc'] });
  return current;
}

/** EXO_TRACE: logs when `p` settles, with the milliseconds since this call; `p` unchanged. */
export function traceSettled<T>(label: string, p: Promise<T>): Promise<T> {
  const t = trace();
  if (!t) return p;
  const t0 = process.hrtime.bigint();
  const done = (how: string) => () => t.line(`${label} ${how} after ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3)} ms`);
  p.then(done('ready'), done('failed'));
  return p;
}
