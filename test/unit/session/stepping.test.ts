// Run control and the stepping state machine on a fake machine: line steps, calls stepped over
// with a return-address breakpoint (never single-stepped), step in to the callee's body, step
// out, QEMU's re-hit and spurious-step quirks, and per-CPU breakpoints resumed silently.
import * as assert from 'node:assert/strict';
import { rspThread } from '../../../adapter/common/types';
import { ExoError } from '../../../adapter/common/errors';
import { BreakpointTable, HitEvaluator, NewEntry } from '../../../adapter/session/breakpoints/table';
import { SiteManager } from '../../../adapter/session/execution/sites';
import { Runner } from '../../../adapter/session/execution/runner';
import { Stepper } from '../../../adapter/session/execution/stepper';
import type { SteppingMode } from '../../../adapter/session/protocol';
import { FakeMachine, fakeLines, Insn } from './fakeMachine';

// main: line 10 = 0x100..0x108, line 11 = call f at 0x108 (+ store at 0x10d), line 12, line 13
// f:    0x200 prologue (line 20), body 0x201 (line 21), 0x204 line 22, ret at 0x207
const program = new Map<bigint, Insn>([
  [0xf8n, { kind: 'op', len: 4 }], [0xfcn, { kind: 'op', len: 4 }],
  [0x100n, { kind: 'op', len: 4 }], [0x104n, { kind: 'op', len: 4 }],
  [0x108n, { kind: 'call', len: 5, target: 0x200n }], [0x10dn, { kind: 'op', len: 4 }],
  [0x111n, { kind: 'op', len: 4 }], [0x115n, { kind: 'op', len: 4 }], [0x119n, { kind: 'op', len: 4 }],
  [0x200n, { kind: 'op', len: 1 }], [0x201n, { kind: 'op', len: 3 }], [0x204n, { kind: 'op', len: 3 }],
  [0x207n, { kind: 'ret', len: 1 }],
]);
const lines = fakeLines(
  [[0xf8n, 0x100n, 9], [0x100n, 0x108n, 10], [0x108n, 0x111n, 11], [0x111n, 0x115n, 12], [0x115n, 0x11dn, 13],
    [0x200n, 0x201n, 20], [0x201n, 0x204n, 21], [0x204n, 0x208n, 22]],
  [{ name: 'main', low: 0xf8n, high: 0x11dn, body: 0x100n }, { name: 'f', low: 0x200n, high: 0x208n, body: 0x201n }],
);

const noEval: HitEvaluator = { condition: async () => true, log: async () => {} };
const T1 = rspThread(1);
const T2 = rspThread(2);

function rig(starts: bigint[], mode: SteppingMode = 'isolated') {
  const m = new FakeMachine(program, starts);
  const table = new BreakpointTable();
  const sites = new SiteManager(m, table);
  const runner = new Runner(m, sites, () => noEval, 1000);
  const stepper = new Stepper({
    target: m, sites, runner, lines, mode: () => mode, stepTimeoutMs: 1000,
    callerOf: async t => {
      const c = m.cpus[t - 1];
      const ret = m.mem.get(c.rsp);
      return ret === undefined ? undefined : { returnAddress: ret, cfa: c.rsp + 8n };
    },
  });
  return { m, table, sites, runner, stepper };
}

const bp = (addr: bigint, extra: Partial<NewEntry> = {}): NewEntry =>
  ({ kind: 'source', key: '/k/main.rs', addresses: [addr], siteKind: 'sw', length: 1, ...extra });

