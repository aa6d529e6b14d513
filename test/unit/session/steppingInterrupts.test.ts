// Stepping when the step delivers an interrupt (steppingMode irqs/all) or an exception instead of
// the instruction: line steps and instruction 'over' run the handler to its iret and go on; an
// instruction 'in' stops at the handler's first instruction. A fake one-vCPU machine whose
// interrupts push a real 64-bit frame onto an IST stack.
import * as assert from 'node:assert/strict';
import type { BreakpointKind, MemoryRead, RegisterValues, ResumeAction, StopEvent } from '../../../adapter/rsp';
import type { RspThreadId, VirtAddr } from '../../../adapter/common/types';
import { rspThread } from '../../../adapter/common/types';
import { writeLE } from '../../../adapter/common/hex';
import { BreakpointTable, HitEvaluator } from '../../../adapter/session/breakpoints/table';
import { SiteManager } from '../../../adapter/session/execution/sites';
import { Runner } from '../../../adapter/session/execution/runner';
import { interruptedAt, Stepper } from '../../../adapter/session/execution/stepper';
import type { ExecTarget } from '../../../adapter/session/ports';
import { fakeLines } from './fakeMachine';

type Insn = { kind: 'op'; len: number } | { kind: 'hlt' } | { kind: 'push' } | { kind: 'iret' };

// main: line 10 = 0x100, 0x104; line 11 = 0x108 push, 0x109 hlt, 0x10a; line 12 = 0x10e.
// handler (vector stub) at 0x900: op, op, iret; its stack is the IST at 0xa000.
const program = new Map<bigint, Insn>([
  [0x100n, { kind: 'op', len: 4 }], [0x104n, { kind: 'op', len: 4 }],
  [0x108n, { kind: 'push' }], [0x109n, { kind: 'hlt' }], [0x10an, { kind: 'op', len: 4 }],
  [0x10en, { kind: 'op', len: 4 }],
  [0x900n, { kind: 'op', len: 2 }], [0x902n, { kind: 'op', len: 2 }], [0x904n, { kind: 'iret' }],
]);
const HANDLER = 0x900n;
const IST_TOP = 0xa000n;
const lines = fakeLines(
  [[0x100n, 0x108n, 10], [0x108n, 0x10en, 11], [0x10en, 0x112n, 12], [0x900n, 0x905n, 50]],
  [{ name: 'main', low: 0x100n, high: 0x112n, body: 0x100n }, { name: 'isr', low: 0x900n, high: 0x905n, body: 0x900n }],
);

class IrqMachine implements ExecTarget {
  rip: bigint;
  rsp = 0x8000n;
  readonly mem = new Map<bigint, bigint>();
  readonly bps = new Map<bigint, number>();
  /** Interrupts waiting: the next step delivers one instead of executing (as QEMU with sstep irqs on). */
  pendingIrqs = 0;
  handlerRuns = 0;
  readonly stepped: bigint[] = [];
  private only: RspThreadId | undefined;

  constructor(start: bigint) { this.rip = start; }

  private deliver(): void {
    const frame = [this.rip, 0x8n, 0x202n, this.rsp, 0x10n];
    let sp = IST_TOP;
    for (const v of frame.reverse()) { sp -= 8n; this.mem.set(sp, v); }
    this.rsp = sp;
    this.rip = HANDLER;
  }

  private exec(): void {
    const i = program.get(this.rip);
    if (!i) throw new Error(`fake: no instruction at 0x${this.rip.toString(16)}`);
    if (i.kind === 'op') this.rip += BigInt(i.len);
    else if (i.kind === 'push') { this.rsp -= 8n; this.mem.set(this.rsp, 0x55n); this.rip += 1n; }
    else if (i.kind === 'hlt') this.rip += 1n; // woken by the interrupt delivered right after
    else {
      if (this.rip === 0x904n) this.handlerRuns++;
      const [rip, , , rsp] = [0, 1, 2, 3].map(k => this.mem.get(this.rsp + BigInt(8 * k)) ?? 0n);
      this.rip = rip; this.rsp = rsp;
    }
  }

