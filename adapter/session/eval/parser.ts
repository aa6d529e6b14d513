// Precedence-climbing parser for the C-like expression language: assignment, ternary, C binary operator
// precedence, unary operators, casts `(u64)x` / `(struct Foo *)p`, sizeof, postfix member
// access, `->` and indexing, Rust paths `a::b::C` and tuple fields `t.0`.
import { ExoError } from '../../common/errors';
import type { BinaryOp, Expr, TypeRef, UnaryOp } from './ast';
import { Token, tokenize } from './lexer';
import { BUILTIN_TYPES } from './types';

const PRECEDENCE: Record<BinaryOp, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const TYPE_KEYWORDS = new Set(['struct', 'union', 'enum', 'const', 'volatile', 'unsigned', 'signed']);
/** Multi-word C base types the parser assembles (`unsigned long long`). */
const C_WORDS = new Set(['unsigned', 'signed', 'char', 'short', 'int', 'long']);

export class ParseError extends ExoError {
  constructor(message: string, readonly pos: number) { super('user', message); }
}

export function parseExpression(src: string): Expr {
  if (src.trim() === '') throw new ParseError('empty expression', 0);
  return new Parser(tokenize(src)).parseAll();
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(o = 0): Token { return this.toks[Math.min(this.i + o, this.toks.length - 1)]; }
  private next(): Token { return this.toks[this.i++]; }
  private isOp(text: string, o = 0): boolean { const t = this.peek(o); return t.kind === 'op' && t.text === text; }
  private expectOp(text: string): Token {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) throw this.error(t, `expected '${text}'`);
    return t;
  }
  private error(t: Token, msg: string): ParseError {
    const found = t.kind === 'eof' ? 'end of expression' : `'${t.text}'`;
    return new ParseError(`${msg} but found ${found} at column ${t.pos + 1}`, t.pos);
  }

  parseAll(): Expr {
    const e = this.parseAssign();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.error(t, 'expected an operator or the end');
    return e;
  }

  /** `target = value`, right-associative, lowest precedence (the console's `x = 5`). */
  private parseAssign(): Expr {
    const target = this.parseTernary();
    if (!this.isOp('=')) return target;
    const eq = this.next();
    return { kind: 'assign', pos: eq.pos, target, value: this.parseAssign() };
  }

  private parseTernary(): Expr {
    const cond = this.parseBinary(1);
    if (!this.isOp('?')) return cond;
    const q = this.next();
    const then = this.parseTernary();
    this.expectOp(':');
    const otherwise = this.parseTernary();
    return { kind: 'ternary', pos: q.pos, cond, then, else: otherwise };
  }

  private parseBinary(minPrec: number): Expr {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      const prec = t.kind === 'op' ? PRECEDENCE[t.text as BinaryOp] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.next();
      const right = this.parseBinary(prec + 1);
      left = { kind: 'binary', pos: t.pos, op: t.text as BinaryOp, left, right };
    }
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && ['-', '+', '~', '!', '*', '&'].includes(t.text)) {
      this.next();
      return { kind: 'unary', pos: t.pos, op: t.text as UnaryOp, operand: this.parseUnary() };
    }
    if (t.kind === 'ident' && t.text === 'sizeof') {
      this.next();
      if (this.isOp('(') && this.looksLikeType(1)) {
        this.next();
        const type = this.parseTypeRef();
        this.expectOp(')');
        return { kind: 'sizeof', pos: t.pos, type };
      }
      return { kind: 'sizeof', pos: t.pos, operand: this.parseUnary() };
    }
    if (this.isOp('(') && this.isCast()) {
      this.next();
      const type = this.parseTypeRef();
      this.expectOp(')');
      return { kind: 'cast', pos: t.pos, type, operand: this.parseUnary() };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  /** Whether the tokens from offset `o` spell a type (keyword, built-in name, or `path *`). */
  private looksLikeType(o: number): boolean {
    const t = this.peek(o);
    if (t.kind !== 'ident') return false;
    if (TYPE_KEYWORDS.has(t.text) || BUILTIN_TYPES.has(t.text)) return true;
    // A user type name: `(Foo *)`, `(a::B *)` — a path followed by `*` or `)`.
    let k = o + 1;
    while (this.isOp('::', k) && this.peek(k + 1).kind === 'ident') k += 2;
    return this.isOp('*', k) && (this.isOp(')', k + 1) || this.isOp('*', k + 1));
  }

  /**
   * `(T) x` is a cast when T is clearly a type, or when a parenthesized path is followed by
   * something that cannot continue an expression (`(Foo) p`); `(a) - b` stays a subtraction.
   */
  private isCast(): boolean {
    if (this.looksLikeType(1)) return true;
    let k = 1;
    if (this.peek(k).kind !== 'ident') return false;
    k++;
    while (this.isOp('::', k) && this.peek(k + 1).kind === 'ident') k += 2;
    if (!this.isOp(')', k)) return false;
    const after = this.peek(k + 1);
    return after.kind === 'ident' || after.kind === 'register' || after.kind === 'int' || after.kind === 'char' ||
      (after.kind === 'op' && (after.text === '(' || after.text === '~' || after.text === '!'));
  }

  private parseTypeRef(): TypeRef {
    const words: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'ident' && (t.text === 'const' || t.text === 'volatile')) { this.next(); continue; }
      if (t.kind === 'ident' && (t.text === 'struct' || t.text === 'union' || t.text === 'enum')) {
        this.next();
        words.push(`${t.text} ${this.parsePath()}`);
        break;
      }
      if (t.kind === 'ident' && C_WORDS.has(t.text) && (words.length === 0 || words.every(w => C_WORDS.has(w)))) {
        this.next();
        words.push(t.text);
        continue;
      }
      if (t.kind === 'ident' && words.length === 0) { words.push(this.parsePath()); break; }
      break;
    }
    if (words.length === 0) throw this.error(this.peek(), 'expected a type name');
    let base = words.join(' ');
    if (base === 'long int') base = 'long';
    else if (base === 'unsigned long int') base = 'unsigned long';
    else if (base === 'short int') base = 'short';
    else if (base === 'unsigned short int') base = 'unsigned short';
    while (this.peek().kind === 'ident' && this.peek().text === 'const') this.next();
    let pointers = 0;
    while (this.isOp('*')) { this.next(); pointers++; while (this.peek().kind === 'ident' && this.peek().text === 'const') this.next(); }
    return { base, pointers };
  }

  private parsePath(): string {
    const parts: string[] = [];
    if (this.isOp('::')) this.next();
    const first = this.next();
    if (first.kind !== 'ident') throw this.error(first, 'expected a name');
    parts.push(first.text);
    while (this.isOp('::') && this.peek(1).kind === 'ident') {
      this.next();
      parts.push(this.next().text);
    }
    return parts.join('::');
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int': this.next(); return { kind: 'int', pos: t.pos, value: t.value!, suffix: t.suffix ?? '', radix: t.radix ?? 10 };
      case 'float': this.next(); return { kind: 'float', pos: t.pos, value: t.float! };
      case 'char': this.next(); return { kind: 'char', pos: t.pos, value: t.value! };
      case 'register': this.next(); return { kind: 'register', pos: t.pos, name: t.text };
      case 'ident': return { kind: 'name', pos: t.pos, name: this.parsePath() };
      case 'op':
        if (t.text === '::') return { kind: 'name', pos: t.pos, name: this.parsePath() };
        if (t.text === '(') {
          this.next();
          const e = this.parseAssign();
          this.expectOp(')');
          return e;
        }
        break;
      default: break;
    }
    throw this.error(t, 'expected a value (name, number, $register or parenthesis)');
  }

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (this.isOp('[')) {
        this.next();
        const index = this.parseTernary();
        this.expectOp(']');
        e = { kind: 'index', pos: t.pos, object: e, index };
      } else if (this.isOp('.') || this.isOp('->')) {
        this.next();
        const f = this.next();
        if (f.kind === 'ident' || f.kind === 'int') {
          e = { kind: 'member', pos: t.pos, object: e, field: f.kind === 'int' ? f.value!.toString() : f.text, arrow: t.text === '->' };
        } else if (f.kind === 'float' && /^[0-9]+\.[0-9]+$/.test(f.text)) {
          // `t.0.1` lexes `0.1` as a float: two tuple fields.
          const [a, b] = f.text.split('.');
          e = { kind: 'member', pos: t.pos, object: e, field: a, arrow: t.text === '->' };
          e = { kind: 'member', pos: t.pos, object: e, field: b, arrow: false };
        } else {
          throw this.error(f, `expected a field name after '${t.text}'`);
        }
      } else {
        return e;
      }
    }
  }
}
