// The RSP connection: framing over a Transport, the request queue (optionally pipelined),
// a timeout on every request, acks and retransmission, the running/stopped state, stop
// replies while running, and failing everything at once when the link goes away.
import type { StopEvent, Transport } from './api';
import { ExoError } from '../common/errors';
import { Logger, nullLogger } from '../common/log';
import { encodePacket, INTERRUPT, NAK, ACK } from './codec/framing';
import { PacketDecoder } from './codec/decoder';
import { classifyReply } from './codec/reply';
import { looksLikeStop, parseStopReply } from './codec/stop';

export interface ConnectionOptions {
  requestTimeoutMs?: number;
  /** Max requests in flight when all of them are marked `pipeline`. Default 1. */
  window?: number;
  /** Send '+' for every packet received. QEMU does not need it over TCP (and it is slower). */
  sendAcks?: boolean;
  log?: Logger;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** May be in flight together with other pipeline requests (independent reads). */
  pipeline?: boolean;
  /** `O` packets before the final reply (qRcmd); each one restarts the timeout. */
  onOutput?: (text: string) => void;
  /** The reply is a stop reply (`?`, `k`): do not treat it as an unsolicited stop. */
  stopReply?: boolean;
}

type State = 'stopped' | 'running' | 'closed';

interface Pending {
  payload: string;
  opts: RequestOptions;
  resolve: (reply: string) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
  /** A resume: completes when sent, the target then runs. */
  resume?: boolean;
}

interface StopWaiter { resolve: (e: StopEvent) => void; reject: (e: Error) => void }

const MAX_RETRANSMITS = 3;
/** Packet a resync sends after a timeout; its reply ("QC…") marks the end of stale replies. */
const SYNC = 'qC';

