import * as assert from 'node:assert/strict';
import { ExoError } from '../../../adapter/common/errors';
import { QmpCommandError } from '../../../adapter/qemu/qmpClient';
import { connectQmp } from '../../../adapter/qemu/qmpSocket';
import type { QmpEvent } from '../../../adapter/qemu/qmpTypes';
import { alive, killAllAndCheck, launch } from './helpers';

describe('qemu/qmp (real QEMU)', function () {
  this.timeout(90_000);
  afterEach(killAllAndCheck);

  it('reports prelaunch status and 4 vCPUs, runs HMP, and quit ends the process', async () => {
    const q = await launch();
    const qmp = await connectQmp(q.qmpPath, { timeoutMs: 20_000 });
    assert.equal(qmp.version?.major, 7);
    assert.deepEqual(await qmp.queryStatus(), { running: false, status: 'prelaunch', singlestep: false });
    const cpus = await qmp.queryCpusFast();
    assert.deepEqual(cpus.map(c => c.cpuIndex), [0, 1, 2, 3]);
    assert.ok(cpus.every(c => c.target === 'x86_64' && c.threadId > 0));
    const info = await qmp.humanMonitorCommand('info cpus');
    assert.equal(info.split('\n').filter(l => /CPU #\d+: thread_id=\d+/.test(l)).length, 4);
    await assert.rejects(qmp.execute('no-such-command'), (e: unknown) => e instanceof QmpCommandError && e.errorClass === 'CommandNotFound');
    const shutdown = qmp.waitForEvent('SHUTDOWN', 20_000);
    await qmp.quit();
    assert.deepEqual((({ event, guest, reason }) => ({ event, guest, reason }))(await shutdown), { event: 'SHUTDOWN', guest: false, reason: 'host-qmp-quit' });
    const ex = await q.exited;
    assert.equal(ex.code, 0);
    assert.equal(alive(q.pid), false);
    await assert.rejects(qmp.queryStatus(), (e: unknown) => e instanceof ExoError && e.kind === 'disconnected');
  });

  it('emits RESUME/STOP, and system_reset keeps QEMU alive despite -no-reboot', async () => {
    const q = await launch();
    const qmp = await connectQmp(q.qmpPath, { timeoutMs: 20_000 });
    const seen: QmpEvent['event'][] = [];
    qmp.onEvent(e => seen.push(e.event));
    const resumed = qmp.waitForEvent('RESUME', 20_000);
    await qmp.cont();
    await resumed;
    assert.equal((await qmp.queryStatus()).status, 'running');
    const stopped = qmp.waitForEvent('STOP', 20_000);
    await qmp.stop();
    await stopped;
    const reset = qmp.waitForEvent('RESET', 20_000);
    await qmp.systemReset({ noReboot: true });
    const r = await reset;
    assert.equal(r.reason, 'host-qmp-system-reset');
    // QEMU puts a stopped VM back into 'prelaunch' on reset.
    assert.deepEqual(await qmp.queryStatus(), { running: false, status: 'prelaunch', singlestep: false });
    assert.ok(alive(q.pid), 'QEMU exited on reset');
    assert.deepEqual(seen.filter(e => e !== 'OTHER'), ['RESUME', 'STOP', 'RESET']);
    qmp.close();
  });

  it('a plain system_reset under -no-reboot shuts QEMU down (why systemReset switches the action)', async () => {
    const q = await launch();
    const qmp = await connectQmp(q.qmpPath, { timeoutMs: 20_000 });
    const shutdown = qmp.waitForEvent('SHUTDOWN', 20_000);
    await qmp.systemReset({ noReboot: false });
    assert.equal((await shutdown).reason, 'host-qmp-system-reset');
    assert.equal((await q.exited).code, 0);
  });

  it('rejects pending requests at once when QEMU is killed', async () => {
    const q = await launch();
    const qmp = await connectQmp(q.qmpPath, { timeoutMs: 20_000 });
    // A frozen QEMU cannot answer, so these requests are surely pending when it dies.
    process.kill(q.pid, 'SIGSTOP');
    const pending = [qmp.queryStatus(), qmp.queryCpusFast(), qmp.waitForEvent('STOP', 20_000)];
    for (const p of pending) p.catch(() => {});
    await new Promise(r => setTimeout(r, 200));
    const t0 = Date.now();
    process.kill(q.pid, 'SIGKILL');
    for (const p of pending) {
      await assert.rejects(p, (e: unknown) => e instanceof ExoError && e.kind === 'disconnected');
    }
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    assert.equal((await q.exited).signal, 'SIGKILL');
  });
});
