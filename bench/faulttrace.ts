// `npm run bench -- faulttrace`: per-hit cost of the fault trace (hidden breakpoint that records,
// then a hidden breakpoint on the handler's return that reads the PTE after), the same workload
// with and without the trace, alternating, in one run:
// - Exo-OS + initrd: boot to "init: done", trace on exo::memory::cow::resolve (address `va`);
// - Debian Linux (/boot/vmlinuz-*, nokaslr, symbols from linux-image-amd64-dbg) with a tiny
//   static init (test/fixtures/linux-fork/init.c) that forks and writes: wall time between its
//   "start" and "done" lines, trace on wp_page_copy. The records are checked: every write of
//   the children to the shared pages is one hit, before read-only, after writable, new frame.
// Prints (median with − median without) / hits next to the stop time the trace measures itself.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InlineDapClient } from '../adapter/cli/dapClient';
import type { ExoLaunchArguments } from '../adapter/session/protocol';
import type { CowFaultsResponseBody, TraceHitBody } from '../adapter/session/views/protocol';
import { ElfFile, FileSource } from '../adapter/symbols';

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const ms = (xs: number[]) => xs.map(x => x.toFixed(0)).join(' ');

interface Workload {
  name: string;
  rounds: number;
  launch: ExoLaunchArguments;
  faultTrace: NonNullable<ExoLaunchArguments['faultTrace']>;
  /** Serial lines that start and end the timed part (start undefined: from configurationDone). */
  start?: RegExp;
  done: RegExp;
  /** Throws when the trace's records do not make sense for this workload. */
  check(hits: TraceHitBody[], total: number): void;
}

interface Run { ms: number; hits: number; meanStopMs: number }

