// Process helpers for the e2e suite: run a command with a timeout (argument arrays, no shell),
// and find the processes a given process started (its descendants, from /proc).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface RunOptions { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }

/** Runs to completion; rejects with the command, exit status and the output's tail. */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const keep = (b: Buffer) => { out = (out + b.toString()).slice(-8000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      // detached: the child leads its own group, so its helpers (node-gyp, ...) end with it.
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      reject(new Error(`'${cmd} ${args.join(' ')}' timed out after ${opts.timeoutMs / 1000} s:\n${out}`));
    }, opts.timeoutMs);
    child.on('error', e => { clearTimeout(timer); reject(new Error(`could not run ${cmd}: ${e.message}`)); });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`'${cmd} ${args.join(' ')}' failed (exit ${code ?? sig}):\n${out}`));
    });
  });
}

interface ProcInfo { pid: number; ppid: number; comm: string }

function readProcs(): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm may contain spaces and parentheses: the fields after the last ')' are fixed.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      procs.push({ pid: Number(name), ppid, comm });
    } catch { /* exited while we looked */ }
  }
  return procs;
}

/** Live descendants of `root` (not `root` itself). */
export function descendants(root: number): ProcInfo[] {
  const procs = readProcs();
  const found = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!found.has(p.pid) && found.has(p.ppid)) { found.add(p.pid); grew = true; }
    }
  }
  return procs.filter(p => p.pid !== root && found.has(p.pid));
}

/** PIDs of QEMU processes started (directly or not) by `root`. */
export function qemuDescendants(root: number): number[] {
  return descendants(root).filter(p => p.comm.startsWith('qemu-system')).map(p => p.pid);
}

export function pidAlive(pid: number): boolean {
  // Strict: an unreaped zombie still counts as a process that remains.
  try { process.kill(pid, 0); return true; } catch { return false; }
}
