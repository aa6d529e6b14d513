// Thread ids on the wire. QEMU numbers vCPUs from 1; with multiprocess they carry a pid.
//
//   | tid |                 hex, e.g. "02"; "-1" = all threads, "0" = any thread
//   | "p" pid "." tid |     multiprocess, e.g. "p01.02"; pid/tid may also be -1 or 0
import type { RspThreadId } from '../../common/types';
import { rspThread } from '../../common/types';
import { ExoError } from '../../common/errors';

export type ThreadSel = RspThreadId | 'all' | 'any';

export interface ParsedThread { pid?: number; tid: ThreadSel }

function part(s: string, whole: string): number | 'all' | 'any' {
  if (s === '-1') return 'all';
  if (!/^[0-9a-fA-F]{1,8}$/.test(s)) throw new ExoError('protocol', `bad thread id '${whole}'`);
  const n = parseInt(s, 16);
  return n === 0 ? 'any' : n;
}

export function parseThreadId(s: string): ParsedThread {
  if (s.startsWith('p')) {
    const dot = s.indexOf('.');
    const pidPart = part(dot < 0 ? s.slice(1) : s.slice(1, dot), s);
    const pid = typeof pidPart === 'number' ? pidPart : undefined;
    if (dot < 0) return { pid, tid: 'all' }; // "pP" alone means every thread of P
    const t = part(s.slice(dot + 1), s);
    return { pid, tid: typeof t === 'number' ? rspThread(t) : t };
  }
  const t = part(s, s);
  return { tid: typeof t === 'number' ? rspThread(t) : t };
}

/** Formats a thread selector; `pid` is used when the connection is multiprocess. */
export function formatThreadId(tid: ThreadSel, pid?: number): string {
  const t = tid === 'all' ? '-1' : tid === 'any' ? '0' : tid.toString(16).padStart(2, '0');
  if (pid === undefined) return t;
  return `p${pid.toString(16).padStart(2, '0')}.${t}`;
}
