// Manual check (not in npm test: Debian's vmlinux debug package is ~1 GB): the adapter debugging a
// stock Linux kernel, bzImage + vmlinux with DWARF 5, with gdb as the oracle.
//  1. smoke: the adapter's own launch, stopAtEntry, function breakpoints on start_kernel and
//     do_sys_openat2, stacks and variables printed with timings.
//  2. oracle: per function, gdb stops a fresh QEMU there, prints bt / info args / info locals and
//     disconnects (the VM stays stopped); the adapter attaches to that same stop and its
//     stackTrace (names, pcs, lines) and top-frame Arguments/Locals are compared with gdb's.
// Exits 1 when anything differs (each difference is listed).
//   npx tsx bench/linux-smoke.ts [--smoke|--oracle] [vmlinuz] [vmlinux] [initrd]
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launchQemu, type QemuInstance } from '../adapter/qemu';
import { Session } from '../test/integration/adapter/harness';

const flags = process.argv.slice(2).filter(a => a.startsWith('--'));
const [kArg, sArg, iArg] = process.argv.slice(2).filter(a => !a.startsWith('--'));
const RELEASE = fs.readdirSync('/boot').find(f => f.startsWith('vmlinuz-'))?.slice('vmlinuz-'.length);
const KERNEL = kArg ?? `/boot/vmlinuz-${RELEASE}`;
const SYMBOLS = sArg ?? `/usr/lib/debug/boot/vmlinux-${RELEASE}`;
const INITRD = iArg ?? `/boot/initrd.img-${RELEASE}`;
const CMDLINE = 'nokaslr console=ttyS0';
const FUNCTIONS = ['start_kernel', 'do_sys_openat2'];
/** Oracle stops beyond the smoke's: a big struct local (nameidata), a user-space char pointer;
 *  per stop the expressions whose `print` (our evaluate) must read as gdb's. */
