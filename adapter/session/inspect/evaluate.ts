// Evaluate for watch, hover and the Debug Console: `monitor <cmd>` goes to QEMU's monitor
// (qRcmd) and prints its output; everything else is a C-like expression (adapter/session/eval)
// over registers, memory and symbols of the selected vCPU and frame.
import type { RspThreadId } from '../../common/types';
import { Evaluator, formatValue, memoryReference } from '../eval';
import type { Runtime } from '../runtime';
import { FrameSymbols, vmEnvironment } from './evalEnv';

export interface EvalResult { result: string; raw?: bigint; memoryReference?: string }

export async function evaluateExpression(rt: Runtime, thread: RspThreadId, expression: string,
  frameRegs?: ReadonlyMap<string, bigint>, locals?: FrameSymbols, hexFormat = false): Promise<EvalResult> {
  const expr = expression.trim();
  const mon = /^monitor\s+(.*)$/s.exec(expr);
  if (mon) {
    const out = await rt.rsp.monitor(mon[1].trim());
    return { result: out.replace(/\n$/, '') };
  }
  const v = await new Evaluator(vmEnvironment(rt, thread, frameRegs, locals)).evaluate(expr);
  return { result: formatValue(v, { hex: hexFormat }), raw: v.bits, memoryReference: memoryReference(v) };
}
