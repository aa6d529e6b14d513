import * as assert from 'node:assert/strict';
import { ExoError } from '../../../adapter/common/errors';
import { QmpClient, QmpCommandError } from '../../../adapter/qemu/qmpClient';
import { FakeQmp, GREETING } from './fakeQmp';

const isKind = (kind: string) => (e: unknown) => e instanceof ExoError && e.kind === kind;

async function connected(timeoutMs = 2000): Promise<{ fake: FakeQmp; client: QmpClient }> {
  const fake = new FakeQmp();
  const p = QmpClient.connect(fake, { timeoutMs });
  fake.send(GREETING);
  await fake.commands(1);
  assert.equal(fake.lastCommand().execute, 'qmp_capabilities');
  fake.reply({ return: {} });
  return { fake, client: await p };
}

describe('qemu/qmpClient', () => {
  it('negotiates capabilities after the greeting and remembers the version', async () => {
    const { client } = await connected();
    assert.deepEqual(client.version, { major: 7, minor: 2, micro: 22, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' });
    assert.deepEqual(client.capabilities, ['oob']);
  });

  it('matches replies to requests by id, even out of order', async () => {
    const { fake, client } = await connected();
    const a = client.queryStatus();
    const b = client.humanMonitorCommand('info cpus');
    await fake.commands(3);
    const [ca, cb] = fake.written.slice(1).map(w => JSON.parse(w));
    assert.notEqual(ca.id, cb.id);
    assert.deepEqual(cb.arguments, { 'command-line': 'info cpus' });
    fake.send(JSON.stringify({ return: '* CPU #0: thread_id=1\r\n', id: cb.id }) + '\r\n');
    fake.send(JSON.stringify({ return: { status: 'paused', singlestep: false, running: false }, id: ca.id }) + '\r\n');
    assert.deepEqual(await a, { status: 'paused', singlestep: false, running: false });
    assert.equal(await b, '* CPU #0: thread_id=1\r\n');
  });

  it('parses query-cpus-fast into typed CPUs', async () => {
    const { fake, client } = await connected();
    const p = client.queryCpusFast();
    await fake.commands(2);
    fake.reply({ return: [0, 1].map(i => ({ 'thread-id': 100 + i, props: { 'core-id': i, 'thread-id': 0, 'socket-id': 0 }, 'qom-path': `/machine/unattached/device[${i}]`, 'cpu-index': i, target: 'x86_64' })) });
    const cpus = await p;
    assert.deepEqual(cpus.map(c => [c.cpuIndex, c.threadId, c.props.coreId, c.target]), [[0, 100, 0, 'x86_64'], [1, 101, 1, 'x86_64']]);
  });

  it('turns an error reply into a QmpCommandError naming class and description', async () => {
    const { fake, client } = await connected();
    const p = client.execute('nosuch');
    await fake.commands(2);
    fake.reply({ error: { class: 'CommandNotFound', desc: 'The command nosuch has not been found' } });
    await assert.rejects(p, (e: unknown) => e instanceof QmpCommandError && e.kind === 'target'
      && e.errorClass === 'CommandNotFound' && e.message === 'QMP nosuch failed (CommandNotFound): The command nosuch has not been found');
    // the connection stays usable
    const q = client.queryStatus();
    await fake.commands(3);
    fake.reply({ return: { status: 'running', singlestep: false, running: true } });
    assert.equal((await q).running, true);
  });

  it('times out a command that gets no answer, and ignores the late reply', async () => {
    const { fake, client } = await connected();
    const t0 = Date.now();
    await assert.rejects(client.execute('query-status', undefined, 100), isKind('timeout'));
    assert.ok(Date.now() - t0 < 1000);
    fake.reply({ return: {} }); // late: must not disturb anything
    const p = client.execute('stop');
    await fake.commands(3);
    fake.reply({ return: {} });
    assert.deepEqual(await p, {});
  });

  it('times out when no greeting arrives', async () => {
    const fake = new FakeQmp();
    await assert.rejects(QmpClient.connect(fake, { timeoutMs: 100 }), isKind('timeout'));
    assert.ok(fake.closed);
  });

  it('fails every pending request at once on malformed JSON, and later calls too', async () => {
    const { fake, client } = await connected();
    const a = client.queryStatus();
    const b = client.queryCpusFast();
    await fake.commands(3);
    fake.send('{"return": {"status": \r\n');
    await assert.rejects(a, isKind('protocol'));
    await assert.rejects(b, isKind('protocol'));
    await assert.rejects(client.queryStatus(), isKind('protocol'));
    assert.ok(fake.closed);
  });

  it('rejects a peer that does not greet first', async () => {
    const fake = new FakeQmp();
    const p = QmpClient.connect(fake, { timeoutMs: 2000 });
    fake.send('{"return": {}}\r\n');
    await assert.rejects(p, isKind('protocol'));
  });

  it('rejects pending requests with a disconnected error when the socket closes', async () => {
    const { fake, client } = await connected();
    const seen: string[] = [];
    client.onClose(e => seen.push(e.kind));
    const p = client.queryStatus();
    const ev = client.waitForEvent('SHUTDOWN', 5000);
    await fake.commands(2);
    const t0 = Date.now();
    fake.hangUp(new Error('ECONNRESET'));
    await assert.rejects(p, isKind('disconnected'));
    await assert.rejects(ev, isKind('disconnected'));
    assert.ok(Date.now() - t0 < 100);
    assert.deepEqual(seen, ['disconnected']);
    await assert.rejects(client.queryStatus(), isKind('disconnected'));
  });

  it('delivers typed events and waitForEvent resolves on the right one', async () => {
    const { fake, client } = await connected();
    const events: string[] = [];
    client.onEvent(e => events.push(e.event === 'OTHER' ? `OTHER:${e.name}` : e.event));
    const reset = client.waitForEvent('RESET');
    fake.send('{"timestamp": {"seconds": 1, "microseconds": 500}, "event": "STOP"}\r\n');
    fake.send('{"timestamp": {"seconds": 2, "microseconds": 0}, "event": "RESUME"}\r\n');
    fake.send('{"timestamp": {"seconds": 3, "microseconds": 0}, "event": "RESET", "data": {"guest": true, "reason": "guest-reset"}}\r\n');
    fake.send('{"timestamp": {"seconds": 4, "microseconds": 0}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}\r\n');
    fake.send('{"timestamp": {"seconds": 5, "microseconds": 0}, "event": "DEVICE_DELETED", "data": {"path": "/x"}}\r\n');
    assert.deepEqual(await reset, { event: 'RESET', guest: true, reason: 'guest-reset', timestamp: 3000 });
    assert.deepEqual(events, ['STOP', 'RESUME', 'RESET', 'SHUTDOWN', 'OTHER:DEVICE_DELETED']);
    await assert.rejects(client.waitForEvent('STOP', 50), isKind('timeout'));
  });

  it('systemReset with -no-reboot switches the reboot action around the reset', async () => {
    const { fake, client } = await connected();
    fake.autoReturn = true;
    await client.systemReset({ noReboot: true });
    assert.deepEqual(fake.written.slice(1).map(w => { const c = JSON.parse(w); return [c.execute, c.arguments]; }), [
      ['set-action', { reboot: 'reset' }], ['system_reset', undefined], ['set-action', { reboot: 'shutdown' }],
    ]);
  });

  it('quit succeeds whether QEMU replies or just closes the socket', async () => {
    const { fake, client } = await connected();
    const p = client.quit();
    await fake.commands(2);
    assert.equal(fake.lastCommand().execute, 'quit');
    fake.hangUp();
    await p;
  });
});
