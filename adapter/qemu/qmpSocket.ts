// QMP over a unix socket: the real QmpTransport, and a one-call connect helper.
import * as net from 'node:net';
import { ExoError } from '../common/errors';
import { sleep } from '../common/timeout';
import { QmpClient, type QmpClientOptions } from './qmpClient';
import type { QmpTransport } from './qmpTypes';

export function socketTransport(sock: net.Socket): QmpTransport {
  sock.setEncoding('utf8');
  let closed = false;
  const closeCbs: ((err?: Error) => void)[] = [];
  let lastErr: Error | undefined;
  sock.on('error', e => { lastErr = e; });
  sock.on('close', () => {
    if (closed) return;
    closed = true;
    for (const cb of closeCbs) cb(lastErr);
  });
  return {
    write: t => { sock.write(t); },
    onData: cb => { sock.on('data', (d: string) => cb(d)); },
    onClose: cb => { closeCbs.push(cb); },
    close: () => { sock.destroy(); },
  };
}

/** Connects to QMP at `path`, retrying while the socket does not exist yet, within the timeout. */
export async function connectQmp(path: string, opts: QmpClientOptions = {}): Promise<QmpClient> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const sock = await openUnix(path, Math.max(100, deadline - Date.now()));
      return await QmpClient.connect(socketTransport(sock), opts);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const retry = code === 'ENOENT' || code === 'ECONNREFUSED';
      if (!retry || Date.now() > deadline) {
        if (e instanceof ExoError) throw e;
        throw new ExoError(retry ? 'timeout' : 'disconnected', `cannot connect to QMP at ${path}: ${(e as Error).message}`, { cause: e });
      }
      await sleep(50);
    }
  }
}

function openUnix(path: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path });
    const t = setTimeout(() => { s.destroy(); reject(new ExoError('timeout', `QMP connect to ${path}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.removeAllListeners('error'); resolve(s); });
    s.once('error', e => { clearTimeout(t); reject(e); });
  });
}
