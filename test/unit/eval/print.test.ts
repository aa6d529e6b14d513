// print-as-gdb for evaluated values, over hand-built DWARF type models: Rust pointers and
// references are `(*mut T) 0x… <sym+off>` (nested `*mut *mut T`, arrays `[T; N]`), C pointers keep
// C syntax, structs from DWARF print in full with an expandable ref, built-ins fall back.
import * as assert from 'node:assert/strict';
import type { EvalEnvironment, Value } from '../../../adapter/session/eval/env';
import { Evaluator } from '../../../adapter/session/eval/evaluator';
import { evalTypeFromSymbols } from '../../../adapter/session/eval/fromSymbols';
import { printValue } from '../../../adapter/session/eval/print';
import { pointerTo, T } from '../../../adapter/session/eval/types';
import type { Member, TypeInfo } from '../../../adapter/symbols/values/types';
import { FakeMemory } from './fakeEnv';

const u32: TypeInfo = { kind: 'base', name: 'u32', size: 4, encoding: 'unsigned' };
const u64: TypeInfo = { kind: 'base', name: 'u64', size: 8, encoding: 'unsigned' };
const cInt: TypeInfo = { kind: 'base', name: 'int', size: 4, encoding: 'signed' };
const members = (...m: [string, TypeInfo, number][]): (() => Member[]) => () => m.map(([name, type, byteOffset]) => ({ name, type, byteOffset }) as Member);
const Pair: TypeInfo = { kind: 'struct', name: 'exo::Pair', keyword: 'struct', size: 16, rust: true, members: members(['a', u32, 0], ['b', u64, 8]), variantPart: () => undefined };
const node: TypeInfo = { kind: 'struct', name: 'struct node', keyword: 'struct', size: 4, rust: false, members: members(['v', cInt, 0]), variantPart: () => undefined };
const ptr = (name: string, target: TypeInfo): TypeInfo => ({ kind: 'pointer', name, size: 8, reference: false, target: () => target });
const pairs: TypeInfo = { kind: 'array', name: 'exo::Pair [3]', element: Pair, counts: [3], size: 48, rust: true };

const PAIR_AT = 0xffff_8000_0000_1000n;
const mem = new FakeMemory();
mem.writeInt(PAIR_AT, 5n, 4);
mem.writeInt(PAIR_AT + 4n, 0n, 4);
mem.writeInt(PAIR_AT + 8n, 0x1234n, 8);
const env: EvalEnvironment = {
  register: async () => undefined,
  symbol: async () => undefined,
  readMemory: async (a, n) => mem.read(a, n),
  typeByName: async () => undefined,
  symbolAt: a => (a >= PAIR_AT && a < PAIR_AT + 48n ? { name: 'PAIRS', offset: a - PAIR_AT } : undefined),
};
const pointerValue = (info: TypeInfo, bits: bigint): Value => ({ type: evalTypeFromSymbols(info), location: { kind: 'value' }, bits });
const text = async (v: Value, hex = false) => (await printValue(v, env, { hex })).text;

