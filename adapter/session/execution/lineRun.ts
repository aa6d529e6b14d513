// Runs one leg of a line step on hidden breakpoints (the plan of linePlan.ts): reads and decodes
// the function's code around pc, inserts the plan's sites, resumes the stepping vCPU and takes
// only hits in the stepping frame (same CFA: a recursive or interrupting call of the same code
// passes on). 64-bit code with CFI only; otherwise the caller single-steps as before.
import type { RegisterValues } from '../../rsp';
import { RspThreadId, virt } from '../../common/types';
import { cpuMode } from '../../x86/cpumode';
import { Disassembler } from '../../x86/disasm';
import type { ExecTarget, FunctionRange, LineLocator, SourceLine } from '../ports';
import type { SteppingMode } from '../protocol';
import { flowOf, planLine, type LinePlan, type PlanInsn } from './linePlan';
import type { RunResult, Runner } from './runner';
import type { SiteManager } from './sites';
import type { Site } from '../breakpoints/table';

/** 'done': the step ends with this result; 'special': pc is at an instruction to single-step. */
export type LineLeg = { kind: 'done'; result: RunResult } | { kind: 'special' };

/** A leg planned for one vCPU at one pc: made at the stop (while the client looks at it) for the
 *  likely `next`, or when the step asks. */
interface Planned { pc: bigint; cfa: bigint; plan: LinePlan; range: SourceLine; fn: FunctionRange }

export interface LineRunDeps {
  target: ExecTarget;
  sites: SiteManager;
  runner: Runner;
  lines: LineLocator;
  mode: () => SteppingMode;
}

/** Code is read in aligned chunks of this size, kept only until the VM runs or memory is
 *  written (a kernel patches its own text, e.g. Linux alternatives). */
const CODE_CHUNK = 0x100n;
const MAX_INSN = 15n;
let disassembler: Promise<Disassembler> | undefined;

/** Loads the disassembler ahead of the first step (the wasm module takes a moment). */
export function warmUpLineRuns(): void {
  const d = (disassembler ??= Disassembler.create());
  d.then(dis => {
    // The first calls of a fresh process are slow until V8 has compiled the module's glue:
    // make them while QEMU boots, not on the first steps (~10 ms).
    setTimeout(() => {
      const code = new Uint8Array(16); // `add [rax], al`
      for (let i = 0; i < 200; i++) dis.disassemble(code, 0xffffffff80000000n, 64, { count: 1 });
    }, 0).unref?.();
  }, () => { disassembler = undefined; });
}

const rip = (r: RegisterValues) => r.get('rip') ?? 0n;
const sameLine = (a: SourceLine | undefined, b: SourceLine | undefined) =>
  !!a && !!b && a.line === b.line && a.file === b.file;

/** The single-stepping loop's rule: a step ends on the first instruction of another statement. */
export function endsLineStep(here: SourceLine | undefined, range: SourceLine): boolean {
  return !!here && here.line !== 0 && !sameLine(here, range) && here.isStmtStart !== false;
}

/** Line legs of one session, with the code read at the last stop (prefetched while the client
 *  looks at the stop, dropped by anything that may change memory or run the VM). */
export class LineRuns {
  private code = new Map<string, Promise<Uint8Array | undefined>>();
  /** Instructions decoded from that code (by thread and address): a step re-plans after each
   *  instruction it single-steps. */
  private insns = new Map<string, PlanInsn>();
  /** Plans made at this stop, by thread and step kind. */
  private planned = new Map<string, Promise<Planned | undefined>>();
  /** Bumped by invalidate(): work started for an older stop does not store its results. */
  private generation = 0;

  constructor(private readonly d: LineRunDeps) {}

  /** Forget code read so far (call on every resume, stop and memory write). */
  invalidate(): void { this.code.clear(); this.insns.clear(); this.planned.clear(); this.generation++; }

  /** Reads the code at the vCPU's pc and plans a `next` from there, ahead of a likely line step
   *  (the step then only changes breakpoints and resumes). */
  prefetch(thread: RspThreadId): void {
    if (!this.d.lines.frameCfa) return;
    const gen = this.generation;
    this.d.target.readRegisters(thread).then(async regs => {
      const pc = rip(regs);
      const fn = this.d.lines.functionAt(pc);
      if (!fn || cpuMode(regs).bits !== 64) return;
      await this.chunk(thread, pc - (pc % CODE_CHUNK));
      const range = this.d.lines.lineAt(pc);
      if (gen !== this.generation || !range) return;
      this.planned.set(`${thread}:false`, this.plan(thread, regs, false, range, fn).catch(() => undefined));
    }, () => { /* the step reads again */ });
  }

