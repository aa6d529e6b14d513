// Log point messages: text with `{expression}` parts evaluated at the hit; `{{` and `}}` are
// literal braces. Parsed once when set; evaluation failures are shown inline, never thrown.
import { userError } from '../../common/errors';

export type LogPart = { kind: 'text'; text: string } | { kind: 'expr'; expr: string };

export function parseLogMessage(msg: string): LogPart[] {
  const parts: LogPart[] = [];
  let text = '';
  for (let i = 0; i < msg.length; i++) {
    const ch = msg[i];
    if (ch === '{' && msg[i + 1] === '{') { text += '{'; i++; continue; }
    if (ch === '}' && msg[i + 1] === '}') { text += '}'; i++; continue; }
    if (ch === '{') {
      const end = msg.indexOf('}', i + 1);
      if (end < 0) throw userError(`Log message "${msg}" has a "{" without a closing "}": write {{ for a literal brace.`);
      const expr = msg.slice(i + 1, end).trim();
      if (!expr) throw userError(`Log message "${msg}" has an empty {}: put an expression inside, e.g. {$rip}.`);
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'expr', expr });
      i = end;
      continue;
    }
    text += ch;
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/** Renders a parsed message; `evaluate` gives an expression's display value. */
export async function renderLogMessage(parts: LogPart[], evaluate: (expr: string) => Promise<string>): Promise<string> {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') { out += p.text; continue; }
    try { out += await evaluate(p.expr); } catch (e) { out += `<${p.expr}: ${e instanceof Error ? e.message : String(e)}>`; }
  }
  return out;
}
