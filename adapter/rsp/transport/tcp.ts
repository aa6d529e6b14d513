// TCP transport to a gdbstub on loopback (QEMU's -gdb tcp:127.0.0.1:PORT).
import * as net from 'node:net';
import type { Transport } from '../api';
import { ExoError } from '../../common/errors';

class SocketTransport implements Transport {
  private closeCb?: (err?: Error) => void;
  private closed = false;
  private closeErr?: Error;

  constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('error', e => { this.closeErr = e; });
    sock.on('close', () => {
      this.closed = true;
      this.closeCb?.(this.closeErr);
    });
  }
  write(bytes: Uint8Array): void {
    if (!this.closed) this.sock.write(bytes);
  }
  onData(cb: (bytes: Uint8Array) => void): void {
    this.sock.on('data', cb);
  }
  onClose(cb: (err?: Error) => void): void {
    this.closeCb = cb;
    if (this.closed) cb(this.closeErr);
  }
  close(): void {
    this.sock.destroy();
  }
}

/** Connects to host:port within `timeoutMs`; errors say what to check. */
export function connectTcp(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ExoError('timeout', `gdbstub at ${host}:${port} did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(new SocketTransport(sock));
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === 'ECONNREFUSED' ? 'connection refused (is QEMU running with -gdb on that port?)' : e.message;
      reject(new ExoError('disconnected', `cannot connect to the gdbstub at ${host}:${port}: ${why}`, { cause: e }));
    });
  });
}
