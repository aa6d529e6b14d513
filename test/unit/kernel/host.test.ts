// Runs the kernel's host-side Rust tests (kernel/host-tests: MADT parsing incl. 20k mutated
// tables that must not panic, page-table entry encoding) with plain `rustc --test`.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from './paths';

describe('kernel pure logic on the host (rustc --test)', function () {
  this.timeout(180_000); // a cold rustc on a loaded 2-core machine

  it('all host tests pass', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exo-host-tests-'));
    try {
      const bin = join(dir, 'host-tests');
      run('rustc', ['--edition', '2021', '--test', join(repoRoot, 'kernel', 'host-tests', 'lib.rs'), '-o', bin]);
      const out = run(bin, []);
      const m = /test result: ok\. (\d+) passed; 0 failed/.exec(out);
      assert.ok(m, out);
      assert.ok(Number(m[1]) >= 7, `only ${m[1]} host tests ran:\n${out}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
