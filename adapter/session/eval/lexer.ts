// Tokens of the C-like expression language: identifiers (with Rust `::` paths assembled by the
// parser), `$registers`, integer literals (hex/octal/binary/decimal, `_` separators, C and
// Rust suffixes), float and char literals, and C operators.
import { ExoError } from '../../common/errors';

export type TokenKind = 'ident' | 'register' | 'int' | 'float' | 'char' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Offset in the source, for error messages and completions. */
  readonly pos: number;
  /** Integer and char literals: the value; floats: see `float`. */
  readonly value?: bigint;
  readonly float?: number;
  /** Integer literal suffix, lower-cased (`u`, `ul`, `u64`, `usize`…), '' when none. */
  readonly suffix?: string;
  /** True when the literal was written in hex/octal/binary (C gives those unsigned types sooner). */
  readonly radix?: 2 | 8 | 10 | 16;
}

// Longest first so that `<<=`-like prefixes match before shorter ones.
const OPERATORS = ['::', '->', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||',
  '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '!', '~', '(', ')', '[', ']', '.', ',', '?', ':', '='];

const INT_SUFFIX = /^(?:u|l|ul|lu|ll|ull|llu|u8|u16|u32|u64|u128|i8|i16|i32|i64|i128|usize|isize)$/;

export class LexError extends ExoError {
  constructor(message: string, readonly pos: number) { super('user', message); }
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), pos: start });
      continue;
    }
    if (c === '$') {
      i++;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) i++;
      if (i === start + 1) throw new LexError(`'$' at column ${start + 1} must be followed by a register name, e.g. $rip`, start);
      out.push({ kind: 'register', text: src.slice(start + 1, i).toLowerCase(), pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? '') && !prevIsOperand(out))) {
      const t = lexNumber(src, i);
      out.push(t);
      i = t.pos + t.text.length;
      continue;
    }
    if (c === "'") {
      const t = lexChar(src, i);
      out.push(t);
      i += t.text.length;
      continue;
    }
    const op = OPERATORS.find(o => src.startsWith(o, i));
    if (!op) throw new LexError(`unexpected character '${c}' at column ${i + 1}`, i);
    out.push({ kind: 'op', text: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}

/** `.5` is a float only where an operand may start; after `x` it is member access `x .5`. */
function prevIsOperand(tokens: Token[]): boolean {
  const p = tokens[tokens.length - 1];
  return p !== undefined && (p.kind !== 'op' || p.text === ')' || p.text === ']');
}

function lexNumber(src: string, start: number): Token {
  const rest = src.slice(start);
  const radixMatch = /^0([xXbBoO])([0-9A-Fa-f_]+)/.exec(rest);
  let digits: string;
  let radix: 2 | 8 | 10 | 16;
  let len: number;
  if (radixMatch) {
    radix = ({ x: 16, b: 2, o: 8 } as const)[radixMatch[1].toLowerCase() as 'x' | 'b' | 'o'];
    digits = radixMatch[2].replace(/_/g, '');
    len = radixMatch[0].length;
    const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[01]+$/;
    if (!valid.test(digits)) throw new LexError(`bad digits in '${radixMatch[0]}' at column ${start + 1}`, start);
  } else {
    const f = /^(?:[0-9][0-9_]*)?(?:\.[0-9_]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+|\.(?![0-9A-Za-z_.]))/.exec(rest);
    const d = /^[0-9][0-9_]*/.exec(rest);
    if (f && (!d || f[0].length > d[0].length)) {
      const text = f[0];
      let end = text.length;
      const fs = /^(f32|f64|f|)/i.exec(rest.slice(end))![0];
      end += fs.length;
      return { kind: 'float', text: rest.slice(0, end), pos: start, float: Number(text.replace(/_/g, '')) };
    }
    digits = d![0].replace(/_/g, '');
    len = d![0].length;
    // C octal: a leading 0 followed by more digits.
    radix = digits.length > 1 && digits.startsWith('0') ? 8 : 10;
    if (radix === 8 && !/^[0-7]+$/.test(digits)) throw new LexError(`bad octal literal '${d![0]}' at column ${start + 1}`, start);
  }
  const suffixMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(start + len));
  let suffix = '';
  if (suffixMatch) {
    const s = suffixMatch[0].replace(/^_/, '').toLowerCase();
    if (!INT_SUFFIX.test(s)) throw new LexError(`unknown literal suffix '${suffixMatch[0]}' at column ${start + len + 1}`, start + len);
    suffix = s;
    len += suffixMatch[0].length;
  }
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  return { kind: 'int', text: src.slice(start, start + len), pos: start, value: BigInt(prefix + digits), suffix, radix };
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };

function lexChar(src: string, start: number): Token {
  const m = /^'(\\x[0-9a-fA-F]{1,2}|\\.|[^\\'])'/.exec(src.slice(start));
  if (!m) throw new LexError(`bad character literal at column ${start + 1}`, start);
  const body = m[1];
  let v: number;
  if (body.startsWith('\\x')) v = parseInt(body.slice(2), 16);
  else if (body.startsWith('\\')) {
    const e = ESCAPES[body[1]];
    if (e === undefined) throw new LexError(`unknown escape '${body}' at column ${start + 1}`, start);
    v = e;
  } else v = body.codePointAt(0)!;
  return { kind: 'char', text: m[0], pos: start, value: BigInt(v) };
}
