// Breakpoint kinds against real QEMU + Exo-OS: per-CPU modes on the AP entry path, conditions,
// hit counts, log points, function breakpoints and a data breakpoint on a kernel static.
import * as assert from 'node:assert/strict';
import { findMarker, requireBuilt, Session } from './harness';

const booted = (s: Session) => s.output.join('').includes('CPUs online');

/** The value of `expr` in the top frame of `threadId`. */
async function valueIn(s: Session, threadId: number, expr: string): Promise<string> {
  const top = await s.topFrame(threadId);
  return (await s.dc.evaluateRequest({ expression: expr, frameId: top.id, context: 'watch' })).body.result;
}

/** Runs until boot completes, collecting every stop (continuing after each). */
async function stopsUntilBooted(s: Session): Promise<{ threadId: number; reason: string; arg?: string }[]> {
  const stops: { threadId: number; reason: string; arg?: string }[] = [];
  const deadline = Date.now() + 90_000;
  while (!booted(s)) {
    if (Date.now() > deadline) assert.fail(`boot did not finish within 90 s; output:\n${s.output.join('').slice(-1500)}`);
    const next = s.takeStop();
    if (!next) { await new Promise(r => setTimeout(r, 20)); continue; }
    const threadId = next.body.threadId!;
    stops.push({ threadId, reason: next.body.reason, arg: await valueIn(s, threadId, 'cpu_index').catch(() => undefined) });
    await s.dc.continueRequest({ threadId });
  }
  // A stop that raced with the boot message still counts.
  for (let e = s.takeStop(); e; e = s.takeStop()) stops.push({ threadId: e.body.threadId!, reason: e.body.reason });
  return stops;
}

