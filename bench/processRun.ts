// Shared by the symbol benchmarks: the Debian vmlinux they read, an up-to-date bundled CLI, and
// one command's wall clock, CPU time and peak RSS (measured by /usr/bin/time).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const DEBUG_DIR = '/usr/lib/debug/boot';

/** Debian's vmlinux with DWARF 5 (linux-image-amd64-dbg), installed when running as root. */
export function findVmlinux(): string {
  const pick = () => (existsSync(DEBUG_DIR) ? readdirSync(DEBUG_DIR).filter(f => f.startsWith('vmlinux-')).map(f => join(DEBUG_DIR, f))[0] : undefined);
  let v = pick();
  if (!v && process.getuid?.() === 0) {
    process.stdout.write('installing linux-image-amd64-dbg (about 1 GB download)…\n');
    spawnSync('apt-get', ['install', '-y', '-q', 'linux-image-amd64-dbg'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    v = pick();
  }
  if (!v) throw new Error(`no vmlinux under ${DEBUG_DIR}: install it with 'sudo apt-get install linux-image-amd64-dbg'`);
  return v;
}

/** dist/cli.js, rebuilt first when `source` (a file the measured command runs) is newer. */
export function builtCli(source: string): string {
  const cli = join(ROOT, 'dist/cli.js');
  if (!existsSync(cli) || statSync(cli).mtimeMs < statSync(join(ROOT, source)).mtimeMs) {
    spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  }
  return cli;
}

export interface Run { seconds: number; cpuSeconds: number; rssMB: number; stdout: string }

/** Runs a command under /usr/bin/time to get its peak RSS and CPU; wall clock measured here. */
export function measure(cmd: string, args: string[]): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '__RSS_KB=%M CPU=%U+%S', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /__RSS_KB=(\d+) CPU=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-1500)}`);
  return { seconds, cpuSeconds: Number(m[2]) + Number(m[3]), rssMB: Number(m[1]) / 1024, stdout: r.stdout };
}
