// Runs one leg of a line step on hidden breakpoints (the plan of linePlan.ts): reads and decodes
// the function's code around pc, inserts the plan's sites, resumes the stepping vCPU and takes
// only hits in the stepping frame (same CFA: a recursive or interrupting call of the same code
// passes on). 64-bit code with CFI only; otherwise the caller single-steps as before.
import type { RegisterValues } from '../../rsp';
import { RspThreadId, virt } from '../../common/types';
import { readLE } from '../../common/hex';
import { cpuMode } from '../../x86/cpumode';
import { Disassembler } from '../../x86/disasm';
import type { ExecTarget, FunctionRange, LineLocator, SourceLine } from '../ports';
import type { SteppingMode } from '../protocol';
import { flowOf, planLine, type LinePlan, type PlanInsn } from './linePlan';
import { fastDecode } from './x86flow';
import type { RunResult, Runner } from './runner';
import type { SiteManager } from './sites';
import type { Site } from '../breakpoints/table';

/** 'done': the step ends with this result; 'special': pc is at an instruction to single-step. */
export type LineLeg = { kind: 'done'; result: RunResult } | { kind: 'special' };

/** A leg planned for one vCPU at one pc: made at the stop (while the client looks at it) for the
 *  likely `next`, or when the step asks. */
interface Planned {
  pc: bigint; cfa: bigint; plan: LinePlan; range: SourceLine; fn: FunctionRange;
  /** The plan's own sites, stops and specials (same frame: CFA equal to `cfa`). */
  own: ReadonlySet<bigint>;
  /** Stops of the caller's line after a return (its frame: rsp at least `cfa`). */
  caller: ReadonlySet<bigint>;
}

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
/** Lengths of x86-64 call encodings (e8 rel32; ff /2 with its addressing forms), most common first. */
const CALL_LENGTHS = [5n, 2n, 3n, 6n, 7n, 4n];
const MAX_INSN = 15n;
let disassembler: Promise<Disassembler> | undefined;
/** Decoded instructions by address with their bytes, across stops (checked against the bytes
 *  read at each stop: code that changed is decoded again). */
