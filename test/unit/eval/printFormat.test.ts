// gdb's print/FMT over hand-built DWARF type models: the format reaches every scalar of a value
// (fields, array elements, pointers without labels or strings, bools, chars, enums, floats by
// their bits), as gdb 13's p/x does; `p/x EXPR` and `EXPR,x` in the text ask for it.
import * as assert from 'node:assert/strict';
import type { EvalEnvironment, Value } from '../../../adapter/session/eval/env';
import { evalTypeFromSymbols } from '../../../adapter/session/eval/fromSymbols';
import { parseFormatSpec } from '../../../adapter/session/eval/formatSpec';
import { printValue } from '../../../adapter/session/eval/print';
import { T } from '../../../adapter/session/eval/types';
import { radixText } from '../../../adapter/symbols/values/format';
import { valueNode } from '../../../adapter/symbols/values/render';
import type { Member, TypeInfo } from '../../../adapter/symbols/values/types';
import { FakeMemory } from './fakeEnv';

const base = (name: string, size: number, encoding: 'unsigned' | 'signed' | 'bool' | 'signedChar' | 'float'): TypeInfo => ({ kind: 'base', name, size, encoding });
const u8 = base('u8', 1, 'unsigned'), u32 = base('u32', 4, 'unsigned'), i16 = base('i16', 2, 'signed'), bool = base('bool', 1, 'bool');
const cchar = base('char', 1, 'signedChar'), f64 = base('f64', 8, 'float');
const members = (...m: [string, TypeInfo, number][]): (() => Member[]) => () => m.map(([name, type, byteOffset]) => ({ name, type, byteOffset, artificial: false }));
const State: TypeInfo = { kind: 'enum', name: 'exo::State', size: 1, signed: false, enumerators: [{ name: 'Idle', value: 0n }, { name: 'Busy', value: 2n }] };
const ptr = (target: TypeInfo): TypeInfo => ({ kind: 'pointer', name: `*mut ${target.name}`, size: 8, reference: false, target: () => target });
const bytes4: TypeInfo = { kind: 'array', name: '[u8; 4]', element: u8, counts: [4], size: 4, rust: true };
const Info: TypeInfo = {
  kind: 'struct', name: 'exo::Info', keyword: 'struct', size: 40, rust: true, variantPart: () => undefined,
  members: members(['id', u32, 0], ['delta', i16, 4], ['busy', bool, 6], ['state', State, 7], ['tag', bytes4, 8], ['next', ptr(u32), 16], ['ratio', f64, 24], ['c', cchar, 32]),
};
const cArr: TypeInfo = { kind: 'array', name: 'char [4]', element: cchar, counts: [4], size: 4, rust: false };

const AT = 0xffff_8000_0000_2000n;
const mem = new FakeMemory();
mem.writeInt(AT, 0x1234n, 4);
mem.writeInt(AT + 4n, 0xfffen, 2); // -2
mem.writeInt(AT + 6n, 1n, 1);
mem.writeInt(AT + 7n, 2n, 1);
mem.write(AT + 8n, new Uint8Array([0x41, 0x42, 0, 0]));
mem.writeInt(AT + 16n, AT, 8);
const dv = new DataView(new ArrayBuffer(8)); dv.setFloat64(0, 1.5, true);
mem.writeInt(AT + 24n, dv.getBigUint64(0, true), 8);
mem.writeInt(AT + 32n, 0x41n, 1);
const env: EvalEnvironment = {
  register: async () => undefined, symbol: async () => undefined, typeByName: async () => undefined,
  readMemory: async (a, n) => mem.read(a, n),
  symbolAt: a => (a >= AT && a < AT + 64n ? { name: 'INFO', offset: a - AT } : undefined),
};
const at = (t: TypeInfo, address = AT): Value => ({ type: evalTypeFromSymbols(t), location: { kind: 'memory', address } });

