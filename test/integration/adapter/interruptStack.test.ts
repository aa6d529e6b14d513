// gdb as the oracle at a stop inside the timer interrupt (#BP:timer_tick): the whole stack across
// the interrupt frame (names, pcs, lines) and every outer frame's arguments and locals must match.
// The frame the IRQ interrupted has an exact pc (no pc - 1 lookup), and -O2 parameters resolve
// through their caller (x@entry) instead of <optimized out>.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { launchQemu, type QemuInstance } from '../../../adapter/qemu';
import { findMarker, KERNEL, requireBuilt, Session } from './harness';

interface GdbFrame { name: string; pc: bigint; line?: number; args: string[]; locals: string[] }

const DEPTH = 12;

/** Async, so QEMU's serial pipe (read by this process) keeps draining while gdb runs. */
async function runGdb(port: number, file: string, line: number): Promise<GdbFrame[]> {
  const perFrame = Array.from({ length: DEPTH }, (_, i) => [
    '-ex', `echo @@FRAME ${i}\\n`, '-ex', `frame ${i}`, '-ex', 'p/x $pc',
    '-ex', 'echo @@ARGS\\n', '-ex', 'info args', '-ex', 'echo @@LOCALS\\n', '-ex', 'info locals',
  ]).flat();
  const { stdout: out } = await promisify(execFile)('gdb', ['-batch', '-nx',
    '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set print frame-arguments none',
    '-ex', `file ${KERNEL}`, '-ex', `target remote 127.0.0.1:${port}`,
    '-ex', `break ${file}:${line}`, '-ex', 'continue', '-ex', 'delete',
    '-ex', 'echo @@BT\\n', '-ex', 'bt', ...perFrame,
    '-ex', 'echo @@END\\n', '-ex', 'disconnect'], { encoding: 'utf8', timeout: 90_000 });
  const bt = out.split('@@BT\n')[1].split('@@')[0].split('\n').filter(l => /^#\d/.test(l));
  return bt.map((l, i) => {
    const m = /^#\d+\s+(?:0x[0-9a-f]+ in )?(<signal handler called>|\S+)(?: \(.*\))?(?: at \S+:(\d+))?/.exec(l);
    assert.ok(m, `unparsed gdb frame: ${l}`);
    const block = out.split(`@@FRAME ${i}\n`)[1].split('@@END')[0];
    const pc = BigInt(/\$\d+ = (0x[0-9a-f]+)/.exec(block)![1]);
    const lines = (tag: string) => block.split(`@@${tag}\n`)[1].split('@@')[0].split('\n')
      .filter(x => x && !/^No (arguments|locals)\.$/.test(x));
    return { name: m[1], pc, line: m[2] ? Number(m[2]) : undefined, args: lines('ARGS'), locals: lines('LOCALS') };
  });
}

describe('adapter: stack through the timer interrupt matches gdb (real QEMU + Exo-OS)', function () {
  this.timeout(180_000);
  before(requireBuilt);
  let qemu: QemuInstance | undefined;
  afterEach(async () => { await qemu?.kill(); qemu = undefined; });

  it('frames (names, pcs, lines) and frame 1+ arguments and locals equal gdb at #BP:timer_tick', async () => {
    const tick = findMarker('timer_tick');
    qemu = await launchQemu({ kernel: KERNEL, cpus: 4, stopAtStart: true });
    const g = await runGdb(qemu.gdbPort, tick.path, tick.line);
    const sig = g.findIndex(f => f.name === '<signal handler called>');
    assert.ok(/timer_tick/.test(g[0].name) && sig > 0 && sig < g.length - 1,
      `gdb should stop in timer_tick with an interrupt frame below: ${g.map(f => f.name).join(', ')}`);

    const s = new Session();
    await s.start();
    try {
      const stop = await s.attachStopped(qemu.gdbPort);
      const st = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames;

      // The interrupt entry is a label frame naming the stub; gdb calls it <signal handler called>.
      const names = st.map(f => (f.presentationHint === 'label' ? '<signal handler called>' : f.name));
      assert.deepEqual(names.slice(0, g.length), g.map(f => f.name));
      g.forEach((f, i) => {
        assert.equal(BigInt(st[i].instructionPointerReference!), f.pc, `frame ${i} (${f.name}) pc`);
        if (f.line !== undefined) assert.equal(st[i].line, f.line, `frame ${i} (${f.name}) line`);
      });
      assert.equal(st[0].line, tick.line);

      const vars = async (frameId: number, scope: string) => {
        const sc = (await s.dc.scopesRequest({ frameId })).body.scopes.find(x => x.name === scope);
        if (!sc) return [];
        return (await s.dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables.map(v => `${v.name} = ${v.value}`);
      };
      let compared = 0;
      for (let i = 1; i < g.length; i++) {
        assert.deepEqual(await vars(st[i].id, 'Arguments'), g[i].args, `frame ${i} (${g[i].name}) arguments`);
        assert.deepEqual(await vars(st[i].id, 'Locals'), g[i].locals, `frame ${i} (${g[i].name}) locals`);
        compared += g[i].args.length + g[i].locals.length;
      }
      assert.ok(compared >= 5, `too few variables above frame 0 to compare (${compared})`);
      // The frame the IRQ interrupted is looked up at its exact pc: its line is the one gdb shows.
      assert.ok(g[sig + 1].line !== undefined && st[sig + 1].line === g[sig + 1].line);
      await s.dc.disconnectRequest({});
    } finally {
      try { await s.dc.stop(); } catch { /* already stopped */ }
    }
  });
});
