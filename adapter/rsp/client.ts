// The RSP client: negotiates, loads the register table, and offers the debugger operations.
// It tracks the stub's sticky state (Hg/Hc thread, PhyMemMode) and switches only on need.
import type {
  BreakpointKind, MemoryRead, RegisterTable, RegisterValues, ResumeAction, RspClientApi, RspClientOptions,
  RspFeatures, StopEvent, Transport,
} from './api';
import type { PhysAddr, RspThreadId, VirtAddr } from '../common/types';
import { ExoError } from '../common/errors';
import { Connection } from './connection';
import { Lock } from './lock';
import { ThreadSel } from './codec/threadid';
import { parseStopReply } from './codec/stop';
import { classifyReply, expectHex, expectOk, protocolError, targetError, unsupported } from './codec/reply';
import * as sup from './packets/supported';
import * as thr from './packets/threads';
import * as reg from './packets/registers';
import * as bp from './packets/breakpoints';
import * as vc from './packets/vcont';
import * as qemu from './packets/qemu';
import * as ctl from './packets/control';
import { encodeMonitor } from './packets/monitor';
import { readFeatures } from './packets/qxfer';
import { loadTargetDescription } from './targetdesc/table';
import { MemoryAccess } from './memaccess';

/** QEMU answers at most 2045 bytes per qXfer chunk; asking for more is harmless. */
const XFER_CHUNK = 0xffb;
/** Reads in flight for one large memory read (see RspClientOptions.memoryPipeline). */
const DEFAULT_PIPELINE = 4;

export class RspClient implements RspClientApi {
  private readonly lock = new Lock();
  private readonly mem: MemoryAccess;
  private currentG?: ThreadSel;
  private currentC?: ThreadSel;
  private readonly breakpoints = new Map<string, number>();
  private constructor(
    private readonly conn: Connection,
    readonly features: RspFeatures,
    readonly registers: RegisterTable,
    readonly architecture: string | undefined,
    /** Process id used in multiprocess thread ids (QEMU: 1). */
    readonly pid: number | undefined,
    private readonly opts: RspClientOptions,
  ) {
    this.mem = new MemoryAccess(conn, features, opts.memoryPipeline ?? DEFAULT_PIPELINE,
      t => this.selectThread('g', t));
    // QEMU points Hg and Hc at the vCPU its stop reply names (T02 and T05 alike, measured on
    // 7.2): take that as selected, so the first request after a stop needs no Hg round trip.
    conn.onStop(e => this.selectedByStop(e));
  }

  private selectedByStop(e: StopEvent): void {
    this.currentG = e.thread;
    this.currentC = e.thread;
  }

  private forgetThreads(): void {
    this.currentG = undefined;
    this.currentC = undefined;
  }

