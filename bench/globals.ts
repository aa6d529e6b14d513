// Benchmark: global variables by name on Debian's vmlinux (linux-image-amd64-dbg): `jiffies`
// (only declarations in DWARF, a linker-script alias), `init_task` and `nr_cpu_ids`, typed.
// `exo-debug symbols global` (bundled CLI, fresh process) against `gdb -batch` doing ptype,
// sizeof and & of the same names, in the same run. Prints wall clock, CPU, peak RSS, their ratios
// and whether sizes and addresses agree. Extra names may be given: npx tsx bench/globals.ts NAME…
import { readFileSync } from 'node:fs';
import { builtCli, findVmlinux, measure, type Run } from './processRun';

const NAMES = process.argv.slice(2).length ? process.argv.slice(2) : ['jiffies', 'init_task', 'nr_cpu_ids'];

function main(): void {
  const vmlinux = findVmlinux();
  const cli = builtCli('adapter/symbols/values/globals.ts');
  process.stdout.write(`vmlinux: ${vmlinux}; globals: ${NAMES.join(', ')}\n`);
  const ours = measure('node', [cli, 'symbols', 'global', vmlinux, ...NAMES, '--json']);
  const gdbArgs = ['-batch', '-nx', '-ex', 'set width 0', '-ex', 'set height 0'];
  for (const n of NAMES) gdbArgs.push('-ex', `echo @@${n}\\n`, '-ex', `ptype ${n}`, '-ex', `print sizeof(${n})`, '-ex', `print &${n}`);
  gdbArgs.push(vmlinux);
  const gdb = measure('gdb', gdbArgs);

  const mine = JSON.parse(ours.stdout) as { query: string; ok: boolean; address?: string; type?: string; size?: number }[];
  let same = 0;
  for (const n of NAMES) {
    const part = gdb.stdout.split(`@@${n}\n`)[1]?.split('@@')[0] ?? '';
    const size = /^\$\d+ = (\d+)$/m.exec(part)?.[1];
    const addr = /^\$\d+ = \([^)]*\) (0x[0-9a-f]+)/m.exec(part)?.[1];
    const gType = /^type = (.*)$/m.exec(part)?.[1];
    const r = mine.find(x => x.query === n);
    const ok = !!r?.ok && r.size === Number(size) && r.address !== undefined && addr !== undefined && BigInt(r.address) === BigInt(addr);
    if (ok) same++;
    process.stdout.write(`  ${ok ? 'same' : 'DIFF'} ${n}: ours ${r?.type ?? '-'} ${r?.size ?? '-'} B @ ${r?.address ?? '-'} | gdb ${gType ?? '-'}${gType?.endsWith('{') ? '…}' : ''} ${size ?? '-'} B @ ${addr ?? '-'}\n`);
  }
  const row = (n: string, r: Run) => `${n.padEnd(10)} ${r.seconds.toFixed(2).padStart(8)} s wall ${r.cpuSeconds.toFixed(2).padStart(8)} s cpu ${r.rssMB.toFixed(0).padStart(8)} MB peak RSS\n`;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(row('exo-debug', ours) + row('gdb', gdb));
  process.stdout.write(`time ratio ${(ours.seconds / gdb.seconds).toFixed(3)} wall, ${(ours.cpuSeconds / gdb.cpuSeconds).toFixed(3)} cpu; memory ratio ${(ours.rssMB / gdb.rssMB).toFixed(3)}; load average ${load}\n`);
  process.stdout.write(`same size and address for ${same}/${NAMES.length} globals\n`);
}

main();
