// steppingMode against real QEMU + Exo-OS: 'isolated' (default) masks interrupts and timers while
// a vCPU steps and keeps the others stopped; 'irqs' lets the stepping vCPU take interrupts (a
// `next` passes through the timer handler, an instruction step lands in it) while the others stay
// stopped; 'all' also runs the other vCPUs while one steps (APs started by a stepped-over call
// come online, a breakpoint an AP hits during a step is reported on that AP).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { SteppingMode } from '../../../adapter/session/protocol';
import { findMarker, requireBuilt, Session } from './harness';

const CPUS = [0, 1, 2, 3];

describe('adapter: steppingMode (real QEMU + Exo-OS)', function () {
  this.timeout(240_000);
  before(requireBuilt);
  let s: Session;
  beforeEach(async () => { s = new Session(); await s.start(); });
  afterEach(async () => { await s.close(); });

  async function evaluate(expr: string, threadId = 1): Promise<string> {
    const frameId = (await s.topFrame(threadId)).id;
    return (await s.dc.evaluateRequest({ expression: expr, frameId, context: 'watch' })).body.result;
  }
  const ticks = async (cpu: number) => BigInt(await evaluate(`EXO_CPUS[${cpu}].timer_ticks.v.value`));
  const rip = async (threadId: number) => BigInt((await s.topFrame(threadId)).instructionPointerReference ?? '0');
  async function names(threadId: number): Promise<string[]> {
    const st = await s.dc.stackTraceRequest({ threadId, levels: 20 });
    return st.body.stackFrames.map(f => f.name);
  }

  /** Boots until all CPUs are online and idle, then pauses: CPU 2 sits in idle_loop's hlt. */
  async function bootAndPause(mode: SteppingMode): Promise<void> {
    await s.launch({ steppingMode: mode, timeoutMs: 20_000 });
    const t0 = Date.now();
    while (!s.output.join('').includes('CPUs online')) {
      assert.ok(Date.now() - t0 < 120_000, 'boot did not finish');
      await new Promise(r => setTimeout(r, 50));
    }
    await new Promise(r => setTimeout(r, 300));
    await s.dc.pauseRequest({ threadId: 1 });
    await s.nextStop();
    assert.match((await names(3)).join(' '), /idle_loop/, 'CPU 2 idles after boot');
  }

  async function snapshot() {
    const out = new Map<number, { ticks: bigint; rip: bigint }>();
    for (const c of CPUS) out.set(c, { ticks: await ticks(c), rip: await rip(c + 1) });
    return out;
  }

  it("'irqs': next on an idle AP passes through its timer interrupt and stops in idle_loop; the other vCPUs stay put", async () => {
    await bootAndPause('irqs');
    const before = await snapshot();
    await s.dc.nextRequest({ threadId: 3 });
    const stop = await s.nextStop(30_000);
    assert.equal(stop.body.reason, 'step');
    assert.equal(stop.body.threadId, 3);
    const where = await names(3);
    assert.match(where[0], /idle_loop|wait_for_interrupt|set_idle/, `stopped in ${where.join(' <- ')}`);
    assert.doesNotMatch(where.join(' '), /interrupt entry|timer_tick|interrupt_dispatch/);
    const after = await snapshot();
    assert.ok(after.get(2)!.ticks > before.get(2)!.ticks, `CPU 2 took its timer interrupt (${before.get(2)!.ticks} -> ${after.get(2)!.ticks})`);
    for (const c of [0, 1, 3]) assert.deepEqual(after.get(c), before.get(c), `CPU ${c} did not move`);
  });

  it("'irqs': an instruction step of an idle AP lands in the timer interrupt path", async () => {
    await bootAndPause('irqs');
    const t2 = await ticks(2);
    await s.dc.stepInRequest({ threadId: 3, granularity: 'instruction' });
    const stop = await s.nextStop(30_000);
    assert.equal(stop.body.reason, 'step');
    const where = await names(3);
    assert.match(where.join(' '), /isr|interrupt/i, `stopped in ${where.join(' <- ')}`);
    assert.equal(await ticks(2), t2, 'the handler has not run yet');
  });

  it("'isolated': an instruction step of an idle AP wakes it without delivering the interrupt; the others stay put", async () => {
    await bootAndPause('isolated');
    const before = await snapshot();
    await s.dc.stepInRequest({ threadId: 3, granularity: 'instruction' });
    const stop = await s.nextStop(30_000);
    assert.equal(stop.body.reason, 'step');
    const where = await names(3);
    assert.doesNotMatch(where.join(' '), /isr|interrupt entry|timer_tick/i, `stopped in ${where.join(' <- ')}`);
    assert.match(where.join(' '), /idle_loop/);
    const after = await snapshot();
    assert.equal(after.get(2)!.ticks, before.get(2)!.ticks, 'no timer interrupt during the step');
    assert.notEqual(after.get(2)!.rip, before.get(2)!.rip);
    for (const c of [0, 1, 3]) assert.deepEqual(after.get(c), before.get(c), `CPU ${c} did not move`);
  });

  it("'all': instruction steps over, from a breakpoint (others resumed with each step, timer interrupts passed through), move one instruction each", async () => {
    const write = findMarker('probe_write');
    await s.launch({ steppingMode: 'all', timeoutMs: 20_000 }, [write]);
    const t = (await s.nextStop()).body.threadId!;
    const before = await rip(t);
    const dis = await s.dc.disassembleRequest({ memoryReference: '0x' + before.toString(16), instructionCount: 2 });
    assert.doesNotMatch(dis.body!.instructions[0].instruction, /^(call|jmp|j[a-z]+|ret)\b/, 'a straight-line instruction');
    for (let i = 0; i < 3; i++) {
      const at = await rip(t);
      const next = BigInt((await s.dc.disassembleRequest({ memoryReference: '0x' + at.toString(16), instructionCount: 2 })).body!.instructions[1].address);
      // 'all' unmasks interrupts: CPU 0's own timer may be due; step over passes its handler.
      await s.dc.nextRequest({ threadId: t, granularity: 'instruction' });
      const stop = await s.nextStop(30_000);
      assert.deepEqual([stop.body.reason, stop.body.threadId], ['step', t]);
      if (!/^(call|jmp|j[a-z]+|ret)\b/.test((await s.dc.disassembleRequest({ memoryReference: '0x' + at.toString(16), instructionCount: 1 })).body!.instructions[0].instruction)) {
        assert.equal(await rip(t), next, `step ${i} moved exactly one instruction`);
      }
    }
    assert.notEqual(await rip(t), before);
  });

  it("'all': a breakpoint another vCPU hits while one steps is reported on that vCPU, not swallowed as a step", async () => {
    await s.launch({ steppingMode: 'all', timeoutMs: 20_000 }, [findMarker('probe_write')]);
    const t = (await s.nextStop()).body.threadId!;
    const tick = findMarker('timer_tick');
    const set = await s.dc.setBreakpointsRequest({ source: { path: tick.path }, breakpoints: [{ line: tick.line }] });
    const bp = BigInt(set.body.breakpoints[0].instructionReference!);
    let hit: number | undefined;
    for (let i = 0; i < 400 && hit === undefined; i++) {
      await s.dc.stepInRequest({ threadId: t, granularity: 'instruction' });
      const stop = await s.nextStop(30_000);
      if (stop.body.reason === 'breakpoint') { hit = stop.body.threadId; break; }
      assert.deepEqual([stop.body.reason, stop.body.threadId], ['step', t], `step ${i}`);
      // The APs run during each step: none may sit on the breakpoint without a stop saying so.
      for (const id of [1, 2, 3, 4].filter(x => x !== t)) assert.notEqual(await rip(id), bp, `step ${i}: CPU ${id - 1} is at the breakpoint unreported`);
    }
    assert.ok(hit !== undefined, 'a timer tick on some vCPU hit the breakpoint within 400 steps');
    assert.equal(await rip(hit), bp);
    const top = await s.topFrame(hit);
    assert.match(top.name, /timer_tick/);
    assert.equal(top.line, tick.line);
  });

  it("'all': next over smp::start_aps runs the APs too: all 4 CPUs come online", async () => {
    const online = findMarker('smp_online');
    const text = fs.readFileSync(online.path, 'utf8').split('\n');
    const callLine = online.line - 1;
    assert.match(text[callLine - 1], /smp::start_aps\(/, 'the line above #BP:smp_online calls start_aps');
    await s.launch({ steppingMode: 'all', timeoutMs: 20_000 }, [{ path: online.path, line: callLine }]);
    const t = (await s.nextStop()).body.threadId!;
    assert.equal((await s.topFrame(t)).line, callLine);
    const ripsBefore = await Promise.all([2, 3, 4].map(rip));
    await s.dc.nextRequest({ threadId: t });
    const stop = await s.nextStop(120_000);
    assert.equal(stop.body.reason, 'step');
    assert.equal((await s.topFrame(t)).line, online.line);
    for (const c of [1, 2, 3]) assert.match(await evaluate(`EXO_CPUS[${c}].state`, t), /Online/, `CPU ${c} online`);
    const ripsAfter = await Promise.all([2, 3, 4].map(rip));
    for (let i = 0; i < 3; i++) assert.notEqual(ripsAfter[i], ripsBefore[i], `CPU ${i + 1} ran`);
  });
});
