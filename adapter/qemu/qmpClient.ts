// QMP client over a handed-in transport: greeting + qmp_capabilities, commands with ids and
// timeouts, typed events, and helpers for the commands the adapter needs.
import { ExoError } from '../common/errors';
import { nullLogger, type Logger } from '../common/log';
import { encodeQmpCommand, QmpDecoder, type Json, type JsonObject, type QmpMessage, type QmpVersion } from './qmpCodec';
import { toCpus, toEvent, toStatus, type QmpCpu, type QmpEvent, type QmpEventName, type QmpStatus, type QmpTransport } from './qmpTypes';

export interface QmpClientOptions {
  /** Default deadline for the greeting and for each command (ms). */
  timeoutMs?: number;
  logger?: Logger;
}

interface Pending { cmd: string; resolve(v: Json): void; reject(e: Error): void; timer: NodeJS.Timeout }

export const DEFAULT_QMP_TIMEOUT_MS = 10_000;

export class QmpClient {
  private readonly decoder = new QmpDecoder();
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(e: QmpEvent) => void>();
  private readonly closeListeners = new Set<(e: ExoError) => void>();
  private nextId = 1;
  private closedWith: ExoError | undefined;
  private greetingWaiter: { resolve(m: QmpMessage & { kind: 'greeting' }): void; reject(e: Error): void } | undefined;
  private greeted = false;
  version: QmpVersion | undefined;
  capabilities: string[] = [];
  private readonly log: Logger;
  private readonly timeoutMs: number;

  private constructor(private readonly transport: QmpTransport, opts: QmpClientOptions) {
    this.log = opts.logger ?? nullLogger;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_QMP_TIMEOUT_MS;
    transport.onData(t => this.onData(t));
    transport.onClose(err => this.fail(new ExoError('disconnected',
      `QMP connection closed${err ? ` (${err.message})` : ''}: QEMU has exited or closed its monitor`, { cause: err })));
  }

