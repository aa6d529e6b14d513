// Generic reply forms every request may get back:
//
//   | "OK" |            success
//   | "E" hh |          error number (QEMU: E14 = EFAULT, E22 = EINVAL)
//   | "E." text |       error with a message (newer stubs)
//   | "" |              empty: the request is not supported
//   | "O" hex… |        console output (only while a qRcmd or a resume is pending)
// Anything else is request-specific data, parsed in packets/.
import { ExoError } from '../../common/errors';

export type GenericReply =
  | { kind: 'ok' }
  | { kind: 'error'; code: number; text?: string }
  | { kind: 'empty' }
  | { kind: 'output'; text: string }
  | { kind: 'data'; payload: string };

const HEXPAIRS = /^(?:[0-9a-fA-F]{2})+$/;

export function classifyReply(payload: string): GenericReply {
  if (payload === '') return { kind: 'empty' };
  if (payload === 'OK') return { kind: 'ok' };
  if (/^E[0-9a-fA-F]{2}$/.test(payload)) return { kind: 'error', code: parseInt(payload.slice(1), 16) };
  if (payload.startsWith('E.')) return { kind: 'error', code: -1, text: payload.slice(2) };
  if (payload.length > 1 && payload[0] === 'O' && HEXPAIRS.test(payload.slice(1))) {
    return { kind: 'output', text: Buffer.from(payload.slice(1), 'hex').toString('utf8') };
  }
  return { kind: 'data', payload };
}

/** A typed error for an Exx reply to `what`. */
export function targetError(what: string, code: number, text?: string): ExoError {
  // QEMU writes errno in decimal digits: "E14" is EFAULT (14), "E22" is EINVAL (22).
  const detail = text ?? (code === 0x14 ? 'bad address (E14)' : code === 0x22 ? 'invalid argument (E22)'
    : `error E${code.toString(16).padStart(2, '0')}`);
  return new ExoError('target', `${what} failed: ${detail}`);
}

export function protocolError(what: string, payload: string): ExoError {
  const shown = payload.length > 60 ? payload.slice(0, 60) + '…' : payload;
  return new ExoError('protocol', `${what}: unexpected reply '${shown}'`);
}

export function unsupported(what: string): ExoError {
  return new ExoError('target', `${what} is not supported by this gdbstub (empty reply)`);
}

/** Checks that `payload` is OK; Exx and empty become typed errors. */
export function expectOk(what: string, payload: string): void {
  const r = classifyReply(payload);
  if (r.kind === 'ok') return;
  if (r.kind === 'error') throw targetError(what, r.code, r.text);
  if (r.kind === 'empty') throw unsupported(what);
  throw protocolError(what, payload);
}

/** Decodes a hex data reply (m, g, p, qRcmd output); Exx and empty become typed errors.
 *  `what` may be a function so hot paths build the message only on failure. */
export function expectHex(what: string | (() => string), payload: string): Uint8Array {
  if (typeof what === 'function') {
    // Fast path for the common case: an even-length hex reply, not an error.
    if (payload.length > 3 && payload.length % 2 === 0) {
      const bytes = Buffer.from(payload, 'hex');
      if (bytes.length * 2 === payload.length) return bytes;
    }
    return expectHex(what(), payload);
  }
  const r = classifyReply(payload);
  if (r.kind === 'error') throw targetError(what, r.code, r.text);
  if (r.kind === 'empty') throw unsupported(what);
  if (payload.length % 2 !== 0) throw protocolError(what, payload);
  // 'xx' marks an unavailable byte; read it as 0 (QEMU never sends it).
  const hex = payload.includes('x') || payload.includes('X') ? payload.replace(/[xX]/g, '0') : payload;
  // Buffer.from stops at the first non-hex pair: a short result means junk in the reply.
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length * 2 !== hex.length) throw protocolError(what, payload);
  return bytes;
}

/** Parses an unsigned hex number field of a reply, or throws a protocol error. */
export function hexField(what: string, s: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(s)) throw protocolError(what, s);
  return BigInt('0x' + s);
}
