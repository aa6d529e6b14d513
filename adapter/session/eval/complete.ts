// Debug Console completions: the fragment before the cursor (a name, a Rust path, a `$register`
// or a field after `.`/`->`) and the candidates that extend it.
import { COMPLETION_REGISTERS } from './registers';
import type { EvalType } from './types';

export interface CompletionItem {
  readonly label: string;
  /** The text that replaces the fragment. */
  readonly text: string;
  readonly type: 'variable' | 'field' | 'register' | 'module';
  /** Offset and length of the fragment the item replaces (DAP `start`/`length`, 0-based). */
  readonly start: number;
  readonly length: number;
}

export interface CompletionSources {
  /** Names in scope (locals, arguments, globals, Rust paths like `exo::cpu::CPUS`). */
  readonly names: readonly string[];
  /** Register names without `$` (defaults to the common x86_64 set). */
  readonly registers?: readonly string[];
  /** Type of the expression left of a `.`/`->`, for field completion; undefined when unknown. */
  typeOf?(expression: string): Promise<EvalType | undefined>;
  /** At most this many items (default 100). */
  readonly limit?: number;
}

export interface Fragment {
  readonly kind: 'name' | 'register' | 'member';
  readonly prefix: string;
  readonly start: number;
  /** For `member`: the object expression left of the operator. */
  readonly object?: string;
}

/** Finds what is being typed at `cursor` (0-based). */
export function fragmentAt(text: string, cursor: number): Fragment {
  const before = text.slice(0, cursor);
  const m = /(\$?)((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_0-9]*)$/.exec(before)!;
  const start = cursor - m[0].length;
  if (m[1] === '$') return { kind: 'register', prefix: m[2], start: start + 1 };
  const op = /(\.|->)\s*$/.exec(before.slice(0, start));
  if (op && !/::/.test(m[2])) {
    const objectEnd = start - op[0].length;
    return { kind: 'member', prefix: m[2], start, object: objectExpression(before.slice(0, objectEnd)) };
  }
  return { kind: 'name', prefix: m[2], start };
}

/** The postfix expression that ends `text`: walks back over names, paths, `.`/`->` and brackets. */
function objectExpression(text: string): string {
  let i = text.length;
  let depth = 0;
  while (i > 0) {
    const c = text[i - 1];
    if (c === ']' || c === ')') { depth++; i--; continue; }
    if (c === '[' || c === '(') {
      if (depth === 0) break;
      depth--; i--; continue;
    }
    if (depth > 0) { i--; continue; }
    if (/[A-Za-z0-9_$.:]/.test(c) || (c === '>' && text[i - 2] === '-')) { i -= c === '>' ? 2 : 1; continue; }
    if (c === '*' || c === '&') break;
    break;
  }
  return text.slice(i).trim();
}

export async function complete(text: string, cursor: number, src: CompletionSources): Promise<CompletionItem[]> {
  const f = fragmentAt(text, cursor);
  const limit = src.limit ?? 100;
  const lower = f.prefix.toLowerCase();
  const items: CompletionItem[] = [];
  const push = (label: string, type: CompletionItem['type'], replace = label) => {
    if (items.length < limit) items.push({ label, text: replace, type, start: f.start, length: f.prefix.length });
  };
  if (f.kind === 'register') {
    for (const r of src.registers ?? COMPLETION_REGISTERS) if (r.startsWith(lower)) push(r, 'register');
    return items;
  }
  if (f.kind === 'member') {
    if (!src.typeOf || !f.object) return items;
    let t = await src.typeOf(f.object).catch(() => undefined);
    while (t && t.kind === 'pointer') t = t.target;
    if (t?.kind !== 'struct') return items;
    for (const field of t.fields()) if (field.name.startsWith(f.prefix)) push(field.name, 'field');
    return items;
  }
  // Names: complete the next path segment only (`exo::c` → `exo::cpu`, not every leaf below it).
  const seen = new Set<string>();
  for (const name of [...src.names].sort()) {
    if (!name.startsWith(f.prefix)) continue;
    const rest = name.slice(f.prefix.length);
    const cut = rest.indexOf('::');
    const candidate = cut < 0 ? name : name.slice(0, f.prefix.length + cut);
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    push(candidate, cut < 0 ? 'variable' : 'module');
  }
  return items;
}
