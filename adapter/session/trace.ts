// Diagnostic timing trace, on only when EXO_TRACE names a file: RSP packets and DAP requests,
// each line prefixed with milliseconds since start (how bench/adapter.ts finds where time goes).
import * as fs from 'node:fs';
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
  const line = (text: string) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // CPU (user + system) this process used so far: under load, CPU per request is what costs.
    const c = process.cpuUsage(cpu0);
    fs.writeSync(fd, `${ms.toFixed(3)} [cpu ${((c.user + c.system) / 1000).toFixed(1)}] ${text}\n`);
  };
  current = { line, rspLog: { debug: m => line(`rsp ${m}`), info: m => line(`rsp info ${m}`), warn: m => line(`rsp warn ${m}`) } };
  // The monotonic origin, to line the trace up with a --cpu-prof profile (same clock, in µs).
  line(`trace start: monotonic ${t0 / 1000n} us`);
  return current;
}
