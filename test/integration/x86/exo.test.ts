// The x86 model on Exo-OS (build/kernel/exo.elf, built by `npm run build:kernel` before the
// integration tests): every vCPU's mode after SMP bring-up, and our page-table walk of each
// vCPU's CR3 against QEMU's own `info tlb` / `info mem` at several stops.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { phys, rspThread } from '../../../adapter/common/types';
import { launchQemu, QemuInstance } from '../../../adapter/qemu/launcher';
import { connectRsp, RspClient } from '../../../adapter/rsp';
import { cpuMode, csInfoFromMonitor } from '../../../adapter/x86/cpumode';
import { parseInfoRegisters } from '../../../adapter/x86/monitorRegs';
import { TableCache } from '../../../adapter/x86/paging';
import { formatInfoMem, formatInfoTlb } from '../../../adapter/x86/qemuFormat';
import { loadSnapshot, translate } from '../../../adapter/x86/walk';

const EXO = path.resolve('build/kernel/exo.elf');
const CPUS = 4;

function symbol(name: string): bigint {
  const m = new RegExp(`^([0-9a-f]+) T ${name}$`, 'm').exec(execFileSync('nm', [EXO], { encoding: 'utf8' }));
  assert.ok(m, `${name} not found in ${EXO}`);
  return BigInt('0x' + m[1]);
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

describe('x86 on Exo-OS: CPU modes and page tables against QEMU', function () {
  this.timeout(240_000);
  let q: QemuInstance | undefined;
  let c: RspClient | undefined;
  const reader = async (addr: bigint, len: number) => (await c!.readPhysical(phys(addr), len)).data;

  /** Compares our walk of vCPU `cpu`'s CR3 with the monitor's, switching its current CPU. */
  async function compareCpu(cpu: number): Promise<number> {
    const r = await c!.readRegisters(rspThread(cpu + 1));
    const ctx = { cr0: r.get('cr0')!, cr3: r.get('cr3')!, cr4: r.get('cr4')!, efer: r.get('efer')! };
    const cache = new TableCache(reader);
    const snap = (await loadSnapshot(ctx, cache))!;
    const ours = formatInfoTlb(snap);
    await c!.monitor(`cpu ${cpu}`);
    assert.equal(ours.text, (await c!.monitor('info tlb')).replace(/\r/g, ''), `info tlb of CPU ${cpu}`);
    assert.equal(formatInfoMem(snap).text, (await c!.monitor('info mem')).replace(/\r/g, ''), `info mem of CPU ${cpu}`);
    return ours.lines;
  }

  before(async () => {
    assert.ok(fs.existsSync(EXO), `${EXO} is missing: run npm run build:kernel first`);
    q = await launchQemu({ kernel: EXO, cpus: CPUS, memory: '256M', timeoutMs: 30_000 });
    c = await connectRsp(q.gdbPort, { requestTimeoutMs: 30_000 });
  });
  after(async () => {
    c?.close();
    if (q) {
      const pid = q.pid;
      await q.kill();
      assert.throws(() => process.kill(pid, 0), 'our QEMU must be gone');
    }
  });

  it('stop 1, at kmain on the boot page tables: walk == info tlb', async () => {
    const kmain = symbol('kmain');
    await c!.insertBreakpoint('hw', kmain);
    await c!.resume([{ kind: 'continue' }]);
    const stop = await c!.waitForStop(120_000);
    await c!.removeBreakpoint('hw', kmain);
    const cpu = (stop.thread ?? 1) - 1;
    assert.equal((await c!.readRegisters(rspThread(cpu + 1))).get('rip'), kmain);
    assert.ok(await compareCpu(cpu) > 0);
  });

  it(`stop 2, after "${CPUS} CPUs online": every vCPU in long mode at CPL 0, each CR3 walks to info tlb`, async () => {
    await c!.resume([{ kind: 'continue' }]);
    await until('the SMP online line', () => /smp: 4 CPUs online/.test(q!.serialOutput()), 120_000);
    await c!.interrupt();
    const dump = parseInfoRegisters(await c!.monitor('info registers -a'));
    assert.equal(dump.length, CPUS);
    for (let cpu = 0; cpu < CPUS; cpu++) {
      const m = cpuMode(await c!.readRegisters(rspThread(cpu + 1)), csInfoFromMonitor(dump[cpu]));
      assert.deepEqual([m.mode, m.modeCertain, m.paging, m.bits], ['long', true, '4-level', 64], `CPU ${cpu}`);
      assert.equal(m.cpl, 0, `CPU ${cpu} idles in the kernel`);
      const lines = await compareCpu(cpu);
      assert.ok(lines > 100, `CPU ${cpu}: only ${lines} mappings`);
    }
  });

  it('stop 3, a moment later: still identical, and translations agree with gva2gpa', async () => {
    await c!.resume([{ kind: 'continue' }]);
    await new Promise(r => setTimeout(r, 1500));
    await c!.interrupt();
    await compareCpu(0);
    const r = await c!.readRegisters(rspThread(1));
    const ctx = { cr0: r.get('cr0')!, cr3: r.get('cr3')!, cr4: r.get('cr4')!, efer: r.get('efer')! };
    const cache = new TableCache(reader);
    await c!.monitor('cpu 0');
    let mapped = 0;
    for (const va of [symbol('kmain'), r.get('rsp')!, 0xffff800000100000n, 0xffffc00000000010n, 0xffffd00000000000n]) {
      const m = /gpa: (0x[0-9a-f]+)/.exec(await c!.monitor(`gva2gpa 0x${va.toString(16)}`));
      const t = await translate(ctx, cache, va);
      assert.equal(t.phys, m ? BigInt(m[1]) : undefined, `0x${va.toString(16)}: ${t.fault ?? ''}`);
      if (t.phys !== undefined) mapped++;
    }
    assert.ok(mapped >= 3, 'kernel text, the stack and the direct map are mapped');
    assert.equal((await translate(ctx, cache, 0xffff800000100000n)).phys, 0x100000n, 'the direct map starts at physical 0');
  });
});