  async readRegisters(): Promise<RegisterValues> { return new Map([['rip', this.rip], ['rsp', this.rsp], ['rbp', 0n]]); }
  async readVirtual(_t: RspThreadId, addr: VirtAddr, length: number): Promise<MemoryRead> {
    const out = new Uint8Array(length);
    for (let o = 0; o < length; o += 8) {
      const v = this.mem.get(addr + BigInt(o));
      // Past the IST top is a guard page, as in Exo-OS.
      if (v === undefined || addr + BigInt(o) >= IST_TOP) return { data: out, unreadable: [{ start: addr, end: addr + BigInt(length) }] };
      out.set(writeLE(v, Math.min(8, length - o)), o);
    }
    return { data: out, unreadable: [] };
  }
  async insertBreakpoint(_k: BreakpointKind, addr: bigint): Promise<void> { this.bps.set(addr, (this.bps.get(addr) ?? 0) + 1); }
  async removeBreakpoint(_k: BreakpointKind, addr: bigint): Promise<void> {
    const n = this.bps.get(addr) ?? 0;
    if (n <= 1) this.bps.delete(addr); else this.bps.set(addr, n - 1);
  }
  async setSstep(): Promise<void> { /* flags are the test's choice (pendingIrqs) */ }
  async step(thread: RspThreadId): Promise<StopEvent> {
    this.stepped.push(this.rip);
    const hlt = program.get(this.rip)?.kind === 'hlt';
    if (this.pendingIrqs > 0 && !hlt) { this.pendingIrqs--; this.deliver(); return { signal: 5, thread, extra: new Map() }; }
    this.exec();
    if (hlt && this.pendingIrqs > 0) { this.pendingIrqs--; this.deliver(); }
    return { signal: 5, thread, extra: new Map() };
  }
  async resume(actions: ResumeAction[]): Promise<void> { this.only = actions.find(a => a.thread !== undefined)?.thread; }
  async waitForStop(): Promise<StopEvent> {
    const t = this.only ?? rspThread(1);
    if (this.bps.has(this.rip)) return { signal: 5, thread: t, extra: new Map() };
    for (let n = 0; n < 1000; n++) {
      this.exec();
      if (this.bps.has(this.rip)) return { signal: 5, thread: t, extra: new Map() };
    }
    throw new Error('fake: ran away');
  }
  async interrupt(): Promise<StopEvent> { return { signal: 2, thread: rspThread(1), extra: new Map() }; }
}

const noEval: HitEvaluator = { condition: async () => true, log: async () => {} };
const T1 = rspThread(1);

function rig(start: bigint) {
  const m = new IrqMachine(start);
  const table = new BreakpointTable();
  const sites = new SiteManager(m, table);
  const runner = new Runner(m, sites, () => noEval, 1000);
  const stepper = new Stepper({ target: m, sites, runner, lines, mode: () => 'irqs', stepTimeoutMs: 1000, callerOf: async () => undefined });
  return { m, stepper };
}

describe('session/execution: stepping through interrupts', () => {
  it('next passes through an interrupt taken mid-line and stops at the next line, handler run by continue', async () => {
    const { m, stepper } = rig(0x100n);
    m.pendingIrqs = 1;
    const r = await stepper.step(T1, 'over', 'line');
    assert.equal(r.kind, 'stopped');
    assert.equal(m.rip, 0x108n);
    assert.equal(m.rsp, 0x8000n);
    assert.equal(m.handlerRuns, 1);
    assert.ok(!m.stepped.some(pc => pc >= HANDLER), 'the handler was not single-stepped');
    assert.equal(m.bps.size, 0, 'the hidden return breakpoint is gone');
  });

  it('an instruction step in stops at the handler entry; step over an instruction runs it and then the instruction', async () => {
    const a = rig(0x100n);
    a.m.pendingIrqs = 1;
    await a.stepper.step(T1, 'in', 'instruction');
    assert.equal(a.m.rip, HANDLER);
    const b = rig(0x100n);
    b.m.pendingIrqs = 1;
    await b.stepper.step(T1, 'over', 'instruction');
    assert.equal(b.m.rip, 0x104n, 'the interrupted instruction is stepped after the handler');
    assert.equal(b.m.handlerRuns, 1);
  });

  it('a hlt woken by the interrupt resumes after the hlt; a push is not an interrupt', async () => {
    const { m, stepper } = rig(0x108n);
    m.pendingIrqs = 1;
    const r = await stepper.step(T1, 'over', 'line');
    assert.equal(r.kind, 'stopped');
    assert.equal(m.rip, 0x10en);
    assert.equal(m.handlerRuns, 1);
    assert.equal(m.rsp, 0x8000n - 8n);
  });

  it('interruptedAt reads the iret frame (with or without an error code) and ignores ordinary stack changes', async () => {
    const m = new IrqMachine(0x100n);
    const before = await m.readRegisters();
    m.pendingIrqs = 1;
    await m.step(T1);
    assert.equal(await interruptedAt(m, T1, before, await m.readRegisters()), 0x100n);
    // Error-code exceptions push one more word below the frame.
    m.rsp -= 8n; m.mem.set(m.rsp, 0xen);
    assert.equal(await interruptedAt(m, T1, before, await m.readRegisters()), 0x100n);
    const pushed = new Map([['rip', 0x109n], ['rsp', 0x7ff8n]]);
    assert.equal(await interruptedAt(m, T1, new Map([['rip', 0x108n], ['rsp', 0x8000n]]), pushed), undefined);
    const bigFrame = new Map([['rip', 0x104n], ['rsp', 0x7f00n]]); // sub rsp, 0x100: nothing readable there
    assert.equal(await interruptedAt(m, T1, before, bigFrame), undefined);
  });
});