const decoded = new Map<bigint, { bytes: Uint8Array; insn: PlanInsn }>();
const MAX_DECODED = 50_000;
const sameBytes = (known: Uint8Array, now: Uint8Array) => known.length <= now.length && known.every((b, i) => now[i] === b);

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
  /** vCPUs whose code read and plan for the next step already started at this stop. */
  private readonly prefetched = new Set<RspThreadId>();
  /** Bumped by invalidate(): work started for an older stop does not store its results. */
  private generation = 0;

  constructor(private readonly d: LineRunDeps) {}

  /** Forget code read so far (call on every resume, stop and memory write). */
  invalidate(): void { this.code.clear(); this.insns.clear(); this.planned.clear(); this.prefetched.clear(); this.generation++; }

  /** Reads the code at the vCPU's pc and plans a `next` from there, ahead of a likely line step
   *  (the step then only changes breakpoints and resumes). */
  prefetch(thread: RspThreadId): void {
    if (!this.d.lines.frameCfa || this.prefetched.has(thread)) return;
    this.prefetched.add(thread);
    const gen = this.generation;
    this.d.target.readRegisters(thread).then(async regs => {
      const pc = rip(regs);
      const fn = this.d.lines.functionAt(pc);
      if (!fn || cpuMode(regs).bits !== 64) return;
      await this.chunk(thread, pc - (pc % CODE_CHUNK));
      const range = this.d.lines.lineAt(pc);
      if (gen !== this.generation || !range) return;
      const planned = this.plan(thread, regs, false, range, fn).catch(() => undefined);
      this.planned.set(`${thread}:false`, planned);
      const p = await planned;
      // Its breakpoints go in now (and the last step's leftovers out), not on the step's path.
      if (p && !p.plan.specials.includes(pc)) {
        await this.d.sites.prepare([...p.plan.stops, ...p.plan.specials], () => gen === this.generation);
      }
    }).catch(() => { /* the step plans and inserts again */ });
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
    if (!plan) return undefined;
    const own = new Set([...plan.stops, ...plan.specials]);
    // A return leaves the line into the caller's, which the step then finishes (as gdb): plan
    // that line too and run both in one go, instead of stopping at the return to single-step it.
    const after = plan.returns.length ? await this.callerPlan(thread, cfa, stepIn, fn) : undefined;
    if (!after) return { pc, cfa, plan, range, fn, own, caller: new Set() };
    const merged: LinePlan = {
      stops: [...new Set([...plan.stops, ...after.stops])],
      specials: plan.specials.filter(a => !plan.returns.includes(a)),
      returns: [],
    };
    return { pc, cfa, plan: merged, range, fn, own, caller: new Set(after.stops) };
  }

  /** The plan of the caller's line from the return address (at CFA - 8, where x86-64 CFI puts
   *  it), when it is a plain one: the return address follows a call, lies in another function
   *  with line info, and the rest of that line needs no single-step. */
  private async callerPlan(thread: RspThreadId, cfa: bigint, stepIn: boolean, fn: FunctionRange): Promise<LinePlan | undefined> {
    const d = this.d;
    const slot = await d.target.readVirtual(thread, virt(cfa - 8n), 8);
    if (slot.unreadable.length) return undefined;
    const ra = readLE(slot.data, 0, 8);
    const fnC = d.lines.functionAt(ra);
    const rangeC = d.lines.lineAt(ra);
    if (!fnC || !rangeC || fnC.low === fn.low) return undefined;
    let called = false;
    for (const back of CALL_LENGTHS) {
      const insn = await this.decodeAt(thread, fnC, ra - back);
      if (insn?.flow.kind === 'call' && insn.address + BigInt(insn.length) === ra) { called = true; break; }
    }
    if (!called) return undefined;
    const starts = d.lines.rowStarts?.(fnC);
    const plan = await planLine({
      pc: ra, fn: fnC, stepIn,
      isStop: a => (starts && a >= fnC.low && a < fnC.high && !starts.has(a) ? false : endsLineStep(d.lines.lineAt(a), rangeC)),
      decodeAt: a => this.decodeAt(thread, fnC, a),
    });
    return plan && plan.specials.length === 0 ? plan : undefined;
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
          accept: async (t, hit) => {
            if (t !== thread) return false;
            const at = rip(hit);
            const hitCfa = await frameCfa(hit);
            // Undefined CFA at a hit (no CFI there) is taken: better stop than run away.
            if (p.own.has(at) && (hitCfa ?? cfa) === cfa) return true;
            // The caller's frame, after the return: deeper frames (a recursion, an interrupt on
            // this stack) have rsp below this frame's CFA.
            return p.caller.has(at) && (hit.get('rsp') ?? 0n) >= cfa && (hitCfa === undefined || hitCfa > cfa);
          },
        },
      });
      if (r.kind !== 'temp') return { kind: 'done', result: r };
      if (plan.specials.includes(rip(r.regs))) {
        this.release(sites);
        await d.sites.sync();
        return { kind: 'special' };
      }
      // The following step's code read goes out now, ahead of the stop's stack reads, and its
      // plan and breakpoints are ready before a quick `next` arrives.
      this.prefetch(thread);
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
    // The same bytes at the same address decode the same: reuse a decode of an earlier stop
    // (each `next` in a function would otherwise decode its lines again, ~40 µs or more each).
    const seen = decoded.get(addr);
    if (seen && sameBytes(seen.bytes, bytes)) {
      this.insns.set(`${thread}:${addr}`, seen.insn);
      return seen.insn;
    }
    const fast = fastDecode(bytes, addr);
    if (fast) {
      const p: PlanInsn = { address: addr, ...fast };
      this.insns.set(`${thread}:${addr}`, p);
      return p;
    }
    const dis = await (disassembler ??= Disassembler.create());
    const [insn] = dis.disassemble(bytes, addr, 64, { count: 1 });
    if (!insn) return undefined;
    const p: PlanInsn = { address: addr, length: insn.length, flow: flowOf(insn.mnemonic, insn.operands, insn.invalid) };
    this.insns.set(`${thread}:${addr}`, p);
    if (decoded.size >= MAX_DECODED) decoded.clear();
    decoded.set(addr, { bytes: bytes.slice(0, insn.length), insn: p });
    return p;
  }
}
