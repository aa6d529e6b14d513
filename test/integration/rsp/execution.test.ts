// Running real QEMU from the reset vector: breakpoints, single-step of one vCPU, watchpoints on
// a tiny real-mode program we write into RAM, interrupt, detach and kill.
import * as assert from 'node:assert/strict';
import { phys, rspThread, virt } from '../../../adapter/common/types';
import { connectRsp } from '../../../adapter/rsp';
import { connectQmp } from '../../../adapter/qemu/qmpSocket';
import { BOOT_MS, startTarget, stopAll, Target } from './helpers';

const CPU0 = rspThread(1);
/** First BIOS instruction after the reset `ljmp $0xf000,$0xe05b` (linear address). */
const POST_ENTRY = 0xfe05bn;

/** 0x7c00: mov word [0x7e00],0x1234 ; 0x7c06: mov ax,[0x7e00] ; 0x7c09: jmp $ */
const PROGRAM = Uint8Array.of(0xc7, 0x06, 0x00, 0x7e, 0x34, 0x12, 0xa1, 0x00, 0x7e, 0xeb, 0xfe);

async function loadProgram(t: Target): Promise<void> {
  await t.c.writePhysical(phys(0x7c00n), PROGRAM);
  await t.c.writePhysical(phys(0x7e00n), Uint8Array.of(0, 0));
  await t.c.writeRegisters(CPU0, new Map([['cs', 0n], ['ds', 0n], ['rip', 0x7c00n]]));
}