describe('eval/print: results as gdb prints them', () => {
  it('Rust references and raw pointers all print as (*mut T) with the symbol label', async () => {
    assert.equal(await text(pointerValue(ptr('&exo::Pair', Pair), PAIR_AT + 16n)), '(*mut exo::Pair) 0xffff800000001010 <PAIRS+16>');
    assert.equal(await text(pointerValue(ptr('&mut exo::Pair', Pair), PAIR_AT)), '(*mut exo::Pair) 0xffff800000001000 <PAIRS>');
    assert.equal(await text(pointerValue(ptr('*const u64', u64), 0x2000n)), '(*mut u64) 0x2000');
    assert.equal(await text(pointerValue(ptr('&&exo::Pair', ptr('&exo::Pair', Pair)), 0x2000n)), '(*mut *mut exo::Pair) 0x2000');
    assert.equal(await text(pointerValue(ptr('*mut [exo::Pair; 3]', pairs), PAIR_AT)), '(*mut [exo::Pair; 3]) 0xffff800000001000 <PAIRS>');
    assert.equal(await text(pointerValue(ptr('&exo::Pair', Pair), 0n)), '(*mut exo::Pair) 0x0');
  });

  it('a char pointer prints its symbol label before the string (or the read error), without a type', async () => {
    const cchar: TypeInfo = { kind: 'base', name: 'char', size: 1, encoding: 'signedChar' };
    mem.write(PAIR_AT + 32n, new TextEncoder().encode('hi\0'));
    assert.equal(await text(pointerValue(ptr('char *', cchar), PAIR_AT + 32n)), '0xffff800000001020 <PAIRS+32> "hi"');
    assert.equal(await text(pointerValue(ptr('char *', cchar), 0x14790n)), '0x14790 <error: Cannot access memory at address 0x14790>');
  });

  it('a null pointer gets a label only when a symbol sits at 0 (Linux per-CPU fixed_percpu_data)', async () => {
    const cchar: TypeInfo = { kind: 'base', name: 'char', size: 1, encoding: 'signedChar' };
    assert.equal(await text(pointerValue(ptr('char *', cchar), 0n)), '0x0');
    const zeroEnv: EvalEnvironment = { ...env, symbolAt: a => (a < 64n ? { name: 'fixed_percpu_data', offset: a } : undefined) };
    const zero = async (v: Value) => (await printValue(v, zeroEnv)).text;
    assert.equal(await zero(pointerValue(ptr('char *', cchar), 0n)), '0x0 <fixed_percpu_data>');
    assert.equal(await zero(pointerValue(ptr('struct node *', node), 0n)), '(struct node *) 0x0 <fixed_percpu_data>');
    assert.equal(await zero(pointerValue(ptr('char *', cchar), 3n)), '0x3 <fixed_percpu_data+3> <error: Cannot access memory at address 0x3>');
  });

  it('as gdb (Linux oracle): only plain char pointers drop the (type); char ** is spelled so; unknown-bound char arrays print as a pointer', async () => {
    const cchar: TypeInfo = { kind: 'base', name: 'char', size: 1, encoding: 'signedChar' };
    const uchar: TypeInfo = { kind: 'base', name: 'unsigned char', size: 1, encoding: 'unsignedChar' };
    const constChar: TypeInfo = { kind: 'qualified', name: 'const char', qualifier: 'const', target: () => cchar };
    const constUchar: TypeInfo = { kind: 'qualified', name: 'const unsigned char', qualifier: 'const', target: () => uchar };
    mem.write(PAIR_AT + 32n, new TextEncoder().encode('hi\0'));
    assert.equal(await text(pointerValue(ptr('const char *', constChar), PAIR_AT + 32n)), '0xffff800000001020 <PAIRS+32> "hi"');
    assert.equal(await text(pointerValue(ptr('const unsigned char *', constUchar), PAIR_AT + 32n)), '(const unsigned char *) 0xffff800000001020 <PAIRS+32> "hi"');
    const charPtr = evalTypeFromSymbols(ptr('char *', cchar));
    assert.equal(await text({ type: pointerTo(charPtr), location: { kind: 'value' }, bits: 0x2000n }), '(char **) 0x2000');
    const flexible: TypeInfo = { kind: 'array', name: 'const char []', element: constChar, counts: [undefined], size: 0, rust: false };
    assert.equal(await text({ type: evalTypeFromSymbols(flexible), location: { kind: 'memory', address: PAIR_AT + 32n } }), '0xffff800000001020 <PAIRS+32> "hi"');
  });

  it('C pointers keep C syntax; p/x prints scalars bare in hex', async () => {
    assert.equal(await text(pointerValue(ptr('struct node *', node), 0x3000n)), '(struct node *) 0x3000');
    assert.equal(await text(pointerValue(ptr('&exo::Pair', Pair), PAIR_AT), true), '0xffff800000001000');
  });

  it('a struct from DWARF prints in full and comes with a ref for its children', async () => {
    const v: Value = { type: evalTypeFromSymbols(Pair), location: { kind: 'memory', address: PAIR_AT } };
    const p = await printValue(v, env);
    assert.equal(p.text, 'exo::Pair {a: 5, b: 4660}');
    assert.ok(p.ref, 'expandable');
  });

  it('&x and &&x of Rust values made by the evaluator are *mut; built-in targets stay C', async () => {
    const field = evalTypeFromSymbols(u64);
    const addrOf: Value = { type: pointerTo(field), location: { kind: 'value' }, bits: PAIR_AT + 8n };
    assert.equal(await text(addrOf), '(*mut u64) 0xffff800000001008 <PAIRS+8>');
    const addrOfAddr: Value = { type: pointerTo(pointerTo(field)), location: { kind: 'value' }, bits: 0x5000n };
    assert.equal(await text(addrOfAddr), '(*mut *mut u64) 0x5000');
    assert.equal(await text({ type: pointerTo(T.u32), location: { kind: 'value' }, bits: 0x10n }), '(u32 *) 0x10');
  });

  it('through the evaluator: member access and address-of keep the DWARF types', async () => {
    const ev = new Evaluator({ ...env, symbol: async name => (name === 'pair' ? { type: evalTypeFromSymbols(Pair), location: { kind: 'memory', address: PAIR_AT } } : undefined) });
    assert.equal(await text(await ev.evaluate('pair.b')), '4660');
    assert.equal(await text(await ev.evaluate('&pair')), '(*mut exo::Pair) 0xffff800000001000 <PAIRS>');
    assert.equal(await text(await ev.evaluate('&pair.b')), '(*mut u64) 0xffff800000001008 <PAIRS+8>');
    assert.equal(await text(await ev.evaluate('*&pair')), 'exo::Pair {a: 5, b: 4660}');
  });
});
