// Opens a debug session for the CLI over DAP: attach to a running QEMU, or launch one and run
// the kernel until its serial output says it is ready; then the VM is paused for the views.
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExoError } from '../common/errors';
import type { ExoAttachArguments, ExoLaunchArguments } from '../session/protocol';
import { InlineDapClient } from './dapClient';
import type { CliOptions } from './options';

export interface CliSession {
  readonly dap: InlineDapClient;
  /** Everything the guest printed on its serial console (launch only). */
  serial(): string;
  /** QEMU's pid when we launched it. */
  readonly qemuPid?: number;
  /** Ends the session: QEMU killed when launched, detached when attached. */
  close(): Promise<void>;
}

export interface LaunchPlan {
  args: ExoLaunchArguments;
  /** Run until serial output matches (then pause); undefined: pause after `settleMs`. */
  until?: RegExp;
  settleMs?: number;
  timeoutMs: number;
  log: (text: string) => void;
  verbose: boolean;
}

const DEFAULT_KERNEL = 'build/kernel/exo.elf';

export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function initialize(dap: InlineDapClient): Promise<void> {
  await dap.request('initialize', { adapterID: 'exo-kernel', clientID: 'exo-debug-cli', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
}

function collect(dap: InlineDapClient, verbose: boolean): { serial: () => string; pid: () => number | undefined; ended: () => string | undefined } {
  let serial = '', pid: number | undefined, ended: string | undefined;
  dap.onEvent(e => {
    if (e.event === 'output') {
      const b = (e as DebugProtocol.OutputEvent).body;
      if (b.category === 'stdout') { serial += b.output; if (verbose) process.stderr.write(b.output); }
      const m = /QEMU (\d+) started/.exec(b.output);
      if (m) pid = Number(m[1]);
      if (b.category === 'important') ended = b.output.trim();
    } else if (e.event === 'terminated') {
      ended ??= 'the debug session ended';
    }
  });
  return { serial: () => serial, pid: () => pid, ended: () => ended };
}

export async function attachSession(o: CliOptions): Promise<CliSession> {
  const dap = new InlineDapClient();
  await initialize(dap);
  const stopped = dap.waitForEvent('stopped', 60_000);
  const args: ExoAttachArguments = { host: o.attach!.host, port: o.attach!.port, symbols: o.symbols, cpus: o.cpus, timeoutMs: 15_000, faultTrace: o.faultTrace, cowBit: o.cowBit };
  const attached = dap.request('attach', args, 60_000);
  await dap.waitForEvent('initialized', 60_000);
  await dap.request('configurationDone');
  await attached;
  await stopped;
  return {
    dap, serial: () => '',
    async close() {
      try { await dap.request('disconnect', { terminateDebuggee: false }, 20_000); } finally { dap.dispose(); }
    },
  };
}

export async function launchSession(plan: LaunchPlan): Promise<CliSession> {
  const dap = new InlineDapClient();
  const seen = collect(dap, plan.verbose);
  await initialize(dap);
  const launched = dap.request('launch', { timeoutMs: 15_000, ...plan.args }, 15 * 60_000);
  const first = await Promise.race([dap.waitForEvent('initialized', 15 * 60_000), launched.then(() => undefined)]);
  if (first === undefined) throw new ExoError('internal', 'launch answered before the adapter was initialized');
  await dap.request('configurationDone');
  await launched;
  const session: CliSession = {
    dap, serial: seen.serial,
    get qemuPid() { return seen.pid(); },
    async close() {
      try { await dap.request('terminate', undefined, 30_000); } catch { /* already gone */ }
      const pid = seen.pid();
      const t0 = Date.now();
      while (pid !== undefined && pidAlive(pid) && Date.now() - t0 < 10_000) await new Promise(r => setTimeout(r, 50));
      dap.dispose();
      if (pid !== undefined && pidAlive(pid)) throw new ExoError('internal', `QEMU ${pid} is still running after terminate`);
    },
  };
  try {
    const t0 = Date.now();
    plan.log(plan.until ? `waiting for the kernel to print /${plan.until.source}/ …\n` : 'running …\n');
    for (;;) {
      const end = seen.ended();
      if (end) throw new ExoError('target', `the VM ended before it was ready: ${end}`);
      if (plan.until ? plan.until.test(seen.serial()) : Date.now() - t0 >= (plan.settleMs ?? 3_000)) break;
      if (Date.now() - t0 > plan.timeoutMs) {
        throw new ExoError('timeout', `the kernel did not print /${plan.until?.source}/ within ${plan.timeoutMs / 1000} s; last output: ${JSON.stringify(seen.serial().slice(-300))}`);
      }
      await new Promise(r => setTimeout(r, 50));
    }
    const stopped = dap.waitForEvent('stopped', 30_000);
    await dap.request('pause', { threadId: 1 });
    await stopped;
    return session;
  } catch (e) {
    await session.close().catch(() => undefined);
    throw e;
  }
}

/** Attach when --attach is given, else launch the kernel (Exo-OS by default) and wait. */
export async function openSession(o: CliOptions, log: (t: string) => void): Promise<CliSession> {
  if (o.attach) return attachSession(o);
  const kernel = path.resolve(o.kernel ?? DEFAULT_KERNEL);
  if (!fs.existsSync(kernel)) throw new ExoError('user', `${kernel} does not exist: run npm run build:kernel, or pass --kernel ELF or --attach host:port.`);
  const isExo = o.kernel === undefined;
  const initrd = o.initrd ?? (isExo && fs.existsSync('build/kernel/initrd.cpio') ? 'build/kernel/initrd.cpio' : undefined);
  const cpus = o.cpus ?? 4;
  return launchSession({
    args: { kernel, symbols: o.symbols, initrd, cmdline: o.cmdline, cpus, memory: o.memory ?? '256M', faultTrace: o.faultTrace, cowBit: o.cowBit },
    until: o.until ?? (isExo ? new RegExp(`exo: smp: ${cpus} CPUs online`) : undefined),
    timeoutMs: o.timeoutMs, log, verbose: o.verbose,
  });
}
