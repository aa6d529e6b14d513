import * as assert from 'node:assert/strict';
import { tokenize } from '../../../adapter/session/eval/lexer';
import { parseExpression } from '../../../adapter/session/eval/parser';
import type { Expr } from '../../../adapter/session/eval/ast';

/** Fully parenthesized rendering of a tree, to check precedence and associativity. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'int': case 'char': return e.value.toString();
    case 'float': return String(e.value);
    case 'name': return e.name;
    case 'register': return '$' + e.name;
    case 'unary': return `(${e.op}${show(e.operand)})`;
    case 'binary': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'ternary': return `(${show(e.cond)} ? ${show(e.then)} : ${show(e.else)})`;
    case 'cast': return `((${e.type.base}${'*'.repeat(e.type.pointers)}) ${show(e.operand)})`;
    case 'sizeof': return e.type ? `sizeof(${e.type.base}${'*'.repeat(e.type.pointers)})` : `sizeof ${show(e.operand!)}`;
    case 'member': return `${show(e.object)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'index': return `${show(e.object)}[${show(e.index)}]`;
    case 'assign': return `(${show(e.target)} = ${show(e.value)})`;
  }
}
const p = (s: string) => show(parseExpression(s));

describe('eval/lexer', () => {
  it('reads integer literals in every radix with separators and suffixes', () => {
    const ints = tokenize('0x1F 0b101 0o17 017 1_000 42u 7ul 0xffu64 5usize 0').filter(t => t.kind === 'int');
    assert.deepEqual(ints.map(t => t.value), [31n, 5n, 15n, 15n, 1000n, 42n, 7n, 255n, 5n, 0n]);
    assert.deepEqual(ints.map(t => t.suffix), ['', '', '', '', '', 'u', 'ul', 'u64', 'usize', '']);
  });
  it('reads floats, chars, registers and operators', () => {
    const t = tokenize("1.5 2e3 'A' '\\n' '\\x41' $RIP a->b x::y <= >> !=");
    assert.deepEqual(t.map(x => x.kind), ['float', 'float', 'char', 'char', 'char', 'register', 'ident', 'op', 'ident', 'ident', 'op', 'ident', 'op', 'op', 'op', 'eof']);
    assert.equal(t[0].float, 1.5);
    assert.equal(t[1].float, 2000);
    assert.deepEqual([t[2].value, t[3].value, t[4].value], [65n, 10n, 65n]);
    assert.equal(t[5].text, 'rip');
  });
  it('rejects bad input with the column', () => {
    assert.throws(() => tokenize('a @ b'), /unexpected character '@' at column 3/);
    assert.throws(() => tokenize('0x'), /unknown literal suffix 'x'|bad digits/);
    assert.throws(() => tokenize('12abc'), /unknown literal suffix 'abc' at column 3/);
    assert.throws(() => tokenize('09'), /bad octal literal/);
    assert.throws(() => tokenize('$ + 1'), /must be followed by a register name/);
  });
});

describe('eval/parser', () => {
  it('follows C precedence and left associativity', () => {
    assert.equal(p('1 + 2 * 3'), '(1 + (2 * 3))');
    assert.equal(p('1 - 2 - 3'), '((1 - 2) - 3)');
    assert.equal(p('a | b ^ c & d'), '(a | (b ^ (c & d)))');
    assert.equal(p('a == b < c'), '(a == (b < c))');
    assert.equal(p('x << 1 + 2'), '(x << (1 + 2))');
    assert.equal(p('a && b || c && d'), '((a && b) || (c && d))');
    assert.equal(p('a ? b : c ? d : e'), '(a ? b : (c ? d : e))');
    assert.equal(p('-a * ~b'), '((-a) * (~b))');
    assert.equal(p('!a == b'), '((!a) == b)');
  });
  it('parses postfix member access, arrows, indexing and unary * &', () => {
    assert.equal(p('*p->next'), '(*p->next)');
    assert.equal(p('&cpus[1].current->pid'), '(&cpus[1].current->pid)');
    assert.equal(p('a.b[2][3].c'), 'a.b[2][3].c');
    assert.equal(p('t.0.1'), 't.0.1');
    assert.equal(p('t.0 + 1'), '(t.0 + 1)');
  });
  it('parses Rust paths, registers and casts', () => {
    assert.equal(p('exo::cpu::CPUS[0].id'), 'exo::cpu::CPUS[0].id');
    assert.equal(p('::core::x'), 'core::x');
    assert.equal(p('$rip + 4'), '($rip + 4)');
    assert.equal(p('(u64)x'), '((u64) x)');
    assert.equal(p('(struct Task *)$rdi'), '((struct Task*) $rdi)');
    assert.equal(p('(unsigned long long)-1'), '((unsigned long long) (-1))');
    assert.equal(p('(const char **)p'), '((char**) p)');
    assert.equal(p('(Task *)p'), '((Task*) p)');
    assert.equal(p('(exo::cpu::PerCpu *)$gs_base'), '((exo::cpu::PerCpu*) $gs_base)');
    assert.equal(p('(Foo) p'), '((Foo) p)');
    assert.equal(p('(a) - b'), '(a - b)');
    assert.equal(p('(a)[1]'), 'a[1]');
    assert.equal(p('*(u64 *)0x1000'), '(*((u64*) 4096))');
    assert.equal(p('sizeof(struct Task)'), 'sizeof(struct Task)');
    assert.equal(p('sizeof x + 1'), '(sizeof x + 1)');
  });
  it('parses assignment as the lowest, right-associative operator', () => {
    assert.equal(p('a = b = 1 + 2'), '(a = (b = (1 + 2)))');
    assert.equal(p('p->x = a == b'), '(p->x = (a == b))');
    assert.equal(p('(x = 1) + 2'), '((x = 1) + 2)');
    assert.throws(() => parseExpression('a = '), /expected a value/);
  });
  it('reports errors with the column and what was found', () => {
    assert.throws(() => parseExpression(''), /empty expression/);
    assert.throws(() => parseExpression('1 +'), /expected a value .* but found end of expression at column 4/);
    assert.throws(() => parseExpression('(1 + 2'), /expected '\)' but found end of expression/);
    assert.throws(() => parseExpression('a b'), /expected an operator or the end but found 'b' at column 3/);
    assert.throws(() => parseExpression('a.'), /expected a field name after '\.'/);
    assert.throws(() => parseExpression('a ? b'), /expected ':'/);
  });
});
