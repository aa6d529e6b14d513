// `npm run bench -- adapter`: our adapter (dist/adapter.js over DAP) against gdb on the same
// Exo-OS build, in the same run: F5→stopped at entry, continue→hit + stack + scopes + top-frame
// variables, and `next` over kernel lines (median). Prints times and ratios (adapter / gdb).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { launchQemu, type QemuInstance } from '../adapter/qemu';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findMarker, KERNEL, requireBuilt, Session } from '../test/integration/adapter/harness';
import { nextPackets, nowUs, splitReport, type SentRequest } from './adapterSplit';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const now = () => process.hrtime.bigint();

/** gdb driven over stdin; each command ends with an `echo` marker so its latency is measurable. */
class Gdb {
  private buf = '';
  private n = 0;
  /** Called on every output chunk while a command waits (no polling: a busy loop here would
   *  take a core from gdb and QEMU and slow the anchor down). */
  private wake: (() => void) | undefined;
  private readonly p: ChildProcessWithoutNullStreams;
  constructor() {
    this.p = spawn('gdb', ['-q', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off', KERNEL]);
    const take = (s: string) => { this.buf += s; this.wake?.(); };
    this.p.stdout.setEncoding('utf8').on('data', take);
    this.p.stderr.setEncoding('utf8').on('data', take);
  }
  async run(cmd: string, timeoutMs = 120_000): Promise<string> {
    const mark = `@@done${++this.n}@@`;
    const start = this.buf.length;
    this.p.stdin.write(`${cmd}\necho ${mark}\\n\n`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { this.wake = undefined; reject(new Error(`gdb: no answer to "${cmd}" within ${timeoutMs} ms:\n${this.buf.slice(-1000)}`)); }, timeoutMs);
      this.wake = () => { if (this.buf.includes(mark, start)) { clearTimeout(timer); this.wake = undefined; resolve(); } };
      this.wake();
    });
    return this.buf.slice(start, this.buf.indexOf(mark, start));
  }
  close(): void { this.p.stdin.end('kill\nquit\n'); setTimeout(() => this.p.kill('SIGKILL'), 2000).unref(); }
}

interface Timings { entry: number[]; hit: number[]; inspect: number[]; next: number[] }

/** BENCH_LINES=1: each `next`'s time and where it stopped (compare adapter and gdb line by line). */
const lineLog = (who: string, i: number, msTaken: number, where: string) => {
  if (process.env.BENCH_LINES) process.stdout.write(`${who} next ${String(i).padStart(2)} ${msTaken.toFixed(2).padStart(9)} ms -> ${where}\n`);
};

