// Resuming: vCont with per-thread actions, or the legacy c/s acting on the Hc thread.
//
//   -> | "vCont" (";" action [":" thread-id])* |   e.g. vCont;s:p01.02   vCont;c
//   -> | "c" | "s" |
//   <- nothing until the target stops, then a stop reply (codec/stop.ts).
// QEMU: several `s` actions in one vCont leave single-step armed on the other vCPUs
// (spurious T05 later), so a packet steps at most one thread.
import type { ResumeAction } from '../api';
import { ExoError } from '../../common/errors';
import { formatThreadId } from '../codec/threadid';

export function encodeVCont(actions: ResumeAction[], pid?: number): string {
  if (actions.length === 0) throw new ExoError('internal', 'vCont needs at least one action');
  const steps = actions.filter(a => a.kind === 'step');
  if (steps.length > 1) throw new ExoError('user', 'step one vCPU at a time (QEMU leaves single-step armed on the others)');
  const seen = new Set<string>();
  const parts: string[] = [];
  let defaultAction = false;
  // Thread-specific actions must come before a default (thread-less) action: the stub
  // applies the first action that matches each thread.
  const ordered = [...actions].sort((a, b) => Number(a.thread === undefined) - Number(b.thread === undefined));
  for (const a of ordered) {
    const code = a.kind === 'step' ? 's' : 'c';
    if (a.thread === undefined) {
      if (defaultAction) throw new ExoError('internal', 'vCont: two default actions');
      defaultAction = true;
      parts.push(code);
    } else {
      const id = formatThreadId(a.thread, pid);
      if (seen.has(id)) throw new ExoError('internal', `vCont: thread ${id} named twice`);
      seen.add(id);
      parts.push(`${code}:${id}`);
    }
  }
  return 'vCont;' + parts.join(';');
}

export const CONTINUE = 'c';
export const STEP = 's';
