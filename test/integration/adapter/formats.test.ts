// gdb 13 as the oracle for type names and output formats, at the same Exo-OS stop (#BP:exec, in
// execve: InterruptFrame and FXSAVE pointers, &str, Vec, a struct holding a tuple struct):
// - the Variables view's type column and the hover's type are gdb's `whatis` (`*mut T` for Rust
//   references and raw pointers, `[T; N]`);
// - `p/x EXPR` (and /t /o /z /d), `EXPR,x` and DAP format.hex print as gdb's print/FMT: the format
//   reaches every field, element and pointer;
// - the Variables view with format.hex shows each value as gdb's `p/x NAME`.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launchQemu, type QemuInstance } from '../../../adapter/qemu';
import { findMarker, KERNEL, requireBuilt, ROOT, Session } from './harness';

const INITRD = path.join(ROOT, 'build/kernel/initrd.cpio');

/** What gdb says about one variable of the stop's innermost scopes. */
interface GdbVar { name: string; whatis: string; value: string; hex: string }

// Runs inside gdb: every local and argument in scope (innermost first, shadowed ones skipped) as
// JSON lines: whatis, the value as `info locals` prints it, and `print/x`.
const DUMP_PY = `
import gdb, json
b = gdb.selected_frame().block()
seen = set()
while b is not None:
    for s in b:
        if (s.is_variable or s.is_argument) and s.name not in seen:
            seen.add(s.name)
            v = s.value(gdb.selected_frame())
            w = gdb.execute("whatis " + s.name, to_string=True).strip()
            x = gdb.execute("print/x " + s.name, to_string=True).strip()
            print("@@VAR " + json.dumps({"name": s.name, "whatis": w[len("type = "):], "value": v.format_string(), "hex": x.split(" = ", 1)[1]}))
    if b.function is not None:
        break
    b = b.superblock
`;

