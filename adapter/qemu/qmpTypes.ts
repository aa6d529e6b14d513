// Typed views of the QMP replies and events the adapter uses (QEMU 7.2 shapes, measured).
import { ExoError } from '../common/errors';
import { isObject, type Json, type JsonObject } from './qmpCodec';

/** The byte-stream a QMP client talks over; handed in so the client is testable without sockets. */
export interface QmpTransport {
  write(text: string): void;
  onData(cb: (text: string) => void): void;
  /** Called once when the stream ends; `err` when it ended by an error. */
  onClose(cb: (err?: Error) => void): void;
  close(): void;
}

/** `query-status`: `status` is e.g. 'prelaunch', 'paused', 'running', 'debug', 'shutdown'. */
export interface QmpStatus { running: boolean; status: string; singlestep: boolean }

/** One `query-cpus-fast` entry. cpuIndex 0 is "CPU 0" = RSP thread 1. */
export interface QmpCpu {
  cpuIndex: number;
  qomPath: string;
  threadId: number;   // host thread id of the vCPU
  target: string;     // 'x86_64'
  props: { socketId?: number; coreId?: number; threadId?: number };
}

export type ShutdownReason = string; // e.g. 'host-qmp-quit', 'guest-shutdown', 'host-signal', 'guest-reset'

export type QmpEvent =
  | { event: 'STOP'; timestamp: number }
  | { event: 'RESUME'; timestamp: number }
  | { event: 'RESET'; guest: boolean; reason: ShutdownReason; timestamp: number }
  | { event: 'SHUTDOWN'; guest: boolean; reason: ShutdownReason; timestamp: number }
  | { event: 'OTHER'; name: string; data: JsonObject; timestamp: number };

export type QmpEventName = QmpEvent['event'];

/** Builds the typed event; `timestamp` is in milliseconds since the epoch (QEMU's clock). */
export function toEvent(name: string, data: JsonObject, ts: { seconds: number; microseconds: number }): QmpEvent {
  const timestamp = ts.seconds * 1000 + ts.microseconds / 1000;
  switch (name) {
    case 'STOP': case 'RESUME': return { event: name, timestamp };
    case 'RESET': case 'SHUTDOWN':
      return { event: name, guest: data.guest === true, reason: typeof data.reason === 'string' ? data.reason : 'unknown', timestamp };
    default: return { event: 'OTHER', name, data, timestamp };
  }
}

const bad = (what: string, v: Json) =>
  new ExoError('protocol', `QMP ${what} reply has an unexpected shape: ${JSON.stringify(v).slice(0, 120)}`);

export function toStatus(v: Json): QmpStatus {
  if (!isObject(v) || typeof v.status !== 'string' || typeof v.running !== 'boolean') throw bad('query-status', v);
  return { running: v.running, status: v.status, singlestep: v.singlestep === true };
}

export function toCpus(v: Json): QmpCpu[] {
  if (!Array.isArray(v)) throw bad('query-cpus-fast', v);
  return v.map(c => {
    if (!isObject(c) || typeof c['cpu-index'] !== 'number') throw bad('query-cpus-fast', v);
    const p = isObject(c.props) ? c.props : {};
    const n = (x: Json | undefined) => (typeof x === 'number' ? x : undefined);
    return {
      cpuIndex: c['cpu-index'],
      qomPath: typeof c['qom-path'] === 'string' ? c['qom-path'] : '',
      threadId: n(c['thread-id']) ?? 0,
      target: typeof c.target === 'string' ? c.target : '',
      props: { socketId: n(p['socket-id']), coreId: n(p['core-id']), threadId: n(p['thread-id']) },
    };
  });
}
