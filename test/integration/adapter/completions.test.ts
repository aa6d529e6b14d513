// Debug Console completions over DAP against real QEMU + Exo-OS, stopped in debug_probe: locals
// in scope, globals and functions from the kernel's symbols (Rust paths too), struct fields
// after `.`/`->`, registers after `$`, and `monitor` commands from QEMU's own help.
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { findMarker, requireBuilt, Session } from './harness';

describe('adapter: Debug Console completions (real QEMU + Exo-OS)', function () {
  this.timeout(180_000);
  before(requireBuilt);
  let s: Session;
  let frameId: number;

  before(async () => {
    s = new Session();
    await s.start();
    await s.launch({}, [findMarker('probe_entry')]);
    const t = (await s.nextStop()).body.threadId!;
    frameId = (await s.topFrame(t)).id;
  });
  after(async () => { await s.close(); });

  async function complete(text: string, column = text.length + 1): Promise<DebugProtocol.CompletionItem[]> {
    return (await s.dc.completionsRequest({ text, column, frameId })).body.targets;
  }
  const labels = async (text: string) => (await complete(text)).map(i => i.label);

  it('completes the locals and arguments in scope first (the names the Variables view shows)', async () => {
    const scopes = (await s.dc.scopesRequest({ frameId })).body.scopes.filter(x => x.name === 'Locals' || x.name === 'Arguments');
    const inScope: string[] = [];
    for (const sc of scopes) inScope.push(...(await s.dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables.map(v => v.name));
    assert.ok(inScope.includes('a') && inScope.includes('b'), `debug_probe(a, b): ${inScope.join(', ')}`);
    for (const name of inScope) {
      const items = await complete(`1 + ${name}`);
      const it = items.find(i => i.label === name);
      assert.ok(it, `${name} missing from ${items.map(i => i.label).join(', ')}`);
      // `start` in the client's columns (columnsStartAt1: the fragment's 0-based offset 4 + 1).
      assert.deepEqual([it.type, it.start, it.length], ['variable', 5, name.length]);
      const sorted = [...items].sort((x, y) => (x.sortText ?? '').localeCompare(y.sortText ?? ''));
      assert.equal(sorted[0].sortText?.[0], '0', 'a local sorts first');
    }
  });

  it('completes globals and functions from the symbols, Rust paths one segment at a time', async () => {
    assert.deepEqual((await labels('EXO_CPU')).sort(), ['EXO_CPUS', 'EXO_CPU_COUNT']);
    const fn = (await complete('debug_pr')).find(i => i.label === 'debug_probe');
    assert.equal(fn?.type, 'function');
    assert.ok((await labels('ex')).includes('exo'), 'the crate is a path segment');
    const smp = await labels('exo::arch::x86_64::smp::ONL');
    assert.deepEqual(smp, ['exo::arch::x86_64::smp::ONLINE_MASK']);
    // What completes also evaluates.
    const r = await s.dc.evaluateRequest({ expression: smp[0], frameId, context: 'repl' });
    assert.ok(r.body.result.length > 0);
  });

  it('completes struct fields after `.` and `->`', async () => {
    const fields = ['id', 'state', 'is_bsp', 'apic_id', 'context_switches', 'idle_time_ns', 'busy_time_ns', 'timer_ticks', 'ipis_received', 'tlb_shootdowns'];
    assert.deepEqual(await labels('EXO_CPUS[1].'), fields);
    assert.deepEqual(await labels('EXO_CPUS[0].t'), ['timer_ticks', 'tlb_shootdowns']);
    assert.deepEqual(await labels('(&EXO_CPUS[2])->apic'), ['apic_id']);
    const f = (await complete('x + EXO_CPUS[1].is'))[0];
    assert.deepEqual([f.label, f.type, f.start, f.length], ['is_bsp', 'field', 17, 2]);
  });

  it('completes registers after `$`', async () => {
    assert.deepEqual(await labels('$cr'), ['cr0', 'cr2', 'cr3', 'cr4', 'cr8']);
    assert.ok((await labels('$r')).includes('rip'));
    assert.ok((await labels('$fs_')).includes('fs_base'));
  });

  it('completes monitor commands and info subcommands from QEMU', async () => {
    const mon = (await complete('mon'))[0];
    assert.deepEqual([mon.label, mon.text, mon.type], ['monitor', 'monitor ', 'keyword']);
    assert.ok((await labels('monitor inf')).includes('info'));
    assert.ok((await labels('monitor system_')).includes('system_reset'));
    const sub = await complete('monitor info tl');
    assert.deepEqual(sub.map(i => [i.label, i.start, i.length]), [['tlb', 14, 2]]);
    assert.match(sub[0].detail ?? '', /virtual to physical/);
    assert.ok((await labels('monitor info reg')).includes('registers'));
  });
});
