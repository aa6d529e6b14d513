// Shared helpers for QEMU integration tests: track every QEMU we start, and check liveness by pid.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { launchQemu, type QemuInstance, type QemuLaunchOptions } from '../../../adapter/qemu/launcher';
import { livePids } from '../../../adapter/qemu/lifetime';

const started = new Set<number>();
const instances: QemuInstance[] = [];

/** launchQemu with test defaults, remembering the instance for the afterEach check. */
export async function launch(opts: QemuLaunchOptions = {}): Promise<QemuInstance> {
  const q = await launchQemu({ timeoutMs: 60_000, ...opts });
  started.add(q.pid);
  instances.push(q);
  return q;
}

/** Remembers a pid started some other way (e.g. by a child process). */
export function remember(pid: number): void { started.add(pid); }

/** True while `pid` exists and is not a zombie (our container's init may not reap). */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
}

export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise(r => setTimeout(r, 50));
  }
  return true;
}

/** afterEach: kill what is left, then assert none of OUR QEMU processes survives. */
export async function killAllAndCheck(): Promise<void> {
  await Promise.all(instances.splice(0).map(q => q.kill()));
  const survivors: number[] = [];
  for (const pid of started) {
    if (!(await waitGone(pid, 5_000))) {
      survivors.push(pid);
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  started.clear();
  assert.deepEqual(survivors, [], 'QEMU processes of ours are still running');
  assert.deepEqual(livePids(), [], 'the launcher still tracks live QEMU processes');
}
