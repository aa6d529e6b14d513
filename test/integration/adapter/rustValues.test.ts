// gdb as the oracle for how evaluated Rust values print (Debug Console / watch): at the same stop,
// `print EXPR` in gdb 13 and our evaluate must give the same text. gdb spells every Rust pointer
// and reference `(*mut T) 0x… <sym+off>` (also `&T`, `&mut T`, `*const T`), prints structs, enums
// and Option in full; aggregates are expandable like variables.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { launchQemu, type QemuInstance } from '../../../adapter/qemu';
import { findMarker, KERNEL, requireBuilt, ROOT, Session } from './harness';

const INITRD = path.join(ROOT, 'build/kernel/initrd.cpio');

/** gdb stops at the marker and prints each expression; returns the thread that hit and the texts. */
async function gdbPrints(port: number, marker: string, exprs: string[]): Promise<{ thread?: number; values: string[] }> {
  const m = findMarker(marker);
  const { stdout } = await promisify(execFile)('gdb', ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off',
    '-ex', `file ${KERNEL}`, '-ex', `target remote 127.0.0.1:${port}`, '-ex', `break ${m.path}:${m.line}`, '-ex', 'continue', '-ex', 'delete',
    ...exprs.flatMap((e, i) => ['-ex', `echo @@${i}\\n`, '-ex', `print ${e}`]), '-ex', 'echo @@END\\n', '-ex', 'disconnect'],
  { encoding: 'utf8', timeout: 90_000 });
  const values = exprs.map((_, i) => {
    const block = stdout.split(`@@${i}\n`)[1].split('@@')[0].trim();
    const v = /^\$\d+ = ([\s\S]*)$/.exec(block);
    assert.ok(v, `gdb could not print ${exprs[i]}: ${block}`);
    return v[1];
  });
  const t = /Thread (?:\d+\.)?(\d+) hit Breakpoint/.exec(stdout);
  return { thread: t ? Number(t[1]) : undefined, values };
}

describe('adapter: Rust values print as gdb prints them (real QEMU + Exo-OS, gdb oracle)', function () {
  this.timeout(240_000);
  before(requireBuilt);
  let qemu: QemuInstance | undefined;
  let s: Session | undefined;
  afterEach(async () => {
    try { await s?.dc.disconnectRequest({}); } catch { /* gone */ }
    try { await s?.dc.stop(); } catch { /* gone */ }
    await qemu?.kill();
    qemu = undefined; s = undefined;
  });

  async function compare(marker: string, exprs: string[], initrd?: string): Promise<{ frameId: number; ours: Map<string, { result: string; variablesReference: number }> }> {
    qemu = await launchQemu({ kernel: KERNEL, cpus: 4, stopAtStart: true, ...(initrd ? { initrd } : {}) });
    const g = await gdbPrints(qemu.gdbPort, marker, exprs);
    s = new Session();
    await s.start();
    const stop = await s.attachStopped(qemu.gdbPort);
    const frameId = (await s.topFrame(g.thread ?? stop.body.threadId!)).id;
    const ours = new Map<string, { result: string; variablesReference: number }>();
    for (const [i, e] of exprs.entries()) {
      const r: { result: string; variablesReference: number } = (await s.dc.evaluateRequest({ expression: e, frameId, context: 'repl' })).body;
      ours.set(e, r);
      assert.equal(r.result, g.values[i], `print ${e}`);
    }
    return { frameId, ours };
  }

  it('at #BP:timer_tick: references (&CpuInfo, &InterruptFrame), &x, &&x, structs, atomics, enums', async () => {
    const { ours } = await compare('timer_tick', [
      'info', '&info', '*info', 'info.state', '&info.state', 'info.timer_ticks', '&info.timer_ticks',
      '_frame', '*_frame', '_frame.rip', '&_frame.vector',
      'exo::arch::x86_64::smp::EXO_CPUS[1].apic_id', '&exo::arch::x86_64::smp::EXO_CPUS[2]', '&exo::arch::x86_64::smp::EXO_CPUS',
    ]);
    // Aggregates expand like variables: *info's children are CpuInfo's fields.
    const ref = ours.get('*info')!.variablesReference;
    assert.ok(ref > 0, '*info is expandable');
    const kids = (await s!.dc.variablesRequest({ variablesReference: ref })).body.variables;
    assert.deepEqual(kids.map(k => k.name).slice(0, 4), ['id', 'state', 'is_bsp', 'apic_id']);
    assert.equal(kids[1].value, ours.get('info.state')!.result);
    assert.equal(kids[1].evaluateName, '(*info).state');
    assert.equal(ours.get('info.state')!.variablesReference, 0, 'a C-like enum has no children');
  });

  it('at #BP:cow_fault: a raw *mut PageTableEntry, *e, &AddressSpace, its struct, &u64', async () => {
    await compare('cow_fault', ['e', '*e', 'space', '*space', 'space.pml4', '&va', '&old', '&space', 'old'], INITRD);
  });
});
