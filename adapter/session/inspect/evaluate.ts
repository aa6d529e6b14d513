// Evaluate for watch, hover and the Debug Console: `monitor <cmd>` goes to QEMU's monitor
// (qRcmd) and prints its output; everything else is a C-like expression (adapter/session/eval)
// over registers, memory and symbols of the selected vCPU and frame.
import type { RspThreadId } from '../../common/types';
import { Evaluator, memoryReference, parseFormatSpec, printValue, typeName } from '../eval';
import { valueNode, type ValueNode } from '../../symbols/values/render';
import type { Runtime } from '../runtime';
import { FrameSymbols, vmEnvironment } from './evalEnv';

export interface EvalResult {
  result: string; raw?: bigint; memoryReference?: string;
  /** Type name and, for aggregates and pointers, an expandable node (as in the Variables view). */
  type?: string; node?: ValueNode;
  /** The expression evaluated: without a `p/x` command or `,x` suffix (names the node's children). */
  expression?: string;
}

export async function evaluateExpression(rt: Runtime, thread: RspThreadId, expression: string,
  frameRegs?: ReadonlyMap<string, bigint>, locals?: FrameSymbols, hexFormat = false, formatSpecs = false): Promise<EvalResult> {
  const expr = expression.trim();
  const mon = /^monitor\s+(.*)$/s.exec(expr);
  if (mon) {
    const out = await rt.rsp.monitor(mon[1].trim());
    return { result: out.replace(/\n$/, '') };
  }
  // `p/x EXPR` and `EXPR,x` (typed by the user, not in conditions) as gdb's print/x; DAP's
  // format.hex is /x too.
  const spec = formatSpecs ? parseFormatSpec(expr) : { expression: expr, format: undefined };
  const format = spec.format ?? (hexFormat ? 'x' : undefined);
  const env = vmEnvironment(rt, thread, frameRegs, locals);
  const v = await new Evaluator(env).evaluate(spec.expression);
  // As gdb's print (full aggregates, Rust pointers as *mut T); children like the Variables view
  // (in the same format).
  const p = await printValue(v, env, { format });
  const node = p.ref && p.ctx ? await valueNode(spec.expression, p.ref, p.ctx) : undefined;
  return { result: p.text, raw: v.bits, memoryReference: memoryReference(v), type: node?.type || typeName(v.type), node, expression: spec.expression };
}
