// Line steps on hidden breakpoints (LineRuns) over the fake machine, whose code reads back as real
// x86 encodings (nops, call rel32, ret) for the disassembler: lines and calls run in one resume,
// returns and calls stepped into are single-stepped, leftover breakpoints go at the next sync.
import * as assert from 'node:assert/strict';
import type { MemoryRead } from '../../../adapter/rsp';
import { rspThread, type VirtAddr } from '../../../adapter/common/types';
import { BreakpointTable, type HitEvaluator } from '../../../adapter/session/breakpoints/table';
import { SiteManager } from '../../../adapter/session/execution/sites';
import { Runner } from '../../../adapter/session/execution/runner';
import { Stepper } from '../../../adapter/session/execution/stepper';
import { LineRuns } from '../../../adapter/session/execution/lineRun';
import type { LineLocator } from '../../../adapter/session/ports';
import { FakeMachine, fakeLines, type Insn } from './fakeMachine';

// main: line 10 = 0x100..0x108, line 11 = call f at 0x108 (+ op at 0x10d), line 12, line 13
// f:    0x200 (line 20), body 0x201 (line 21), 0x204 line 22 with its ret at 0x207
const program = new Map<bigint, Insn>([
  [0x100n, { kind: 'op', len: 4 }], [0x104n, { kind: 'op', len: 4 }],
  [0x108n, { kind: 'call', len: 5, target: 0x200n }], [0x10dn, { kind: 'op', len: 4 }],
  [0x111n, { kind: 'op', len: 4 }], [0x115n, { kind: 'op', len: 4 }], [0x119n, { kind: 'op', len: 4 }],
  [0x200n, { kind: 'op', len: 1 }], [0x201n, { kind: 'op', len: 3 }], [0x204n, { kind: 'op', len: 3 }],
  [0x207n, { kind: 'ret', len: 1 }],
]);
const base = fakeLines(
  [[0x100n, 0x108n, 10], [0x108n, 0x111n, 11], [0x111n, 0x115n, 12], [0x115n, 0x11dn, 13],
    [0x200n, 0x201n, 20], [0x201n, 0x204n, 21], [0x204n, 0x208n, 22]],
  [{ name: 'main', low: 0x100n, high: 0x11dn, body: 0x100n }, { name: 'f', low: 0x200n, high: 0x208n, body: 0x201n }],
);
// No pushes in the fake: every frame's CFA is rsp + 8 (just above its return address).
const baseLines: LineLocator = { ...base, frameCfa: async regs => (regs.get('rsp') ?? 0n) + 8n };

const NOPS: Record<number, number[]> = { 1: [0x90], 3: [0x0f, 0x1f, 0x00], 4: [0x0f, 0x1f, 0x40, 0x00] };

/** The fake machine, its code readable as x86 bytes and 64-bit long mode in its registers. */
class CodeMachine extends FakeMachine {
  readonly codeReads: bigint[] = [];
  /** Where vCPU 0 was at each code read. */
  readonly readsAt: bigint[] = [];
  override async readRegisters(thread: number) {
    const r = new Map(await super.readRegisters(rspThread(thread)));
    r.set('cr0', 0x80000011n); r.set('efer', 0x500n); r.set('cr4', 0x20n); r.set('eflags', 2n); r.set('cs', 8n);
    return r;
  }
  override async readVirtual(t: number, addr: VirtAddr, length: number): Promise<MemoryRead> {
    if (addr >= 0x1000n) return super.readVirtual(rspThread(t), addr, length);
    this.codeReads.push(addr);
    this.readsAt.push(this.cpus[0].rip);
    const data = new Uint8Array(length).fill(0xcc);
    for (const [a, insn] of this.program) {
      const bytes = insn.kind === 'op' ? NOPS[insn.len] : insn.kind === 'ret' ? [0xc3]
        : [0xe8, ...Array.from({ length: 4 }, (_, i) => Number((BigInt.asUintN(32, insn.target - (a + 5n)) >> BigInt(8 * i)) & 0xffn))];
      bytes.forEach((b, i) => { const off = a + BigInt(i) - addr; if (off >= 0n && off < BigInt(length)) data[Number(off)] = b; });
    }
    return { data, unreadable: [] };
  }
}

const noEval: HitEvaluator = { condition: async () => true, log: async () => {} };
const T1 = rspThread(1);