  /** Negotiates over `transport` (drains QEMU's unsolicited stop on connect). */
  static async connect(transport: Transport, opts: RspClientOptions = {}): Promise<RspClient> {
    const conn = new Connection(transport, {
      requestTimeoutMs: opts.requestTimeoutMs, window: opts.memoryPipeline ?? DEFAULT_PIPELINE, log: opts.log,
    });
    try {
      const raw = sup.parseQSupported(await conn.request(sup.QSUPPORTED));
      const vCont = sup.parseVContQuery(await conn.request(sup.VCONT_QUERY));
      const qemuSet = sup.parseQemuSupported(await conn.request(sup.QEMU_SUPPORTED));
      const bits = qemuSet.has('sstepbits') ? sup.parseSstepBits(await conn.request(sup.QEMU_SSTEPBITS)) : undefined;
      const features = sup.buildFeatures(raw, vCont, qemuSet, bits);
      if (!features.xferFeatures) {
        throw new ExoError('target', 'the gdbstub offers no target description (qXfer:features:read): cannot decode registers');
      }
      const desc = await loadTargetDescription(annex => readFeatures(p => conn.request(p), annex, XFER_CHUNK));
      let pid: number | undefined;
      if (features.multiprocess) {
        const first = thr.parseThreadInfo(await conn.request(thr.THREAD_INFO_FIRST));
        pid = first.done ? 1 : first.ids[0].pid ?? 1;
      }
      return new RspClient(conn, features, desc.table, desc.architecture, pid, opts);
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  get state(): 'stopped' | 'running' | 'closed' { return this.conn.state; }
  get lastStop(): StopEvent | undefined { return this.conn.lastStop; }
  /** Number of inserted breakpoints/watchpoints (counting duplicates). */
  get breakpointCount(): number { let n = 0; for (const c of this.breakpoints.values()) n += c; return n; }

  private op<T>(fn: () => Promise<T>): Promise<T> { return this.lock.run(fn); }

  // ---- threads ------------------------------------------------------------------------

  threads(): Promise<RspThreadId[]> {
    return this.op(async () => {
      const out: RspThreadId[] = [];
      let reply = await this.conn.request(thr.THREAD_INFO_FIRST);
      for (let i = 0; i < 4096; i++) {
        const r = thr.parseThreadInfo(reply);
        if (r.done) return out;
        for (const id of r.ids) out.push(id.tid);
        reply = await this.conn.request(thr.THREAD_INFO_NEXT);
      }
      throw new ExoError('protocol', 'thread list never ended (more than 4096 replies)');
    });
  }

  /** `qThreadExtraInfo`: QEMU's text for a vCPU, e.g. "CPU#1 [halted ]". */
  threadExtraInfo(thread: RspThreadId, timeoutMs = 1000): Promise<string> {
    return this.op(async () => {
      const bytes = expectHex('qThreadExtraInfo', await this.conn.request(thr.encodeThreadExtraInfo(thread, this.pid), { timeoutMs }));
      return Buffer.from(bytes).toString('utf8');
    });
  }

  setThread(op: 'g' | 'c', thread: ThreadSel): Promise<void> {
    return this.op(() => this.selectThread(op, thread, true));
  }

  private async selectThread(op: 'g' | 'c', thread: ThreadSel, force = false): Promise<void> {
    if (!force && (op === 'g' ? this.currentG : this.currentC) === thread) return;
    if (op === 'g') this.currentG = undefined; else this.currentC = undefined;
    expectOk(`H${op} ${String(thread)}`, await this.conn.request(thr.encodeSetThread(op, thread, this.pid)));
    if (op === 'g') this.currentG = thread; else this.currentC = thread;
  }

  // ---- registers ----------------------------------------------------------------------

  readRegisters(thread: RspThreadId): Promise<RegisterValues> {
    return this.op(async () => {
      await this.selectThread('g', thread);
      return reg.decodeAll(this.registers, expectHex('g', await this.conn.request(reg.READ_ALL)));
    });
  }

  writeRegisters(thread: RspThreadId, values: ReadonlyMap<string, bigint>): Promise<void> {
    return this.op(async () => {
      await this.selectThread('g', thread);
      const now = expectHex('g', await this.conn.request(reg.READ_ALL));
      const next = reg.patchAll(this.registers, now.subarray(0, this.registers.gSize), values);
      expectOk('G', await this.conn.request(reg.encodeWriteAll(next)));
    });
  }

  private regInfo(name: string) {
    const r = this.registers.byName(name);
    if (!r) throw new ExoError('user', `unknown register '${name}' (the target description has no such register)`);
    return r;
  }

  readRegister(thread: RspThreadId, name: string): Promise<bigint> {
    return this.op(async () => {
      const r = this.regInfo(name);
      await this.selectThread('g', thread);
      return reg.decodeOne(r, expectHex(`p ${name}`, await this.conn.request(reg.encodeReadOne(r))));
    });
  }

  writeRegister(thread: RspThreadId, name: string, value: bigint): Promise<void> {
    return this.op(async () => {
      const r = this.regInfo(name);
      await this.selectThread('g', thread);
      expectOk(`P ${name}`, await this.conn.request(reg.encodeWriteOne(r, value)));
    });
  }

  // ---- memory -------------------------------------------------------------------------

  readVirtual(thread: RspThreadId, addr: VirtAddr, length: number): Promise<MemoryRead> {
    return this.op(() => this.mem.read('virtual', addr, length, thread));
  }
  readPhysical(addr: PhysAddr, length: number): Promise<MemoryRead> {
    return this.op(() => this.mem.read('physical', addr, length));
  }
  writeVirtual(thread: RspThreadId, addr: VirtAddr, data: Uint8Array): Promise<void> {
    return this.op(() => this.mem.write('virtual', addr, data, thread));
  }
  writePhysical(addr: PhysAddr, data: Uint8Array): Promise<void> {
    return this.op(() => this.mem.write('physical', addr, data));
  }

  // ---- breakpoints --------------------------------------------------------------------

  // Z/z depend on no sticky state (Hg/Hc, PhyMemMode): they skip the lock and may be in flight
  // together (a line step changes several sites at once; each round trip is ~0.1-0.3 ms).

  async insertBreakpoint(kind: BreakpointKind, addr: bigint, length = 1): Promise<void> {
    expectOk(`inserting a ${kind} breakpoint at 0x${addr.toString(16)}`,
      await this.conn.request(bp.encodeBreakpoint(true, kind, addr, length), { pipeline: true }));
    const key = `${kind}:${addr}:${length}`;
    this.breakpoints.set(key, (this.breakpoints.get(key) ?? 0) + 1);
  }

  async removeBreakpoint(kind: BreakpointKind, addr: bigint, length = 1): Promise<void> {
    expectOk(`removing the ${kind} breakpoint at 0x${addr.toString(16)}`,
      await this.conn.request(bp.encodeBreakpoint(false, kind, addr, length), { pipeline: true }));
    const key = `${kind}:${addr}:${length}`;
    const n = (this.breakpoints.get(key) ?? 1) - 1;
    if (n > 0) this.breakpoints.set(key, n); else this.breakpoints.delete(key);
  }

  // ---- execution ----------------------------------------------------------------------

  resume(actions: ResumeAction[]): Promise<void> {
    return this.op(async () => {
      this.forgetThreads();
      if (this.features.vCont) return this.conn.resume(vc.encodeVCont(actions, this.pid));
      // No vCont: legacy c/s act on the Hc thread.
      const a = actions.length === 1 ? actions[0] : undefined;
      if (!a || (a.kind === 'continue' && a.thread !== undefined)) {
        throw new ExoError('user', 'this gdbstub has no vCont: only "continue all" or "step one thread" are possible');
      }
      return this.resumeLegacyLocked(a.kind === 'step' ? 's' : 'c', a.thread);
    });
  }

  /** Legacy `c` / `s` (on `thread` via Hc, or the current Hc thread). */
  resumeLegacy(action: 'c' | 's', thread?: RspThreadId): Promise<void> {
    return this.op(() => this.resumeLegacyLocked(action, thread));
  }

  private async resumeLegacyLocked(action: 'c' | 's', thread?: RspThreadId): Promise<void> {
    if (thread !== undefined) await this.selectThread('c', thread);
    this.forgetThreads();
    return this.conn.resume(action === 's' ? vc.STEP : vc.CONTINUE);
  }

  /** Steps one vCPU; if it does not stop in time (e.g. sitting in HLT), interrupts it. */
  async step(thread: RspThreadId, timeoutMs = this.opts.requestTimeoutMs ?? 5000): Promise<StopEvent> {
    await this.resume([{ kind: 'step', thread }]);
    try {
      return await this.conn.waitForStop(timeoutMs);
    } catch (e) {
      if (e instanceof ExoError && e.kind === 'timeout' && this.conn.state === 'running') return this.interrupt();
      throw e;
    }
  }

  waitForStop(timeoutMs?: number): Promise<StopEvent> { return this.conn.waitForStop(timeoutMs); }
  onStop(listener: (e: StopEvent) => void): () => void { return this.conn.onStop(listener); }
  /** `O` packets outside qRcmd (console output while running). */
  onOutput(listener: (text: string) => void): () => void { return this.conn.onOutput(listener); }

  async interrupt(): Promise<StopEvent> {
    if (this.conn.state !== 'running') {
      const last = this.conn.lastStop;
      if (last) return last;
      throw new ExoError('user', 'the target is not running: nothing to interrupt');
    }
    const stop = this.conn.waitForStop(this.opts.interruptTimeoutMs ?? 2000);
    this.conn.sendInterrupt();
    return stop;
  }

  /** `?`. Refused once breakpoints exist: QEMU would drop them on one vCPU only. */
  haltReason(): Promise<StopEvent> {
    return this.op(async () => {
      if (this.breakpointCount > 0) {
        throw new ExoError('internal', "refusing to send '?' while breakpoints are inserted (QEMU would lose them on one vCPU)");
      }
      const reply = await this.conn.request(ctl.HALT_REASON, { stopReply: true });
      return parseStopReply(reply);
    });
  }

  // ---- monitor and QEMU extras ----------------------------------------------------------

  monitor(command: string, onOutput?: (text: string) => void, timeoutMs = 30000): Promise<string> {
    return this.op(async () => {
      if (command.trim() === '') throw new ExoError('user', 'empty monitor command');
      // QEMU's gdbstub then loses the next packet (notes/qemu-gdbstub.md).
      if (/^\s*(c|cont)\s*$/.test(command)) {
        throw new ExoError('user', "monitor 'cont' would resume the VM behind the debugger's back: use Continue instead");
      }
      let text = '';
      const reply = await this.conn.request(encodeMonitor(command), {
        timeoutMs, onOutput: t => { text += t; onOutput?.(t); },
      });
      const r = classifyReply(reply);
      if (r.kind === 'ok') return text;
      if (r.kind === 'error') throw targetError(`monitor '${command}'`, r.code, r.text);
      if (r.kind === 'empty') throw unsupported('monitor (qRcmd)');
      // Some stubs answer the output as one hex blob instead of O packets.
      return text + Buffer.from(expectHex('qRcmd', reply)).toString('utf8');
    });
  }

  private needSstep() {
    if (!this.features.sstep) throw new ExoError('user', "this gdbstub has no QEMU single-step flags (qqemu.sstep)");
  }

  getSstep(): Promise<number> {
    return this.op(async () => { this.needSstep(); return qemu.parseSstep(await this.conn.request(qemu.GET_SSTEP)); });
  }

  setSstep(flags: number): Promise<void> {
    return this.op(async () => {
      this.needSstep();
      expectOk('Qqemu.sstep', await this.conn.request(qemu.encodeSetSstep(flags)));
    });
  }

  // ---- session end ----------------------------------------------------------------------

  detach(): Promise<void> {
    return this.op(async () => {
      expectOk('detach', await this.conn.request(ctl.encodeDetach(this.features.multiprocess ? this.pid : undefined)));
      this.conn.close();
    });
  }

  kill(): Promise<void> {
    return this.op(async () => {
      try {
        const reply = await this.conn.request(ctl.KILL, { stopReply: true, timeoutMs: 3000 });
        if (reply !== '' && reply !== 'OK' && !/^[WX][0-9a-fA-F]{2}/.test(reply)) throw protocolError('k', reply);
      } catch (e) {
        // QEMU may exit before answering: a lost connection is the expected outcome here.
        if (!(e instanceof ExoError && e.kind === 'disconnected')) throw e;
      }
      this.conn.close();
    });
  }

  close(): void { this.conn.close(); }
  onClose(listener: (err: Error) => void): () => void { return this.conn.onClose(listener); }
}
