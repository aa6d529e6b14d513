// Benchmark: open Debian's vmlinux (linux-image-amd64-dbg) and resolve 20 functions and 20
// FILE:LINE pairs with `exo-debug symbols resolve` (the bundled CLI, a fresh process) and with
// `gdb -batch` doing the same breakpoints, in the same run. Prints wall clock, peak RSS, their
// ratios (targets ≤ 0.25× time, ≤ 0.5× memory) and whether the addresses agree. BENCH_RUNS=N
// repeats the measurement pair N times and lists every ratio.
import { readFileSync, statSync } from 'node:fs';
import { builtCli, findVmlinux, measure, type Run } from './processRun';

const FUNCTIONS = [
  'schedule', 'kernel_clone', 'vfs_read', 'vfs_write', 'do_sys_openat2', '__alloc_pages', 'kmem_cache_alloc',
  'do_exit', 'wake_up_process', 'mutex_lock', 'copy_process', 'handle_mm_fault', 'ksys_read', 'tcp_sendmsg',
  'try_to_wake_up', 'filemap_read', 'do_mmap', '_printk', 'panic', 'kthread',
];
const LINES = [
  'kernel/fork.c:2700', 'kernel/fork.c:2738', 'kernel/fork.c:2800', 'mm/memory.c:5000', 'mm/memory.c:4500',
  'kernel/sched/core.c:6654', 'kernel/sched/core.c:6500', 'kernel/sched/core.c:4000', 'fs/read_write.c:460',
  'fs/read_write.c:560', 'kernel/exit.c:800', 'mm/page_alloc.c:5500', 'kernel/panic.c:300', 'fs/open.c:1300',
  'kernel/kthread.c:350', 'mm/mmap.c:1250', 'kernel/printk/printk.c:2300', 'lib/string.c:100', 'init/main.c:1500',
  'kernel/signal.c:1200',
];

/** Breakpoint addresses per spec from `info breakpoints` (numbered in spec order). */
function parseGdb(out: string, specs: string[]): Map<string, string[]> {
  const res = new Map<string, string[]>(specs.map(s => [s, []]));
  for (const line of out.split('\n')) {
    const m = /^(\d+)(?:\.\d+)?\s+(?:breakpoint\s+keep\s+y\s+|\s*y\s+)?(0x[0-9a-f]+)/.exec(line.trim());
    if (!m) continue;
    const spec = specs[Number(m[1]) - 1];
    if (spec !== undefined) res.get(spec)!.push(BigInt(m[2]).toString(16));
  }
  return res;
}

function main(): void {
  const vmlinux = findVmlinux();
  const cli = builtCli('adapter/symbols/symbolfile.ts');
  const specs = [...FUNCTIONS, ...LINES];
  process.stdout.write(`vmlinux: ${vmlinux} (${(statSync(vmlinux).size / 1e6).toFixed(0)} MB), ${FUNCTIONS.length} functions + ${LINES.length} FILE:LINE\n`);

  // BENCH_RUNS=N repeats the pair of measurements (the machine is shared: report every ratio).
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 1) || 1);
  const wallRatios: number[] = [], cpuRatios: number[] = [], memRatios: number[] = [];
  let allSame = true;
  for (let run = 1; run <= runs; run++) {
    if (runs > 1) process.stdout.write(`run ${run}/${runs}\n`);
    const ours = measure('node', [cli, 'symbols', 'resolve', vmlinux, ...specs, '--json']);
    const gdbArgs = ['-batch', '-nx', '-ex', 'set breakpoint pending off', '-ex', 'set width 0', '-ex', 'set height 0'];
    for (const s of specs) gdbArgs.push('-ex', `break ${s}`);
    gdbArgs.push('-ex', 'info breakpoints', vmlinux);
    const gdb = measure('gdb', gdbArgs);

    const ourJson = JSON.parse(ours.stdout) as { query: string; ok: boolean; addresses?: string[] }[];
    const gdbAddrs = parseGdb(gdb.stdout, specs);
    let same = 0;
    const diffs: string[] = [];
    for (const r of ourJson) {
      const a = (r.addresses ?? []).map(x => BigInt(x).toString(16)).sort().join(',');
      const g = [...(gdbAddrs.get(r.query) ?? [])].sort().join(',');
      if (a === g) same++; else diffs.push(`  ${r.query}: ours [${a}] gdb [${g}]`);
    }
    if (same !== specs.length) allSame = false;
    const row = (n: string, r: Run) => `${n.padEnd(10)} ${r.seconds.toFixed(2).padStart(8)} s wall ${r.cpuSeconds.toFixed(2).padStart(8)} s cpu ${r.rssMB.toFixed(0).padStart(8)} MB peak RSS\n`;
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    wallRatios.push(ours.seconds / gdb.seconds); cpuRatios.push(ours.cpuSeconds / gdb.cpuSeconds); memRatios.push(ours.rssMB / gdb.rssMB);
    process.stdout.write(row('exo-debug', ours) + row('gdb', gdb));
    process.stdout.write(`time ratio ${(ours.seconds / gdb.seconds).toFixed(3)} wall, ${(ours.cpuSeconds / gdb.cpuSeconds).toFixed(3)} cpu (target ≤ 0.25); memory ratio ${(ours.rssMB / gdb.rssMB).toFixed(3)} (target ≤ 0.5); load average ${load}\n`);
    process.stdout.write(`same addresses for ${same}/${specs.length} queries\n${diffs.join('\n')}\n`);
  }
  if (runs > 1) {
    const list = (xs: number[]) => xs.map(x => x.toFixed(3)).join(' ');
    const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)].toFixed(3); };
    process.stdout.write(`all runs: wall ratios ${list(wallRatios)} (median ${median(wallRatios)}); cpu ratios ${list(cpuRatios)} (median ${median(cpuRatios)}); memory ratios ${list(memRatios)}; ${allSame ? 'same addresses in every run' : 'ADDRESSES DIFFER in some run'}\n`);
  }
}

main();
