// Public types of the RSP client: what the session and kernel views consume. Values only;
// the wire formats live in codec/ and packets/, the behaviour in connection.ts / client.ts.
import type { PhysAddr, RspThreadId, VirtAddr } from '../common/types';

/** Byte pipe to the gdbstub, handed in so tests can use a fake (CONVENTIONS.md #3). */
export interface Transport {
  write(bytes: Uint8Array): void;
  /** Registers the single data sink; bytes arrive in arbitrary slices. The decoder keeps
   *  views of them, so a transport must hand over fresh buffers (Node sockets do). */
  onData(cb: (bytes: Uint8Array) => void): void;
  /** Called once when the peer goes away (error optional). */
  onClose(cb: (err?: Error) => void): void;
  close(): void;
}

/** `vCont?` answer: which resume actions the stub supports. */
export interface VContSupport {
  c: boolean; C: boolean; s: boolean; S: boolean; t: boolean; r: boolean;
}

/** QEMU's single-step flag bits from `qqemu.sstepbits` (ENABLE=1,NOIRQ=2,NOTIMER=4). */
export interface SstepBits {
  enable: number;
  noIrq: number;
  noTimer: number;
}

/** QEMU's `qqemu.sstep` / `Qqemu.sstep=N` capability. */
export interface SstepCapability {
  /** Present when `qqemu.sstepbits` was advertised and answered. */
  bits?: SstepBits;
}

/** QEMU's `Qqemu.PhyMemMode`: m/M switch to physical addresses (sticky per connection). */
export interface PhyMemModeCapability {
  readonly name: 'PhyMemMode';
}

/** What the stub offers, from `qSupported`, `vCont?` and `qqemu.Supported`. Optional
 *  capabilities are absent rather than false (CONVENTIONS.md #2). */
export interface RspFeatures {
  /** Maximum packet payload in bytes (QEMU: 4096). */
  packetSize: number;
  multiprocess: boolean;
  /** `qXfer:features:read+`: the target description can be fetched. */
  xferFeatures: boolean;
  vCont?: VContSupport;
  sstep?: SstepCapability;
  phyMemMode?: PhyMemModeCapability;
  /** Every `name=value` / `name+` of the qSupported reply, for diagnostics. */
  raw: ReadonlyMap<string, string | boolean>;
}

/** One register of the target description, located in the `g` packet. */
export interface RegisterInfo {
  name: string;
  regnum: number;
  bitsize: number;
  /** Byte offset in the `g` reply. */
  offset: number;
  group?: string;
  type?: string;
  feature: string;
}

export interface RegisterTable {
  registers: readonly RegisterInfo[];
  /** Size of the `g` payload in bytes (sum of all register sizes). */
  gSize: number;
  byName(name: string): RegisterInfo | undefined;
  byNum(regnum: number): RegisterInfo | undefined;
}

/** Register values by name; 80-bit and 128-bit registers are bigint too. */
export type RegisterValues = ReadonlyMap<string, bigint>;

export type WatchKind = 'watch' | 'rwatch' | 'awatch';

/** A decoded stop reply (T, S, W or X). */
export interface StopEvent {
  /** Signal number (T/S/X), e.g. 5 = SIGTRAP, 2 = SIGINT after an interrupt. */
  signal: number;
  /** The vCPU that stopped, when named (`thread:`). */
  thread?: RspThreadId;
  /** Process id of a multiprocess `pP.T` thread id. */
  pid?: number;
  /** Set when a watchpoint triggered: which kind and the data address. */
  watch?: { kind: WatchKind; addr: bigint };
  /** `W`: the target exited with this code. */
  exited?: number;
  /** `X`: the target was terminated by `signal`. */
  terminated?: boolean;
  /** `swbreak`/`hwbreak` reasons if the stub sends them (QEMU does not). */
  reason?: 'swbreak' | 'hwbreak';
  /** Other `name:value` pairs of a T reply (register values, core, …), as sent. */
  extra: ReadonlyMap<string, string>;
}

/** Kind of a Z/z point: Z0 sw, Z1 hw, Z2 write watch, Z3 read watch, Z4 access watch. */
export type BreakpointKind = 'sw' | 'hw' | 'write' | 'read' | 'access';

export interface AddrRange { start: bigint; end: bigint }

