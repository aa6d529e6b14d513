// `npm run bench -- pagetables`: a full page-table walk through the views' PageTableService
// (physical reads over RSP, `info tlb` formatting) against QEMU's own `monitor info tlb`, in
// the same run on the same stopped VM, same result required. Booted Debian Linux when
// /boot/vmlinuz-* exists (nokaslr), else Exo-OS. Prints medians and the ratio (target ≤ 0.25×).
// Run it several times: other work on the machine moves both sides.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { phys, rspThread, virt } from '../adapter/common/types';
import { PageTableService } from '../adapter/kernel/pageTables';
import type { ViewTarget } from '../adapter/kernel/target';
import { launchQemu } from '../adapter/qemu/launcher';
import { connectRsp } from '../adapter/rsp';

const ROUNDS = 7;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const now = () => Number(process.hrtime.bigint()) / 1e6;

function pickKernel(): { kernel: string; cmdline?: string; memory: string; ready: RegExp; name: string } {
  const linux = fs.existsSync('/boot') ? fs.readdirSync('/boot').filter(f => f.startsWith('vmlinuz-')).sort().pop() : undefined;
  if (linux) {
    return { kernel: path.join('/boot', linux), cmdline: 'console=ttyS0 nokaslr', memory: '1G', ready: /Kernel panic|VFS: Unable to mount root|Run \/init/, name: `Linux ${linux.slice(8)}` };
  }
  return { kernel: 'build/kernel/exo.elf', memory: '256M', ready: /exo: (init: done|smp: \d+ CPUs online)/, name: 'Exo-OS' };
}

async function main(): Promise<void> {
  const k = pickKernel();
  process.stdout.write(`target: ${k.name} (${k.kernel}), -smp 2; load ${os.loadavg().map(x => x.toFixed(2)).join(' ')}\n`);
  const q = await launchQemu({ kernel: k.kernel, cmdline: k.cmdline, cpus: 2, memory: k.memory, timeoutMs: 60_000 });
  try {
    const rsp = await connectRsp(q.gdbPort, { requestTimeoutMs: 60_000 });
    await rsp.resume([{ kind: 'continue' }]);
    const t0 = Date.now();
    while (!k.ready.test(q.serialOutput())) {
      if (Date.now() - t0 > 600_000) throw new Error(`kernel not ready after 600 s: ${q.serialOutput().slice(-500)}`);
      await new Promise(r => setTimeout(r, 200));
    }
    await new Promise(r => setTimeout(r, 1000));
    await rsp.interrupt();
    let stop = {};
    let physReads = 0;
    const target: ViewTarget = {
      cpuCount: 2, running: false, get stopToken() { return stop; },
      readRegisters: cpu => rsp.readRegisters(rspThread(cpu + 1)),
      readPhysical: async (a, n) => { physReads++; return (await rsp.readPhysical(phys(a), n)).data; },
      readVirtual: async (cpu, a, n) => { const r = await rsp.readVirtual(rspThread(cpu + 1), virt(a), n); return r.unreadable.length ? undefined : r.data; },
      describePc: () => ({}),
    };
    const svc = new PageTableService(target);
    await rsp.monitor('cpu 0');
    const ours: number[] = [], qemu: number[] = [];
    let lines = 0, tables = 0, reads = 0;
    for (let i = 0; i < ROUNDS; i++) {
      stop = {}; // a new stop each round: every table is read again
      physReads = 0;
      const a = now();
      const text = await svc.infoTlb(0);
      ours.push(now() - a);
      const b = now();
      const theirs = (await rsp.monitor('info tlb')).replace(/\r/g, '');
      qemu.push(now() - b);
      if (text !== theirs) throw new Error(`round ${i}: our walk differs from info tlb (${text.length} vs ${theirs.length} chars)`);
      lines = text.split('\n').length - 1;
      reads = physReads;
    }
    // Once, after the timed rounds: the summary's own work would only add garbage to them.
    const sum = await svc.summary(0);
    tables = sum.tablesRead;
    const mo = median(ours), mq = median(qemu);
    process.stdout.write(`info tlb lines: ${lines}, distinct tables read per walk: ${tables} in ${reads} physical reads (adjacent tables together); identical in all ${ROUNDS} rounds\n`);
    process.stdout.write(`full walk (read every table over RSP + format): median ${mo.toFixed(1)} ms  [${ours.map(x => x.toFixed(0)).join(' ')}]\n`);
    process.stdout.write(`monitor info tlb (qRcmd):                      median ${mq.toFixed(1)} ms  [${qemu.map(x => x.toFixed(0)).join(' ')}]\n`);
    process.stdout.write(`ratio ours/QEMU: ${(mo / mq).toFixed(3)}x (target <= 0.25x)\n`);
    rsp.close();
  } finally {
    await q.kill();
  }
}

main().catch(e => { process.stderr.write(`bench pagetables: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
