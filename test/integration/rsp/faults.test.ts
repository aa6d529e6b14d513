// Faults: QEMU killed with SIGKILL while requests are pending must reject them all, at once,
// with a typed 'disconnected' error; nothing may hang.
import * as assert from 'node:assert/strict';
import { ExoError } from '../../../adapter/common/errors';
import { phys, rspThread } from '../../../adapter/common/types';
import { connectRsp } from '../../../adapter/rsp';
import { BOOT_MS, startQemu, stopAll } from './helpers';

async function allRejectWithin(ps: Promise<unknown>[], ms: number): Promise<number> {
  const t0 = Date.now();
  const results = await Promise.all(ps.map(p => p.then(() => 'resolved', (e: unknown) => e)));
  const dt = Date.now() - t0;
  for (const r of results) {
    assert.ok(r instanceof ExoError && r.kind === 'disconnected', `expected 'disconnected', got ${String(r)}`);
  }
  assert.ok(dt < ms, `rejections took ${dt} ms`);
  return dt;
}

describe('rsp faults on real QEMU (integration)', function () {
  this.timeout(BOOT_MS);
  afterEach(stopAll);

  for (const pipeline of [1, 8]) {
    it(`rejects every pending request within a second when QEMU is SIGKILLed (pipeline ${pipeline})`, async () => {
      const q = await startQemu();
      const c = await connectRsp(q.gdbPort, { memoryPipeline: pipeline, requestTimeoutMs: 30_000 });
      const pending = [
        c.readPhysical(phys(0n), 64 << 20),   // 32768 requests: still busy when the kill lands
        c.readRegisters(rspThread(2)),
        c.monitor('info mtree'),
        c.threads(),
      ];
      await new Promise(r => setTimeout(r, 30));
      process.kill(q.pid, 'SIGKILL');
      await allRejectWithin(pending, 1000);
      assert.equal(c.state, 'closed');
      await assert.rejects(c.readRegisters(rspThread(1)), (e: unknown) => e instanceof ExoError && e.kind === 'disconnected');
    });
  }

  it('rejects a stop wait within a second when QEMU dies while running', async () => {
    const q = await startQemu();
    const c = await connectRsp(q.gdbPort);
    await c.resume([{ kind: 'continue' }]);
    const w = c.waitForStop(60_000);
    await new Promise(r => setTimeout(r, 100));
    process.kill(q.pid, 'SIGKILL');
    await allRejectWithin([w], 1000);
  });

  it('says clearly when nothing listens on the port', async () => {
    const q = await startQemu();
    const port = q.gdbPort;
    await stopAll();
    await assert.rejects(connectRsp(port), (e: unknown) =>
      e instanceof ExoError && e.kind === 'disconnected' && /connection refused/.test(e.message));
  });
});
