// Manual check (not in npm test: Debian's vmlinux debug package is ~1 GB): the adapter debugging a
// stock Linux kernel, bzImage + vmlinux with DWARF 5. stopAtEntry, function breakpoints on
// start_kernel and do_sys_openat2, stack traces, arguments and locals, printed with timings.
//   npx tsx bench/linux-smoke.ts [vmlinuz] [vmlinux] [initrd]
import * as fs from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Session } from '../test/integration/adapter/harness';

const RELEASE = fs.readdirSync('/boot').find(f => f.startsWith('vmlinuz-'))?.slice('vmlinuz-'.length);
const KERNEL = process.argv[2] ?? `/boot/vmlinuz-${RELEASE}`;
const SYMBOLS = process.argv[3] ?? `/usr/lib/debug/boot/vmlinux-${RELEASE}`;
const INITRD = process.argv[4] ?? `/boot/initrd.img-${RELEASE}`;
const t0 = Date.now();
const say = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${s}\n`);

async function show(s: Session, stop: DebugProtocol.StoppedEvent, vars: boolean): Promise<void> {
  const thread = stop.body.threadId!;
  const st = (await s.dc.stackTraceRequest({ threadId: thread, levels: 30 })).body.stackFrames;
  say(`stopped (${stop.body.reason}) on thread ${thread}; ${st.length} frames:`);
  for (const f of st) say(`  ${f.instructionPointerReference} ${f.name}${f.source ? ` at ${f.source.path}:${f.line}` : ''}`);
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
  await show(s, await s.nextStop(300_000), true);
}

async function main(): Promise<void> {
  for (const f of [KERNEL, SYMBOLS]) if (!fs.existsSync(f)) throw new Error(`${f} is missing (apt-get install linux-image-amd64 linux-image-amd64-dbg)`);
  say(`kernel ${KERNEL}, symbols ${SYMBOLS}, initrd ${fs.existsSync(INITRD) ? INITRD : '(none)'}`);
  const s = new Session();
  s.dc.defaultTimeout = 300_000;
  await s.start();
  try {
    await s.launch({
      kernel: KERNEL, symbols: SYMBOLS, cpus: 2, memory: '1G', cmdline: 'nokaslr console=ttyS0',
      initrd: fs.existsSync(INITRD) ? INITRD : undefined, stopAtEntry: true, timeoutMs: 60_000,
    } as Parameters<Session['launch']>[0]);
    await show(s, await s.nextStop(300_000), false);
    await breakAt(s, 'start_kernel');
    await breakAt(s, 'do_sys_openat2');
    const console = s.output.join('').split('\n').filter(l => /not an ELF|stopAtEntry|Symbols|warning/i.test(l));
    for (const l of console) say(`console: ${l}`);
  } finally {
    await s.close();
    say('terminated');
  }
}

main().then(() => process.exit(0), e => { process.stderr.write(`linux-smoke: ${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); });
