import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findExecutable, sweepStaleTempDirs, TEMP_PREFIX, wrapForParentDeath } from '../../../adapter/qemu/lifetime';

describe('qemu/lifetime', () => {
  let root: string;
  beforeEach(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-lifetime-test-')); });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds executables on PATH and by explicit path, and not directories or missing files', () => {
    assert.equal(findExecutable('sh', '/nonexistent:/bin'), '/bin/sh');
    assert.equal(findExecutable('/bin/sh'), '/bin/sh');
    assert.equal(findExecutable('definitely-not-here-exo', '/bin:/usr/bin'), undefined);
    assert.equal(findExecutable('/bin'), undefined);
  });

  it('wraps the command in setpriv --pdeathsig unless told not to', () => {
    const w = wrapForParentDeath('/usr/bin/qemu', ['-S']);
    assert.equal(w.guarded, true, 'setpriv with --pdeathsig is expected on this machine');
    assert.deepEqual(w.argv, ['--pdeathsig', 'SIGKILL', '--', '/usr/bin/qemu', '-S']);
    assert.deepEqual(wrapForParentDeath('/usr/bin/qemu', ['-S'], false), { cmd: '/usr/bin/qemu', argv: ['-S'], guarded: false });
  });

  it('sweeps old temp dirs whose QEMU is gone and keeps those of live or just-started ones', async () => {
    const mk = (suffix: string, pid: number | undefined, young = false) => {
      const d = path.join(root, TEMP_PREFIX + suffix);
      fs.mkdirSync(d, { mode: 0o700 });
      fs.writeFileSync(path.join(d, 'qmp.sock'), '');
      if (pid !== undefined) fs.writeFileSync(path.join(d, 'qemu.pid'), String(pid));
      const old = (Date.now() - 5 * 60_000) / 1000;
      if (!young) fs.utimesSync(d, old, old);
      return d;
    };
    const deadPid = spawnSync('true').pid!;
    const dead = mk('dead01', deadPid);
    const reused = mk('reuse1', process.pid);      // pid alive but not a process naming the dir
    const liveDir = path.join(root, TEMP_PREFIX + 'live01');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', liveDir], { stdio: 'ignore' });
    try {
      await new Promise(r => holder.once('spawn', r));
      mk('live01', holder.pid);
      const noPid = mk('nopid1', undefined);          // launch in progress: keep
      const young = mk('young1', deadPid, true);      // just created: its QEMU may be starting
      const other = path.join(root, 'exo-qemutest-abcdef');
      fs.mkdirSync(other);
      const removed = sweepStaleTempDirs(undefined, root).sort();
      assert.deepEqual(removed, [dead, reused].sort());
      for (const d of [liveDir, noPid, other, young]) assert.ok(fs.existsSync(d), d);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