describe('eval/print: print/FMT applies to every scalar inside the value', () => {
  it('radixText: /x /z /o /t /d /u of raw bits, as gdb', () => {
    assert.deepEqual(['x', 'z', 'o', 't', 'd', 'u'].map(f => radixText(-2n, 2, f as 'x')), ['0xfffe', '0xfffe', '0177776', '1111111111111110', '-2', '65534']);
    assert.deepEqual([radixText(0n, 4, 'o'), radixText(1n, 8, 'z'), radixText(0n, 1, 't')], ['0', '0x0000000000000001', '0']);
  });

  it('p/x of a struct: fields, array elements, bools, enums, chars, floats in hex; pointers bare', async () => {
    assert.equal((await printValue(at(Info), env)).text,
      'exo::Info {id: 4660, delta: -2, busy: true, state: exo::State::Busy, tag: [65, 66, 0, 0], next: 0xffff800000002000 <INFO>, ratio: 1.5, c: 65 \'A\'}');
    assert.equal((await printValue(at(Info), env, { format: 'x' })).text,
      'exo::Info {id: 0x1234, delta: 0xfffe, busy: 0x1, state: 0x2, tag: [0x41, 0x42, 0x0, 0x0], next: 0xffff800000002000, ratio: 0x3ff8000000000000, c: 0x41}');
    assert.equal((await printValue(at(Info), env, { hex: true })).text, (await printValue(at(Info), env, { format: 'x' })).text, 'format.hex is /x');
    assert.equal((await printValue(at(Info), env, { format: 'd' })).text,
      'exo::Info {id: 4660, delta: -2, busy: 1, state: 2, tag: [65, 66, 0, 0], next: -140737488347136, ratio: 4609434218613702656, c: 65}');
  });

  it('p/x of a C char array is its bytes, not a string; of a pointer or a scalar bare', async () => {
    assert.equal((await printValue(at(cArr, AT + 8n), env)).text, '"AB\\000"');
    assert.equal((await printValue(at(cArr, AT + 8n), env, { format: 'x' })).text, '{0x41, 0x42, 0x0, 0x0}');
    const p: Value = { type: evalTypeFromSymbols(ptr(Info)), location: { kind: 'value' }, bits: AT };
    assert.equal((await printValue(p, env)).text, '(*mut exo::Info) 0xffff800000002000 <INFO>');
    assert.equal((await printValue(p, env, { format: 'x' })).text, '0xffff800000002000');
    assert.equal((await printValue({ type: T.i32, location: { kind: 'value' }, bits: 0xffff_ffffn }, env, { format: 'x' })).text, '0xffffffff');
    assert.equal((await printValue({ type: T.f64, location: { kind: 'value' }, float: 1.5 }, env, { format: 'x' })).text, '0x3ff8000000000000');
    assert.equal((await printValue({ type: T.char, location: { kind: 'value' }, bits: 0x41n }, env, { format: 'x' })).text, '0x41');
  });

  it('children of a formatted value are formatted too (the Variables view with format.hex)', async () => {
    const p = await printValue(at(Info), env, { format: 'x' });
    const node = await valueNode('info', p.ref!, p.ctx!);
    const kids = await node.children();
    assert.deepEqual(kids.slice(0, 4).map(k => k.value), ['0x1234', '0xfffe', '0x1', '0x2']);
    const plain = await printValue(at(Info), env);
    const n2 = await valueNode('info', plain.ref!, plain.ctx!);
    assert.equal(n2.value, plain.text);
    assert.equal(await n2.valueIn!('x'), p.text);
  });

  it('parseFormatSpec: p/FMT, print, EXPR,x; names p stay names', () => {
    assert.deepEqual(parseFormatSpec('p/x *info'), { expression: '*info', format: 'x' });
    assert.deepEqual(parseFormatSpec('  print/t  info.state '), { expression: 'info.state', format: 't' });
    assert.deepEqual(parseFormatSpec('print info'), { expression: 'info' });
    assert.deepEqual(parseFormatSpec('p *info'), { expression: '*info' });
    assert.deepEqual(parseFormatSpec('info.timer_ticks,x'), { expression: 'info.timer_ticks', format: 'x' });
    assert.deepEqual(parseFormatSpec('EXO_CPUS[1] , d'), { expression: 'EXO_CPUS[1]', format: 'd' });
    assert.deepEqual(parseFormatSpec('flags,b'), { expression: 'flags', format: 't' });
    for (const e of ['p', 'p = 3', 'p == q', 'p.x', 'p[1]', 'p / 2', 'p/x', 'print_count + 1', 'a,q']) assert.deepEqual(parseFormatSpec(e), { expression: e }, e);
    assert.throws(() => parseFormatSpec('p/s name'), /print\/s is not supported: use \/x/);
  });
});
