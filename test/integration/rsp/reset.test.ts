// RSP client against real QEMU 7.2 sitting at the reset vector (-S, no kernel): read-only
// checks, with gdb and QMP as oracles.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ExoError } from '../../../adapter/common/errors';
import { phys, rspThread, virt } from '../../../adapter/common/types';
import { connectRsp, RspClient } from '../../../adapter/rsp';
import { connectQmp } from '../../../adapter/qemu/qmpSocket';
import type { QemuInstance } from '../../../adapter/qemu/launcher';
import { BIOS, BOOT_MS, gdbBatch, parseGdbRegisters, startQemu, stopAll } from './helpers';

const COMPARED = ['rax', 'rdx', 'rsp', 'rip', 'eflags', 'cs', 'ss', 'ds', 'cr0', 'cr3', 'cr4', 'efer'];

describe('rsp against QEMU at reset (integration)', function () {
  this.timeout(BOOT_MS);
  let q: QemuInstance;
  let c: RspClient;
  const gdbRegs = new Map<number, Map<string, bigint>>();

  before(async () => {
    q = await startQemu();
    // gdb first (the stub serves one client at a time); `disconnect` leaves the VM paused.
    const cmds: string[] = [];
    for (let t = 1; t <= 4; t++) cmds.push(`thread ${t}`, `echo @@CPU${t}\\n`, `info registers ${COMPARED.join(' ')}`);
    const out = await gdbBatch(q.gdbPort, cmds);
    for (const part of out.split('@@CPU').slice(1)) gdbRegs.set(Number(part[0]), parseGdbRegisters(part.slice(1)));
    c = await connectRsp(q.gdbPort, { requestTimeoutMs: 10_000 });
  });
  after(async () => { c?.close(); await stopAll(); });

  it('negotiates QEMU features and lists 4 vCPUs', async () => {
    assert.equal(c.features.packetSize, 4096);
    assert.equal(c.features.multiprocess, true);
    assert.ok(c.features.phyMemMode, 'PhyMemMode capability');
    assert.deepEqual(c.features.sstep?.bits, { enable: 1, noIrq: 2, noTimer: 4 });
    assert.deepEqual(await c.threads(), [1, 2, 3, 4]);
  });

  it('builds the register table from the chunked target description', () => {
    const off = (n: string) => c.registers.byName(n)?.offset;
    assert.equal(c.architecture, 'i386:x86-64');
    assert.equal(c.registers.gSize, 608);
    assert.deepEqual(['rip', 'cr0', 'cr3', 'efer', 'xmm0'].map(off), [128, 188, 204, 228, 348]);
    assert.equal(c.registers.byName('xmm0')!.bitsize, 128);
  });

  it('reads every vCPU\'s registers, equal to what gdb reads (CPU 0: rip 0xfff0, cs 0xf000)', async () => {
    assert.equal(gdbRegs.size, 4, 'gdb reported 4 threads');
    for (let t = 1; t <= 4; t++) {
      const ours = await c.readRegisters(rspThread(t));
      const theirs = gdbRegs.get(t)!;
      for (const n of COMPARED) assert.equal(ours.get(n), theirs.get(n), `CPU ${t - 1} ${n}`);
    }
    const cpu0 = await c.readRegisters(rspThread(1));
    assert.equal(cpu0.get('rip'), 0xfff0n);
    assert.equal(cpu0.get('cs'), 0xf000n);
    assert.equal(await c.readRegister(rspThread(1), 'rip'), 0xfff0n, 'p agrees with g');
  });

  it('reads physical 0xf0000-0xfffff equal to the last 64 KiB of SeaBIOS', async () => {
    const bios = fs.readFileSync(BIOS);
    const r = await c.readPhysical(phys(0xf0000n), 0x10000);
    assert.deepEqual(r.unreadable, []);
    assert.ok(Buffer.from(r.data).equals(bios.subarray(bios.length - 0x10000)), 'BIOS bytes differ');
  });

  it('reads the reset vector at linear 0xfffffff0 (virtual, real mode)', async () => {
    const bios = fs.readFileSync(BIOS);
    const r = await c.readVirtual(rspThread(1), virt(0xfffffff0n), 16);
    assert.ok(Buffer.from(r.data).equals(bios.subarray(bios.length - 16)));
    assert.equal(r.data[0], 0xea, 'ljmp opcode');
  });

  it('runs `monitor info cpus` with streamed output matching QMP query-cpus-fast', async () => {
    const chunks: string[] = [];
    const text = await c.monitor('info cpus', t => chunks.push(t));
    assert.ok(chunks.length >= 4, `one O packet per line, got ${chunks.length}`);
    const ids = [...text.matchAll(/CPU #(\d+): thread_id=(\d+)/g)].map(m => [Number(m[1]), Number(m[2])]);
    const qmp = await connectQmp(q.qmpPath);
    try {
      const cpus = await qmp.queryCpusFast();
      assert.deepEqual(ids, cpus.map(x => [x.cpuIndex, x.threadId]));
      assert.equal((await qmp.queryStatus()).status, 'prelaunch');
    } finally { qmp.close(); }
    assert.match(text, /^\* CPU #0/m);
    // QEMU reports a bad monitor command as output, not as an error reply.
    assert.match(await c.monitor('no-such-command-xyz'), /unknown command/);
    await assert.rejects(c.monitor(''), (e: unknown) => e instanceof ExoError && e.kind === 'user');
  });

  it('survives a request QEMU never answers (qThreadExtraInfo of an unknown vCPU)', async () => {
    await assert.rejects(c.threadExtraInfo(rspThread(9), 300), (e: unknown) => e instanceof ExoError && e.kind === 'timeout');
    assert.match(await c.threadExtraInfo(rspThread(2)), /^CPU#1 \[/);
    assert.equal(await c.readRegister(rspThread(1), 'rip'), 0xfff0n);
  });

  it('reads and sets the single-step flags', async () => {
    assert.equal(await c.getSstep(), 7);
    await c.setSstep(1);
    assert.equal(await c.getSstep(), 1);
    await c.setSstep(7);
  });
});