describe('session/execution: stepping', () => {
  it('next steps to the next line', async () => {
    const { m, stepper } = rig([0x100n]);
    const r = await stepper.step(T1, 'over', 'line');
    assert.equal(r.kind, 'stopped');
    assert.equal(m.cpus[0].rip, 0x108n);
  });

  it('next over a call uses a return-address breakpoint, never stepping inside the callee', async () => {
    const { m, stepper } = rig([0x108n]);
    const r = await stepper.step(T1, 'over', 'line');
    assert.equal(r.kind === 'stopped' && r.reason, 'step');
    assert.equal(m.cpus[0].rip, 0x111n);
    // Only the call itself was single-stepped into f; f's body ran under continue.
    assert.deepEqual(m.steppedAt.filter(pc => pc >= 0x200n), []);
    assert.equal(m.bps.size, 0, 'the hidden return-address breakpoint is removed');
  });

  it('step in enters the callee and stops after its prologue', async () => {
    const { m, stepper } = rig([0x108n]);
    await stepper.step(T1, 'in', 'line');
    assert.equal(m.cpus[0].rip, 0x201n);
    assert.equal(m.bps.size, 0);
  });

  it('step out returns to the caller at the return address', async () => {
    const { m, stepper } = rig([0x108n]);
    await stepper.step(T1, 'in', 'line');
    await stepper.step(T1, 'over', 'line');
    assert.equal(m.cpus[0].rip, 0x204n);
    await stepper.step(T1, 'out', 'line');
    assert.equal(m.cpus[0].rip, 0x10dn);
    assert.equal(m.cpus[0].rsp, 0x8000n);
  });

  it('stepping off the end of a callee by line finishes the caller line', async () => {
    const { m, stepper } = rig([0x204n]);
    m.cpus[0].rsp -= 8n; m.mem.set(m.cpus[0].rsp, 0x10dn); // as if called from 0x108
    await stepper.step(T1, 'over', 'line');
    assert.equal(m.cpus[0].rip, 0x111n);
  });

  it('instruction steps move one instruction; over an instruction call completes it', async () => {
    const { m, stepper } = rig([0x104n]);
    await stepper.step(T1, 'in', 'instruction');
    assert.equal(m.cpus[0].rip, 0x108n);
    await stepper.step(T1, 'over', 'instruction');
    assert.equal(m.cpus[0].rip, 0x10dn);
    await stepper.step(T1, 'in', 'instruction');
    assert.equal(m.cpus[0].rip, 0x111n);
  });

  it('retries a spurious step whose rip did not move', async () => {
    const { m, stepper } = rig([0x100n]);
    m.spuriousSteps = 2;
    await stepper.step(T1, 'in', 'instruction');
    assert.equal(m.cpus[0].rip, 0x104n);
  });

  it('a step that never finishes (halted vCPU, IRQs masked) stops the VM and says why', async () => {
    const { m, stepper } = rig([0x100n]);
    m.hangSteps = true;
    await assert.rejects(stepper.step(T1, 'in', 'instruction'), (e: unknown) => e instanceof ExoError && e.kind === 'user' && /halted \(hlt\).*steppingMode/.test(e.message));
    assert.equal(m.interrupts, 1);
  });

  it('a user breakpoint inside a stepped-over call stops there', async () => {
    const { m, table, sites, stepper } = rig([0x108n]);
    const [e] = table.replace('source', '/k/main.rs', [bp(0x204n)]);
    await sites.sync();
    const r = await stepper.step(T1, 'over', 'line');
    assert.ok(r.kind === 'stopped' && r.reason === 'breakpoint' && r.hitIds[0] === e.id);
    assert.equal(m.cpus[0].rip, 0x204n);
    assert.deepEqual([...m.bps.keys()], [0x204n], 'only the user breakpoint stays');
  });
});

describe('session/execution: continue', () => {
  it('continuing from a breakpoint steps off it first (QEMU re-hits otherwise)', async () => {
    const { m, table, sites, runner } = rig([0x100n]);
    table.replace('source', '/k/main.rs', [bp(0x100n), bp(0x111n)]);
    await sites.sync();
    const r = await runner.run({ current: T1 });
    assert.ok(r.kind === 'stopped' && r.reason === 'breakpoint');
    assert.equal(m.cpus[0].rip, 0x111n);
    assert.equal(m.bps.get(0x100n), 1, 'the lifted breakpoint is re-inserted');
  });

  it('a per-CPU breakpoint lets other vCPUs pass silently and stops the chosen one', async () => {
    // CPU 0 reaches 0x100 first, CPU 1 two instructions later.
    const { m, table, sites, runner } = rig([0xfcn, 0xf8n]);
    const [e] = table.replace('source', '/k/main.rs', [bp(0x100n, { cpu: 1 })]);
    await sites.sync();
    const r = await runner.run({ current: T1 });
    assert.ok(r.kind === 'stopped');
    assert.equal(r.thread, T2);
    assert.equal(m.cpus[1].rip, 0x100n);
    assert.equal(e.hitsByCpu.get(0), 1);
    assert.equal(e.hitsByCpu.get(1), 1);
  });

  it('log points and unmet hit counts resume without surfacing', async () => {
    const logs: string[] = [];
    const m = new FakeMachine(program, [0x100n]);
    const table = new BreakpointTable();
    const sites = new SiteManager(m, table);
    const runner = new Runner(m, sites, () => ({ condition: async () => true, log: async p => { logs.push(p.map(x => x.kind === 'text' ? x.text : '').join('')); } }), 1000);
    table.replace('source', '/k/main.rs', [bp(0x104n, { log: [{ kind: 'text', text: 'hello' }] }), bp(0x111n, { hitCondition: { op: '==', n: 2 } }), bp(0x119n)]);
    await sites.sync();
    const r = await runner.run({ current: T1 });
    assert.ok(r.kind === 'stopped');
    assert.equal(m.cpus[0].rip, 0x119n);
    assert.deepEqual(logs, ['hello']);
  });
});
