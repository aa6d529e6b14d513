// Thread list and the current thread for later operations.
//
//   -> | "qfThreadInfo" | then | "qsThreadInfo" | until the reply is "l"
//   <- | "m" id ("," id)* |  more ids       | "l" |  end of list
//   -> | "H" op id |  op 'g' = registers/memory, 'c' = step/continue     <- | "OK" |
import type { RspThreadId } from '../../common/types';
import { parseThreadId, formatThreadId, ThreadSel } from '../codec/threadid';
import { protocolError } from '../codec/reply';

export const THREAD_INFO_FIRST = 'qfThreadInfo';
export const THREAD_INFO_NEXT = 'qsThreadInfo';

/** Parses one qf/qsThreadInfo reply: ids (with pid when multiprocess) or `done`. */
export function parseThreadInfo(payload: string): { done: true } | { done: false; ids: { pid?: number; tid: RspThreadId }[] } {
  if (payload === 'l') return { done: true };
  if (!payload.startsWith('m') || payload.length < 2) throw protocolError('qfThreadInfo', payload);
  const ids = payload.slice(1).split(',').map(s => {
    const t = parseThreadId(s);
    if (typeof t.tid !== 'number') throw protocolError('qfThreadInfo', payload);
    return { pid: t.pid, tid: t.tid };
  });
  return { done: false, ids };
}

export function encodeSetThread(op: 'g' | 'c', tid: ThreadSel, pid?: number): string {
  return `H${op}${formatThreadId(tid, pid)}`;
}

//   -> | "qThreadExtraInfo," id |   <- | hex(text) |  e.g. "CPU#1 [halted ]"; an unknown id
//   never gets a reply from QEMU, so callers use a short timeout.
export const encodeThreadExtraInfo = (tid: ThreadSel, pid?: number) => `qThreadExtraInfo,${formatThreadId(tid, pid)}`;
