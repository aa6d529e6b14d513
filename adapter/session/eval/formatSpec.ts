// Output formats written into an expression, for the Debug Console and watches: gdb's
// `print/x EXPR` (`p/x`, `/d /u /o /t /z`, also plain `p EXPR`) and the `EXPR,x` suffix of Visual
// Studio-style debuggers (`,x` `,h` hex, `,d`, `,o`, `,b` binary).
import { ExoError } from '../../common/errors';
import type { IntegerFormat } from '../../symbols/values/format';

export interface FormattedExpression {
  /** The expression without the command or suffix. */
  readonly expression: string;
  readonly format?: IntegerFormat;
}

const GDB_FORMATS: Record<string, IntegerFormat> = { x: 'x', d: 'd', u: 'u', o: 'o', t: 't', z: 'z' };
const SUFFIX_FORMATS: Record<string, IntegerFormat> = { x: 'x', X: 'x', h: 'x', d: 'd', u: 'u', o: 'o', b: 't', t: 't' };
/** What can only continue an expression after a name `p`: then `p …` is not the print command. */
const CONTINUES = /^(?:=|!=|\.|->|\[|\/|%|<|>|\||\^|\?|,)/;

/** Splits `text` into the expression and the format it asks for. `p EXPR` is gdb's print unless
 *  what follows can only continue an expression (`p = 3`, `p .x`, `p [1]`, `p == q`, `p / 2`);
 *  `p * q` is gdb's `print *q`. */
export function parseFormatSpec(text: string): FormattedExpression {
  const t = text.trim();
  const cmd = /^(?:p|print)(?:\/(\w+))?\s+(.*)$/s.exec(t);
  if (cmd && (cmd[1] !== undefined || !CONTINUES.test(cmd[2]))) {
    const rest = cmd[2].trim();
    if (!rest) throw new ExoError('user', 'print needs an expression, e.g. p/x info.timer_ticks.');
    if (cmd[1] === undefined) return { expression: rest };
    const f = GDB_FORMATS[cmd[1]];
    if (!f) throw new ExoError('user', `print/${cmd[1]} is not supported: use /x, /z, /d, /u, /o or /t.`);
    return { expression: rest, format: f };
  }
  const suffix = /^(.*\S)\s*,\s*([A-Za-z])$/s.exec(t);
  if (suffix && SUFFIX_FORMATS[suffix[2]]) return { expression: suffix[1], format: SUFFIX_FORMATS[suffix[2]] };
  return { expression: t };
}
