// `npm run bench -- faulttrace`: per-hit cost of the fault trace (hidden breakpoint that
// records and resumes) on Exo-OS with the initrd: boot-to-"init: done" time with and without
// the trace on exo::memory::cow::resolve, same machine, alternating runs; prints
// (median with − median without) / hits, next to the recording time the trace measures itself.
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import { InlineDapClient } from '../adapter/cli/dapClient';
import type { CowFaultsResponseBody } from '../adapter/session/views/protocol';

const ROUNDS = 5;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const KERNEL = path.resolve('build/kernel/exo.elf');
const INITRD = path.resolve('build/kernel/initrd.cpio');

async function once(trace: boolean): Promise<{ ms: number; hits: number; recordMs: number }> {
  const dap = new InlineDapClient();
  let serial = '';
  dap.onEvent(e => { if (e.event === 'output') serial += (e as DebugProtocol.OutputEvent).body.output; });
  await dap.request('initialize', { adapterID: 'exo-kernel', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  const launched = dap.request('launch', { kernel: KERNEL, initrd: INITRD, cpus: 4, timeoutMs: 30_000, ...(trace ? { faultTrace: { function: 'exo::memory::cow::resolve', address: 'va' } } : {}) });
  await dap.waitForEvent('initialized', 60_000);
  const t0 = performance.now();
  await dap.request('configurationDone');
  await launched;
  while (!/exo: init: done/.test(serial)) {
    if (performance.now() - t0 > 300_000) throw new Error('init did not finish in 300 s');
    await new Promise(r => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const stopped = dap.waitForEvent('stopped', 30_000);
  await dap.request('pause', { threadId: 1 });
  await stopped;
  const b = await dap.request<CowFaultsResponseBody>('exo/cowFaults', {});
  await dap.request('terminate');
  dap.dispose();
  return { ms, hits: b.trace?.total ?? 0, recordMs: b.trace?.meanCostMs ?? 0 };
}

async function main(): Promise<void> {
  const without: number[] = [], withTrace: number[] = [], hits: number[] = [], rec: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    without.push((await once(false)).ms);
    const w = await once(true);
    withTrace.push(w.ms); hits.push(w.hits); rec.push(w.recordMs);
  }
  const mw = median(withTrace), mo = median(without), h = median(hits);
  process.stdout.write(`boot to "init: done", without trace: median ${mo.toFixed(0)} ms [${without.map(x => x.toFixed(0)).join(' ')}]\n`);
  process.stdout.write(`boot to "init: done", with trace:    median ${mw.toFixed(0)} ms [${withTrace.map(x => x.toFixed(0)).join(' ')}], ${h} hits\n`);
  process.stdout.write(`per-hit overhead (difference / hits): ${((mw - mo) / h).toFixed(1)} ms; recording alone (trace's own timer): ${median(rec).toFixed(1)} ms\n`);
}

main().then(() => process.exit(0), e => { process.stderr.write(`bench faulttrace: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
