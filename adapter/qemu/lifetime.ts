// No orphan QEMU: QEMU is started under `setpriv --pdeathsig SIGKILL` (the kernel kills it when
// we die, even by SIGKILL), and every live instance is also killed on exit and on SIGTERM/SIGINT/SIGHUP.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../common/log';

/** Our temp dirs are `<tmpdir>/exo-qemu-XXXXXX`, holding qmp.sock and qemu.pid. */
export const TEMP_PREFIX = 'exo-qemu-';
/** Dirs younger than this are never swept: their QEMU may be starting. */
const STALE_MIN_AGE_MS = 60_000;

interface Tracked { pid: number; tmpDir: string }
const live = new Map<number, Tracked>();
let hooked = false;

/** Finds an executable on PATH (or checks an explicit path); undefined when absent. */
export function findExecutable(nameOrPath: string, envPath = process.env.PATH ?? ''): string | undefined {
  const ok = (p: string) => {
    try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch { return false; }
  };
  if (nameOrPath.includes('/')) return ok(nameOrPath) ? path.resolve(nameOrPath) : undefined;
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, nameOrPath);
    if (ok(p)) return p;
  }
  return undefined;
}

let setprivCache: string | null | undefined;
/** `setpriv` if it exists and supports --pdeathsig (util-linux ≥ 2.33), else null. */
export function pdeathsigWrapper(): string | null {
  if (setprivCache !== undefined) return setprivCache;
  const p = findExecutable('setpriv');
  setprivCache = null;
  if (p) {
    const r = spawnSync(p, ['--help'], { encoding: 'utf8', timeout: 5000 });
    if (typeof r.stdout === 'string' && r.stdout.includes('--pdeathsig')) setprivCache = p;
  }
  return setprivCache;
}

/** The command and arguments that run `bin args` so that it dies with this process. */
export function wrapForParentDeath(bin: string, args: readonly string[], wanted = true): { cmd: string; argv: string[]; guarded: boolean } {
  const sp = wanted ? pdeathsigWrapper() : null;
  if (sp) return { cmd: sp, argv: ['--pdeathsig', 'SIGKILL', '--', bin, ...args], guarded: true };
  return { cmd: bin, argv: [...args], guarded: false };
}

export function track(pid: number, tmpDir: string): void {
  live.set(pid, { pid, tmpDir });
  hookProcess();
}

export function untrack(pid: number): void {
  live.delete(pid);
}

/** PIDs of QEMU processes this module still considers alive (for tests and diagnostics). */
export function livePids(): number[] {
  return [...live.keys()];
}

/** Synchronous last-resort cleanup: SIGKILL every tracked QEMU and remove its temp dir. */
export function killAllSync(): void {
  for (const t of live.values()) {
    try { process.kill(t.pid, 'SIGKILL'); } catch { /* already gone */ }
    try { fs.rmSync(t.tmpDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  live.clear();
}

function hookProcess(): void {
  if (hooked) return;
  hooked = true;
  // 'exit' also fires after an uncaught exception, so crashes are covered too.
  process.on('exit', killAllSync);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllSync();
      // If nobody else handles the signal, behave as if we had not listened: die by it.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/**
 * Removes temp dirs left behind by adapters that were SIGKILLed (their QEMU died with them,
 * but nobody removed the directory). A dir is stale when the pid in its qemu.pid is no longer
 * a process whose command line names that dir; dirs of live QEMUs (anyone's) are kept.
 */
export function sweepStaleTempDirs(log?: Logger, root = os.tmpdir()): string[] {
  const removed: string[] = [];
  if (!fs.existsSync('/proc/self/cmdline')) return removed; // cannot tell live from stale
  let names: string[];
  try { names = fs.readdirSync(root); } catch { return removed; }
  const uid = process.getuid?.();
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX) || name.length !== TEMP_PREFIX.length + 6) continue;
    const dir = path.join(root, name);
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const pid = Number(fs.readFileSync(path.join(dir, 'qemu.pid'), 'utf8'));
      if (!Number.isInteger(pid) || pid <= 0 || live.has(pid)) continue;
      // A young dir may belong to a QEMU being started right now by another adapter.
      if (Date.now() - st.mtimeMs < STALE_MIN_AGE_MS) continue;
      if (processMentions(pid, dir)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
      log?.debug(`removed stale QEMU temp dir ${dir}`);
    } catch { /* no pid file yet, or raced with its owner: leave it */ }
  }
  return removed;
}

/** Whether process `pid` may still own `text`'s dir: its command line names it, or it is alive
 *  but its command line reads empty (as while it execs QEMU from setpriv). Zombies read empty too:
 *  an unreaped QEMU owns nothing. */
function processMentions(pid: number, text: string): boolean {
  let cmd: string;
  try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return false; }
  if (cmd.length > 0) return cmd.includes(text);
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && state !== '';
  } catch { return false; }
}