/** Result of a memory read: `data` has the requested length; unreadable bytes are 0 and
 *  listed (page-granular, merged) in `unreadable`. */
export interface MemoryRead {
  data: Uint8Array;
  unreadable: AddrRange[];
}

/** Address space of a memory access: virtual (current CPU's page tables) or physical. */
export type Space = 'virtual' | 'physical';

/** How each vCPU resumes (one `vCont` packet). A thread may appear in at most one entry. */
export type ResumeAction =
  | { kind: 'continue'; thread?: RspThreadId }
  | { kind: 'step'; thread: RspThreadId };

export interface RspClientOptions {
  /** Per-request timeout in ms (QEMU never answers some requests). Default 5000. */
  requestTimeoutMs?: number;
  /** How long to wait for the stop after an interrupt. Default 2000. */
  interruptTimeoutMs?: number;
  /** Max requests in flight for independent memory reads (chunks of one large read).
   *  Default 4: measured ~1.5x the throughput of one at a time on QEMU 7.2 (bench/rsp.ts). */
  memoryPipeline?: number;
  /** Protocol trace (packets in/out) for diagnostics. */
  log?: import('../common/log').Logger;
}

/** The operations the rest of the adapter uses. */
export interface RspClientApi {
  readonly features: RspFeatures;
  readonly registers: RegisterTable;
  readonly state: 'stopped' | 'running' | 'closed';

  /** The stop that ended the last run, or QEMU's unsolicited T02 drained on connect. */
  readonly lastStop: StopEvent | undefined;

  threads(): Promise<RspThreadId[]>;
  /** QEMU's description of a vCPU, e.g. "CPU#1 [halted ]" (halted = executed HLT). */
  threadExtraInfo(thread: RspThreadId, timeoutMs?: number): Promise<string>;
  setThread(op: 'g' | 'c', thread: RspThreadId | 'all' | 'any'): Promise<void>;

  readRegisters(thread: RspThreadId): Promise<RegisterValues>;
  writeRegisters(thread: RspThreadId, values: ReadonlyMap<string, bigint>): Promise<void>;
  readRegister(thread: RspThreadId, name: string): Promise<bigint>;
  writeRegister(thread: RspThreadId, name: string, value: bigint): Promise<void>;

  readVirtual(thread: RspThreadId, addr: VirtAddr, length: number): Promise<MemoryRead>;
  readPhysical(addr: PhysAddr, length: number): Promise<MemoryRead>;
  writeVirtual(thread: RspThreadId, addr: VirtAddr, data: Uint8Array): Promise<void>;
  writePhysical(addr: PhysAddr, data: Uint8Array): Promise<void>;

  insertBreakpoint(kind: BreakpointKind, addr: bigint, length?: number): Promise<void>;
  removeBreakpoint(kind: BreakpointKind, addr: bigint, length?: number): Promise<void>;

  /** Sends one vCont; resolves once sent. The stop arrives via onStop / waitForStop.
   *  While running, every other request is refused with a 'user' error (QEMU would lose it). */
  resume(actions: ResumeAction[]): Promise<void>;
  /** Steps one vCPU (others stay stopped) and resolves with its stop. If it does not stop in
   *  time (a vCPU in HLT waits for an interrupt), interrupts and returns that T02 stop.
   *  QEMU rarely reports a step with rip unchanged: callers compare rip and retry. */
  step(thread: RspThreadId, timeoutMs?: number): Promise<StopEvent>;
  /** While running: the next stop. While stopped: the stop that ended the last run. */
  waitForStop(timeoutMs?: number): Promise<StopEvent>;
  onStop(listener: (e: StopEvent) => void): () => void;
  /** `O` console output that arrives outside a monitor command (e.g. while running). */
  onOutput(listener: (text: string) => void): () => void;
  /** Sends 0x03 and resolves with the resulting stop (the last stop if not running). */
  interrupt(): Promise<StopEvent>;

  /** `qRcmd`: runs a monitor command; each output chunk is streamed to `onOutput`. */
  monitor(command: string, onOutput?: (text: string) => void): Promise<string>;
  getSstep(): Promise<number>;
  setSstep(flags: number): Promise<void>;

  /** `D;1`: leaves the VM running and closes the connection. */
  detach(): Promise<void>;
  /** `k`: QEMU exits. */
  kill(): Promise<void>;
  close(): void;
  onClose(listener: (err: Error) => void): () => void;
}
