// Hit-count conditions of DAP breakpoints: "N"/"==N" (the Nth hit), ">N", ">=N", "<N", "<=N",
// "%N" (every Nth hit). Parsed once when the breakpoint is set so a typo is reported then.
import { userError } from '../../common/errors';

export type HitCondition = { op: '==' | '>' | '>=' | '<' | '<=' | '%'; n: number };

export function parseHitCondition(text: string): HitCondition {
  const m = /^\s*(==|>=|<=|>|<|%|=)?\s*(\d+)\s*$/.exec(text);
  if (!m) {
    throw userError(`Hit count "${text}" is not understood: use a number N (stop at the Nth hit), >N, >=N, <N, <=N or %N (every Nth hit).`);
  }
  const op = (m[1] === '=' || !m[1] ? '==' : m[1]) as HitCondition['op'];
  const n = Number(m[2]);
  if (op === '%' && n === 0) throw userError('Hit count "%0" is not allowed: use %N with N of at least 1.');
  return { op, n };
}

/** Whether the `count`-th hit (1-based) satisfies the condition. */
export function hitConditionMet(c: HitCondition, count: number): boolean {
  switch (c.op) {
    case '==': return count === c.n;
    case '>': return count > c.n;
    case '>=': return count >= c.n;
    case '<': return count < c.n;
    case '<=': return count <= c.n;
    case '%': return count % c.n === 0;
  }
}