  /** The plan of a leg from the vCPU's registers: undefined when it cannot plan (not 64-bit code,
   *  no CFI, unreadable code, a line without exits). */
  private async plan(thread: RspThreadId, regs: RegisterValues, stepIn: boolean, range: SourceLine, fn: FunctionRange): Promise<Planned | undefined> {
    const d = this.d;
    const frameCfa = d.lines.frameCfa;
    if (!frameCfa) return undefined;
    const mode = cpuMode(regs);
    if (mode.mode !== 'long' || mode.bits !== 64) return undefined;
    const cfa = await frameCfa(regs);
    if (cfa === undefined) return undefined;
    const pc = rip(regs);
    // A line lookup is ~0.1 ms in a big unit (every subfile is searched): only entry starts can
    // end a step, so other addresses of the function need none.
    const starts = d.lines.rowStarts?.(fn);
    const plan = await planLine({
      pc, fn, stepIn,
      isStop: a => (starts && a >= fn.low && a < fn.high && !starts.has(a) ? false : endsLineStep(d.lines.lineAt(a), range)),
      decodeAt: a => this.decodeAt(thread, fn, a),
    });
    return plan && { pc, cfa, plan, range, fn };
  }

  private chunk(thread: RspThreadId, base: bigint): Promise<Uint8Array | undefined> {
    const key = `${thread}:${base}`;
    let p = this.code.get(key);
    if (!p) {
      p = this.d.target.readVirtual(thread, virt(base), Number(CODE_CHUNK)).then(r => (r.unreadable.length ? undefined : r.data), () => undefined);
      this.code.set(key, p);
    }
    return p;
  }

  /** Runs the rest of the line (or up to an instruction to single-step) on hidden breakpoints.
   *  When the step ends they stay inserted: removing them can wait until the stop is reported
   *  (the next sites.sync() does it). Before a single-step they go at once (stepping from a
   *  breakpoint's address would re-hit it). */
  async leg(thread: RspThreadId, stepIn: boolean, range: SourceLine, fn: FunctionRange): Promise<LineLeg | undefined> {
    const d = this.d;
    const frameCfa = d.lines.frameCfa;
    if (!frameCfa) return undefined;
    const regs = await d.target.readRegisters(thread);
    const pc = rip(regs);
    const ahead = await this.planned.get(`${thread}:${stepIn}`);
    const p = ahead && ahead.pc === pc && ahead.fn.low === fn.low && sameLine(ahead.range, range) ? ahead
      : await this.plan(thread, regs, stepIn, range, fn);
    if (!p) return undefined;
    const { plan, cfa } = p;
    if (plan.specials.includes(pc)) return { kind: 'special' };
    const sites = [...plan.stops, ...plan.specials].map(a => d.sites.table.addTemp(a));
    try {
      await d.sites.sync();
      const r = await d.runner.run({
        current: thread,
        only: d.mode() === 'all' ? undefined : thread,
        temp: {
          sites,
          // Undefined CFA at a hit (no CFI there) is taken: better stop than run away.
          accept: async (t, hit) => t === thread && ((await frameCfa(hit)) ?? cfa) === cfa,
        },
      });
      if (r.kind !== 'temp') return { kind: 'done', result: r };
      if (plan.specials.includes(rip(r.regs))) {
        this.release(sites);
        await d.sites.sync();
        return { kind: 'special' };
      }
      return { kind: 'done', result: { kind: 'stopped', reason: 'step', thread, hitIds: [], rip: rip(r.regs) } };
    } finally {
      this.release(sites);
    }
  }

  private release(sites: Site[]): void {
    for (const s of sites.splice(0)) this.d.sites.table.removeTemp(s);
  }

  /** The instruction at `addr` of `fn`, decoded from the vCPU's memory. */
  private async decodeAt(thread: RspThreadId, fn: FunctionRange, addr: bigint): Promise<PlanInsn | undefined> {
    if (addr < fn.low || addr >= fn.high) return undefined;
    const known = this.insns.get(`${thread}:${addr}`);
    if (known) return known;
    const base = addr - (addr % CODE_CHUNK);
    const first = await this.chunk(thread, base);
    if (!first) return undefined;
    // Only the bytes of one instruction: capstone-wasm costs ~40 µs per decoded instruction (and
    // more per byte handed in), so decoding ahead of need is slower than asking again.
    let bytes = first.subarray(Number(addr - base), Number(addr - base + MAX_INSN));
    if (BigInt(bytes.length) < MAX_INSN) {
      // The instruction may straddle two chunks.
      const second = await this.chunk(thread, base + CODE_CHUNK);
      if (second) bytes = Uint8Array.from([...bytes, ...second.subarray(0, Number(MAX_INSN) - bytes.length)]);
    }
    const dis = await (disassembler ??= Disassembler.create());
    const [insn] = dis.disassemble(bytes, addr, 64, { count: 1 });
    if (!insn) return undefined;
    const p: PlanInsn = { address: addr, length: insn.length, flow: flowOf(insn.mnemonic, insn.operands, insn.invalid) };
    this.insns.set(`${thread}:${addr}`, p);
    return p;
  }
}
