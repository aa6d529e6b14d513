// Launch, threads, the core breakpoint path, pause, terminate and target death, against real
// QEMU booting Exo-OS through dist/adapter.js.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { ADAPTER, findMarker, KERNEL, pidAlive, requireBuilt, ROOT, Session, waitFor } from './harness';

/** The PVH entry from `readelf -n` (Xen note type 0x12), independent of our ELF code. */
function pvhEntry(): bigint {
  const out = execFileSync('readelf', ['-n', KERNEL], { encoding: 'utf8' });
  const m = /\(0x00000012\)\s*\n\s*description data: ((?:[0-9a-f]{2} ?){8})/.exec(out);
  assert.ok(m, `no PVH note in readelf -n output:\n${out}`);
  const bytes = m[1].trim().split(' ').reverse().join('');
  return BigInt('0x' + bytes);
}

function oneSentence(msg: string): void {
  assert.doesNotMatch(msg, /\n|\s+at\s+\S+\s+\(|Error:/, `not one clean sentence: ${msg}`);
  assert.ok(msg.length < 300, `too long: ${msg}`);
}

describe('adapter: launch and run control (real QEMU + Exo-OS)', function () {
  this.timeout(120_000);
  before(requireBuilt);

  it('stopAtEntry stops CPU 0 at the PVH entry; 4 threads CPU 0-3; terminate leaves no QEMU', async () => {
    const s = new Session();
    await s.start();
    try {
      await s.launch({ stopAtEntry: true });
      const stop = await s.nextStop();
      assert.equal(stop.body.reason, 'entry');
      assert.equal(stop.body.threadId, 1);
      assert.equal(stop.body.allThreadsStopped, true);
      const threads = await s.dc.threadsRequest();
      assert.deepEqual(threads.body.threads.map(t => [t.id, t.name]), [[1, 'CPU 0'], [2, 'CPU 1'], [3, 'CPU 2'], [4, 'CPU 3']]);
      const top = await s.topFrame(1);
      assert.equal(BigInt(top.instructionPointerReference!), pvhEntry());
    } finally {
      await s.close();
    }
    assert.ok(s.qemuPid !== undefined, 'the adapter reports the QEMU pid it started');
    assert.equal(pidAlive(s.qemuPid), false);
  });

  it('breakpoint at #BP:kmain is verified on its line and hit there with a kmain stack', async () => {
    const kmain = findMarker('kmain');
    const s = new Session();
    await s.start();
    try {
      const [set] = await s.launch({}, [kmain, { path: kmain.path, line: 100_000 }]);
      assert.equal(set.body.breakpoints[0].verified, true);
      assert.equal(set.body.breakpoints[0].line, kmain.line);
      // A line without code is reported unverified, with the reason.
      assert.equal(set.body.breakpoints[1].verified, false);
      assert.ok((set.body.breakpoints[1].message ?? '').length > 0, 'an unverified breakpoint says why');
      const stop = await s.nextStop();
      assert.equal(stop.body.reason, 'breakpoint');
      assert.equal(stop.body.threadId, 1);
      assert.deepEqual(stop.body.hitBreakpointIds, [set.body.breakpoints[0].id]);
      const st = await s.dc.stackTraceRequest({ threadId: 1 });
      const [f0] = st.body.stackFrames;
      assert.equal(f0.source?.path, kmain.path);
      assert.equal(f0.line, kmain.line);
      assert.match(f0.name, /kmain/);
      assert.equal(BigInt(f0.instructionPointerReference!), BigInt(set.body.breakpoints[0].instructionReference!));
      // Serial output streams to the console as it arrives.
      await s.dc.continueRequest({ threadId: 1 });
      await waitFor(() => s.output.join('').includes('CPUs online'), 60_000, 'the SMP online message on the console');
    } finally {
      await s.close();
    }
  });

  it('pause stops a running kernel within a second', async () => {
    const s = new Session();
    await s.start();
    try {
      await s.launch({});
      await waitFor(() => s.output.join('').includes('CPUs online'), 60_000, 'boot to finish');
      const t0 = Date.now();
      await s.dc.pauseRequest({ threadId: 1 });
      const stop = await s.nextStop(5_000);
      const ms = Date.now() - t0;
      assert.equal(stop.body.reason, 'pause');
      assert.ok(ms < 1000, `pause took ${ms} ms`);
      const threads = await s.dc.threadsRequest();
      assert.equal(threads.body.threads.length, 4);
    } finally {
      await s.close();
    }
  });

  it('QEMU killed with SIGKILL ends the session within a second, saying why', async () => {
    const s = new Session();
    await s.start();
    try {
      await s.launch({ stopAtEntry: true });
      await s.nextStop();
      assert.ok(s.qemuPid);
      const terminated = s.dc.waitForEvent('terminated', 5_000);
      const t0 = Date.now();
      process.kill(s.qemuPid, 'SIGKILL');
      await terminated;
      const ms = Date.now() - t0;
      assert.ok(ms < 1000, `session ended ${ms} ms after the kill`);
      assert.match(s.output.join(''), /QEMU was killed by SIGKILL/);
    } finally {
      await s.close();
    }
  });

  for (const [what, args, pattern] of [
    ['a missing kernel', { kernel: '/nonexistent/exo.elf' }, /kernel file \/nonexistent\/exo\.elf does not exist/],
    ['a missing qemu', { kernel: KERNEL, qemuPath: '/nonexistent/qemu-system-x86_64' }, /not found/],
  ] as const) {
    it(`${what} fails the launch with one sentence`, async () => {
      const dc = new DebugClient('node', ADAPTER, 'exo-kernel', { cwd: ROOT });
      dc.defaultTimeout = 30_000;
      await dc.start();
      try {
        await dc.initializeRequest({ adapterID: 'exo-kernel', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
        const err = await dc.launchRequest({ ...args } as never).then(() => undefined, (e: Error) => e);
        assert.ok(err, 'launch must fail');
        assert.match(err.message, pattern);
        oneSentence(err.message);
      } finally {
        await dc.stop();
      }
    });
  }
});
