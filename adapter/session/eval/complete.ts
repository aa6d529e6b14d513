// Debug Console completions: the fragment before the cursor (a name, a Rust path, a `$register`,
// a field after `.`/`->`, a `monitor` command) and the candidates that extend it.
import { COMPLETION_REGISTERS } from './registers';
import type { EvalType } from './types';

export interface CompletionItem {
  readonly label: string;
  /** The text that replaces the fragment. */
  readonly text: string;
  readonly type: 'variable' | 'field' | 'register' | 'module' | 'function' | 'keyword';
  /** Offset and length of the fragment the item replaces (DAP `start`/`length`, 0-based). */
  readonly start: number;
  readonly length: number;
  /** Orders locals before globals before functions (the client sorts by it). */
  readonly sortText?: string;
  /** A short note shown beside the label (e.g. a monitor command's help line). */
  readonly detail?: string;
}

/** A monitor (sub)command: its name and help text. */
export interface MonitorCommand { readonly name: string; readonly help?: string }

export interface CompletionSources {
  /** Globals and statics (C names and Rust paths like `exo::cpu::CPUS`). */
  readonly names: readonly string[];
  /** Locals and arguments in scope at the selected frame: offered first. */
  readonly locals?: readonly string[];
  /** Function names (C names and Rust paths). */
  readonly functions?: readonly string[];
  /** Register names without `$` (defaults to the common x86_64 set). */
  readonly registers?: readonly string[];
  /** Type of the expression left of a `.`/`->`, for field completion; undefined when unknown. */
  typeOf?(expression: string): Promise<EvalType | undefined>;
  /** QEMU monitor commands under `path` (`[]` = top level, `['info']` = info's subcommands). */
  monitor?(path: readonly string[]): Promise<readonly MonitorCommand[]>;
  /** At most this many items (default 100). */
  readonly limit?: number;
  /** `names` and `functions` are sorted already (code unit order): looked up by binary search
   *  instead of sorting ~10^5 names per request. */
  readonly sorted?: boolean;
}

/** The index of the first name ≥ `prefix` in sorted `names`. */
function lowerBound(names: readonly string[], prefix: string): number {
  let lo = 0, hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid] < prefix) lo = mid + 1; else hi = mid;
  }
  return lo;
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

const MONITOR = 'monitor';

/** `monitor <cmd> <sub>`: completes the word at the cursor from the monitor's own help. */
async function completeMonitor(before: string, src: CompletionSources, limit: number): Promise<CompletionItem[] | undefined> {
  const m = /^(\s*monitor\s+)(.*)$/s.exec(before);
  if (!m) return undefined;
  if (!src.monitor) return [];
  const words = m[2].split(/\s+/);
  const prefix = words.pop() ?? '';
  // Only commands and their subcommands (`info registers`); arguments are free text.
  if (words.length > 1) return [];
  const start = before.length - prefix.length;
  const cmds = await src.monitor(words).catch(() => []);
  return cmds.filter(c => c.name.startsWith(prefix)).slice(0, limit)
    .map(c => ({ label: c.name, text: c.name, type: 'keyword' as const, start, length: prefix.length, detail: c.help }));
}

export async function complete(text: string, cursor: number, src: CompletionSources): Promise<CompletionItem[]> {
  const before = text.slice(0, cursor);
  const limit = src.limit ?? 100;
  const mon = await completeMonitor(before, src, limit);
  if (mon) return mon;
  const f = fragmentAt(text, cursor);
  const lower = f.prefix.toLowerCase();
  const items: CompletionItem[] = [];
  const push = (label: string, type: CompletionItem['type'], sortText?: string) => {
    if (items.length < limit) items.push({ label, text: label, type, start: f.start, length: f.prefix.length, ...(sortText ? { sortText } : {}) });
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
  // `mon` at the start of the line: the monitor passthrough itself.
  if (f.start === 0 && f.prefix.length > 0 && MONITOR.startsWith(f.prefix) && before.trim() === f.prefix) {
    items.push({ label: MONITOR, text: MONITOR + ' ', type: 'keyword', start: 0, length: cursor, sortText: '3' });
  }
  // Names: complete the next path segment only (`exo::c` → `exo::cpu`, not every leaf below it).
  // Locals shadow globals of the same name; each candidate is offered once, in the best group.
  const seen = new Set<string>(items.map(i => i.label));
  const sorted = (names: readonly string[]) => (src.sorted ? names : [...names].sort());
  const groups: [readonly string[], 'variable' | 'function', string][] = [
    [[...src.locals ?? []].sort(), 'variable', '0'], [sorted(src.names), 'variable', '1'], [sorted(src.functions ?? []), 'function', '2'],
  ];
  for (const [names, type, rank] of groups) {
    for (let i = lowerBound(names, f.prefix); i < names.length && items.length < limit; i++) {
      const name = names[i];
      if (!name.startsWith(f.prefix)) break;
      const rest = name.slice(f.prefix.length);
      const cut = rest.indexOf('::');
      const candidate = cut < 0 ? name : name.slice(0, f.prefix.length + cut);
      if (seen.has(candidate)) continue;
      seen.add(candidate);
      push(candidate, cut < 0 ? type : 'module', rank + candidate);
    }
  }
  return items;
}

/** Monitor commands from the text of QEMU's `help` (or `help info`): `name|alias args -- text`
 *  lines; under `path` only the lines that start with it. */
export function parseMonitorHelp(text: string, path: readonly string[]): MonitorCommand[] {
  const out: MonitorCommand[] = [];
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const sep = line.indexOf(' -- ');
    if (sep < 0) continue;
    const words = line.slice(0, sep).trim().split(/\s+/);
    if (words.length <= path.length) continue;
    if (!path.every((p, i) => words[i].split('|').includes(p))) continue;
    const help = line.slice(sep + 4).trim();
    for (const name of words[path.length].split('|')) {
      if (!/^[A-Za-z_][\w-]*$/.test(name) || seen.has(name)) continue;
      seen.add(name);
      out.push({ name, help });
    }
  }
  return out;
}
