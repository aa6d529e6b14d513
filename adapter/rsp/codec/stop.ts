// Stop replies: how the stub says the target stopped (or exited).
//
//   | "S" sig(2 hex) |
//   | "T" sig(2 hex) | (name ":" value ";")* |   e.g. T05thread:p01.02;watch:1000;
//   | "W" code(2 hex) [";process:" pid] |          process exited
//   | "X" sig(2 hex) [";process:" pid] |           process terminated by a signal
// T pairs: "thread" (a thread id), "watch"/"rwatch"/"awatch" (data address), "swbreak"/
// "hwbreak" (empty value), "core", "library", or a register number (hex) with its value.
import type { StopEvent, WatchKind } from '../api';
import { ExoError } from '../../common/errors';
import { parseThreadId } from './threadid';

const SIG = /^[0-9a-fA-F]{2}$/;

/** True when a payload has the shape of a stop reply (used to route unsolicited packets). */
export function looksLikeStop(payload: string): boolean {
  const c = payload[0];
  return (c === 'T' || c === 'S' || c === 'W' || c === 'X') && SIG.test(payload.slice(1, 3));
}

function bad(payload: string, why: string): ExoError {
  const shown = payload.length > 60 ? payload.slice(0, 60) + '…' : payload;
  return new ExoError('protocol', `bad stop reply '${shown}': ${why}`);
}

export function parseStopReply(payload: string): StopEvent {
  if (!looksLikeStop(payload)) throw bad(payload, 'not a T/S/W/X reply');
  const kind = payload[0];
  const num = parseInt(payload.slice(1, 3), 16);
  const rest = payload.slice(3);
  const extra = new Map<string, string>();
  if (kind === 'S') {
    if (rest !== '') throw bad(payload, 'trailing data after S');
    return { signal: num, extra };
  }
  if (kind === 'W' || kind === 'X') {
    const ev: StopEvent = kind === 'W' ? { signal: 0, exited: num, extra } : { signal: num, terminated: true, extra };
    if (rest === '') return ev;
    const m = /^;process:([0-9a-fA-F]+)$/.exec(rest);
    if (!m) throw bad(payload, 'bad exit suffix');
    return { ...ev, pid: parseInt(m[1], 16) };
  }
  const ev: { -readonly [K in keyof StopEvent]: StopEvent[K] } = { signal: num, extra };
  for (const pair of rest.split(';')) {
    if (pair === '') continue;
    const colon = pair.indexOf(':');
    if (colon <= 0) throw bad(payload, `pair '${pair}' has no name`);
    const name = pair.slice(0, colon);
    const value = pair.slice(colon + 1);
    if (name === 'thread') {
      const t = parseThreadId(value);
      if (typeof t.tid !== 'number') throw bad(payload, 'thread is not a single vCPU');
      ev.thread = t.tid;
      if (t.pid !== undefined) ev.pid = t.pid;
    } else if (name === 'watch' || name === 'rwatch' || name === 'awatch') {
      if (!/^[0-9a-fA-F]{1,16}$/.test(value)) throw bad(payload, `bad ${name} address`);
      ev.watch = { kind: name as WatchKind, addr: BigInt('0x' + value) };
    } else if (name === 'swbreak' || name === 'hwbreak') {
      ev.reason = name;
    } else {
      extra.set(name, value);
    }
  }
  return ev;
}