describe('rsp execution control on real QEMU (integration)', function () {
  this.timeout(BOOT_MS);
  let t: Target;
  beforeEach(async () => { t = await startTarget(); });
  afterEach(async () => { t?.c.close(); await stopAll(); });

  it('hits a breakpoint at a linear BIOS address on CPU 0 after continue', async () => {
    await t.c.insertBreakpoint('sw', POST_ENTRY);
    await t.c.resume([{ kind: 'continue' }]);
    assert.equal(t.c.state, 'running');
    const stop = await t.c.waitForStop(30_000);
    assert.equal(stop.signal, 5);
    assert.equal(stop.thread, 1);
    const r = await t.c.readRegisters(CPU0);
    assert.equal(r.get('cs'), 0xf000n);
    assert.equal(r.get('rip'), 0xe05bn);
    await t.c.removeBreakpoint('sw', POST_ENTRY);
  });

  it('single-steps one vCPU and leaves the others where they were', async () => {
    const before = new Map<number, ReadonlyMap<string, bigint>>();
    for (const n of [2, 3, 4]) before.set(n, await t.c.readRegisters(rspThread(n)));
    let stop = await t.c.step(CPU0);
    // QEMU quirk (notes): rarely a step reports T05 with rip unchanged; retry once.
    if ((await t.c.readRegister(CPU0, 'rip')) === 0xfff0n) stop = await t.c.step(CPU0);
    assert.equal(stop.signal, 5);
    assert.equal(stop.thread, 1);
    assert.equal(await t.c.readRegister(CPU0, 'rip'), 0xe05bn);
    assert.equal(await t.c.readRegister(CPU0, 'cs'), 0xf000n);
    for (const n of [2, 3, 4]) assert.deepEqual(await t.c.readRegisters(rspThread(n)), before.get(n), `CPU ${n - 1} changed`);
  });

  it('reads the right vCPU after a stop (QEMU resets its Hg thread to the stopping vCPU)', async () => {
    const cpu1 = await t.c.readRegisters(rspThread(2));
    await t.c.step(CPU0);
    assert.deepEqual(await t.c.readRegisters(rspThread(2)), cpu1, 'CPU 1 registers, not CPU 0');
    assert.notDeepEqual(await t.c.readRegisters(CPU0), cpu1);
  });

  it('single-steps with the legacy Hc + s packets too', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await t.c.resumeLegacy('s', CPU0);
      assert.equal((await t.c.waitForStop(10_000)).signal, 5);
      // QEMU quirk (notes): rarely a step reports T05 with rip unchanged; retry once.
      if ((await t.c.readRegister(CPU0, 'rip')) !== 0xfff0n) break;
    }
    assert.equal(await t.c.readRegister(CPU0, 'rip'), 0xe05bn);
  });

  it('stops on write and read watchpoints, then interrupts a spinning vCPU within a second', async () => {
    await loadProgram(t);
    assert.deepEqual((await t.c.readVirtual(CPU0, virt(0x7c00n), PROGRAM.length)).data, PROGRAM);

    await t.c.insertBreakpoint('write', 0x7e00n, 2);
    await t.c.resume([{ kind: 'continue' }]);
    let stop = await t.c.waitForStop(30_000);
    assert.deepEqual(stop.watch, { kind: 'watch', addr: 0x7e00n });
    assert.equal(stop.thread, 1);
    assert.equal(await t.c.readRegister(CPU0, 'rip'), 0x7c06n, 'rip is after the writing instruction');
    assert.deepEqual((await t.c.readPhysical(phys(0x7e00n), 2)).data, Uint8Array.of(0x34, 0x12));
    await t.c.removeBreakpoint('write', 0x7e00n, 2);

    await t.c.insertBreakpoint('read', 0x7e00n, 2);
    await t.c.resume([{ kind: 'continue' }]);
    stop = await t.c.waitForStop(30_000);
    assert.deepEqual(stop.watch, { kind: 'rwatch', addr: 0x7e00n });
    assert.equal(await t.c.readRegister(CPU0, 'rip'), 0x7c09n);
    assert.equal((await t.c.readRegister(CPU0, 'rax')) & 0xffffn, 0x1234n);
    await t.c.removeBreakpoint('read', 0x7e00n, 2);

    await t.c.resume([{ kind: 'continue' }]);
    await new Promise(r => setTimeout(r, 200));
    const t0 = Date.now();
    stop = await t.c.interrupt();
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `interrupt took ${ms} ms`);
    assert.equal(stop.signal, 2);
    assert.equal(await t.c.readRegister(CPU0, 'rip'), 0x7c09n, 'still spinning on jmp $');
  });

  it('writes single registers with P, 64-bit and 128-bit, and g agrees', async () => {
    await t.c.writeRegister(CPU0, 'rbx', 0x1122334455667788n);
    await t.c.writeRegister(CPU0, 'xmm0', 0x0123456789abcdeffedcba9876543210n);
    // Real mode: QEMU keeps general registers to 32 bits (notes/qemu-gdbstub.md).
    assert.equal(await t.c.readRegister(CPU0, 'rbx'), 0x55667788n);
    const all = await t.c.readRegisters(CPU0);
    assert.equal(all.get('xmm0'), 0x0123456789abcdeffedcba9876543210n);
    assert.equal(all.get('rbx'), 0x55667788n);
    assert.equal((await t.c.readRegisters(rspThread(2))).get('rbx'), 0n, 'other vCPUs untouched');
  });

  it('stops on an access watchpoint (Z4) and on a hardware breakpoint (Z1)', async () => {
    await loadProgram(t);
    await t.c.insertBreakpoint('access', 0x7e00n, 2);
    await t.c.resume([{ kind: 'continue' }]);
    const stop = await t.c.waitForStop(30_000);
    assert.deepEqual(stop.watch, { kind: 'awatch', addr: 0x7e00n });
    await t.c.removeBreakpoint('access', 0x7e00n, 2);
    await t.c.insertBreakpoint('hw', 0x7c09n);
    await t.c.resume([{ kind: 'continue' }]);
    const bp = await t.c.waitForStop(30_000);
    assert.equal(bp.signal, 5);
    assert.equal(bp.watch, undefined);
    assert.equal(await t.c.readRegister(CPU0, 'rip'), 0x7c09n);
    await t.c.removeBreakpoint('hw', 0x7c09n);
  });

  it('writes memory through virtual addresses and reads it back', async () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    await t.c.writeVirtual(CPU0, virt(0x8f80n), data); // crosses a page boundary
    assert.deepEqual((await t.c.readVirtual(CPU0, virt(0x8f80n), 300)).data, data);
    assert.deepEqual((await t.c.readPhysical(phys(0x8f80n), 300)).data, data);
  });

  it('detaches with D;1 (the VM runs on) and a new client drains the unsolicited stop', async () => {
    await t.c.detach();
    assert.equal(t.c.state, 'closed');
    const qmp = await connectQmp(t.q.qmpPath);
    try {
      assert.equal((await qmp.queryStatus()).status, 'running');
      const again = await connectRsp(t.q.gdbPort);
      try {
        // Connecting stopped the VM: QEMU's unsolicited T02 was drained, not taken as a reply.
        assert.equal(again.lastStop?.signal, 2);
        assert.equal(again.registers.gSize, 608);
        assert.notEqual((await qmp.queryStatus()).status, 'running');
      } finally { again.close(); }
    } finally { qmp.close(); }
  });

  it('kills QEMU with k', async () => {
    await t.c.kill();
    const exit = await Promise.race([t.q.exited, new Promise<null>(r => setTimeout(() => r(null), 10_000))]);
    assert.ok(exit, 'QEMU exited after k');
    assert.equal(t.c.state, 'closed');
  });
});
