// Test helpers: a fake Transport, and a scripted gdbstub behind it that decodes our packets
// and answers through a handler (null = never answer, like QEMU for some requests).
import type { Transport } from '../../../adapter/rsp/api';
import { PacketDecoder } from '../../../adapter/rsp/codec/decoder';
import { encodePacket } from '../../../adapter/rsp/codec/framing';

export class FakeTransport implements Transport {
  written: Uint8Array[] = [];
  closed = false;
  private dataCb?: (b: Uint8Array) => void;
  private closeCb?: (err?: Error) => void;
  onWrite?: (b: Uint8Array) => void;

  write(bytes: Uint8Array): void { this.written.push(bytes); this.onWrite?.(bytes); }
  onData(cb: (bytes: Uint8Array) => void): void { this.dataCb = cb; }
  onClose(cb: (err?: Error) => void): void { this.closeCb = cb; }
  close(): void { if (!this.closed) { this.closed = true; this.closeCb?.(); } }
  /** Bytes from the "stub" to the client. */
  feed(bytes: Uint8Array | string): void {
    this.dataCb?.(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }
  /** Simulates the peer dropping the connection. */
  drop(err?: Error): void { this.closed = true; this.closeCb?.(err); }
  writtenText(): string { return Buffer.concat(this.written).toString('latin1'); }
}

export type Handler = (payload: string) => string | string[] | null;

/** A fake stub: every packet the client sends is acked and answered by `handler`. */
export class FakeStub {
  readonly transport = new FakeTransport();
  readonly received: string[] = [];
  interrupts = 0;
  private readonly decoder = new PacketDecoder();

  constructor(public handler: Handler) {
    this.transport.onWrite = bytes => {
      if (bytes.length === 1 && bytes[0] === 0x03) { this.interrupts++; this.onInterrupt?.(); return; }
      for (const ev of this.decoder.push(bytes)) {
        if (ev.type !== 'packet') continue;
        const p = Buffer.from(ev.payload).toString('latin1');
        this.received.push(p);
        // Answer asynchronously, like a socket would.
        setImmediate(() => {
          if (this.transport.closed) return;
          this.transport.feed('+');
          const r = this.handler(p);
          if (r === null) return;
          for (const one of Array.isArray(r) ? r : [r]) this.transport.feed(encodePacket(one));
        });
      }
    };
  }
  onInterrupt?: () => void;
  /** Sends an unsolicited packet (e.g. a stop reply). */
  push(payload: string): void { this.transport.feed(encodePacket(payload)); }
}

/** Expects `p` to reject within `ms`; returns the error. */
export async function rejectsWithin(p: Promise<unknown>, ms: number): Promise<unknown> {
  const t0 = Date.now();
  try {
    await p;
  } catch (e) {
    const dt = Date.now() - t0;
    if (dt > ms) throw new Error(`rejected after ${dt} ms, wanted within ${ms} ms`);
    return e;
  }
  throw new Error('expected a rejection');
}
