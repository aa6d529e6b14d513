import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alive, killAllAndCheck, launch, remember, waitGone } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'qemuParent.ts');

/** Starts a Node parent that launches QEMU; resolves with the parent and QEMU's pid. */
function startParent(mode: 'hang' | 'throw', guard: boolean): Promise<{ parent: ChildProcess; qemuPid: number; guarded: boolean; qmpPath: string }> {
  return new Promise((resolve, reject) => {
    const parent = spawn(process.execPath, ['-r', 'tsx/cjs', FIXTURE, mode, guard ? 'guard' : 'noguard'], {
      stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(__dirname, '../../..'), // so -r tsx/cjs resolves
    });
    let out = '';
    let err = '';
    const t = setTimeout(() => { parent.kill('SIGKILL'); reject(new Error(`parent did not report a pid: ${err}`)); }, 60_000);
    parent.stderr!.on('data', d => { err += d; });
    parent.stdout!.on('data', d => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(t);
      const { pid, guarded, qmpPath } = JSON.parse(out.slice(0, nl)) as { pid: number; guarded: boolean; qmpPath: string };
      remember(pid);
      resolve({ parent, qemuPid: pid, guarded, qmpPath });
    });
    parent.once('exit', (code, sig) => { clearTimeout(t); reject(new Error(`parent exited early (${code ?? sig}): ${err}`)); });
  });
}

const exitOf = (p: ChildProcess) => new Promise<void>(r => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

describe('qemu/lifetime: no orphan QEMU (real processes)', function () {
  this.timeout(120_000);
  afterEach(killAllAndCheck);

  it('SIGKILL of the parent takes QEMU down (parent-death signal)', async () => {
    const { parent, qemuPid, guarded, qmpPath } = await startParent('hang', true);
    assert.equal(guarded, true, 'setpriv --pdeathsig is expected on this machine');
    assert.ok(alive(qemuPid));
    parent.kill('SIGKILL');
    await exitOf(parent);
    assert.ok(await waitGone(qemuPid, 5_000), 'QEMU survived its parent');
    // Nobody could remove the private temp dir; the next launch sweeps it.
    assert.ok(fs.existsSync(path.dirname(qmpPath)));
    // Dirs younger than a minute are left alone (their QEMU may be starting): age this one.
    const old = (Date.now() - 5 * 60_000) / 1000;
    fs.utimesSync(path.dirname(qmpPath), old, old);
    await launch();
    assert.equal(fs.existsSync(path.dirname(qmpPath)), false, 'stale temp dir was not swept');
  });

  it('control: without the guard, SIGKILL of the parent leaves QEMU running (the test above can fail)', async () => {
    const { parent, qemuPid } = await startParent('hang', false);
    parent.kill('SIGKILL');
    await exitOf(parent);
    await new Promise(r => setTimeout(r, 1_000));
    assert.ok(alive(qemuPid), 'QEMU died without the guard: the SIGKILL test proves nothing');
    process.kill(qemuPid, 'SIGKILL'); // ours: clean up the deliberate orphan
    assert.ok(await waitGone(qemuPid, 5_000));
  });

  it('SIGTERM and SIGINT of the parent kill QEMU through the signal handlers', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const { parent, qemuPid } = await startParent('hang', false);
      parent.kill(sig);
      await exitOf(parent);
      assert.equal(parent.signalCode, sig, 'the parent should still die by the signal');
      assert.ok(await waitGone(qemuPid, 5_000), `QEMU survived ${sig} of its parent`);
    }
  });

  it('an uncaught exception in the parent kills QEMU through the exit handler', async () => {
    const { parent, qemuPid } = await startParent('throw', false);
    await exitOf(parent);
    assert.notEqual(parent.exitCode, 0);
    assert.ok(await waitGone(qemuPid, 5_000), 'QEMU survived the crash of its parent');
  });
});
