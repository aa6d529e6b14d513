// QMP wire codec (pure): QEMU sends one JSON object per line ("...}\r\n"); we classify each as
// greeting, command reply (return/error with our id), or asynchronous event.
//
//   greeting: {"QMP": {"version": {...}, "capabilities": [...]}}
//   command:  {"execute": "query-status", "arguments": {...}, "id": "exo-7"}
//   return:   {"return": {...}, "id": "exo-7"}
//   error:    {"error": {"class": "GenericError", "desc": "..."}, "id": "exo-7"}
//   event:    {"event": "STOP", "data": {...}, "timestamp": {"seconds": n, "microseconds": n}}
import { ExoError } from '../common/errors';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface QmpVersion { major: number; minor: number; micro: number; package: string }

export type QmpMessage =
  | { kind: 'greeting'; version: QmpVersion; capabilities: string[] }
  | { kind: 'return'; id: Json | undefined; value: Json }
  | { kind: 'error'; id: Json | undefined; errorClass: string; desc: string }
  | { kind: 'event'; event: string; data: JsonObject; timestamp: { seconds: number; microseconds: number } };

const MAX_LINE = 16 * 1024 * 1024; // a runaway line means a broken peer, not a big reply

/** Splits a byte/text stream into QMP messages; throws ExoError('protocol') on garbage. */
export class QmpDecoder {
  private buf = '';

  /** Feeds text; returns every complete message it contained. */
  push(text: string): QmpMessage[] {
    this.buf += text;
    const out: QmpMessage[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) out.push(parseQmpLine(line));
    }
    if (this.buf.length > MAX_LINE) {
      this.buf = '';
      throw new ExoError('protocol', `QMP sent a line longer than ${MAX_LINE} bytes without a newline`);
    }
    return out;
  }
}

export function parseQmpLine(line: string): QmpMessage {
  let v: unknown;
  try { v = JSON.parse(line); } catch {
    throw new ExoError('protocol', `QMP sent malformed JSON: ${clip(line)}`);
  }
  if (!isObject(v)) throw new ExoError('protocol', `QMP sent a non-object message: ${clip(line)}`);
  const id = v.id;
  if ('return' in v) return { kind: 'return', id, value: v.return };
  if ('error' in v) {
    const e = v.error;
    if (!isObject(e)) throw new ExoError('protocol', `QMP error without details: ${clip(line)}`);
    return { kind: 'error', id, errorClass: str(e.class, 'GenericError'), desc: str(e.desc, '(no description)') };
  }
  if (typeof v.event === 'string') {
    const ts = isObject(v.timestamp) ? v.timestamp : {};
    return {
      kind: 'event', event: v.event, data: isObject(v.data) ? v.data : {},
      timestamp: { seconds: num(ts.seconds), microseconds: num(ts.microseconds) },
    };
  }
  if (isObject(v.QMP)) {
    const ver = isObject(v.QMP.version) && isObject(v.QMP.version.qemu) ? v.QMP.version.qemu : {};
    const pkg = isObject(v.QMP.version) ? v.QMP.version.package : '';
    const caps = Array.isArray(v.QMP.capabilities) ? v.QMP.capabilities.filter((c): c is string => typeof c === 'string') : [];
    return {
      kind: 'greeting',
      version: { major: num(ver.major), minor: num(ver.minor), micro: num(ver.micro), package: str(pkg, '') },
      capabilities: caps,
    };
  }
  throw new ExoError('protocol', `QMP sent a message of unknown shape: ${clip(line)}`);
}

/** One command line, ready to write. */
export function encodeQmpCommand(execute: string, args: JsonObject | undefined, id: string): string {
  const msg: JsonObject = { execute, id };
  if (args !== undefined) msg.arguments = args;
  return JSON.stringify(msg) + '\n';
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (v: unknown, dflt: string) => (typeof v === 'string' ? v : dflt);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const clip = (s: string) => (s.length > 120 ? s.slice(0, 120) + '…' : s);
