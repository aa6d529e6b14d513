import * as assert from 'node:assert/strict';
import { ExoError } from '../../../adapter/common/errors';
import { phys, rspThread, virt } from '../../../adapter/common/types';
import { RspClient } from '../../../adapter/rsp/client';
import { qemuFake } from './qemuFake';

const kindOf = (e: unknown) => (e instanceof ExoError ? e.kind : `not an ExoError: ${String(e)}`);

async function connected(opts = {}) {
  const f = qemuFake();
  const c = await RspClient.connect(f.stub.transport, opts);
  f.stub.received.length = 0;
  return { ...f, c };
}

describe('rsp/client (fake QEMU)', () => {
  it('negotiates features, loads the register table and lists vCPUs', async () => {
    const { c } = await connected();
    assert.equal(c.features.packetSize, 4096);
    assert.ok(c.features.phyMemMode && c.features.sstep?.bits && c.features.vCont?.s);
    assert.equal(c.registers.gSize, 608);
    assert.equal(c.registers.byName('rip')!.offset, 128);
    assert.equal(c.pid, 1);
    assert.deepEqual(await c.threads(), [1, 2, 3, 4]);
  });

  it('reads registers by name, sending Hg only when the vCPU changes', async () => {
    const { c, stub } = await connected();
    const r1 = await c.readRegisters(rspThread(2));
    assert.equal(r1.get('rip'), 0xfff1n);
    assert.equal(r1.get('cs'), 0xf000n);
    await c.readRegisters(rspThread(2));
    assert.equal(await c.readRegister(rspThread(2), 'rip'), 0xfff0n);
    assert.deepEqual(stub.received, ['Hgp01.02', 'g', 'g', 'p10']);
    await assert.rejects(c.readRegister(rspThread(1), 'nope'), (e: unknown) => kindOf(e) === 'user');
  });

  it('returns the mapped bytes of a partly unmapped range and lists the holes', async () => {
    const { c, st } = await connected();
    st.holes.add(0x2n);
    st.holes.add(0x4n);
    const r = await c.readVirtual(rspThread(1), virt(0x1800n), 0x4000);
    assert.equal(r.data.length, 0x4000);
    assert.deepEqual(r.unreadable, [{ start: 0x2000n, end: 0x3000n }, { start: 0x4000n, end: 0x5000n }]);
    assert.equal(r.data[0], Number((0x1800n * 3n + 1n) & 0xffn));
    assert.equal(r.data[0x2000 - 0x1800], 0, 'unreadable bytes read as 0');
    assert.equal(r.data[0x3000 - 0x1800], Number((0x3000n * 3n + 1n) & 0xffn));
  });

  it('switches PhyMemMode only when the address space changes', async () => {
    const { c, stub } = await connected();
    const a = await c.readPhysical(phys(0xf0000n), 0x1000);
    await c.readPhysical(phys(0xf1000n), 0x10);
    assert.equal(a.data[1], Number((0xf0001n * 7n) & 0xffn));
    await c.readVirtual(rspThread(3), virt(0x1000n), 4);
    await c.readVirtual(rspThread(3), virt(0x2000n), 4);
    assert.deepEqual(stub.received, ['Qqemu.PhyMemMode:1', 'mf0000,800', 'mf0800,800', 'mf1000,10',
      'Qqemu.PhyMemMode:0', 'Hgp01.03', 'm1000,4', 'm2000,4']);
  });

  it('pipelines chunked reads when asked and gets the same bytes', async () => {
    const one = await connected({ memoryPipeline: 1 });
    const many = await connected({ memoryPipeline: 4 });
    const a = await one.c.readPhysical(phys(0x10000n), 0x4000);
    const b = await many.c.readPhysical(phys(0x10000n), 0x4000);
    assert.deepEqual(b.data, a.data);
  });

  it('writes memory in chunks that fit a packet', async () => {
    const { c, stub } = await connected();
    await c.writePhysical(phys(0x7000n), new Uint8Array(5000));
    const writes = stub.received.filter(p => p.startsWith('M'));
    assert.ok(writes.length >= 3);
    assert.ok(writes.every(w => w.length <= 4095));
  });

  it("inserts and removes breakpoints and refuses '?' while any exist", async () => {
    const { c, st, stub } = await connected();
    assert.equal((await c.haltReason()).thread, 1);
    await c.insertBreakpoint('sw', 0xfe05bn);
    await c.insertBreakpoint('write', 0x7000n, 4);
    assert.deepEqual(st.breakpoints, ['0,fe05b,1', '2,7000,4']);
    await assert.rejects(c.haltReason(), /refusing to send '\?'/);
    await c.removeBreakpoint('sw', 0xfe05bn);
    await c.removeBreakpoint('write', 0x7000n, 4);
    await assert.rejects(c.removeBreakpoint('write', 0x7000n, 4), (e: unknown) => kindOf(e) === 'target');
    assert.equal(c.breakpointCount, 0);
    assert.equal(stub.received.filter(p => p === '?').length, 1);
  });

  it('sends the Z/z packets of one batch together (one round trip), replies matched in order', async () => {
    const { c, st, stub } = await connected({ memoryPipeline: 4 });
    await c.insertBreakpoint('sw', 0x100n);
    stub.received.length = 0;
    let sentBeforeFirstReply = 0;
    const answer = stub.handler;
    stub.handler = p => { if (sentBeforeFirstReply === 0) sentBeforeFirstReply = stub.received.length; return answer(p); };
    await Promise.all([c.removeBreakpoint('sw', 0x100n), c.insertBreakpoint('sw', 0x200n), c.insertBreakpoint('sw', 0x300n)]);
    assert.deepEqual(stub.received, ['z0,100,1', 'Z0,200,1', 'Z0,300,1']);
    assert.equal(sentBeforeFirstReply, 3, 'all three were on the wire before the first reply');
    assert.deepEqual(st.breakpoints, ['0,200,1', '0,300,1']);
    assert.equal(c.breakpointCount, 2);
  });

  it('steps one vCPU with vCont and returns its stop', async () => {
    const { c, stub } = await connected();
    const p = c.step(rspThread(2));
    setTimeout(() => stub.push('T05thread:p01.02;'), 10);
    const e = await p;
    assert.equal(e.thread, 2);
    assert.deepEqual(stub.received, ['vCont;s:p01.02']);
  });

  it('selects the vCPU again after a stop (QEMU resets Hg to the stopping vCPU)', async () => {
    const { c, stub } = await connected();
    await c.readRegisters(rspThread(2));
    const p = c.step(rspThread(1));
    setTimeout(() => stub.push('T05thread:p01.01;'), 10);
    await p;
    await c.readRegisters(rspThread(2));
    assert.deepEqual(stub.received, ['Hgp01.02', 'g', 'vCont;s:p01.01', 'Hgp01.02', 'g']);
  });

  it('takes the vCPU a stop reply names as selected: no Hg for it after the stop', async () => {
    const { c, stub, st } = await connected();
    await c.readRegisters(rspThread(2));
    const p = c.step(rspThread(3));
    // QEMU selects the stopping vCPU for g itself.
    setTimeout(() => { st.hg = 3; stub.push('T05thread:p01.03;'); }, 10);
    await p;
    const r = await c.readRegisters(rspThread(3));
    assert.equal(r.get('rip'), 0xfff2n, 'g answered for vCPU 3');
    assert.deepEqual(stub.received, ['Hgp01.02', 'g', 'vCont;s:p01.03', 'g']);
    // A stop without a thread leaves nothing selected.
    const q = c.step(rspThread(3));
    setTimeout(() => stub.push('S05'), 10);
    await q;
    await c.readRegisters(rspThread(3));
    assert.deepEqual(stub.received.slice(4), ['vCont;s:p01.03', 'Hgp01.03', 'g']);
  });

  it('interrupts a step that does not finish (vCPU in HLT)', async () => {
    const { c, stub } = await connected();
    stub.onInterrupt = () => stub.push('T02thread:p01.01;');
    const e = await c.step(rspThread(3), 50);
    assert.equal(e.signal, 2);
    assert.equal(stub.interrupts, 1);
    assert.equal(c.state, 'stopped');
  });

  it('streams monitor output and reads/sets the sstep flags', async () => {
    const { c } = await connected();
    const chunks: string[] = [];
    const text = await c.monitor('info cpus', t => chunks.push(t));
    assert.equal(chunks.length, 2);
    assert.equal(text, '* CPU #0: thread_id=1\n  CPU #1: thread_id=2\n');
    await assert.rejects(c.monitor('bogus'), /E22/);
    await assert.rejects(c.monitor(' '), (e: unknown) => kindOf(e) === 'user');
    await assert.rejects(c.monitor('cont'), (e: unknown) => kindOf(e) === 'user' && /Continue/.test((e as Error).message));
    assert.equal(await c.getSstep(), 7);
    await c.setSstep(1);
    assert.equal(await c.getSstep(), 1);
  });

  it('detaches with D;1 and kills with k (tolerating the lost link)', async () => {
    const a = await connected();
    await a.c.detach();
    assert.deepEqual(a.stub.received, ['D;1']);
    assert.equal(a.c.state, 'closed');
    const b = await connected();
    await b.c.kill();
    assert.equal(b.c.state, 'closed');
  });
});