/** One gdb round, its times added to `t`. */
async function benchGdb(t: Timings, entryAddr: string, stopLine: number, probeLine: string): Promise<void> {
  let qemu: QemuInstance | undefined;
  const gdb = new Gdb();
  try {
    await gdb.run('echo ready\\n');
    // F5 → stopped at entry: QEMU start, connect, break at the entry, continue to it.
    let t0 = now();
    qemu = await launchQemu({ kernel: KERNEL, cpus: 4, stopAtStart: true });
    await gdb.run(`target remote 127.0.0.1:${qemu.gdbPort}`);
    await gdb.run(`tbreak *${entryAddr}`);
    await gdb.run('continue');
    t.entry.push(ms(t0));
    // continue → hit, then stack + locals/args of the top frame.
    await gdb.run(`tbreak ${probeLine}`);
    t0 = now();
    await gdb.run('continue');
    t.hit.push(ms(t0));
    t0 = now();
    await gdb.run('bt');
    await gdb.run('info args');
    await gdb.run('info locals');
    t.inspect.push(ms(t0));
    // next from debug_probe's first line, back into kmain and on to #BP:probe_write.
    for (let i = 0; i < 40; i++) {
      t0 = now();
      const out = await gdb.run('next');
      t.next.push(ms(t0));
      lineLog('gdb', i, t.next[t.next.length - 1], [...out.matchAll(/^(?:(\S+) \(.*\) at \S+:\d+\n)?(\d+)\t/gm)].map(m => `${m[1] ?? ''}:${m[2]}`).pop() ?? '?');
      if (process.env.BENCH_DEBUG) process.stderr.write(`gdb next: ${out}\n`);
      // gdb prints the source text of the line it stopped at: the marker names the goal.
      if (/#BP:probe_write/.test(out)) break;
    }
  } finally {
    gdb.close();
    await qemu?.kill();
  }
}

/** One adapter round, its times added to `t`. */
async function benchAdapter(t: Timings, stopLine: number, probe: { path: string; line: number }): Promise<void> {
  const s = new Session();
  // BENCH_SPLIT: the adapter traces (which costs a little), the inspect window is split up.
  const traceDir = process.env.BENCH_SPLIT ? fs.mkdtempSync(path.join(os.tmpdir(), 'exo-bench-')) : undefined;
  const traceFile = traceDir && path.join(traceDir, 'trace.log');
  if (traceFile) process.env.EXO_TRACE = traceFile;
  await s.start();
  delete process.env.EXO_TRACE;
  let stopGotUs = 0;
  s.dc.on('stopped', () => { stopGotUs = nowUs(); });
  const sent: SentRequest[] = [];
  const timed = async <R extends { request_seq: number }>(command: string, req: () => Promise<R>): Promise<R> => {
    const sentUs = nowUs();
    const r = await req();
    sent.push({ command, seq: r.request_seq, sentUs, gotUs: nowUs() });
    return r;
  };
  try {
    let t0 = now();
    await s.launch({ stopAtEntry: true });
    await s.nextStop();
    t.entry.push(ms(t0));
    await s.dc.setBreakpointsRequest({ source: { path: probe.path }, breakpoints: [{ line: probe.line }] });
    t0 = now();
    await s.dc.continueRequest({ threadId: 1 });
    await s.nextStop();
    t.hit.push(ms(t0));
    t0 = now();
    const st = await timed('stackTrace', () => s.dc.stackTraceRequest({ threadId: 1, levels: 20 }));
    const scopes = await timed('scopes', () => s.dc.scopesRequest({ frameId: st.body.stackFrames[0].id }));
    for (const sc of scopes.body.scopes.filter(x => x.name !== 'Registers')) await timed('variables', () => s.dc.variablesRequest({ variablesReference: sc.variablesReference }));
    t.inspect.push(ms(t0));
    if (traceFile) process.stdout.write(`split (ms, inspect ${ms(t0).toFixed(2)}): ${splitReport(traceFile, stopGotUs, sent)}\n`);
    await s.dc.setBreakpointsRequest({ source: { path: probe.path }, breakpoints: [] });
    for (let i = 0; i < 40; i++) {
      t0 = now();
      await s.dc.nextRequest({ threadId: 1 });
      await s.nextStop();
      t.next.push(ms(t0));
      const top = await s.topFrame(1);
      lineLog('adapter', i, t.next[t.next.length - 1], `${top.name}:${top.line}`);
      if (/kmain/.test(top.name) && top.line >= stopLine) break;
    }
    if (traceFile) process.stdout.write(`rsp per next: ${nextPackets(traceFile)}\n`);
  } finally {
    await s.close();
    if (traceDir) fs.rmSync(traceDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  requireBuilt();
  const probe = findMarker('probe_entry');
  const stopLine = findMarker('probe_write').line;
  const entry = '0x' + (await import('../adapter/session/kernelEntry')).kernelEntry(KERNEL)!.toString(16);
  // Rounds alternate adapter and gdb: on a shared machine both then see the same load.
  const a: Timings = { entry: [], hit: [], inspect: [], next: [] };
  const g: Timings = { entry: [], hit: [], inspect: [], next: [] };
  for (let round = 0; round < ROUNDS; round++) {
    await benchAdapter(a, stopLine, probe);
    await benchGdb(g, entry, stopLine, `${probe.path}:${probe.line}`);
  }
  const row = (name: string, xa: number[], xg: number[]) => {
    const ma = median(xa), mg = median(xg);
    process.stdout.write(`${name.padEnd(34)} adapter ${ma.toFixed(1).padStart(8)} ms   gdb ${mg.toFixed(1).padStart(8)} ms   ratio ${(ma / mg).toFixed(2)}  (n=${xa.length}/${xg.length})\n`);
  };
  process.stdout.write(`Exo-OS ${KERNEL}, ${ROUNDS} rounds each, medians\n`);
  row('F5 → stopped at entry', a.entry, g.entry);
  row('continue → breakpoint hit', a.hit, g.hit);
  row('stop → stack+scopes+variables', a.inspect, g.inspect);
  row('next (per line)', a.next, g.next);
}

main().then(() => process.exit(0), e => { process.stderr.write(`bench adapter: ${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); });