async function once(w: Workload, trace: boolean): Promise<Run> {
  const dap = new InlineDapClient();
  let serial = '';
  let t0: number | undefined, t1: number | undefined;
  dap.onEvent(e => {
    if (e.event !== 'output') return;
    const b = (e as DebugProtocol.OutputEvent).body;
    if (b.category !== 'stdout') return;
    serial += b.output;
    if (t0 === undefined && w.start?.test(serial)) t0 = performance.now();
    if (t1 === undefined && w.done.test(serial)) t1 = performance.now();
  });
  try {
    await dap.request('initialize', { adapterID: 'exo-kernel', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    const launched = dap.request('launch', { ...w.launch, ...(trace ? { faultTrace: w.faultTrace } : {}) }, 600_000);
    await dap.waitForEvent('initialized', 600_000);
    await dap.request('configurationDone');
    if (!w.start) t0 = performance.now();
    await launched;
    const began = performance.now();
    while (t1 === undefined) {
      if (performance.now() - began > 900_000) throw new Error(`${w.name}: no ${w.done} within 900 s; serial: ${serial.slice(-400)}`);
      await new Promise(r => setTimeout(r, 5));
    }
    if (t0 === undefined) throw new Error(`${w.name}: ${w.start} never printed`);
    const stopped = dap.waitForEvent('stopped', 60_000);
    await dap.request('pause', { threadId: 1 });
    await stopped;
    const b = await dap.request<CowFaultsResponseBody>('exo/cowFaults', {}, 120_000);
    if (trace) {
      if (!b.trace) throw new Error(`${w.name}: the trace did not install`);
      w.check(b.trace.hits, b.trace.total);
    }
    return { ms: t1 - t0, hits: b.trace?.total ?? 0, meanStopMs: b.trace?.meanCostMs ?? 0 };
  } finally {
    await dap.request('terminate', undefined, 60_000).catch(() => undefined);
    dap.dispose();
  }
}

const P = 1n, RW = 2n, FRAME = 0x000f_ffff_ffff_f000n;

function exoWorkload(): Workload {
  return {
    name: 'Exo-OS (boot to init done)', rounds: 5, done: /exo: init: done/,
    launch: { kernel: path.resolve('build/kernel/exo.elf'), initrd: path.resolve('build/kernel/initrd.cpio'), cpus: 4, timeoutMs: 30_000 },
    faultTrace: { function: 'exo::memory::cow::resolve', address: 'va' },
    check(hits) {
      const cow = hits.filter(h => (BigInt(h.pteBefore ?? 0n) & (P | RW | (1n << 9n))) === (P | (1n << 9n)));
      if (!cow.length) throw new Error('Exo-OS: no COW hit recorded');
      for (const h of cow) {
        if (h.afterAt !== 'return' || (BigInt(h.pteAfter ?? 0n) & (RW | (1n << 9n))) !== RW) throw new Error(`Exo-OS: hit ${h.seq} after ${h.pteAfterFlags} (${h.afterAt})`);
      }
    },
  };
}

/** The fork test's static init in a newc cpio, built into a temp dir; also where `pages` is. */
function buildForkInitrd(): { initrd: string; pages: bigint; pageCount: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-forktest-'));
  const src = path.resolve('test/fixtures/linux-fork/init.c');
  const cc = spawnSync('gcc', ['-static', '-O2', '-o', path.join(dir, 'init'), src], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc -static failed (apt-get install gcc libc6-dev): ${cc.stderr}`);
  const cpio = spawnSync('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: dir, input: 'init\n' });
  if (cpio.status !== 0) throw new Error(`cpio failed (apt-get install cpio): ${cpio.stderr.toString()}`);
  const initrd = path.join(dir, 'forktest.cpio');
  fs.writeFileSync(initrd, cpio.stdout);
  const elf = new ElfFile(new FileSource(path.join(dir, 'init')));
  const s = elf.symbols().lookup('pages');
  if (!s) throw new Error('the fork test init has no "pages" symbol');
  return { initrd, pages: s.value, pageCount: Number(s.size / 4096n) };
}

function linuxWorkload(): Workload | undefined {
  const image = fs.existsSync('/boot') ? fs.readdirSync('/boot').filter(f => f.startsWith('vmlinuz-')).sort().pop() : undefined;
  if (!image) { process.stdout.write('Linux: no /boot/vmlinuz-* (apt-get install linux-image-amd64): skipped\n'); return undefined; }
  const version = image.slice('vmlinuz-'.length);
  const vmlinux = `/usr/lib/debug/boot/vmlinux-${version}`;
  if (!fs.existsSync(vmlinux)) { process.stdout.write(`Linux: no ${vmlinux} (apt-get install linux-image-amd64-dbg): skipped\n`); return undefined; }
  const forkRounds = 30;
  const f = buildForkInitrd();
  return {
    name: `Linux ${version} (${forkRounds} forks × ${f.pageCount} page writes)`, rounds: 3,
    start: /forktest: start/, done: /forktest: done/,
    launch: {
      kernel: path.join('/boot', image), symbols: vmlinux, initrd: f.initrd, cpus: 2, memory: '512M', timeoutMs: 60_000,
      cmdline: `console=ttyS0 nokaslr -- rounds=${forkRounds}`, cowBit: 'none',
    },
    // vmf->address: CR2 may belong to a later fault when the task slept on its way here.
    faultTrace: { function: 'wp_page_copy', address: 'vmf->address' },
    check(hits, total) {
      if (total !== hits.length) throw new Error(`Linux: ${total} hits but ${hits.length} kept`);
      const bad = hits.find(h => h.addressError !== undefined || h.address === undefined);
      if (bad) throw new Error(`Linux: hit ${bad.seq}: vmf->address: ${bad.addressError}`);
      // The children's writes: one per page of `pages` and fork.
      const mine = hits.filter(h => BigInt(h.address!) >= f.pages && BigInt(h.address!) < f.pages + BigInt(f.pageCount) * 4096n);
      if (mine.length !== forkRounds * f.pageCount) throw new Error(`Linux: ${mine.length} hits on the shared pages, expected ${forkRounds * f.pageCount}`);
      let cr2Elsewhere = 0;
      for (const h of mine) {
        const page = (BigInt(h.address!) - f.pages) >> 12n;
        if ((BigInt(h.address!) & 0xfffn) !== 0n) throw new Error(`Linux: hit ${h.seq}: vmf->address ${h.address} is not page aligned`);
        if (BigInt(h.cr2) !== BigInt(h.address!) + page) cr2Elsewhere++; // the child wrote pages[i][i]
        if (h.cpu < 0 || h.cpu > 1) throw new Error(`Linux: hit ${h.seq} on CPU ${h.cpu}`);
        const before = BigInt(h.pteBefore ?? 0n), after = BigInt(h.pteAfter ?? 0n);
        if (h.afterAt !== 'return') throw new Error(`Linux: hit ${h.seq}: after not read at the return (${h.afterAt})`);
        if ((before & (P | RW)) !== P) throw new Error(`Linux: hit ${h.seq}: before ${h.pteBeforeFlags} is not present read-only`);
        if ((after & (P | RW)) !== (P | RW)) throw new Error(`Linux: hit ${h.seq}: after ${h.pteAfterFlags} is not present writable`);
        if ((after & FRAME) === (before & FRAME)) throw new Error(`Linux: hit ${h.seq}: the page was not copied (frame ${h.pteAfter})`);
      }
      const other = hits.length - mine.length;
      process.stdout.write(`  records ok: ${mine.length} hits on the shared pages (before P read-only → after P RW, new frame, at the return; CR2 elsewhere in ${cr2Elsewhere}), ${other} other COW copies (stacks, libc data)\n`);
    },
  };
}

async function measure(w: Workload): Promise<void> {
  process.stdout.write(`${w.name}: ${w.rounds} rounds, alternating without / with the trace on ${w.faultTrace.function}\n`);
  const without: number[] = [], withTrace: number[] = [], hits: number[] = [], stop: number[] = [];
  for (let i = 0; i < w.rounds; i++) {
    without.push((await once(w, false)).ms);
    const r = await once(w, true);
    withTrace.push(r.ms); hits.push(r.hits); stop.push(r.meanStopMs);
  }
  const mw = median(withTrace), mo = median(without), h = median(hits);
  process.stdout.write(`  without trace: median ${mo.toFixed(0)} ms [${ms(without)}]\n`);
  process.stdout.write(`  with trace:    median ${mw.toFixed(0)} ms [${ms(withTrace)}], hits [${hits.join(' ')}]\n`);
  process.stdout.write(`  per-hit overhead (difference / hits): ${((mw - mo) / h).toFixed(1)} ms; the trace's own stop time per hit (entry + return): median ${median(stop).toFixed(1)} ms [${stop.map(x => x.toFixed(1)).join(' ')}]\n`);
}

async function main(): Promise<void> {
  process.stdout.write(`load: ${os.loadavg().map(x => x.toFixed(2)).join(' ')}\n`);
  await measure(exoWorkload());
  const linux = linuxWorkload();
  if (linux) await measure(linux);
}

main().then(() => process.exit(0), e => { process.stderr.write(`bench faulttrace: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