const short = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}… (${s.length} chars)` : s);

export class Connection {
  private state_: State = 'stopped';
  private readonly decoder = new PacketDecoder();
  private readonly queue: Pending[] = [];
  private readonly inFlight: Pending[] = [];
  private readonly unacked: Uint8Array[] = [];
  private retransmits = 0;
  private resyncing = false;
  private stopWaiters: StopWaiter[] = [];
  private lastStop_?: StopEvent;
  private closeError?: ExoError;
  private readonly stopListeners = new Set<(e: StopEvent) => void>();
  private readonly outputListeners = new Set<(text: string) => void>();
  private readonly closeListeners = new Set<(e: ExoError) => void>();
  private readonly timeoutMs: number;
  private readonly window: number;
  private readonly log: Logger;
  /** Packet tracing costs string building per packet: only when a logger was given. */
  private readonly tracing: boolean;

  constructor(private readonly transport: Transport, private readonly opts: ConnectionOptions = {}) {
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.window = Math.max(1, opts.window ?? 1);
    this.log = opts.log ?? nullLogger;
    this.tracing = this.log !== nullLogger;
    transport.onData(b => this.onData(b));
    transport.onClose(err => this.fail(new ExoError('disconnected',
      `the connection to the gdbstub was lost${err ? ` (${err.message})` : ''}: QEMU has probably exited`, { cause: err })));
  }

  get state(): State { return this.state_; }
  /** The stop that ended the last run (or an unsolicited one received while stopped). */
  get lastStop(): StopEvent | undefined { return this.lastStop_; }

  /** Sends a request and resolves with its reply payload (OK/Exx/empty included). */
  request(payload: string, opts: RequestOptions = {}): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (this.closeError) { reject(this.closeError); return; }
      this.queue.push({ payload, opts, resolve, reject });
      this.pump();
    });
  }

  /** Queues a resume packet (vCont/c/s); resolves once it is sent and the target runs. */
  resume(payload: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closeError) { reject(this.closeError); return; }
      this.queue.push({ payload, opts: {}, resolve: () => resolve(), reject, resume: true });
      this.pump();
    });
  }

  /** While running: the next stop. While stopped: the stop that ended the last run. */
  waitForStop(timeoutMs = this.timeoutMs): Promise<StopEvent> {
    if (this.closeError) return Promise.reject(this.closeError);
    const queuedResume = this.queue.some(p => p.resume);
    if (this.state_ === 'stopped' && !queuedResume) {
      if (this.lastStop_) return Promise.resolve(this.lastStop_);
      return Promise.reject(new ExoError('user', 'the target has not run yet: there is no stop to wait for'));
    }
    return new Promise<StopEvent>((resolve, reject) => {
      const w: StopWaiter = {
        resolve: e => { clearTimeout(t); resolve(e); },
        reject: e => { clearTimeout(t); reject(e); },
      };
      const t = setTimeout(() => {
        this.stopWaiters = this.stopWaiters.filter(x => x !== w);
        reject(new ExoError('timeout', `the target did not stop within ${timeoutMs} ms`));
      }, timeoutMs);
      this.stopWaiters.push(w);
    });
  }

  /** Sends the 0x03 byte; the stop reply arrives through waitForStop/onStop. */
  sendInterrupt(): void {
    if (this.closeError) throw this.closeError;
    this.log.debug('-> ^C');
    this.transport.write(Uint8Array.of(INTERRUPT));
  }

  onStop(cb: (e: StopEvent) => void): () => void {
    this.stopListeners.add(cb);
    return () => this.stopListeners.delete(cb);
  }
  /** `O` console output that arrives outside a qRcmd (e.g. while running). */
  onOutput(cb: (text: string) => void): () => void {
    this.outputListeners.add(cb);
    return () => this.outputListeners.delete(cb);
  }
  onClose(cb: (e: ExoError) => void): () => void {
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  close(): void {
    this.fail(new ExoError('disconnected', 'the connection to the gdbstub was closed'));
    this.transport.close();
  }

  // ---- sending ------------------------------------------------------------------------

  private pump(): void {
    while (this.queue.length > 0 && !this.resyncing && !this.closeError) {
      const next = this.queue[0];
      if (this.inFlight.length > 0) {
        const allPipelined = !!next.opts.pipeline && this.inFlight.every(p => p.opts.pipeline);
        if (!allPipelined || this.inFlight.length >= this.window) return;
      }
      this.queue.shift();
      if (this.state_ === 'running') {
        next.reject(new ExoError('user', 'the target is running: pause it first'));
        continue;
      }
      this.send(next.payload);
      if (next.resume) {
        this.state_ = 'running';
        next.resolve('');
        continue;
      }
      this.inFlight.push(next);
      this.arm(next);
    }
  }

  private arm(p: Pending): void {
    clearTimeout(p.timer);
    const ms = p.opts.timeoutMs ?? this.timeoutMs;
    p.timer = setTimeout(() => this.onTimeout(p, ms), ms);
  }

  private send(payload: string): void {
    const bytes = encodePacket(payload);
    if (this.tracing) this.log.debug(`-> ${short(payload)}`);
    this.unacked.push(bytes);
    // A stub that stopped acking (no-ack mode) must not make this grow without bound.
    if (this.unacked.length > 64) this.unacked.shift();
    this.transport.write(bytes);
  }

  private onTimeout(p: Pending, ms: number): void {
    const idx = this.inFlight.indexOf(p);
    if (idx < 0) return;
    // Replies match requests by order, so every request in flight is now unreliable: fail
    // them all, then resynchronise before sending anything else.
    this.abandonInFlight(p, `the gdbstub did not answer '${short(p.payload)}' within ${ms} ms`);
    this.resync();
  }

  private abandonInFlight(culprit: Pending | undefined, why: string): void {
    for (const s of this.inFlight.splice(0)) {
      clearTimeout(s.timer);
      s.reject(s === culprit ? new ExoError('timeout', why)
        : new ExoError(culprit ? 'timeout' : 'protocol', `request '${short(s.payload)}' abandoned: ${why}`));
    }
  }

  /** Sends `qC` and drops every reply until its `QC…` answer: late replies can't misalign. */
  private resync(): void {
    this.resyncing = true;
    this.log.warn('request timed out: resynchronising with the gdbstub');
    const marker: Pending = {
      payload: SYNC, opts: {},
      resolve: () => { this.resyncing = false; this.pump(); },
      reject: () => undefined,
    };
    marker.timer = setTimeout(() => this.fail(new ExoError('disconnected',
      'the gdbstub stopped answering (no reply to a resync probe): the connection is unusable')), this.timeoutMs);
    this.inFlight.push(marker);
    this.send(SYNC);
  }

  // ---- receiving ----------------------------------------------------------------------

  private onData(bytes: Uint8Array): void {
    for (const ev of this.decoder.push(bytes)) {
      switch (ev.type) {
        case 'ack':
          this.unacked.shift();
          this.retransmits = 0;
          break;
        case 'nak': {
          const head = this.unacked[0];
          if (!head) break;
          if (this.inFlight.length > 1) {
            // Pipelined: the stub already answers the later packets, so a retransmitted one
            // would be answered out of order. Fail what is in flight and resynchronise.
            this.abandonInFlight(undefined, 'a packet was corrupted in transit while requests were pipelined');
            this.resync();
            break;
          }
          if (++this.retransmits > MAX_RETRANSMITS) {
            this.fail(new ExoError('protocol', `the gdbstub rejected a packet ${MAX_RETRANSMITS} times in a row`));
            return;
          }
          this.log.debug('<- - (retransmitting)');
          this.transport.write(head);
          break;
        }
        case 'bad-checksum':
        case 'malformed':
          this.log.warn(`bad packet from the gdbstub (${ev.type === 'malformed' ? ev.reason : 'checksum'}): asking for a retransmit`);
          this.transport.write(Uint8Array.of(NAK));
          break;
        case 'noise':
          break;
        case 'packet':
          if (this.opts.sendAcks) this.transport.write(Uint8Array.of(ACK));
          this.onPacket(Buffer.from(ev.payload.buffer, ev.payload.byteOffset, ev.payload.byteLength).toString('latin1'));
          break;
      }
      if (this.closeError) return;
    }
  }

  private onPacket(payload: string): void {
    if (this.tracing) this.log.debug(`<- ${short(payload)}`);
    const head = this.inFlight[0];
    if (this.resyncing && head?.payload === SYNC) {
      if (payload.startsWith('QC')) {
        clearTimeout(head.timer);
        this.inFlight.shift();
        head.resolve(payload);
      } else if (looksLikeStop(payload)) this.onStopReply(payload);
      else this.log.debug(`dropped a stale reply: ${short(payload)}`);
      return;
    }
    const r = classifyReply(payload);
    if (r.kind === 'output') {
      if (head?.opts.onOutput) { head.opts.onOutput(r.text); this.arm(head); }
      else for (const l of this.outputListeners) l(r.text);
      return;
    }
    if (this.state_ === 'running' || !head || (!head.opts.stopReply && looksLikeStop(payload) && payload[0] !== 'E')) {
      if (looksLikeStop(payload)) this.onStopReply(payload);
      else this.log.warn(`unexpected packet from the gdbstub ignored: ${short(payload)}`);
      return;
    }
    this.inFlight.shift();
    clearTimeout(head.timer);
    head.resolve(payload);
    this.pump();
  }

  private onStopReply(payload: string): void {
    let ev: StopEvent;
    try {
      ev = parseStopReply(payload);
    } catch (e) {
      this.log.warn(e instanceof Error ? e.message : String(e));
      return;
    }
    const wasRunning = this.state_ === 'running';
    this.state_ = 'stopped';
    this.lastStop_ = ev;
    if (!wasRunning) this.log.debug(`unsolicited stop drained: ${payload}`);
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w.resolve(ev);
    for (const l of this.stopListeners) l(ev);
    this.pump();
  }

  /** The link is gone (or unusable): every pending promise rejects now, with the same error. */
  private fail(err: ExoError): void {
    if (this.closeError) return;
    this.closeError = err;
    this.state_ = 'closed';
    const all = [...this.inFlight.splice(0), ...this.queue.splice(0)];
    for (const p of all) { clearTimeout(p.timer); p.reject(err); }
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w.reject(err);
    for (const l of this.closeListeners) l(err);
    this.transport.close();
  }
}
