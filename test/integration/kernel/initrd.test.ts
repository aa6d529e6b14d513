// The initrd that `npm run build:kernel` packs (cpio newc, written by scripts/build-kernel.mjs)
// read back by GNU cpio as the oracle: the file list, and byte-exact contents.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelArtifact, kernelBuildDir, repoRoot } from '../../unit/kernel/paths';

function cpio(args: string[]): Buffer {
  return execFileSync('cpio', ['--quiet', '-F', kernelArtifact('initrd.cpio'), ...args], { maxBuffer: 64 << 20 });
}

describe('Exo-OS initrd (GNU cpio as the oracle)', () => {
  it('lists exactly the packed entries, with directory and file modes', () => {
    assert.deepEqual(cpio(['-it']).toString('utf8').trim().split('\n'),
      ['bin', 'bin/init', 'bin/hello', 'bin/bad', 'bin/interp', 'etc', 'etc/motd']);
    const long = cpio(['-itv']).toString('utf8');
    assert.match(long, /^drwxr-xr-x .* bin$/m);
    assert.match(long, /^-rwxr-xr-x .* bin\/init$/m);
    assert.match(long, /^-rw-r--r-- .* etc\/motd$/m);
  });

  it('holds the files byte for byte', () => {
    assert.deepEqual(cpio(['-i', '--to-stdout', 'etc/motd']), readFileSync(join(repoRoot, 'kernel', 'user', 'motd.txt')));
    for (const name of ['init', 'hello']) {
      assert.deepEqual(cpio(['-i', '--to-stdout', `bin/${name}`]), readFileSync(join(kernelBuildDir, 'user', name)), name);
    }
    const bad = cpio(['-i', '--to-stdout', 'bin/bad']);
    assert.equal(bad.readUInt16LE(18), 3, 'bin/bad claims EM_386');
  });
});