function rig(start: bigint, lines: LineLocator = baseLines) {
  const m = new CodeMachine(new Map(program), [start]);
  const table = new BreakpointTable();
  const sites = new SiteManager(m, table);
  const runner = new Runner(m, sites, () => noEval, 1000);
  const runs = new LineRuns({ target: m, sites, runner, lines, mode: () => 'isolated' });
  // As the session's stop cache does: what was read at a stop is dropped when the VM moves.
  const resume = m.resume.bind(m), wait = m.waitForStop.bind(m), step = m.step.bind(m);
  m.resume = async a => { runs.invalidate(); await resume(a); };
  m.waitForStop = async () => { const e = await wait(); runs.invalidate(); return e; };
  m.step = async t => { runs.invalidate(); const e = await step(t); runs.invalidate(); return e; };
  const stepper = new Stepper({
    target: m, sites, runner, lines, mode: () => 'isolated', stepTimeoutMs: 1000,
    callerOf: async () => undefined,
    runLine: (t, stepIn, range, fn) => runs.leg(t, stepIn, range, fn),
  });
  return { m, sites, stepper, runs };
}

describe('session/execution: line steps on hidden breakpoints', function () {
  this.timeout(20_000);

  it('next runs a line, and a line with a call, without single-stepping', async () => {
    const { m, sites, stepper } = rig(0x100n);
    let r = await stepper.step(T1, 'over', 'line');
    assert.equal(r.kind === 'stopped' && r.reason, 'step');
    assert.equal(m.cpus[0].rip, 0x108n);
    assert.ok(m.bps.has(0x108n), 'the breakpoint it stopped on stays until the next sync');
    await sites.sync();
    assert.equal(m.bps.size, 0);
    r = await stepper.step(T1, 'over', 'line');
    assert.equal(m.cpus[0].rip, 0x111n, 'over the call to the next line');
    assert.equal(r.kind === 'stopped' && r.reason, 'step');
    assert.deepEqual(m.steppedAt, [], 'no instruction was single-stepped');
  });

  it('step in single-steps the call and stops in the callee body', async () => {
    const { m, stepper } = rig(0x100n);
    await stepper.step(T1, 'over', 'line');
    await stepper.step(T1, 'in', 'line');
    assert.equal(m.cpus[0].rip, 0x201n);
    assert.deepEqual(m.steppedAt, [0x108n], 'only the call');
  });

  it('a return runs on to the end of the caller line in the same resume (the caller line finished, as gdb does)', async () => {
    const { m, stepper } = rig(0x100n);
    await stepper.step(T1, 'over', 'line');
    await stepper.step(T1, 'in', 'line');      // f's body, 0x201 (line 21)
    await stepper.step(T1, 'over', 'line');    // line 22 at 0x204
    assert.equal(m.cpus[0].rip, 0x204n);
    let resumes = 0;
    const resume = m.resume.bind(m);
    m.resume = async a => { resumes++; await resume(a); };
    await stepper.step(T1, 'over', 'line');    // ret → 0x10d (mid line 11) → line 12
    assert.equal(m.cpus[0].rip, 0x111n);
    assert.deepEqual(m.steppedAt, [0x108n], 'the ret was not single-stepped');
    assert.equal(resumes, 1, 'one resume');
  });

  it('a return into a caller whose return address does not follow a call is single-stepped', async () => {
    const { m, stepper } = rig(0x100n);
    await stepper.step(T1, 'over', 'line');
    await stepper.step(T1, 'in', 'line');
    await stepper.step(T1, 'over', 'line');
    m.mem.set(m.cpus[0].rsp, 0x111n);          // a forged return address (e.g. a context switch)
    await stepper.step(T1, 'over', 'line');    // ret → 0x111 (line 12) → line 13
    assert.equal(m.cpus[0].rip, 0x115n);
    assert.deepEqual(m.steppedAt, [0x108n, 0x207n]);
  });

  it('code read at the stop serves the next plan; a memory write or resume forgets it', async () => {
    const { m, stepper, runs } = rig(0x100n);
    runs.prefetch(T1);
    await new Promise(r => setTimeout(r, 50));
    const reads = m.codeReads.length;
    assert.equal(reads, 1);
    await stepper.step(T1, 'over', 'line');
    assert.deepEqual(m.readsAt.filter(r => r === 0x100n), [0x100n], 'the plan used the prefetched code');
    await new Promise(r => setTimeout(r, 50));
    assert.deepEqual(m.readsAt, [0x100n, 0x108n], 'and the following step reads where this one ended');
    runs.invalidate();
    await stepper.step(T1, 'over', 'line');
    assert.ok(m.codeReads.length > reads, 'read again after invalidate');
  });

  it('the next is planned at the stop and where a step ends: the step itself only checks the hit; a resume drops the plan', async () => {
    let cfas = 0;
    const counted: LineLocator = { ...baseLines, frameCfa: async regs => { cfas++; return (regs.get('rsp') ?? 0n) + 8n; } };
    const { m, stepper, runs } = rig(0x100n, counted);
    runs.prefetch(T1);
    await new Promise(r => setTimeout(r, 50));
    assert.equal(cfas, 1, 'planned at the stop');
    assert.deepEqual([...m.bps.keys()], [0x108n], "the plan's breakpoint is inserted at the stop");
    const z: bigint[] = [];
    const ins = m.insertBreakpoint.bind(m);
    m.insertBreakpoint = async (k, a) => { z.push(a); await ins(k, a); };
    await stepper.step(T1, 'over', 'line');
    assert.equal(m.cpus[0].rip, 0x108n);
    assert.ok(!z.includes(0x108n), 'the step inserted nothing of its own');
    await new Promise(r => setTimeout(r, 50));
    assert.equal(cfas, 3, 'the hit checked, then the following step planned where this one ended');
    assert.deepEqual([...m.bps.keys()], [0x111n], 'with its breakpoint in and the one stopped on out');
    runs.invalidate(); // the VM runs before the plan is used (e.g. continue)
    cfas = 0;
    await stepper.step(T1, 'over', 'line');
    assert.equal(m.cpus[0].rip, 0x111n, 'over the call');
    assert.ok(cfas >= 2, 'planned again (a plan of an older stop is never used)');
  });

  it('decodes again where the code changed since an earlier stop (decodes are kept by their bytes)', async () => {
    const { m, stepper, runs } = rig(0x100n);
    await stepper.step(T1, 'over', 'line');    // decodes 0x100 and 0x104 (nops)
    assert.equal(m.cpus[0].rip, 0x108n);
    runs.invalidate();
    m.program.set(0x104n, { kind: 'ret', len: 1 });
    m.program.set(0x105n, { kind: 'op', len: 3 });
    m.cpus[0].rip = 0x100n;
    const leg = await runs.leg(T1, false, base.lineAt(0x100n)!, base.functionAt(0x100n)!);
    assert.equal(leg?.kind, 'special', 'the new ret at 0x104 is single-stepped, not run over as the old nop');
    assert.equal(m.cpus[0].rip, 0x104n);
  });

  it('leftovers stay through sync(true), a later plan wanting them costs no Z/z, a single-step drops them first', async () => {
    const { m, sites, stepper } = rig(0x100n);
    await stepper.step(T1, 'over', 'line');
    assert.equal(m.cpus[0].rip, 0x108n);
    await sites.sync(true);
    assert.ok(m.bps.has(0x108n), 'kept while stopped');
    const z: string[] = [];
    const ins = m.insertBreakpoint.bind(m), rem = m.removeBreakpoint.bind(m);
    m.insertBreakpoint = async (k, a) => { z.push(`Z${a.toString(16)}`); await ins(k, a); };
    m.removeBreakpoint = async (k, a) => { z.push(`z${a.toString(16)}`); await rem(k, a); };
    const again = sites.table.addTemp(0x108n);
    await sites.sync();
    assert.deepEqual(z, [], 'the same site wanted again: no packet');
    sites.table.removeTemp(again);
    await sites.sync(true);
    assert.deepEqual(z, []);
    // step in: the call at 0x108 is single-stepped; the leftover there goes before it.
    await stepper.step(T1, 'in', 'line');
    assert.equal(m.cpus[0].rip, 0x201n);
    assert.equal(z[0], 'z108', 'lifted before the single-step');
    assert.deepEqual(m.steppedAt, [0x108n]);
    assert.equal(m.bps.size, 0);
  });

  it('concurrent syncs insert each site once', async () => {
    const { m, sites } = rig(0x100n);
    const s = sites.table.addTemp(0x111n);
    await Promise.all([sites.sync(), sites.sync(), sites.sync()]);
    assert.equal(m.bps.get(0x111n), 1);
    sites.table.removeTemp(s);
    await Promise.all([sites.sync(), sites.sync()]);
    assert.equal(m.bps.size, 0);
  });
});
