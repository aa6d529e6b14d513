import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { ExoError } from '../../../adapter/common/errors';
import { Connection } from '../../../adapter/rsp/connection';
import { encodePacket } from '../../../adapter/rsp/codec/framing';
import { FakeStub, FakeTransport, rejectsWithin } from './fakeStub';

const kindOf = (e: unknown) => (e instanceof ExoError ? e.kind : `not an ExoError: ${String(e)}`);
const tick = () => new Promise(r => setImmediate(r));

describe('rsp/connection', () => {
  it('answers requests in order, one in flight at a time', async () => {
    let inFlightMax = 0, inFlight = 0;
    const stub = new FakeStub(p => { inFlight--; return p === 'g' ? '00ff' : 'OK'; });
    stub.transport.onWrite = (orig => (b: Uint8Array) => { if (b[0] === 0x24) { inFlight++; inFlightMax = Math.max(inFlightMax, inFlight); } orig?.(b); })(stub.transport.onWrite);
    const c = new Connection(stub.transport);
    const [a, b, d] = await Promise.all([c.request('Hgp01.01'), c.request('g'), c.request('Hgp01.02')]);
    assert.deepEqual([a, b, d], ['OK', '00ff', 'OK']);
    assert.deepEqual(stub.received, ['Hgp01.01', 'g', 'Hgp01.02']);
    assert.equal(inFlightMax, 1);
  });

  it('pipelines requests marked independent up to the window', async () => {
    const t = new FakeTransport();
    const c = new Connection(t, { window: 3 });
    const ps = [0, 1, 2, 3].map(i => c.request(`m${i}000,1`, { pipeline: true }));
    await tick();
    assert.equal(t.written.length, 3, 'three in flight, the fourth waits');
    t.feed(encodePacket('aa')); t.feed(encodePacket('bb'));
    await tick();
    assert.equal(t.written.length, 4);
    t.feed(encodePacket('cc')); t.feed(encodePacket('dd'));
    assert.deepEqual(await Promise.all(ps), ['aa', 'bb', 'cc', 'dd']);
  });

  it('times out a request that never gets an answer, then resynchronises', async () => {
    let lateReply: (() => void) | undefined;
    const stub = new FakeStub(p => {
      if (p.startsWith('qThreadExtraInfo')) { lateReply = () => stub.push('435055233520'); return null; }
      if (p === 'qC') { lateReply?.(); return 'QCp01.01'; } // the stale answer arrives before qC's
      return p === 'g' ? '1234' : 'OK';
    });
    const c = new Connection(stub.transport, { requestTimeoutMs: 100 });
    const t0 = Date.now();
    const e = await rejectsWithin(c.request('qThreadExtraInfo,p01.05'), 1000);
    assert.equal(kindOf(e), 'timeout');
    assert.ok(Date.now() - t0 >= 95);
    assert.equal(await c.request('g'), '1234', 'the late reply must not be taken for the next request');
    assert.deepEqual(stub.received, ['qThreadExtraInfo,p01.05', 'qC', 'g']);
  });

  it('rejects every pending request and stop waiter at once when the link drops', async () => {
    const stub = new FakeStub(() => null);
    const c = new Connection(stub.transport, { requestTimeoutMs: 60000 });
    const pending = [c.request('g'), c.request('m0,4'), c.request('qC')];
    await tick();
    const t0 = Date.now();
    stub.transport.drop(new Error('ECONNRESET'));
    for (const p of pending) {
      const e = await rejectsWithin(p, 1000);
      assert.equal(kindOf(e), 'disconnected');
      assert.match((e as Error).message, /lost/);
    }
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(c.state, 'closed');
    assert.equal(kindOf(await rejectsWithin(c.request('g'), 100)), 'disconnected');
  });

  it('rejects a stop waiter when the link drops while running', async () => {
    const stub = new FakeStub(() => null);
    const c = new Connection(stub.transport);
    await c.resume('vCont;c');
    const w = c.waitForStop(60000);
    stub.transport.drop();
    assert.equal(kindOf(await rejectsWithin(w, 1000)), 'disconnected');
  });

  it('retransmits on "-" and gives up after repeated rejections', async () => {
    const t = new FakeTransport();
    const c = new Connection(t);
    const p = c.request('g');
    await tick();
    t.feed('-');
    assert.equal(t.written.length, 2);
    assert.deepEqual(t.written[1], t.written[0]);
    t.feed('+');
    t.feed(encodePacket('abcd'));
    assert.equal(await p, 'abcd');
    const q = c.request('m0,1');
    await tick();
    t.feed('----');
    assert.equal(kindOf(await rejectsWithin(q, 1000)), 'protocol');
  });

  it('asks for a retransmit of a corrupted reply and takes the good copy', async () => {
    const t = new FakeTransport();
    const c = new Connection(t);
    const p = c.request('g');
    await tick();
    t.feed('+$abcd#00');
    assert.equal(Buffer.from(t.written[t.written.length - 1]).toString(), '-');
    t.feed(encodePacket('abcd'));
    assert.equal(await p, 'abcd');
    assert.ok(!t.writtenText().includes('+'), 'no acks of our own over TCP by default');
  });

  it('sends "+" acks when asked to', async () => {
    const stub = new FakeStub(() => 'OK');
    const c = new Connection(stub.transport, { sendAcks: true });
    await c.request('qC');
    assert.ok(stub.transport.writtenText().endsWith('+'));
  });

  it('drains an unsolicited stop on connect and records it', async () => {
    const stub = new FakeStub(() => 'PacketSize=1000');
    const c = new Connection(stub.transport);
    stub.push('T02thread:p01.01;');
    assert.equal(await c.request('qSupported'), 'PacketSize=1000');
    assert.equal(c.lastStop?.signal, 2);
    assert.equal(c.state, 'stopped');
    // Also when the stop arrives while the request is in flight.
    const stub2 = new FakeStub(() => ['T02thread:p01.01;', 'PacketSize=1000']);
    const c2 = new Connection(stub2.transport);
    assert.equal(await c2.request('qSupported'), 'PacketSize=1000');
    assert.equal(c2.lastStop?.thread, 1);
  });

  it('runs: refuses requests, delivers the stop to waiters and listeners, interrupts with 0x03', async () => {
    const stub = new FakeStub(() => 'OK');
    stub.onInterrupt = () => setTimeout(() => stub.push('T02thread:p01.03;'), 5);
    const c = new Connection(stub.transport);
    const seen: number[] = [];
    c.onStop(e => seen.push(e.signal));
    await c.resume('vCont;c');
    assert.equal(c.state, 'running');
    assert.equal(kindOf(await rejectsWithin(c.request('g'), 100)), 'user');
    const stop = c.waitForStop(1000);
    c.sendInterrupt();
    const e = await stop;
    assert.equal(e.signal, 2);
    assert.equal(e.thread, 3);
    assert.deepEqual(seen, [2]);
    assert.equal(c.state, 'stopped');
    assert.equal(stub.interrupts, 1);
    assert.equal((await c.waitForStop()).thread, 3, 'when stopped, waitForStop gives the last stop');
  });

  it('times out a stop wait without losing the run', async () => {
    const stub = new FakeStub(() => null);
    const c = new Connection(stub.transport);
    await c.resume('c');
    assert.equal(kindOf(await rejectsWithin(c.waitForStop(50), 1000)), 'timeout');
    assert.equal(c.state, 'running');
    stub.push('T05thread:01;');
    assert.equal((await c.waitForStop(1000)).signal, 5);
  });

  it('streams O output of a request and restarts its timeout on each one', async () => {
    const t = new FakeTransport();
    const c = new Connection(t, { requestTimeoutMs: 80 });
    const out: string[] = [];
    const p = c.request('qRcmd,696e666f', { onOutput: s => out.push(s) });
    for (const line of ['a\n', 'b\n', 'c\n']) {
      await new Promise(r => setTimeout(r, 50));
      t.feed(encodePacket('O' + Buffer.from(line).toString('hex')));
    }
    t.feed(encodePacket('OK'));
    assert.equal(await p, 'OK');
    assert.deepEqual(out, ['a\n', 'b\n', 'c\n']);
  });

  it('never throws on random input and never leaves a request hanging', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), async chunks => {
      const t = new FakeTransport();
      const c = new Connection(t, { requestTimeoutMs: 50 });
      const p = c.request('g').then(() => 'resolved', e => kindOf(e));
      for (const ch of chunks) t.feed(ch);
      t.drop();
      const r = await p;
      assert.ok(['resolved', 'timeout', 'disconnected', 'protocol'].includes(r), r);
    }), { numRuns: 100 });
  });
});
