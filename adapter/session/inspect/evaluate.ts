// Evaluate for watch, hover and the Debug Console: `monitor <cmd>` goes to QEMU's monitor
// (qRcmd) and prints its output; everything else is a C-like expression (adapter/session/eval)
// over registers, memory and symbols of the selected vCPU and frame.
import type { RspThreadId } from '../../common/types';
import { Evaluator, memoryReference, printValue, typeName } from '../eval';
import { valueNode, type ValueNode } from '../../symbols/values/render';
import type { Runtime } from '../runtime';
import { FrameSymbols, vmEnvironment } from './evalEnv';

export interface EvalResult {
  result: string; raw?: bigint; memoryReference?: string;
  /** Type name and, for aggregates and pointers, an expandable node (as in the Variables view). */
  type?: string; node?: ValueNode;
}

export async function evaluateExpression(rt: Runtime, thread: RspThreadId, expression: string,
  frameRegs?: ReadonlyMap<string, bigint>, locals?: FrameSymbols, hexFormat = false): Promise<EvalResult> {
  const expr = expression.trim();
  const mon = /^monitor\s+(.*)$/s.exec(expr);
  if (mon) {
    const out = await rt.rsp.monitor(mon[1].trim());
    return { result: out.replace(/\n$/, '') };
  }
  const env = vmEnvironment(rt, thread, frameRegs, locals);
  const v = await new Evaluator(env).evaluate(expr);
  // As gdb's print (full aggregates, Rust pointers as *mut T); children like the Variables view.
  const p = await printValue(v, env, { hex: hexFormat });
  const node = p.ref && p.ctx ? await valueNode(expr, p.ref, p.ctx) : undefined;
  return { result: p.text, raw: v.bits, memoryReference: memoryReference(v), type: node?.type || typeName(v.type), node };
}
