// Installs the launch configuration's fault trace: a hidden log-point entry on the handler's
// address(es) in the session's breakpoint table; each hit is recorded by the kernel view's
// FaultTraceLog (registers, address expression, PTE) and the VM resumes without a stop. A
// second hidden entry on the handler's return address (found by one CFI unwind step) reads
// the PTE "after" when that call returns (matched by its frame's CFA), then goes away.
import { ExoError } from '../../common/errors';
import { phys, type RspThreadId, virt } from '../../common/types';
import { FaultTraceLog, type FaultTraceSpec, type TraceRecord } from '../../kernel/faultTrace';
import { X86_64, X86_64_REG_NAMES, cfiSectionsOf, unwind } from '../../symbols/unwind';
import type { CfiSection } from '../../symbols/cfi/section';
import { reg } from '../../x86/cpumode';
import { leafEntry } from '../../x86/walk';
import type { BreakpointEntry } from '../breakpoints/table';
import { evaluateExpression } from '../inspect/evaluate';
import { FrameVariables } from '../inspect/locals';
import type { Runtime } from '../runtime';

/** Key of the hidden entry: not a source path, so setBreakpoints for files never replaces it. */
export const FAULT_TRACE_KEY = '<exo fault trace>';
const returnKey = (addr: bigint) => `${FAULT_TRACE_KEY} return 0x${addr.toString(16)}`;

const logs = new WeakMap<Runtime, FaultTraceLog>();

export function faultTraceOf(rt: Runtime): FaultTraceLog | undefined { return logs.get(rt); }

/** A leaf-PTE reader in `thread`'s paging mode with another CR3 (one entry read per level). */
function leafReader(rt: Runtime, thread: RspThreadId) {
  return async (cr3: bigint, va: bigint): Promise<bigint | undefined> => {
    const r = await rt.rsp.readRegisters(thread);
    return leafEntry({ cr0: reg(r, 'cr0'), cr3, cr4: reg(r, 'cr4'), efer: reg(r, 'efer') }, async (a, n) => (await rt.rsp.readPhysical(phys(a), n)).data, va);
  };
}

const memoryOf = (rt: Runtime, thread: RspThreadId) => async (addr: bigint, len: number) => {
  const r = await rt.rsp.readVirtual(thread, virt(addr), len);
  if (r.unreadable.length) throw new ExoError('target', `0x${addr.toString(16)} is not mapped`);
  return r.data;
};

/**
 * The address expression in the stopped frame, unwound afresh at every hit: hidden hits do not
 * surface stops, so the inspector's per-stop frame caches would still hold an earlier hit's.
 */
async function evaluateFresh(rt: Runtime, vars: FrameVariables | undefined, thread: RspThreadId, expr: string): Promise<bigint> {
  let locals: ((name: string) => ReturnType<FrameVariables['symbol']>) | undefined;
  const build = rt.parts.loaded.frames;
  if (vars && build && !/^\$\w+$/.test(expr.trim())) {
    const frames = await build(await rt.rsp.readRegisters(thread), memoryOf(rt, thread));
    const fs = await vars.frameScope(thread, frames, 0).catch(() => undefined);
    locals = name => vars.symbol(fs, name);
  }
  const v = await evaluateExpression(rt, thread, expr, undefined, locals);
  if (v.raw === undefined) throw new ExoError('user', `"${expr}" is not a number (${v.result})`);
  return v.raw;
}

/** Where the stopped function returns to, and the rsp it returns with (its CFA). */
async function returnSite(rt: Runtime, cfi: CfiSection[], thread: RspThreadId): Promise<{ pc: bigint; rsp: bigint } | undefined> {
  const regs = await rt.rsp.readRegisters(thread);
  const registers = new Map<number, bigint>();
  X86_64_REG_NAMES.forEach((n, i) => { const v = regs.get(n); if (v !== undefined) registers.set(i, v); });
  const sf = rt.parts.loaded.file;
  const r = await unwind({
    registers, cfi, readMemory: memoryOf(rt, thread), maxDepth: 2,
    functionStart: pc => { const s = sf?.symbolAt(pc); return s?.symbol.type === 'func' ? s.symbol.value : undefined; },
  });
  const caller = r.frames[1];
  // The caller's rsp is the traced frame's CFA: what rsp holds right after its `ret`.
  const rsp = caller?.registers.get(X86_64.rsp) ?? caller?.cfa;
  if (!caller || caller.signalFrame || rsp === undefined) return undefined;
  return { pc: caller.pc, rsp };
}

interface ReturnWatch { entry: BreakpointEntry; waiting: Map<bigint, TraceRecord[]> }

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
  const file = rt.parts.loaded.file;
  const vars = file ? new FrameVariables(rt, file) : undefined;
  const cfi = file ? cfiSectionsOf(file.elf) : [];
  /** Return addresses being watched, by address. */
  const returns = new Map<bigint, ReturnWatch>();
  const byEntryId = new Map<number, ReturnWatch>();

  const onEntry = async (thread: RspThreadId) => {
    const t0 = performance.now();
    const site = await returnSite(rt, cfi, thread).catch(() => undefined);
    const rec = await log.hit({
      cpu: thread - 1,
      readRegisters: () => rt.rsp.readRegisters(thread),
      evaluate: expr => evaluateFresh(rt, vars, thread, expr),
      leafPte: leafReader(rt, thread),
    }, site !== undefined);
    if (!site) {
      log.notes.add('Some hits have no unwind information to find their return: their PTE "after" is read at the next stop.');
      rec.costMs = performance.now() - t0;
      return;
    }
    let w = returns.get(site.pc);
    if (!w) {
      const e = rt.table.add({ kind: 'source', key: returnKey(site.pc), addresses: [site.pc], siteKind: 'sw', length: 1, log: [] });
      w = { entry: e, waiting: new Map() };
      returns.set(site.pc, w);
      byEntryId.set(e.id, w);
      await rt.sites.sync();
    }
    const list = w.waiting.get(site.rsp) ?? [];
    list.push(rec);
    w.waiting.set(site.rsp, list);
    // The whole entry stop: unwind, record, return breakpoint.
    rec.costMs = performance.now() - t0;
  };

  const onReturn = async (thread: RspThreadId, w: ReturnWatch) => {
    const t0 = performance.now();
    const rsp = (await rt.rsp.readRegisters(thread)).get('rsp') ?? 0n;
    const list = w.waiting.get(rsp);
    // Another call returning through the same place (other task, other CPU): not ours.
    if (!list?.length) return;
    const rec = list.pop()!;
    if (!list.length) w.waiting.delete(rsp);
    if (!w.waiting.size) {
      rt.table.replace('source', w.entry.key, []);
      returns.delete(w.entry.addresses[0]);
      byEntryId.delete(w.entry.id);
      await rt.sites.sync();
    }
    await log.complete(rec, leafReader(rt, thread), performance.now() - t0);
  };

  rt.hiddenLog = async (thread, e) => {
    if (e.id === entry.id) { await onEntry(thread); return true; }
    const w = byEntryId.get(e.id);
    if (w) { await onReturn(thread, w); return true; }
    return false;
  };
  say(`Fault trace on ${spec.function} (${addrs.map(a => '0x' + a.toString(16)).join(', ')}): hits are recorded for exo/cowFaults without stopping.\n`);
}

/** Fills the "after" PTEs of hits whose return is not traced (called while stopped). */
export async function finishFaultTrace(rt: Runtime): Promise<FaultTraceLog | undefined> {
  const log = logs.get(rt);
  if (log && !rt.isRunning) await log.finish(leafReader(rt, rt.lastThread));
  return log;
}