const ORACLE: Record<string, string[]> = {
  // Not linux_banner/linux_proc_banner (`const char []`): gdb prints them as `0x… <sym> "…"` in a
  // fresh session and as a bare string once bt/info locals expanded more units; we print the former.
  start_kernel: ['command_line', '&command_line', 'init_task.pid', '&init_task', 'init_task.comm'],
  do_sys_openat2: ['dfd', 'filename', 'how', '*how', 'how->flags', 'op', '&op', 'op.mode'],
  do_filp_open: ['pathname', '*pathname', 'pathname->name', 'op', '*op'],
  vfs_read: ['file', 'buf', 'count', 'pos', '*pos', 'file->f_flags', 'file->f_path.dentry->d_name.name'],
};
const WAIT_MS = 300_000;
const t0 = Date.now();
const say = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${s}\n`);

/** A frame as both sides describe it. */
interface FrameView { name: string; pc?: bigint; file?: string; line?: number }
interface StopView { frames: FrameView[]; args: string[]; locals: string[]; prints: string[] }

// ---- smoke: the adapter launches QEMU itself ----

async function show(s: Session, stop: DebugProtocol.StoppedEvent, vars: boolean): Promise<void> {
  const thread = stop.body.threadId!;
  const st = (await s.dc.stackTraceRequest({ threadId: thread, levels: 30 })).body.stackFrames;
  say(`stopped (${stop.body.reason}) on thread ${thread}; ${st.length} frames:`);
  for (const f of st) say(`  ${f.instructionPointerReference} ${f.name}${f.source ? ` at ${f.source.path ?? f.source.origin}:${f.line}` : ''}`);
  if (!vars || !st.length) return;
  for (const sc of (await s.dc.scopesRequest({ frameId: st[0].id })).body.scopes) {
    if (sc.name === 'Registers') continue;
    const vs = (await s.dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables;
    say(`  ${sc.name}: ${vs.length ? '' : '(none)'}`);
    for (const v of vs) say(`    ${v.name} = ${v.value.slice(0, 160)}`);
  }
}

async function breakAt(s: Session, name: string): Promise<void> {
  const r = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name }] });
  const b = r.body.breakpoints[0];
  say(`function breakpoint ${name}: ${b.verified ? 'verified' : `unverified (${b.message})`}`);
  await s.dc.continueRequest({ threadId: 1 });
  await show(s, await s.nextStop(WAIT_MS), true);
}

async function smoke(): Promise<void> {
  const s = new Session();
  s.dc.defaultTimeout = WAIT_MS;
  await s.start();
  try {
    await s.launch({
      kernel: KERNEL, symbols: SYMBOLS, cpus: 2, memory: '1G', cmdline: CMDLINE,
      initrd: fs.existsSync(INITRD) ? INITRD : undefined, stopAtEntry: true, timeoutMs: 60_000,
    });
    await show(s, await s.nextStop(WAIT_MS), false);
    for (const f of FUNCTIONS) await breakAt(s, f);
    const console = s.output.join('').split('\n').filter(l => /not an ELF|stopAtEntry|Symbols|warning/i.test(l));
    for (const l of console) say(`console: ${l}`);
  } finally {
    await s.close();
    say('terminated');
  }
}

// ---- oracle: gdb first, then the adapter on the same stopped VM ----

/** gdb: break at `fn`, continue, print the stop, delete the breakpoint, disconnect. */
async function gdbStop(port: number, fn: string): Promise<StopView & { thread?: number }> {
  const { stdout } = await promisify(execFile)('gdb', ['-batch', '-nx',
    '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set print frame-arguments none',
    '-ex', `file ${SYMBOLS}`, '-ex', `target remote 127.0.0.1:${port}`,
    '-ex', `break ${fn}`, '-ex', 'continue', '-ex', 'delete',
    '-ex', 'echo @@BT\\n', '-ex', 'bt 30', '-ex', 'echo @@ARGS\\n', '-ex', 'info args',
    '-ex', 'echo @@LOCALS\\n', '-ex', 'info locals',
    ...(ORACLE[fn] ?? []).flatMap((e, i) => ['-ex', `echo @@P${i}\\n`, '-ex', `print ${e}`]),
    '-ex', 'echo @@END\\n', '-ex', 'disconnect',
  ], { encoding: 'utf8', timeout: WAIT_MS, maxBuffer: 64 << 20 });
  const section = (name: string) => stdout.split(`@@${name}\n`)[1].split('@@')[0].split('\n').filter(Boolean);
  const frames = section('BT').filter(l => /^#\d/.test(l)).map(l => {
    const m = /^#\d+\s+(?:(0x[0-9a-f]+) in )?(\S+)(?: \(.*?\))?(?: at (\S+):(\d+))?/.exec(l);
    return m ? { name: m[2], pc: m[1] ? BigInt(m[1]) : undefined, file: m[3], line: m[4] ? Number(m[4]) : undefined } : { name: l };
  });
  const vars = (tag: string) => joinContinuations(section(tag)).filter(x => !/^No (arguments|locals)\.$/.test(x));
  const prints = (ORACLE[fn] ?? []).map((_, i) => {
    const block = stdout.split(`@@P${i}\n`)[1].split('@@')[0].trim();
    return /^\$\d+ = ([\s\S]*)$/.exec(block)?.[1].replace(/\n\s*/g, ' ') ?? `<gdb: ${block}>`;
  });
  const t = /Thread (?:\d+\.)?(\d+) hit Breakpoint/.exec(stdout);
  return { frames, args: vars('ARGS'), locals: vars('LOCALS'), prints, thread: t ? Number(t[1]) : undefined };
}

/** gdb wraps long values over several lines: a line that does not start `name = ` continues the last. */
function joinContinuations(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (out.length && !/^[A-Za-z_$][\w$.]* = /.test(l)) out[out.length - 1] += l.trim() ? ' ' + l.trim() : '';
    else out.push(l);
  }
  return out;
}

/** The adapter attached to the stopped VM: the same thread's stack and top-frame variables. */
async function adapterStop(port: number, thread: number | undefined, exprs: string[]): Promise<StopView> {
  const s = new Session();
  s.dc.defaultTimeout = WAIT_MS;
  await s.start();
  try {
    await s.dc.initializeRequest({ adapterID: 'exo-kernel', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    const initialized = s.dc.waitForEvent('initialized', WAIT_MS);
    const attached = s.dc.attachRequest({ port, symbols: SYMBOLS, timeoutMs: 60_000 } as DebugProtocol.AttachRequestArguments);
    await initialized;
    await s.dc.configurationDoneRequest();
    await attached;
    const stop = await s.nextStop(WAIT_MS);
    const st = (await s.dc.stackTraceRequest({ threadId: thread ?? stop.body.threadId!, levels: 30 })).body.stackFrames;
    const frames = st.map(f => ({
      name: f.presentationHint === 'label' ? '<signal handler called>' : f.name,
      pc: f.instructionPointerReference ? BigInt(f.instructionPointerReference) : undefined,
      // Sources not on this disk come without a path: their debug-info path ends the origin.
      file: f.source?.path ?? /: (\S+)$/.exec(f.source?.origin ?? '')?.[1], line: f.line || undefined,
    }));
    const vars = async (scope: string) => {
      const sc = (await s.dc.scopesRequest({ frameId: st[0].id })).body.scopes.find(x => x.name === scope);
      if (!sc) return [];
      return (await s.dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables.map(v => `${v.name} = ${v.value}`);
    };
    const prints: string[] = [];
    for (const expression of exprs) {
      try {
        prints.push((await s.dc.evaluateRequest({ expression, frameId: st[0].id, context: 'repl' })).body.result);
      } catch (e) { prints.push(`<error: ${e instanceof Error ? e.message : String(e)}>`); }
    }
    return { frames, args: await vars('Arguments'), locals: await vars('Locals'), prints };
  } finally {
    try { await s.dc.disconnectRequest({}); } catch { /* gone */ }
    try { await s.dc.stop(); } catch { /* gone */ }
  }
}

/** Kernel text and data live in the upper half; gdb's frames below it are not kernel frames. */
const KERNEL_HALF = 0xffff_8000_0000_0000n;

/** gdb keeps unwinding past the kernel entry (entry_SYSCALL_64's user registers, the zero return
 *  of secondary_startup_64) into `??` frames with user or junk pcs; our unwinder stops at the
 *  entry's CFI. Trailing frames that start below the kernel half are a note, not a difference. */
function pastTheEnd(g: StopView, o: StopView): number {
  const extra = g.frames.slice(o.frames.length);
  // Once gdb leaves the kernel half it walks junk (0xffffffffffffffff, fixed_percpu_data 0x1, …).
  return extra.length && extra[0].pc !== undefined && extra[0].pc < KERNEL_HALF ? extra.length : 0;
}

/** Differences between gdb's view and ours, one sentence each. */
function compare(g: StopView, o: StopView): string[] {
  const diffs: string[] = [];
  const n = Math.max(g.frames.length - pastTheEnd(g, o), o.frames.length);
  for (let i = 0; i < n; i++) {
    const a = g.frames[i], b = o.frames[i];
    if (!a || !b) { diffs.push(`frame ${i}: gdb ${a ? a.name : '(none)'}, ours ${b ? b.name : '(none)'}`); continue; }
    if (a.name !== b.name) diffs.push(`frame ${i} name: gdb ${a.name}, ours ${b.name}`);
    // gdb prints a pc only for frames that are not inlined into their caller and not frame 0.
    if (a.pc !== undefined && a.pc !== b.pc) diffs.push(`frame ${i} (${a.name}) pc: gdb 0x${a.pc.toString(16)}, ours 0x${b.pc?.toString(16)}`);
    if (a.line !== undefined && a.line !== b.line) diffs.push(`frame ${i} (${a.name}) line: gdb ${a.line}, ours ${b.line}`);
    if (a.file && !(b.file ?? '').endsWith(a.file)) diffs.push(`frame ${i} (${a.name}) file: gdb ${a.file}, ours ${b.file}`);
  }
  const vars = (what: string, x: string[], y: string[]) => {
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if (x[i] !== y[i]) diffs.push(`${what} ${i}:\n      gdb:  ${x[i] ?? '(none)'}\n      ours: ${y[i] ?? '(none)'}`);
    }
  };
  vars('frame 0 arg', g.args, o.args);
  vars('frame 0 local', g.locals, o.locals);
  vars('print', g.prints, o.prints);
  return diffs;
}

async function oracle(fn: string): Promise<number> {
  let qemu: QemuInstance | undefined;
  try {
    qemu = await launchQemu({
      kernel: KERNEL, initrd: fs.existsSync(INITRD) ? INITRD : undefined, cmdline: CMDLINE,
      cpus: 2, memory: '1G', stopAtStart: true, timeoutMs: 60_000,
    });
    say(`oracle ${fn}: QEMU ${qemu.pid} on port ${qemu.gdbPort}; gdb runs to ${fn}`);
    const g = await gdbStop(qemu.gdbPort, fn);
    say(`oracle ${fn}: gdb stopped on thread ${g.thread ?? '?'} with ${g.frames.length} frames; the adapter attaches`);
    const o = await adapterStop(qemu.gdbPort, g.thread, ORACLE[fn] ?? []);
    for (const [i, f] of g.frames.entries()) {
      const b = o.frames[i];
      say(`  #${i} gdb ${f.name} ${f.pc !== undefined ? '0x' + f.pc.toString(16) : ''} ${f.file ?? ''}:${f.line ?? ''}  |  ours ${b?.name ?? '-'} 0x${b?.pc?.toString(16) ?? ''} :${b?.line ?? ''}`);
    }
    const past = pastTheEnd(g, o);
    if (past) say(`  note: gdb unwinds ${past} more frames past the kernel stack's end (pcs below the kernel half); we stop at ${o.frames[o.frames.length - 1]?.name}`);
    const diffs = compare(g, o);
    say(`oracle ${fn}: ${g.frames.length} frames, ${g.args.length} args, ${g.locals.length} locals, ${g.prints.length} prints: ${diffs.length ? `${diffs.length} differences` : 'identical'}`);
    for (const d of diffs) say(`  DIFF ${d}`);
    return diffs.length;
  } finally {
    await qemu?.kill();
  }
}

async function main(): Promise<void> {
  for (const f of [KERNEL, SYMBOLS]) if (!fs.existsSync(f)) throw new Error(`${f} is missing (apt-get install linux-image-amd64 linux-image-amd64-dbg)`);
  say(`kernel ${KERNEL}, symbols ${SYMBOLS}, initrd ${fs.existsSync(INITRD) ? INITRD : '(none)'}`);
  if (!flags.includes('--oracle')) await smoke();
  let diffs = 0;
  if (!flags.includes('--smoke')) for (const f of Object.keys(ORACLE)) diffs += await oracle(f);
  if (diffs) throw new Error(`${diffs} differences from gdb (listed above)`);
}

main().then(() => process.exit(0), e => { process.stderr.write(`linux-smoke: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
