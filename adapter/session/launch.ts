// Launch orchestration: build → QEMU (-S, gdbstub on loopback) → RSP + QMP → symbols → a
// Runtime. Serial output streams to the Debug Console; QEMU ending ends the session with why.
import * as fs from 'node:fs';
import { connectRsp } from '../rsp';
import { launchQemu, QemuInstance } from '../qemu/launcher';
import { connectQmp } from '../qemu/qmpSocket';
import type { QmpClient } from '../qemu/qmpClient';
import { ExoError, describeError } from '../common/errors';
import { runBuild } from './build';
import { launchConfig, symbolFileOf } from './config';
import { isElfFile, kernelEntry } from './kernelEntry';
import type { ExoLaunchArguments } from './protocol';
import { Runtime, RuntimeEvents } from './runtime';
import { loadSymbols } from './symbolsLoader';
import { watchTargetEnd } from './targetEnd';
import { trace } from './trace';

export interface Launched { runtime: Runtime; entry: bigint | undefined; stopAtEntry: boolean }

export async function launchTarget(args: ExoLaunchArguments, events: RuntimeEvents): Promise<Launched> {
  const cfg = launchConfig(args);
  if (cfg.buildCommand) {
    events.output('console', `> ${cfg.buildCommand}\n`);
    const r = await runBuild(cfg.buildCommand, cfg.cwd, text => events.output('stdout', text));
    events.output('console', `build finished in ${(r.durationMs / 1000).toFixed(1)} s\n`);
  }
  if (!fs.existsSync(cfg.kernel)) {
    throw new ExoError('user', `kernel file ${cfg.kernel} does not exist: build it first or fix "kernel" in the launch configuration.`);
  }
  const symbolPath = symbolFileOf(cfg.kernel, cfg.symbols);
  const symbolsPromise = loadSymbols(symbolPath, msg => events.output('console', msg));

  let qemu: QemuInstance | undefined;
  let qmp: QmpClient | undefined;
  try {
    qemu = await launchQemu({
      qemuPath: cfg.qemuPath, kernel: cfg.kernel, initrd: cfg.initrd, cmdline: cfg.cmdline,
      cpus: cfg.cpus, memory: cfg.memory, gdbPort: cfg.gdbPort, stopAtStart: true,
      extraArgs: cfg.qemuArgs, cwd: cfg.cwd, timeoutMs: Math.max(cfg.timeoutMs, 20_000),
      onSerial: text => events.output('stdout', text),
    });
    const rsp = await connectRsp(qemu.gdbPort, { requestTimeoutMs: cfg.timeoutMs, connectTimeoutMs: cfg.timeoutMs, log: trace()?.rspLog });
    try { qmp = await connectQmp(qemu.qmpPath); } catch (e) {
      events.output('console', `QMP is not available (${describeError(e)}); restart is disabled.\n`);
    }
    const threads = await rsp.threads();
    const symbols = await symbolsPromise;
    const runtime = new Runtime({
      rsp, qemu, qmp, symbols: symbols.session, loaded: symbols, threads, steppingMode: cfg.steppingMode, timeoutMs: cfg.timeoutMs,
    }, events);
    watchTargetEnd(runtime, qemu);
    await runtime.applySteppingMode();
    events.output('console', `QEMU ${qemu.pid} started with ${threads.length} vCPUs; gdbstub on 127.0.0.1:${qemu.gdbPort}\n`);
    const entry = entryOf(cfg.kernel, symbols.session.path, symbols.session.entryPoint(), events);
    return { runtime, entry, stopAtEntry: cfg.stopAtEntry };
  } catch (e) {
    qmp?.close();
    await qemu?.kill();
    throw e;
  }
}

/** stopAtEntry's address: the PVH entry of an ELF kernel; for a bzImage, the symbol file's ELF
 *  entry (startup_64, where the decompressor jumps; right only with nokaslr), said on the console. */
function entryOf(kernel: string, symbolPath: string | undefined, fromSymbols: bigint | undefined, events: RuntimeEvents): bigint | undefined {
  if (isElfFile(kernel)) return fromSymbols ?? kernelEntry(kernel);
  const e = symbolPath ? kernelEntry(symbolPath, true) : undefined;
  events.output('console', e === undefined
    ? `${kernel} is not an ELF (a bzImage?) and no ELF symbol file gives its entry: stopAtEntry stops at QEMU's reset vector.\n`
    : `${kernel} is not an ELF (a bzImage?): stopAtEntry stops where its decompressor enters the kernel, ${symbolPath}'s entry 0x${e.toString(16)} (physical; with "nokaslr" only).\n`);
  return e;
}
