// BENCH_SPLIT=1 for `npm run bench -- adapter`: where stop → stack+scopes+variables time goes.
// The adapter traces (EXO_TRACE) when each request was dispatched and answered; the bench notes
// when it sent each request and had its answer. Both use the monotonic clock, so the window
// splits into: send → adapter dispatch (pipe + the adapter's event loop busy with other work +
// JSON), adapter handling, answer → bench (pipe + the bench's DebugClient).
import * as fs from 'node:fs';

export interface SentRequest { command: string; seq: number; sentUs: number; gotUs: number }

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
export { nowUs };

interface TraceLine { us: number; cpuMs: number; text: string }

/** The adapter writes its trace once per event-loop turn: give the last turn's lines a moment
 *  (up to 200 ms) to land before reading. `until` tells when the trace has them. */
function readTraceText(file: string, until: (text: string) => boolean): string {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let text = fs.readFileSync(file, 'utf8');
  for (let i = 0; i < 40 && !until(text); i++) {
    Atomics.wait(sleeper, 0, 0, 5);
    text = fs.readFileSync(file, 'utf8');
  }
  // BENCH_SPLIT_DUMP=dir keeps each round's trace for a closer look.
  const dump = process.env.BENCH_SPLIT_DUMP;
  if (dump) fs.writeFileSync(`${dump}/trace-${Date.now()}.log`, text);
  return text;
}

function readTrace(file: string, until: (text: string) => boolean = () => true): TraceLine[] {
  const lines = readTraceText(file, until).split('\n');
  let origin = 0;
  const out: TraceLine[] = [];
  for (const l of lines) {
    const m = /^([\d.]+) \[cpu ([\d.]+)\] (.*)$/.exec(l);
    if (!m) continue;
    const o = /trace start: monotonic (\d+) us/.exec(m[3]);
    if (o) { origin = Number(o[1]); continue; }
    out.push({ us: origin + Number(m[1]) * 1000, cpuMs: Number(m[2]), text: m[3] });
  }
  return out;
}

/** One line per measured inspect window: the pieces in ms. */
export function splitReport(traceFile: string, stopGotUs: number, reqs: SentRequest[]): string {
  const last = reqs.at(-1);
  const t = readTrace(traceFile, text => !last || text.includes(`dap response ${last.command} #${last.seq} `));
  const f = (us: number) => (us / 1000).toFixed(2);
  const parts: string[] = [];
  const stopSent = [...t].reverse().find(l => l.text === 'dap event stopped' && l.us <= stopGotUs + 1);
  if (stopSent) parts.push(`stopped event → bench ${f(stopGotUs - stopSent.us)}`);
  let cpu0: number | undefined, cpu1 = 0, rsp = 0, first = true;
  for (const r of reqs) {
    const inn = t.find(l => l.text === `dap request ${r.command} #${r.seq}`);
    const out = t.find(l => l.text.startsWith(`dap response ${r.command} #${r.seq} `));
    if (!inn || !out) { parts.push(`${r.command}: not in trace`); continue; }
    cpu0 ??= inn.cpuMs; cpu1 = out.cpuMs;
    if (first && stopSent) {
      // CPU the adapter spent from sending `stopped` to reading the first request: a wait with
      // as much CPU is the adapter's own work (prefetch, symbol loading), not the pipe.
      parts.push(`adapter cpu stopped→1st dispatch ${(inn.cpuMs - stopSent.cpuMs).toFixed(1)}`);
    }
    if (first) {
      // What the adapter did between the stop and the first request's answer.
      rsp = t.filter(l => stopSent && l.us >= stopSent.us && l.us <= out.us && l.text.startsWith('rsp ')).length;
      first = false;
    }
    parts.push(`${r.command}: wait ${f(inn.us - r.sentUs)} + adapter ${f(out.us - inn.us)} + back ${f(r.gotUs - out.us)}`);
  }
  const gaps = reqs.slice(1).map((r, i) => r.sentUs - reqs[i].gotUs).reduce((a, b) => a + b, 0);
  parts.push(`bench between requests ${f(gaps + (reqs.length ? reqs[0].sentUs - stopGotUs : 0))}`);
  parts.push(`rsp lines stop→1st answer ${rsp}, adapter cpu over requests ${((cpu1 - (cpu0 ?? cpu1))).toFixed(1)} ms`);
  return parts.join(' | ');
}

/** RSP packets sent per `next` (from its request to the next one), by kind, summed over the
 *  round: `Z0` 12 means twelve breakpoint inserts in all the round's steps. */
export function nextPackets(traceFile: string): string {
  const t = readTrace(traceFile);
  const kinds = new Map<string, number>();
  let steps = 0, inNext = false;
  for (const l of t) {
    if (l.text.startsWith('dap request ')) {
      inNext = l.text.startsWith('dap request next ');
      if (inNext) steps++;
      continue;
    }
    const m = /^rsp -> (\S+)/.exec(l.text);
    if (!inNext || !m) continue;
    const k = /^(Z\d|z\d|vCont;[a-z]|[a-zA-Z]+)/.exec(m[1])?.[1] ?? m[1].slice(0, 4);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const all = [...kinds.values()].reduce((a, b) => a + b, 0);
  return `${steps} nexts, ${(all / Math.max(1, steps)).toFixed(1)} packets each: ` + [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
}
