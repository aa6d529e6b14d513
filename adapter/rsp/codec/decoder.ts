// Streaming decoder for what the stub sends: acks, and `$…#xx` packets whose body may use
// `}` escapes and run-length encoding. Bytes may arrive in any slicing.
//
//   | '+' | '-' |                       acks for our last packet
//   | '$' | body | '#' | c1 c2 |        packet; checksum over body bytes as received
//   body: 'X' '*' n   = 'X' repeated (n - 29) more times (n printable, n-29 in 3..97)
//         '}' b       = b XOR 0x20
// '#' always ends a body (stubs never send it raw inside one; gdb reads it the same way).
// Anything else between packets is noise and reported, never thrown.
import * as F from './framing';
import { checksum } from './framing';

// Local copies: an imported binding compiled to CommonJS is a property read through a getter,
// too slow for a loop that runs once per received byte.
const ACK = F.ACK, NAK = F.NAK, DOLLAR = F.DOLLAR, HASH = F.HASH, PERCENT = F.PERCENT;
const ESCAPE = F.ESCAPE, STAR = F.STAR;

export type DecodedEvent =
  | { type: 'ack' }
  | { type: 'nak' }
  | { type: 'packet'; payload: Uint8Array }
  /** A complete packet whose checksum did not match: ask for a retransmit with '-'. */
  | { type: 'bad-checksum'; expected: number; actual: number }
  /** A structurally broken packet (bad RLE, dangling escape, too long): also '-'. */
  | { type: 'malformed'; reason: string }
  | { type: 'noise'; byte: number };

/** Largest packet body we accept; QEMU's PacketSize is 4096, a few stubs go to 64 KiB. */
export const MAX_BODY = 1 << 20;

const enum State { Idle, Body, Check1, Check2 }

const hexVal = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
};

/** Expands escapes and run-length encoding of a received body, or says why it cannot. */
export function expandBody(body: Uint8Array): Uint8Array | string {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === ESCAPE) {
      if (i + 1 >= body.length) return 'dangling escape at end of packet';
      out.push(body[++i] ^ 0x20);
    } else if (b === STAR) {
      if (out.length === 0) return 'run-length marker without a preceding byte';
      if (i + 1 >= body.length) return 'run-length marker without a count';
      const n = body[++i] - 29;
      if (n < 0 || n > 97) return `bad run-length count ${n}`;
      const prev = out[out.length - 1];
      for (let k = 0; k < n; k++) out.push(prev);
    } else {
      out.push(b);
    }
  }
  return Uint8Array.from(out);
}

export class PacketDecoder {
  private state = State.Idle;
  private parts: Uint8Array[] = [];
  private bodyLen = 0;
  private sum1 = 0;
  private overflow = false;

  /** Feeds received bytes; returns the events they complete, in order. Never throws. */
  push(chunk: Uint8Array): DecodedEvent[] {
    const events: DecodedEvent[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.Idle: {
          const b = chunk[i++];
          if (b === ACK) events.push({ type: 'ack' });
          else if (b === NAK) events.push({ type: 'nak' });
          else if (b === DOLLAR || b === PERCENT) this.begin();
          else events.push({ type: 'noise', byte: b });
          break;
        }
        case State.Body: {
          // Bulk-copy up to the next '#' or '$': replies are up to 4 KiB of hex.
          const h = chunk.indexOf(HASH, i), d = chunk.indexOf(DOLLAR, i);
          const j = h < 0 ? (d < 0 ? n : d) : d < 0 ? h : Math.min(h, d);
          if (j > i) {
            if (this.bodyLen + (j - i) > MAX_BODY) { this.overflow = true; this.parts = []; }
            // A view, not a copy: transports hand over fresh buffers and never reuse them.
            else this.parts.push(chunk.subarray(i, j));
            this.bodyLen += j - i;
          }
          i = j;
          if (i < n) {
            if (chunk[i] === HASH) this.state = State.Check1;
            else {
              // A '$' inside a body means the previous packet was cut: resynchronise here.
              events.push({ type: 'malformed', reason: 'packet restarted before its end' });
              this.begin();
            }
            i++;
          }
          break;
        }
        case State.Check1:
          this.sum1 = hexVal(chunk[i++]);
          this.state = State.Check2;
          break;
        case State.Check2: {
          const lo = hexVal(chunk[i++]);
          this.state = State.Idle;
          events.push(this.finish(lo));
          break;
        }
      }
    }
    return events;
  }

  private begin(): void {
    this.state = State.Body;
    this.parts = [];
    this.bodyLen = 0;
    this.overflow = false;
  }

  private finish(lo: number): DecodedEvent {
    const raw = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    if (this.overflow) return { type: 'malformed', reason: `packet longer than ${MAX_BODY} bytes` };
    if (this.sum1 < 0 || lo < 0) return { type: 'malformed', reason: 'checksum is not two hex digits' };
    const expected = (this.sum1 << 4) | lo;
    const actual = checksum(raw);
    if (expected !== actual) return { type: 'bad-checksum', expected, actual };
    if (raw.indexOf(ESCAPE) < 0 && raw.indexOf(STAR) < 0) return { type: 'packet', payload: raw };
    const payload = expandBody(raw);
    if (typeof payload === 'string') return { type: 'malformed', reason: payload };
    return { type: 'packet', payload };
  }
}
