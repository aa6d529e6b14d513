// Benchmark: global variables by name on Debian's vmlinux (linux-image-amd64-dbg): `jiffies`
// (only declarations in DWARF, a linker-script alias), `init_task` and `nr_cpu_ids`, typed.
// `exo-debug symbols global` (bundled CLI, fresh process) against `gdb -batch` doing ptype,
// sizeof and & of the same names, in the same run. Prints wall clock, CPU, peak RSS, their ratios
// and whether sizes and addresses agree. Extra names may be given: npx tsx bench/globals.ts NAME…
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const DEBUG_DIR = '/usr/lib/debug/boot';
const NAMES = process.argv.slice(2).length ? process.argv.slice(2) : ['jiffies', 'init_task', 'nr_cpu_ids'];

interface Run { seconds: number; cpuSeconds: number; rssMB: number; stdout: string }

function measure(cmd: string, args: string[]): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '__RSS_KB=%M CPU=%U+%S', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /__RSS_KB=(\d+) CPU=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-1500)}`);
  return { seconds, cpuSeconds: Number(m[2]) + Number(m[3]), rssMB: Number(m[1]) / 1024, stdout: r.stdout };
}

function main(): void {
  const vmlinux = existsSync(DEBUG_DIR) ? readdirSync(DEBUG_DIR).filter(f => f.startsWith('vmlinux-')).map(f => join(DEBUG_DIR, f))[0] : undefined;
  if (!vmlinux) throw new Error(`no vmlinux under ${DEBUG_DIR}: install it with 'sudo apt-get install linux-image-amd64-dbg' (or run bench/symbols.ts once as root)`);
  const cli = join(ROOT, 'dist/cli.js');
  if (!existsSync(cli) || statSync(cli).mtimeMs < statSync(join(ROOT, 'adapter/symbols/values/globals.ts')).mtimeMs) {
    spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  }
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
