// Idle-time rehearsal of a stop at a breakpoint site. While the VM runs toward its breakpoints the
// adapter has nothing to do, so it plays a stop at each site on a synthetic frame (pc = the site,
// memory reading as zeros, no RSP traffic): the unit's DIEs, scopes, variable types, CFI rows and
// line rows get parsed, and V8 compiles the unwinding and rendering code that the real stop's
// stackTrace/scopes/variables then run hot. Work goes in small slices (idleSlices.ts).
import type { RspThreadId } from '../../common/types';
import type { FrameBuilder } from '../symbolsLoader';
import type { SessionSymbols } from '../symbolsPort';
import { IdleSlices, type Slice, type SliceGate } from './idleSlices';
import type { FrameVariables } from './locals';
import type { SourcePaths } from './sources';
import type { Frame } from './stack';
import { describeFrame } from './stackView';
import { trace } from '../trace';

export interface RehearsalDeps {
  frames: FrameBuilder | undefined;
  vars: FrameVariables | undefined;
  symbols: SessionSymbols;
  sources: SourcePaths;
  /** Any vCPU id (synthetic frames never read through it). */
  thread: () => RspThreadId;
  /** 'run' while rehearsing costs nobody anything (the VM runs toward a stop), 'wait' while it
   *  is about to run, 'stop' otherwise. */
  gate: () => SliceGate;
  /** A code address to play the synthetic frame's caller (so the caller path runs too). */
  callerPc: () => bigint | undefined;
}

/** A canonical higher-half stack address for the synthetic frame (never read: memory is zeros). */
const SYNTHETIC_SP = 0xffff_c000_0001_0000n;
/** Sites rehearsed per call: a function breakpoint on a generic may resolve to many. */
const MAX_SITES = 32;
/** Where the synthetic frame's return address and saved rbp may be looked for. */
const FRAME_WINDOW = 0x200n;

/** Synthetic memory: zeros, except that every aligned 8-byte word near the synthetic sp holds
 *  `ret` (the return address, whatever the site's CFA rule): frame 1 unwinds to `ret - 1`, whose
 *  saved rbp (`ret` again) lies outside the window, so its return address reads 0 and the
 *  unwinder stops there. Values of other sizes read as zeros (no huge lengths to render). */
export function syntheticMemory(ret: bigint | undefined): (addr: bigint, len: number) => Promise<Uint8Array> {
  return async (addr, len) => {
    const out = new Uint8Array(len);
    if (ret !== undefined && len === 8 && (addr & 7n) === 0n && addr >= SYNTHETIC_SP && addr < SYNTHETIC_SP + FRAME_WINDOW) {
      for (let i = 0; i < 8; i++) out[i] = Number((ret >> BigInt(8 * i)) & 0xffn);
    }
    return out;
  };
}

/** The registers of a synthetic stop at `pc`: a plausible frame whose caller's pc reads 0. */
export function syntheticRegisters(pc: bigint): Map<string, bigint> {
  const regs = new Map<string, bigint>([['rip', pc], ['rsp', SYNTHETIC_SP], ['rbp', SYNTHETIC_SP + 0x100n]]);
  for (const r of ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']) regs.set(r, 0n);
  return regs;
}

export class StopRehearsal {
  private readonly done = new Set<bigint>();
  private readonly slices: IdleSlices;

  constructor(private readonly d: RehearsalDeps) {
    this.slices = new IdleSlices(d.gate);
  }

  /** Slices still queued (tests and traces). */
  get pending(): number { return this.slices.pending; }

  /** Queues a rehearsal at each pc not rehearsed yet, `rounds` times each (V8 optimizes a
   *  function after a few calls, not on the first); runs while the gate is open. */
  rehearse(pcs: Iterable<bigint>, rounds = 1): void {
    const fresh: bigint[] = [];
    for (const pc of pcs) {
      if (fresh.length >= MAX_SITES) break;
      if (this.done.has(pc)) continue;
      this.done.add(pc);
      fresh.push(pc);
    }
    for (let r = 0; r < rounds; r++) this.slices.add(fresh.flatMap(pc => this.slicesFor(pc)));
  }

  /** Call when the gate may have opened (a continue started). */
  kick(): void { this.slices.kick(); }

  /** One stop in the slices a real one takes: unwind, describe the frames, each scope's values. */
  private slicesFor(pc: bigint): Slice[] {
    const { frames: build, vars, symbols, sources } = this.d;
    if (!build) return [];
    let frames: Frame[] = [];
    const render = (which: 'params' | 'locals') => async () => {
      if (!vars || !frames.length) return;
      const fs = await vars.frameScope(this.d.thread(), frames, 0);
      for (const n of await vars.nodes(fs, which)) if (n.childCount > 0) await n.children(0, 1);
    };
    const slices: Slice[] = [
      async () => {
        const ret = this.d.callerPc();
        frames = await build(syntheticRegisters(pc), syntheticMemory(ret === undefined ? undefined : ret + 1n));
      },
      async () => { for (const f of frames) await describeFrame(f, symbols, sources); },
      render('params'),
      render('locals'),
    ];
    const t = trace();
    // EXO_TRACE: each slice's duration (what a request arriving meanwhile could wait).
    return t ? slices.map((s, i) => async () => {
      const t0 = process.hrtime.bigint();
      try { await s(); } finally { t.line(`rehearse 0x${pc.toString(16)} slice ${i} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3)} ms`); }
    }) : slices;
  }
}
