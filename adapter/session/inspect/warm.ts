// Rehearsal of a stop: a stop played on a synthetic frame (pc = a breakpoint site or the kernel's
// main function, memory reading as zeros, no RSP traffic), so that the unit's DIEs, scopes,
// variable types, CFI rows and line rows are parsed and V8 has compiled the unwinding and
// rendering code before a real stop's stackTrace/scopes/variables run it. Played while QEMU
// starts (in small slices, idleSlices.ts) and as breakpoints are set (inside the request): not
// while the VM runs, where its CPU is taken from QEMU's vCPUs on a small machine.
import type { FrameBuilder } from './engineStack';
import type { SessionSymbols } from '../symbolsPort';
import { IdleSlices, type Slice, type SliceGate } from './idleSlices';
import type { SourcePaths } from './sources';
import type { Frame } from './stack';
import { describeFrame } from './stackView';
import { trace } from '../trace';

export interface RehearsalDeps {
  frames: FrameBuilder;
  /** Renders frame 0's parameters or locals as the Variables view would. */
  render: (frame: Frame, which: 'params' | 'locals') => Promise<void>;
  symbols: SessionSymbols;
  sources: SourcePaths;
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
/** Sites rehearsed in a session at most (each costs ~1 ms inside its setBreakpoints). */
const MAX_REHEARSED = 256;
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

  /** Call when the gate may have opened. */
  kick(): void { this.slices.kick(); }

  /** Rehearses the pcs not rehearsed yet at once, in one go (inside a request). */
  async rehearseNow(pcs: Iterable<bigint>): Promise<void> {
    for (const pc of pcs) {
      if (this.done.has(pc) || this.done.size >= MAX_REHEARSED) continue;
      this.done.add(pc);
      for (const s of this.slicesFor(pc)) {
        try { await s(); } catch { /* only warming */ }
      }
    }
  }

  /** One stop in the slices a real one takes: unwind, describe the frames, each scope's values. */
  private slicesFor(pc: bigint): Slice[] {
    const { frames: build, symbols, sources } = this.d;
    let frames: Frame[] = [];
    const render = (which: 'params' | 'locals') => async () => { if (frames.length) await this.d.render(frames[0], which); };
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
