// gdb as the oracle: gdb runs Exo-OS to #BP:probe_entry and records bt, args, locals, memory and
// the instruction at pc, then disconnects leaving the VM stopped; the adapter attaches to the
// same QEMU and must report the same. Disconnecting the adapter leaves QEMU running.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connectQmp, launchQemu, type QemuInstance } from '../../../adapter/qemu';
import { findMarker, KERNEL, pidAlive, requireBuilt, Session } from './harness';

interface GdbView { frames: { name: string; pc?: bigint }[]; args: string[]; kmainLocals: string[]; rsp: bigint; stack: number[]; insn: string; pc: bigint }

function runGdb(port: number, file: string, line: number): GdbView {
  const out = execFileSync('gdb', ['-batch', '-nx',
    '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set disassembly-flavor intel', '-ex', 'set print frame-arguments none',
    '-ex', `file ${KERNEL}`, '-ex', `target remote 127.0.0.1:${port}`,
    '-ex', `break ${file}:${line}`, '-ex', 'continue', '-ex', 'delete',
    '-ex', 'echo @@BT\\n', '-ex', 'bt',
    '-ex', 'echo @@ARGS\\n', '-ex', 'info args',
    '-ex', 'echo @@LOCALS1\\n', '-ex', 'frame 1', '-ex', 'info locals', '-ex', 'frame 0',
    '-ex', 'echo @@REGS\\n', '-ex', 'p/x $rsp', '-ex', 'p/x $pc',
    '-ex', 'echo @@MEM\\n', '-ex', 'x/32xb $rsp',
    '-ex', 'echo @@INSN\\n', '-ex', 'x/i $pc',
    '-ex', 'echo @@END\\n', '-ex', 'disconnect'], { encoding: 'utf8', timeout: 90_000 });
  const section = (name: string) => out.split(`@@${name}\n`)[1].split('@@')[0].split('\n').filter(Boolean);
  const frames = section('BT').map(l => /^#\d+\s+(?:(0x[0-9a-f]+) in )?(\S+) \(/.exec(l)).filter(Boolean)
    .map(m => ({ name: m![2], pc: m![1] ? BigInt(m![1]) : undefined }));
  const regs = section('REGS').map(l => BigInt(/= (0x[0-9a-f]+)/.exec(l)![1]));
  const stack = section('MEM').flatMap(l => l.split(':')[1].trim().split(/\s+/).map(b => Number(b)));
  const insn = section('INSN')[0].split(':\t')[1];
  const kmainLocals = section('LOCALS1').filter(l => !/^#\d|^\d+\s/.test(l));
  return { frames, args: section('ARGS'), kmainLocals, rsp: regs[0], pc: regs[1], stack, insn };
}

/** `mov    ecx,0x2` and `mov ecx, 2`-style spellings compare equal. */
const normInsn = (s: string) => s.toLowerCase().replace(/\s+/g, '').replace(/ptr/g, '').replace(/0x([0-9a-f]+)/g, (_, h) => String(parseInt(h, 16)));

describe('adapter: gdb as oracle on the same stop (real QEMU + Exo-OS)', function () {
  this.timeout(180_000);
  before(requireBuilt);
  let qemu: QemuInstance | undefined;
  afterEach(async () => { await qemu?.kill(); qemu = undefined; });

  it('bt, args, locals, memory and the instruction at pc match gdb; disconnect leaves QEMU running', async () => {
    const entry = findMarker('probe_entry');
    qemu = await launchQemu({ kernel: KERNEL, cpus: 4, stopAtStart: true });
    const g = runGdb(qemu.gdbPort, entry.path, entry.line);
    assert.ok(g.frames.length >= 2 && /debug_probe/.test(g.frames[0].name), `gdb did not stop in debug_probe: ${g.frames.map(f => f.name).join(", ")}`);

    const s = new Session();
    await s.start();
    try {
      const stop = await s.attachStopped(qemu.gdbPort);
      const t = stop.body.threadId!;
      const st = (await s.dc.stackTraceRequest({ threadId: t })).body.stackFrames;

      // Call stack: same functions, same pcs (gdb prints pcs for outer frames).
      assert.deepEqual(st.map(f => f.name), g.frames.map(f => f.name));
      assert.equal(BigInt(st[0].instructionPointerReference!), g.pc);
      g.frames.forEach((f, i) => { if (f.pc !== undefined) assert.equal(BigInt(st[i].instructionPointerReference!), f.pc, `frame ${i} pc`); });
      assert.equal(st[0].line, entry.line);

      // Arguments of frame 0 and locals of kmain (frame 1), rendered as gdb does.
      const vars = async (frameId: number, scope: string) => {
        const sc = (await s.dc.scopesRequest({ frameId })).body.scopes.find(x => x.name === scope)!;
        return (await s.dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables.map(v => `${v.name} = ${v.value}`);
      };
      assert.deepEqual(await vars(st[0].id, 'Arguments'), g.args);
      assert.deepEqual(await vars(st[1].id, 'Locals'), g.kmainLocals);

      // Memory at rsp: readMemory == gdb's x/32xb.
      const rsp = BigInt((await s.dc.evaluateRequest({ expression: '$rsp', frameId: st[0].id })).body.result);
      assert.equal(rsp, g.rsp);
      const mem = await s.dc.customRequest('readMemory', { memoryReference: '0x' + rsp.toString(16), count: 32 });
      assert.deepEqual([...Buffer.from(mem.body.data, 'base64')], g.stack);

      // The instruction at pc.
      const dis = await s.dc.disassembleRequest({ memoryReference: st[0].instructionPointerReference!, instructionCount: 1 });
      assert.equal(normInsn(dis.body!.instructions[0].instruction), normInsn(g.insn));

      // Attach mode: disconnect detaches (D;1) and QEMU keeps running.
      await s.dc.disconnectRequest({});
      await s.dc.stop();
      const qmp = await connectQmp(qemu.qmpPath);
      try {
        assert.equal((await qmp.queryStatus()).running, true);
      } finally { qmp.close(); }
      assert.equal(pidAlive(qemu.pid), true);
    } finally {
      try { await s.dc.stop(); } catch { /* already stopped */ }
    }
  });
});
