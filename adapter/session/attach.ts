// Attach orchestration: connect to a gdbstub someone else started (the VM stops on connect),
// load symbols, and build a Runtime that detaches (D;1) on disconnect.
import { connectRsp } from '../rsp';
import { attachConfig } from './config';
import type { ExoAttachArguments } from './protocol';
import { Runtime, RuntimeEvents } from './runtime';
import { loadSymbols } from './symbolsLoader';
import { watchTargetEnd } from './targetEnd';
import { trace } from './trace';

export async function attachTarget(args: ExoAttachArguments, events: RuntimeEvents): Promise<Runtime> {
  const cfg = attachConfig(args);
  const symbolsPromise = loadSymbols(cfg.symbols, msg => events.output('console', msg));
  const rsp = await connectRsp(cfg.port, { host: cfg.host, requestTimeoutMs: cfg.timeoutMs, connectTimeoutMs: cfg.timeoutMs, log: trace()?.rspLog });
  const all = await rsp.threads();
  const threads = cfg.cpus ? all.slice(0, cfg.cpus) : all;
  const symbols = await symbolsPromise;
  const runtime = new Runtime({
    rsp, symbols: symbols.session, loaded: symbols, threads, steppingMode: cfg.steppingMode, timeoutMs: cfg.timeoutMs,
  }, events);
  watchTargetEnd(runtime, undefined);
  await runtime.applySteppingMode();
  events.output('console', `Attached to ${cfg.host}:${cfg.port}: ${threads.length} vCPUs.\n`);
  return runtime;
}
