// Boots the kernel images in real QEMU: the in-QEMU test runner with 1, 4 and 8 CPUs (serial
// verdicts + isa-debug-exit status), its failure path, and the normal kernel, which must
// report its CPUs and then keep running for the debugger.
import { strict as assert } from 'node:assert';
import { kernelArtifact, run } from '../../unit/kernel/paths';
import { boot, isAlive } from './qemu';

// A loaded 2-core machine can be slow to boot 8 TCG vCPUs: be generous.
const BOOT_TIMEOUT_MS = 180_000;
const PASS_STATUS = 33; // isa-debug-exit: (0x10 << 1) | 1
const FAIL_STATUS = 35; // (0x11 << 1) | 1

function verdicts(serial: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of serial.split('\n')) {
    const v = /^exo-test: (\w+) (ok|FAILED)/.exec(line);
    if (v) m.set(v[1], v[2]);
  }
  return m;
}

describe('Exo-OS in QEMU', function () {
  this.timeout(BOOT_TIMEOUT_MS + 30_000);

  for (const smp of [1, 4, 8]) {
    it(`test runner passes with -smp ${smp}`, async () => {
      const r = await boot({ elf: kernelArtifact('exo-test.elf'), smp, debugExit: true, timeoutMs: BOOT_TIMEOUT_MS });
      assert.ok(!r.timedOut, `timed out after ${r.ms} ms; serial:\n${r.serial}`);
      assert.ok(r.serial.includes(`exo: smp: ${smp} CPUs online\n`), `no online line for ${smp} CPUs:\n${r.serial}`);
      const v = verdicts(r.serial);
      const failed = [...v].filter(([, s]) => s !== 'ok').map(([n]) => n);
      assert.deepEqual(failed, [], `failed tests:\n${r.serial}`);
      for (const name of ['frame_refcounts', 'paging_unmap_faults', 'paging_protect_rejects_writes', 'tlb_range_flush',
        'madt_fixture', 'rsdp_scan', 'sse_saved_across_interrupts', 'smp_all_cpus_online', 'smp_ipi_round_trip',
        'smp_tlb_shootdown']) {
        assert.equal(v.get(name), 'ok', `${name} did not report ok`);
      }
      const summary = /exo-test: (\d+) passed, (\d+) failed/.exec(r.serial);
      assert.ok(summary, `no summary line:\n${r.serial}`);
      assert.equal(Number(summary[1]), v.size);
      assert.equal(Number(summary[2]), 0);
      assert.equal(r.exitCode, PASS_STATUS, `exit status ${r.exitCode}`);
      assert.ok(!isAlive(r.pid), `QEMU ${r.pid} still running`);
    });
  }

  it('test runner reports a failing test and exits with the failure status', async () => {
    const r = await boot({
      elf: kernelArtifact('exo-test.elf'), smp: 2, debugExit: true, append: 'exo.test.fail', timeoutMs: BOOT_TIMEOUT_MS,
    });
    assert.ok(!r.timedOut, `timed out; serial:\n${r.serial}`);
    assert.equal(verdicts(r.serial).get('runner_self_check'), 'FAILED', r.serial);
    assert.match(r.serial, /exo-test: \d+ passed, 1 failed/);
    assert.equal(r.exitCode, FAIL_STATUS);
  });

  for (const smp of [1, 4]) {
    it(`normal kernel reports ${smp} CPUs online and keeps running`, async () => {
      const r = await boot({
        elf: kernelArtifact('exo.elf'), smp, until: /exo: smp: \d+ CPUs online\r?\n/, settleMs: 1500, timeoutMs: BOOT_TIMEOUT_MS,
      });
      assert.ok(!r.timedOut, `timed out; serial:\n${r.serial}`);
      const lines = r.serial.split('\n').filter((l) => l.startsWith('exo: smp:'));
      assert.deepEqual(lines, [`exo: smp: ${smp} CPUs online`]);
      assert.ok(r.aliveAfterMatch, 'the normal kernel must idle, not exit');
      assert.doesNotMatch(r.serial, /EXCEPTION|PANIC/);
      assert.ok(!isAlive(r.pid), `QEMU ${r.pid} still running after stop`);
    });
  }

  it('an exception is reported with vector, error code, RIP and CR2, and halts only that CPU', async () => {
    const r = await boot({
      elf: kernelArtifact('exo.elf'), smp: 2, append: 'exo.crash=pf', until: /exo: CPU 0 halted\r?\n/, settleMs: 1500,
      timeoutMs: BOOT_TIMEOUT_MS,
    });
    assert.ok(!r.timedOut, `timed out; serial:\n${r.serial}`);
    assert.match(
      r.serial,
      /exo: EXCEPTION 14 \(page fault\) on CPU 0: error 0x0 rip 0xffffffff8[0-9a-f]+ cr2 0xffffd000deadb000\n/,
    );
    assert.ok(r.aliveAfterMatch, 'QEMU must keep running (no triple fault, no reset)');
  });

  it('an invalid opcode is reported the same way', async () => {
    const r = await boot({
      elf: kernelArtifact('exo.elf'), smp: 1, append: 'exo.crash=ud', until: /exo: CPU 0 halted\r?\n/, settleMs: 500,
      timeoutMs: BOOT_TIMEOUT_MS,
    });
    assert.ok(!r.timedOut, `timed out; serial:\n${r.serial}`);
    assert.match(r.serial, /exo: EXCEPTION 6 \(invalid opcode\) on CPU 0: error 0x0 rip 0xffffffff8[0-9a-f]+ rsp 0x/);
    assert.ok(r.aliveAfterMatch);
  });

  it('a boot stack overflow faults on the guard page below the stack', async () => {
    const elf = kernelArtifact('exo.elf');
    const sym = /^([0-9a-f]+) B __boot_stack_guard$/m.exec(run('nm', [elf]));
    assert.ok(sym, 'no __boot_stack_guard symbol');
    const guard = BigInt('0x' + sym[1]);
    const r = await boot({
      elf, smp: 1, append: 'exo.crash=stack', until: /exo: CPU 0 halted\r?\n/, settleMs: 500, timeoutMs: BOOT_TIMEOUT_MS,
    });
    assert.ok(!r.timedOut, `timed out; serial:\n${r.serial}`);
    const m = /exo: EXCEPTION 14 \(page fault\) on CPU 0: error 0x2 rip 0x[0-9a-f]+ cr2 0x([0-9a-f]+)\n/.exec(r.serial);
    assert.ok(m, r.serial);
    const cr2 = BigInt('0x' + m[1]);
    assert.ok(cr2 >= guard && cr2 < guard + 4096n, `cr2 0x${m[1]} not in the guard page 0x${sym[1]}`);
    assert.ok(r.aliveAfterMatch);
  });
});