  /** Waits for the greeting and leaves capabilities negotiation mode. */
  static async connect(transport: QmpTransport, opts: QmpClientOptions = {}): Promise<QmpClient> {
    const c = new QmpClient(transport, opts);
    try {
      await c.waitGreeting();
      await c.execute('qmp_capabilities');
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  get isClosed(): boolean { return this.closedWith !== undefined; }

  /** Sends one command; resolves with its `return` value, rejects on an `error` reply or timeout. */
  execute(cmd: string, args?: JsonObject, timeoutMs = this.timeoutMs): Promise<Json> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = `exo-${this.nextId++}`;
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id); // a late reply is then ignored
        reject(new ExoError('timeout', `QMP ${cmd}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { cmd, resolve, reject, timer });
      try {
        this.transport.write(encodeQmpCommand(cmd, args, id));
      } catch (e) {
        this.fail(new ExoError('disconnected', `QMP write failed: ${String(e)}`, { cause: e }));
      }
    });
  }

  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once when the connection ends (with the error every later call rejects with). */
  onClose(listener: (e: ExoError) => void): () => void {
    if (this.closedWith) { listener(this.closedWith); return () => {}; }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Resolves with the next event of that name; subscribe BEFORE triggering it. */
  waitForEvent<N extends QmpEventName>(name: N, timeoutMs = this.timeoutMs): Promise<Extract<QmpEvent, { event: N }>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const done = () => { clearTimeout(timer); offEvent(); offClose(); };
      const timer = setTimeout(() => { done(); reject(new ExoError('timeout', `QMP event ${name}: none within ${timeoutMs} ms`)); }, timeoutMs);
      const offEvent = this.onEvent(e => {
        if (e.event === name) { done(); resolve(e as Extract<QmpEvent, { event: N }>); }
      });
      const offClose = this.onClose(err => { done(); reject(err); });
    });
  }

  async queryStatus(): Promise<QmpStatus> { return toStatus(await this.execute('query-status')); }
  async queryCpusFast(): Promise<QmpCpu[]> { return toCpus(await this.execute('query-cpus-fast')); }
  async stop(): Promise<void> { await this.execute('stop'); }
  async cont(): Promise<void> { await this.execute('cont'); }

  /**
   * Resets the machine. With `-no-reboot` (our launcher always sets it) QEMU turns even a host
   * reset into a shutdown and exits, so the reboot action is switched to 'reset' around it.
   */
  async systemReset(opts: { noReboot: boolean }): Promise<void> {
    if (!opts.noReboot) { await this.execute('system_reset'); return; }
    await this.execute('set-action', { reboot: 'reset' });
    try {
      await this.execute('system_reset');
    } finally {
      if (!this.closedWith) await this.execute('set-action', { reboot: 'shutdown' });
    }
  }

  /** Asks QEMU to exit; resolves once it acknowledged or closed the connection. */
  async quit(): Promise<void> {
    try {
      await this.execute('quit');
    } catch (e) {
      // QEMU may close the socket before the reply reaches us: that is success too.
      if (!(e instanceof ExoError && e.kind === 'disconnected')) throw e;
    }
  }

  /** Runs an HMP command (e.g. 'info registers') and returns its text output. */
  async humanMonitorCommand(commandLine: string, timeoutMs?: number): Promise<string> {
    const v = await this.execute('human-monitor-command', { 'command-line': commandLine }, timeoutMs);
    if (typeof v !== 'string') throw new ExoError('protocol', 'QMP human-monitor-command returned a non-string');
    return v;
  }

  close(): void {
    this.fail(new ExoError('disconnected', 'QMP connection closed by the adapter'));
  }

  private waitGreeting(): Promise<void> {
    if (this.greeted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.greetingWaiter = undefined;
        reject(new ExoError('timeout', `QMP greeting: none within ${this.timeoutMs} ms (is this a QMP socket?)`));
      }, this.timeoutMs);
      this.greetingWaiter = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: e => { clearTimeout(timer); reject(e); },
      };
      if (this.closedWith) this.greetingWaiter.reject(this.closedWith);
    });
  }

  private onData(text: string): void {
    if (this.closedWith) return;
    let msgs: QmpMessage[];
    try { msgs = this.decoder.push(text); } catch (e) {
      // Framing is lost: no later reply can be trusted to match its request.
      this.fail(e instanceof ExoError ? e : new ExoError('protocol', String(e)));
      return;
    }
    for (const m of msgs) this.dispatch(m);
  }

  private dispatch(m: QmpMessage): void {
    if (!this.greeted) {
      if (m.kind !== 'greeting') {
        this.fail(new ExoError('protocol', `QMP peer did not start with a greeting (got a ${m.kind})`));
        return;
      }
      this.greeted = true;
      this.version = m.version;
      this.capabilities = m.capabilities;
      this.greetingWaiter?.resolve(m);
      this.greetingWaiter = undefined;
      return;
    }
    switch (m.kind) {
      case 'greeting': this.log.warn('QMP sent a second greeting; ignored'); return;
      case 'event': {
        const e = toEvent(m.event, m.data, m.timestamp);
        for (const l of [...this.listeners]) {
          try { l(e); } catch (err) { this.log.warn(`QMP event listener threw: ${String(err)}`); }
        }
        return;
      }
      case 'return': case 'error': {
        const p = typeof m.id === 'string' ? this.pending.get(m.id) : undefined;
        if (!p) { this.log.debug(`QMP reply for unknown or expired id ${JSON.stringify(m.id)}`); return; }
        this.pending.delete(m.id as string);
        clearTimeout(p.timer);
        if (m.kind === 'return') p.resolve(m.value);
        else p.reject(new QmpCommandError(p.cmd, m.errorClass, m.desc));
      }
    }
  }

  private fail(err: ExoError): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
    this.pending.clear();
    this.greetingWaiter?.reject(err);
    this.greetingWaiter = undefined;
    for (const l of [...this.closeListeners]) { try { l(err); } catch { /* ignore */ } }
    this.closeListeners.clear();
    try { this.transport.close(); } catch { /* already closed */ }
  }
}

/** QEMU refused a command: the class (e.g. CommandNotFound, GenericError) and its description. */
export class QmpCommandError extends ExoError {
  constructor(readonly command: string, readonly errorClass: string, readonly desc: string) {
    super('target', `QMP ${command} failed (${errorClass}): ${desc}`);
  }
}