describe('adapter: breakpoints (real QEMU + Exo-OS)', function () {
  this.timeout(180_000);
  before(requireBuilt);
  let s: Session;
  beforeEach(async () => { s = new Session(); await s.start(); });
  afterEach(async () => { await s.close(); });

  it('announces CPU breakpoint modes and a "CPU 2" breakpoint at #BP:ap_main stops only CPU 2', async () => {
    const caps = s.dc.waitForEvent('capabilities', 60_000);
    const ap = findMarker('ap_main');
    const [set] = await s.launch({}, [{ ...ap, mode: 'cpu2' }]);
    const modes = (await caps).body.capabilities.breakpointModes.map((m: { mode: string; label: string }) => m.label);
    assert.deepEqual(modes, ['All CPUs', 'CPU 0', 'CPU 1', 'CPU 2', 'CPU 3']);
    assert.equal(set.body.breakpoints[0].verified, true);
    const stops = await stopsUntilBooted(s);
    assert.deepEqual(stops.map(x => [x.threadId, x.reason]), [[3, 'breakpoint']], 'only CPU 2 stops; CPUs 1 and 3 pass silently');
    assert.equal(stops[0].arg, '2');
    // The silent passes were counted, per CPU.
    const hits = await s.dc.customRequest('exo/breakpointHits');
    const bp = hits.body.breakpoints.find((b: { id: number }) => b.id === set.body.breakpoints[0].id);
    assert.deepEqual(bp.hitsByCpu, { 1: 1, 2: 1, 3: 1 });
    assert.equal(bp.hits, 1, 'only the CPU 2 hit passes the filter');
  });

  it('a condition on #BP:ap_main stops only where it holds', async () => {
    const ap = findMarker('ap_main');
    await s.launch({}, [{ ...ap, condition: 'cpu_index == 3' }]);
    const stops = await stopsUntilBooted(s);
    assert.deepEqual(stops.map(x => [x.threadId, x.arg]), [[4, '3']]);
  });

  it('hit count "3" stops exactly once, on the third AP to arrive', async () => {
    const ap = findMarker('ap_main');
    await s.launch({}, [{ ...ap, hitCondition: '3' }]);
    const stops = await stopsUntilBooted(s);
    assert.equal(stops.length, 1, JSON.stringify(stops));
    assert.ok(['1', '2', '3'].includes(stops[0].arg ?? ''));
  });

  it('a log point prints each AP with its expression and never stops', async () => {
    const ap = findMarker('ap_main');
    await s.launch({}, [{ ...ap, logMessage: 'AP {cpu_index} entering on {{ap_main}}' }]);
    const stops = await stopsUntilBooted(s);
    assert.deepEqual(stops, []);
    const out = s.output.join('');
    for (const n of [1, 2, 3]) assert.ok(out.includes(`AP ${n} entering on {ap_main}`), `missing log line for AP ${n}:\n${out.slice(-2000)}`);
  });

  it('a log point hit again and again on one CPU reads each hit\'s own frame (#BP:timer_tick)', async () => {
    const tick = findMarker('timer_tick');
    // The line after the marker: `ticks` holds this tick's count, one more on every hit.
    await s.launch({}, [{ path: tick.path, line: tick.line + 1, mode: 'cpu0', logMessage: 'tick={ticks}' }]);
    const t0 = Date.now();
    let seen: number[] = [];
    while (seen.length < 5) {
      assert.ok(Date.now() - t0 < 90_000, `fewer than 5 log lines within 90 s:\n${s.output.join('').slice(-1500)}`);
      assert.equal(s.takeStop(), undefined, 'a log point never stops');
      await new Promise(r => setTimeout(r, 50));
      seen = [...s.output.join('').matchAll(/tick=(\d+)/g)].map(m => Number(m[1]));
    }
    for (let i = 1; i < seen.length; i++) assert.equal(seen[i], seen[i - 1] + 1, `CPU 0's ticks as logged: ${seen.join(' ')}`);
  });

  it('a breakpoint set while the kernel runs (#BP:timer_tick) is installed and hit', async () => {
    const tick = findMarker('timer_tick');
    await s.launch({});
    const t0 = Date.now();
    while (!booted(s)) {
      assert.ok(Date.now() - t0 < 90_000, 'boot did not finish');
      await new Promise(r => setTimeout(r, 20));
    }
    const set = await s.dc.setBreakpointsRequest({ source: { path: tick.path }, breakpoints: [{ line: tick.line }] });
    assert.equal(set.body.breakpoints[0].verified, true);
    const stop = await s.nextStop(30_000);
    assert.equal(stop.body.reason, 'breakpoint');
    const top = await s.topFrame(stop.body.threadId!);
    assert.equal(top.line, tick.line);
  });

  it('a function breakpoint on debug_probe stops at its first statement', async () => {
    const entry = findMarker('probe_entry');
    await s.launch({}, [], async () => {
      const r = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'debug_probe' }] });
      assert.equal(r.body.breakpoints[0].verified, true);
    });
    const stop = await s.nextStop();
    assert.equal(stop.body.reason, 'function breakpoint');
    const top = await s.topFrame(stop.body.threadId!);
    assert.equal(top.source?.path, entry.path);
    assert.equal(top.line, entry.line);
  });

  it('a data breakpoint on EXO_PROBE_COUNTER stops on the write at #BP:probe_write', async () => {
    const write = findMarker('probe_write');
    await s.launch({}, [], async () => {
      const info = await s.dc.dataBreakpointInfoRequest({ name: 'EXO_PROBE_COUNTER' });
      assert.ok(info.body.dataId, info.body.description);
      const r = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
      assert.equal(r.body.breakpoints[0].verified, true);
    });
    // The boot code zeroes .bss byte by byte (8 writes too): continue until the write from kmain
    // (through core::ptr::write_volatile, not inlined in a debug build).
    let kmainFrame;
    for (let i = 0; i < 12 && !kmainFrame; i++) {
      const stop = await s.nextStop(90_000);
      assert.equal(stop.body.reason, 'data breakpoint');
      assert.equal(stop.body.threadId, 1);
      const frames = (await s.dc.stackTraceRequest({ threadId: 1, levels: 10 })).body.stackFrames;
      kmainFrame = frames.find(f => /kmain/.test(f.name));
      if (!kmainFrame) {
        assert.match(frames[0].name, /kernel_entry/, `only the .bss clear may write it before kmain, not ${frames[0].name}`);
        await s.dc.continueRequest({ threadId: 1 });
      }
    }
    assert.ok(kmainFrame, 'no write from kmain');
    assert.equal(kmainFrame.source?.path, write.path);
    assert.equal(kmainFrame.line, write.line);
    const inKmain = async (e: string) => (await s.dc.evaluateRequest({ expression: e, frameId: kmainFrame.id, context: 'watch' })).body.result;
    assert.equal(await inKmain('EXO_PROBE_COUNTER'), await inKmain('probe'));
    assert.notEqual(await valueIn(s, 1, 'EXO_PROBE_COUNTER'), '0');
  });
});
