// The kernel as a debug target, with gdb as the oracle: the #BP markers are hit where the
// debugger's tests expect (kmain on CPU 0, ap_main once on each AP, the timer tick) and the
// statics the views read (EXO_CPUS, EXO_CPU_COUNT, EXO_LOG_HEAD) are described by DWARF.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { marker } from '../../unit/kernel/markers';
import { kernelArtifact } from '../../unit/kernel/paths';
import { freePort, isAlive, startQemu } from './qemu';

const GDB_TIMEOUT_MS = 120_000;

function gdb(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('gdb', args, { timeout: GDB_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && !stdout) reject(new Error(`gdb failed: ${err.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

function loc(name: string): string {
  const m = marker(name);
  return `${m.file}:${m.line}`;
}

describe('Exo-OS under gdb', function () {
  this.timeout(GDB_TIMEOUT_MS + 30_000);

  it('hits kmain, ap_main on each AP, timer_tick, and reads the per-CPU table', async () => {
    const port = await freePort();
    const qemu = startQemu({ elf: kernelArtifact('exo.elf'), smp: 4, extraArgs: ['-S', '-gdb', `tcp:127.0.0.1:${port}`] });
    try {
      const ex = (c: string) => ['-ex', c];
      const out = await gdb([
        '-batch', '-nx',
        ...ex('set pagination off'), ...ex('set confirm off'),
        ...ex(`target remote 127.0.0.1:${port}`),
        ...ex(`break ${loc('kmain')}`), ...ex('continue'),
        ...ex('delete'), ...ex(`break ${loc('ap_main')}`),
        ...ex('continue'), ...ex('print/d cpu_index'),
        ...ex('continue'), ...ex('print/d cpu_index'),
        ...ex('continue'), ...ex('print/d cpu_index'),
        ...ex('delete'), ...ex(`break ${loc('smp_online')}`), ...ex('continue'),
        // DWARF places the statics in their modules' namespaces; the ELF symbols are plain.
        ...ex('print exo::arch::x86_64::smp::EXO_CPU_COUNT'),
        ...ex('print exo::arch::x86_64::smp::EXO_CPUS[3].state'),
        ...ex('print exo::arch::x86_64::smp::EXO_CPUS[0].is_bsp'),
        ...ex('print exo::log::EXO_LOG_HEAD > 0'),
        ...ex('info address EXO_CPUS'),
        ...ex('delete'), ...ex(`break ${loc('timer_tick')}`), ...ex('continue'),
        ...ex('bt'),
        ...ex('kill'),
        kernelArtifact('exo.elf'),
      ]);
      assert.match(out, /Thread 1 hit Breakpoint 1, exo::kmain/, out);
      const apHits = [...out.matchAll(/Thread (\d+) hit Breakpoint 2, exo::ap_main \(cpu_index=(\d+)\)/g)];
      assert.equal(apHits.length, 3, out);
      assert.deepEqual(apHits.map((h) => h[2]).sort(), ['1', '2', '3'], 'each AP enters ap_main once');
      assert.equal(new Set(apHits.map((h) => h[1])).size, 3, 'on three different vCPUs');
      assert.match(out, /hit Breakpoint 3, exo::kmain/, out);
      assert.match(out, /\$\d+ = 4\n/, `EXO_CPU_COUNT:\n${out}`);
      assert.match(out, /\$\d+ = exo::arch::x86_64::smp::CpuState::Online/, 'EXO_CPUS[3].state');
      assert.equal([...out.matchAll(/\$\d+ = true\n/g)].length, 2, 'EXO_CPUS[0].is_bsp and EXO_LOG_HEAD > 0');
      assert.match(out, /Symbol "EXO_CPUS" is at 0xffffffff8[0-9a-f]+/, `EXO_CPUS by its ELF symbol:\n${out}`);
      assert.match(out, /hit Breakpoint 4, exo::arch::x86_64::interrupts::timer_tick/, out);
      // isr.S's CFI makes the interrupt a signal frame: the backtrace continues into the
      // interrupted code (usually the idle loop, kmain when the tick comes early) and ends
      // at the assembly entry point.
      assert.match(out, /#\d+\s+<signal handler called>\n#\d+\s+(0x[0-9a-f]+ in )?[a-z_]\w*::/, out);
      assert.match(out, /in (kernel_entry|ap_entry) \(\) at .*boot\.S/, out);
    } finally {
      await qemu.stop();
    }
    assert.ok(!isAlive(qemu.pid), `QEMU ${qemu.pid} still running`);
  });
});
