// Evaluate for watch, hover and the Debug Console: `monitor <cmd>` goes to QEMU's monitor
// (qRcmd) and prints its output; registers ($rip), numbers and globals by name are answered
// here; everything else goes to the C-like evaluator (adapter/session/eval) once loaded.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ExoError } from '../../common/errors';
import { readLE } from '../../common/hex';
import { RspThreadId, virt } from '../../common/types';
import type { Runtime } from '../runtime';

export interface EvalResult { result: string; raw?: bigint; memoryReference?: string }
const hex = (v: bigint) => '0x' + v.toString(16);

export async function evaluateBasic(rt: Runtime, thread: RspThreadId, expression: string): Promise<EvalResult> {
  const expr = expression.trim();
  const mon = /^monitor\s+(.*)$/s.exec(expr);
  if (mon) {
    const out = await rt.rsp.monitor(mon[1].trim());
    return { result: out.replace(/\n$/, '') };
  }
  if (/^\$[a-z0-9_]+$/i.test(expr)) {
    const name = expr.slice(1).toLowerCase();
    if (!rt.rsp.registers.byName(name)) throw new ExoError('user', `No register named ${expr}.`);
    const regs = await rt.rsp.readRegisters(thread);
    const v = regs.get(name) ?? 0n;
    return { result: hex(v), raw: v, memoryReference: hex(v) };
  }
  if (/^(0x[0-9a-f]+|\d+)$/i.test(expr)) {
    const v = BigInt(expr);
    return { result: `${v} (${hex(v)})`, raw: v };
  }
  const deref = /^\*\s*\(?\s*(0x[0-9a-f]+)\s*\)?$/i.exec(expr);
  if (deref) {
    const addr = BigInt(deref[1]);
    return readU64(rt, thread, addr, expr);
  }
  const g = rt.symbols.variableAddress(expr);
  if (g) return readU64(rt, thread, g.addr, expr, Math.min(Math.max(g.size, 1), 8));
  throw new ExoError('user', `Cannot evaluate "${expr}": no register, number or global of that name.`);
}

async function readU64(rt: Runtime, thread: RspThreadId, addr: bigint, what: string, size = 8): Promise<EvalResult> {
  const r = await rt.rsp.readVirtual(thread, virt(addr), size);
  if (r.unreadable.length) throw new ExoError('user', `Cannot read ${what} at ${hex(addr)}: the address is not mapped.`);
  const v = readLE(r.data, 0, size);
  return { result: `${v} (${hex(v)})`, raw: v, memoryReference: hex(addr) };
}

export async function completionsBasic(rt: Runtime, text: string, column: number): Promise<DebugProtocol.CompletionItem[]> {
  const upto = text.slice(0, Math.max(0, column - 1));
  const word = /[$A-Za-z_][\w:$]*$/.exec(upto)?.[0] ?? '';
  const out: DebugProtocol.CompletionItem[] = [];
  if ('monitor'.startsWith(upto) && upto.length > 0) out.push({ label: 'monitor', type: 'keyword', text: 'monitor ' });
  if (word.startsWith('$') || word === '') {
    for (const r of rt.rsp.registers.registers) {
      const label = '$' + r.name;
      if (label.startsWith(word)) out.push({ label, type: 'variable', start: upto.length - word.length, length: word.length });
    }
  }
  return out;
}