async function gdbAtMarker(port: number, marker: string, prints: string[]): Promise<{ thread?: number; vars: GdbVar[]; printed: string[] }> {
  const m = findMarker(marker);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-formats-'));
  const py = path.join(dir, 'dump.py');
  fs.writeFileSync(py, DUMP_PY);
  try {
    const { stdout } = await promisify(execFile)('gdb', ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off',
      '-ex', `file ${KERNEL}`, '-ex', `target remote 127.0.0.1:${port}`, '-ex', `break ${m.path}:${m.line}`, '-ex', 'continue', '-ex', 'delete',
      '-ex', `source ${py}`,
      ...prints.flatMap((p, i) => ['-ex', `echo @@P${i}\\n`, '-ex', p]), '-ex', 'echo @@END\\n', '-ex', 'disconnect'],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 });
    const vars = stdout.split('\n').filter(l => l.startsWith('@@VAR ')).map(l => JSON.parse(l.slice(6)) as GdbVar);
    const printed = prints.map((p, i) => {
      const after = stdout.split(`@@P${i}\n`)[1];
      assert.ok(after !== undefined, `gdb's output has no answer to ${p}:\n${stdout.slice(-3000)}`);
      const block = after.split('@@')[0].trim();
      const v = /^\$\d+ = ([\s\S]*)$/.exec(block);
      assert.ok(v, `gdb could not ${p}: ${block}`);
      return v[1];
    });
    const t = /Thread (?:\d+\.)?(\d+) hit Breakpoint/.exec(stdout);
    return { thread: t ? Number(t[1]) : undefined, vars, printed };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('adapter: type names and print/FMT as gdb (real QEMU + Exo-OS, gdb oracle)', function () {
  this.timeout(240_000);
  before(requireBuilt);
  let qemu: QemuInstance | undefined;
  let s: Session | undefined;
  after(async () => {
    try { await s?.dc.disconnectRequest({}); } catch { /* gone */ }
    try { await s?.dc.stop(); } catch { /* gone */ }
    await qemu?.kill();
  });

  const CPU = 'exo::arch::x86_64::smp::EXO_CPUS[1]';
  const PRINTS = [
    'print/x *frame', 'print/x frame', 'print/x old', 'print/x slot', 'print/x fx', 'print/x *fx', 'print/x path',
    `print/x ${CPU}`, 'print/t slot', 'print/o frame.rflags', 'print/z slot', 'print/d frame', 'print/x frame.cs',
  ];
  let gdb: Awaited<ReturnType<typeof gdbAtMarker>>;
  let frameId: number;

  before(async () => {
    qemu = await launchQemu({ kernel: KERNEL, cpus: 4, stopAtStart: true, initrd: INITRD });
    gdb = await gdbAtMarker(qemu.gdbPort, 'exec', PRINTS);
    s = new Session();
    await s.start();
    const stop = await s.attachStopped(qemu.gdbPort);
    frameId = (await s.topFrame(gdb.thread ?? stop.body.threadId!)).id;
  });

  async function scopeVars(format?: DebugProtocol.ValueFormat): Promise<DebugProtocol.Variable[]> {
    const scopes = (await s!.dc.scopesRequest({ frameId })).body.scopes.filter(x => x.name === 'Locals' || x.name === 'Arguments');
    const out: DebugProtocol.Variable[] = [];
    for (const sc of scopes) out.push(...(await s!.dc.variablesRequest({ variablesReference: sc.variablesReference, format })).body.variables);
    return out;
  }

  /** gdb's variables with ours: both list the innermost scope first, so a shadowed name pairs
   *  with our first variable of that name (`path` is a &[u8] argument and a &str local here). */
  function pairs(ours: DebugProtocol.Variable[]): [GdbVar, DebugProtocol.Variable][] {
    return gdb.vars.map(g => [g, ours.find(v => v.name === g.name)!]);
  }

  it('the type column and the hover type are gdb\'s whatis (*mut T for references)', async () => {
    const ours = await scopeVars();
    const both = pairs(ours);
    const names = both.map(([g]) => g.name);
    for (const n of ['frame', 'fx', 'slot', 'path', 'old', 'argv']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}; ours: ${ours.map(v => v.name).join(', ')}`);
    for (const [g, v] of both) {
      assert.equal(v.type, g.whatis, `type of ${g.name}`);
      const hover = (await s!.dc.evaluateRequest({ expression: g.name, frameId, context: 'hover' })).body;
      assert.equal(hover.type, g.whatis, `hover type of ${g.name}`);
    }
    assert.equal(both.find(([g]) => g.name === 'frame')![1].type, '*mut exo::arch::x86_64::interrupts::InterruptFrame');
    assert.equal(both.find(([g]) => g.name === 'fx')![1].type, '*mut [u8; 512]');
  });

  it('p/FMT EXPR, EXPR,x and format.hex print as gdb\'s print/FMT (fields, elements, pointers)', async () => {
    for (const [i, p] of PRINTS.entries()) {
      const expr = p.replace(/^print/, 'p');
      const r = (await s!.dc.evaluateRequest({ expression: expr, frameId, context: 'repl' })).body;
      assert.equal(r.result, gdb.printed[i], expr);
      const m = /^p\/x (.*)$/.exec(expr);
      if (!m) continue;
      assert.equal((await s!.dc.evaluateRequest({ expression: `${m[1]},x`, frameId, context: 'watch' })).body.result, gdb.printed[i], `${m[1]},x`);
      const hex = await s!.dc.evaluateRequest({ expression: m[1], frameId, context: 'watch', format: { hex: true } });
      assert.equal(hex.body.result, gdb.printed[i], `${m[1]} with format.hex`);
    }
    // Children of a formatted result are formatted too.
    const r = (await s!.dc.evaluateRequest({ expression: `p/x ${CPU}`, frameId, context: 'repl' })).body;
    const kids = (await s!.dc.variablesRequest({ variablesReference: r.variablesReference })).body.variables;
    assert.deepEqual(kids.slice(0, 4).map(k => k.name), ['id', 'state', 'is_bsp', 'apic_id']);
    assert.match(kids[0].value, /^0x[0-9a-f]+$/);
    assert.equal(kids[0].evaluateName, `${CPU}.id`, 'children are named from the expression, not the command');
    // Without a format the same struct prints in decimal (the format is not sticky).
    assert.doesNotMatch((await s!.dc.evaluateRequest({ expression: CPU, frameId, context: 'repl' })).body.result, /id: 0x/);
  });

  it('the Variables view with format.hex shows gdb\'s p/x of each variable (same values otherwise)', async () => {
    const plain = pairs(await scopeVars());
    const hexVars = await scopeVars({ hex: true });
    const hex = new Map(gdb.vars.map(g => [g.name, hexVars.find(v => v.name === g.name)?.value]));
    let compared = 0;
    for (const [g, v] of plain) {
      // Only where the plain rendering agrees with gdb already (the hex one must then agree too).
      if (v.value !== g.value) continue;
      assert.equal(hex.get(g.name), g.hex, `${g.name} in hex`);
      compared++;
    }
    for (const n of ['frame', 'fx', 'slot', 'old']) assert.ok(plain.some(([g, v]) => g.name === n && v.value === g.value), `${n} renders as gdb`);
    assert.ok(compared >= 4, `compared ${compared}`);
  });
});
