// Installs the launch configuration's fault trace: a hidden log-point entry on the handler's
// address(es) in the session's breakpoint table; each hit is recorded by the kernel view's
// FaultTraceLog (registers, address expression, PTE) and the VM resumes without a stop.
import { ExoError } from '../../common/errors';
import { phys, rspThread } from '../../common/types';
import { FaultTraceLog, type FaultTraceSpec } from '../../kernel/faultTrace';
import { reg } from '../../x86/cpumode';
import { TableCache } from '../../x86/paging';
import { translate } from '../../x86/walk';
import type { Runtime } from '../runtime';

/** Key of the hidden entry: not a source path, so setBreakpoints for files never replaces it. */
export const FAULT_TRACE_KEY = '<exo fault trace>';

const logs = new WeakMap<Runtime, FaultTraceLog>();

export function faultTraceOf(rt: Runtime): FaultTraceLog | undefined { return logs.get(rt); }

/** A leaf-PTE reader in `cpu`'s paging mode with another CR3 (tables read fresh each time). */
function leafReader(rt: Runtime, cpu: number) {
  return async (cr3: bigint, va: bigint): Promise<bigint | undefined> => {
    const r = await rt.rsp.readRegisters(rt.parts.threads[cpu] ?? rspThread(cpu + 1));
    const cache = new TableCache(async (a, n) => (await rt.rsp.readPhysical(phys(a), n)).data);
    const t = await translate({ cr0: reg(r, 'cr0'), cr3, cr4: reg(r, 'cr4'), efer: reg(r, 'efer') }, cache, va);
    return t.phys === undefined ? undefined : t.steps[t.steps.length - 1].entry.raw;
  };
}

export async function installFaultTrace(rt: Runtime, spec: FaultTraceSpec | undefined, say: (text: string) => void): Promise<void> {
  if (!spec) return;
  // A bad trace setting disables the trace with a message; the debug session goes on.
  if (typeof spec !== 'object' || typeof spec.function !== 'string' || !spec.function) {
    say('Fault trace disabled: "faultTrace" needs {"function": "<fault handler>"} (e.g. {"function": "wp_page_copy"}).\n');
    return;
  }
  const addrs = rt.symbols.resolveFunction(spec.function);
  if (!Array.isArray(addrs)) { say(`Fault trace disabled: ${addrs.error}\n`); return; }
  const log = new FaultTraceLog(spec, addrs);
  const entry = rt.table.add({ kind: 'source', key: FAULT_TRACE_KEY, addresses: addrs, siteKind: 'sw', length: 1, log: [] });
  await rt.sites.sync();
  logs.set(rt, log);
  rt.hiddenLog = async (thread, e) => {
    if (e.id !== entry.id) return false;
    const cpu = thread - 1;
    await log.hit({
      cpu,
      readRegisters: () => rt.rsp.readRegisters(thread),
      evaluate: async expr => {
        const v = await rt.evaluate(thread, expr);
        if (v.raw === undefined) throw new ExoError('user', `"${expr}" is not a number (${v.result})`);
        return v.raw;
      },
      leafPte: leafReader(rt, cpu),
    });
    return true;
  };
  say(`Fault trace on ${spec.function} (${addrs.map(a => '0x' + a.toString(16)).join(', ')}): hits are recorded for exo/cowFaults without stopping.\n`);
}

/** Fills the "after" PTEs of earlier hits (called while stopped, before reading the trace). */
export async function finishFaultTrace(rt: Runtime): Promise<FaultTraceLog | undefined> {
  const log = logs.get(rt);
  if (log && !rt.isRunning) await log.finish(leafReader(rt, rt.lastThread - 1));
  return log;
}
