// Stepping by line against real QEMU + Exo-OS: step in/over/out land on the expected markers;
// instruction steps move exactly one instruction on the selected vCPU only.
import * as assert from 'node:assert/strict';
import { findMarker, requireBuilt, Session } from './harness';

describe('adapter: stepping (real QEMU + Exo-OS)', function () {
  this.timeout(180_000);
  before(requireBuilt);
  let s: Session;
  beforeEach(async () => { s = new Session(); await s.start(); });
  afterEach(async () => { await s.close(); });

  async function at(threadId: number) {
    const f = await s.topFrame(threadId);
    return { path: f.source?.path, line: f.line, name: f.name, pc: BigInt(f.instructionPointerReference ?? '0') };
  }

  it('step in at #BP:probe_call enters debug_probe at #BP:probe_entry; step out returns to the call line; next reaches #BP:probe_after', async () => {
    const call = findMarker('probe_call');
    const entry = findMarker('probe_entry');
    const after = findMarker('probe_after');
    await s.launch({}, [call]);
    const stop = await s.nextStop();
    const t = stop.body.threadId!;
    assert.deepEqual((await at(t)).line, call.line);

    await s.dc.stepInRequest({ threadId: t });
    assert.equal((await s.nextStop()).body.reason, 'step');
    const inProbe = await at(t);
    assert.match(inProbe.name, /debug_probe/);
    assert.equal(inProbe.path, entry.path);
    assert.equal(inProbe.line, entry.line);

    await s.dc.stepOutRequest({ threadId: t });
    assert.equal((await s.nextStop()).body.reason, 'step');
    const back = await at(t);
    assert.match(back.name, /kmain/);
    assert.equal(back.line, call.line, 'step out stops at the return address, on the call line');

    await s.dc.nextRequest({ threadId: t });
    assert.equal((await s.nextStop()).body.reason, 'step');
    assert.equal((await at(t)).line, after.line);
  });

  it('next over the call line runs debug_probe as a whole and stops at #BP:probe_after', async () => {
    const call = findMarker('probe_call');
    const after = findMarker('probe_after');
    await s.launch({}, [call]);
    const t = (await s.nextStop()).body.threadId!;
    await s.dc.nextRequest({ threadId: t });
    assert.equal((await s.nextStop()).body.reason, 'step');
    const here = await at(t);
    assert.match(here.name, /kmain/);
    assert.equal(here.line, after.line);
    // The call's result is in `probe` now, as the kernel prints it.
    const r = await s.dc.evaluateRequest({ expression: 'probe', frameId: (await s.topFrame(t)).id, context: 'watch' });
    // debug_probe(0x1234, 7) = ((0x1234 * 2) ^ 7) << 7 + 1 = 0x123781.
    assert.equal(r.body.result, String(0x123781));
  });

  it('an instruction step moves the selected vCPU by one instruction and leaves the others', async () => {
    const kmain = findMarker('kmain');
    await s.launch({}, [kmain]);
    const t = (await s.nextStop()).body.threadId!;
    const before = await at(t);
    const others = await Promise.all([2, 3, 4].map(async id => (await s.dc.evaluateRequest({ expression: '$rip', frameId: (await s.topFrame(id)).id })).body.result));
    const dis = await s.dc.disassembleRequest({ memoryReference: '0x' + before.pc.toString(16), instructionCount: 2 });
    const next = BigInt(dis.body!.instructions[1].address);
    await s.dc.stepInRequest({ threadId: t, granularity: 'instruction' });
    assert.equal((await s.nextStop()).body.reason, 'step');
    const afterStep = await at(t);
    const isCall = /^call/.test(dis.body!.instructions[0].instruction);
    if (!isCall) assert.equal(afterStep.pc, next);
    else assert.notEqual(afterStep.pc, before.pc);
    const othersAfter = await Promise.all([2, 3, 4].map(async id => (await s.dc.evaluateRequest({ expression: '$rip', frameId: (await s.topFrame(id)).id })).body.result));
    assert.deepEqual(othersAfter, others);
  });

  it('after a pause, an instruction step of an idle AP (CPU 2) completes and the VM stays stopped', async () => {
    await s.launch({ timeoutMs: 5000 });
    const t0 = Date.now();
    while (!s.output.join('').includes('CPUs online')) {
      assert.ok(Date.now() - t0 < 90_000, 'boot did not finish');
      await new Promise(r => setTimeout(r, 20));
    }
    await s.dc.pauseRequest({ threadId: 1 });
    await s.nextStop();
    const before = await at(3);
    await s.dc.stepInRequest({ threadId: 3, granularity: 'instruction' });
    const stop = await s.nextStop(15_000);
    assert.equal(stop.body.reason, 'step');
    assert.equal(stop.body.threadId, 3);
    assert.match(before.name + (await at(3)).name, /idle|hlt|halt|wait_for_interrupt/i);
    assert.equal((await s.dc.threadsRequest()).body.threads.length, 4);
  });
});
