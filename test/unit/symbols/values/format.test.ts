// gdb-style formatting of scalars and aggregates on synthetic types (no DWARF needed).
import assert from 'node:assert/strict';
import { formatChar, formatCharRun, formatFloat, formatG, formatRustChar } from '../../../../adapter/symbols/values/format';
import { locationBytes } from '../../../../adapter/symbols/values/read';
import { bytesSource, formatTopLevel, formatValue, memorySource, ValueRef, valueNode, type RenderContext } from '../../../../adapter/symbols/values/render';
import type { Member, TypeInfo } from '../../../../adapter/symbols/values/types';

const int: TypeInfo = { kind: 'base', name: 'int', size: 4, encoding: 'signed' };
const uint: TypeInfo = { kind: 'base', name: 'unsigned int', size: 4, encoding: 'unsigned' };
const char: TypeInfo = { kind: 'base', name: 'char', size: 1, encoding: 'signedChar' };
const f32: TypeInfo = { kind: 'base', name: 'float', size: 4, encoding: 'float' };
const mem = new Map<bigint, number>();
const put = (a: bigint, bytes: number[]) => bytes.forEach((b, i) => mem.set(a + BigInt(i), b));
put(0x1000n, [...Buffer.from('hello\0')]);
const ctx: RenderContext = {
  readMemory: async (a, n) => { const o: number[] = []; for (let i = 0; i < n && mem.has(a + BigInt(i)); i++) o.push(mem.get(a + BigInt(i))!); return Uint8Array.from(o); },
  symbolAt: a => (a >= 0x2000n && a < 0x2010n ? { name: 'table', offset: a - 0x2000n } : undefined),
};
const le = (v: bigint, n: number) => Array.from({ length: n }, (_, i) => Number((BigInt.asUintN(n * 8, v) >> BigInt(8 * i)) & 0xffn));
const val = (t: TypeInfo, bytes: number[]) => new ValueRef(t, bytesSource({ bytes: Uint8Array.from(bytes), known: new Uint8Array(bytes.length).fill(1) }));
const member = (name: string, type: TypeInfo, byteOffset: number, bits?: [number, number]): Member =>
  ({ name, type, byteOffset, artificial: false, ...(bits ? { bitOffset: bits[0], bitSize: bits[1] } : {}) });

describe('value formatting', () => {
  it('%g like C with 9/17 digits', async () => {
    assert.equal(formatG(2.5, 17), '2.5');
    assert.equal(formatG(81, 17), '81');
    assert.equal(formatG(Math.fround(3.14159265), 9), '3.14159274');
    assert.equal(formatG(6.9533491759910497e-310, 17), '6.9533491759910497e-310');
    assert.equal(formatG(1e21, 17), '1e+21');
    assert.equal(formatG(0.0001, 17), '0.0001');
    assert.equal(formatG(0.00001, 17), '1.0000000000000001e-05');
    assert.equal(formatG(-0, 17), '-0');
    assert.equal(formatFloat(Uint8Array.from([0xa8, 0xde, 0xff, 0xff])), '-nan(0x7fdea8)');
    assert.equal(formatFloat(Uint8Array.from(le(0x7ff0000000000000n, 8))), 'inf');
    assert.equal(await formatValue(val(f32, le(0x40490fdbn, 4)), ctx), '3.14159274');
  });
  it('chars and strings with C escapes, octal and repeats', () => {
    assert.equal(formatChar(120n, 1), "120 'x'");
    assert.equal(formatChar(-105n, 1), "-105 '\\227'");
    assert.equal(formatChar(10n, 1), "10 '\\n'");
    assert.equal(formatChar(39n, 1), "39 '\\''");
    assert.equal(formatRustChar(955n), "955 '\\u{0003bb}'");
    assert.equal(formatRustChar(97n), "97 'a'");
    assert.equal(formatCharRun([...Buffer.from('lvl')].concat(new Array(12).fill(0)), false), '"lvl", \'\\000\' <repeats 12 times>');
    assert.equal(formatCharRun([0xdb, 0x0f, 0x49, 0x40], false), '"\\333\\017I@"');
    assert.equal(formatCharRun([0x61, 0x22], true), '"a\\""...');
  });
  it('structs, bitfields, arrays with repeats, enums, pointers with symbols and strings', async () => {
    const point: TypeInfo = { kind: 'struct', name: 'struct point', keyword: 'struct', size: 8, rust: false, members: () => [member('x', int, 0), member('y', int, 4)], variantPart: () => undefined };
    assert.equal(await formatValue(val(point, [...le(3n, 4), ...le(-4n, 4)]), ctx), '{x = 3, y = -4}');
    const flags: TypeInfo = { kind: 'struct', name: 'struct flags', keyword: 'struct', size: 4, rust: false, variantPart: () => undefined,
      members: () => [member('a', uint, 0, [0, 3]), member('b', uint, 0, [3, 5]), member('c', int, 1, [8, 4])] };
    // a=5 (101), b=17 (10001), c=-3 (1101)
    assert.equal(await formatValue(val(flags, le(5n | (17n << 3n) | (0b1101n << 8n), 4)), ctx), '{a = 5, b = 17, c = -3}');
    const arr: TypeInfo = { kind: 'array', name: 'int [12]', element: int, counts: [12], size: 48, rust: false };
    assert.equal(await formatValue(val(arr, [...le(1n, 4), ...new Array(44).fill(0)]), ctx), '{1, 0 <repeats 11 times>}');
    // exactly 10 equal elements are printed one by one (gdb collapses runs longer than 10)
    assert.equal(await formatValue(val(arr, [...le(1n, 4), ...le(2n, 4), ...new Array(40).fill(0)]), ctx), '{1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}');
    const many: TypeInfo = { kind: 'array', name: 'int [300]', element: int, counts: [300], size: 1200, rust: false };
    const seq = await formatValue(val(many, Array.from({ length: 300 }, (_, i) => le(BigInt(i), 4)).flat()), ctx);
    assert.ok(seq.endsWith(', 198, 199...}'), seq.slice(-30));
    const grid: TypeInfo = { kind: 'array', name: 'int [2][2]', element: int, counts: [2, 2], size: 16, rust: false };
    assert.equal(await formatValue(val(grid, [1n, 2n, 3n, 4n].flatMap(v => le(v, 4))), ctx), '{{1, 2}, {3, 4}}');
    const color: TypeInfo = { kind: 'enum', name: 'enum color', size: 4, signed: false, enumerators: [{ name: 'RED', value: 0n }, { name: 'BLUE', value: 6n }] };
    assert.equal(await formatValue(val(color, le(6n, 4)), ctx), 'BLUE');
    assert.equal(await formatValue(val(color, le(16n, 4)), ctx), '16');
    const pint: TypeInfo = { kind: 'pointer', name: 'int *', size: 8, reference: false, target: () => int };
    assert.equal(await formatValue(val(pint, le(0x2008n, 8)), ctx), '0x2008 <table+8>');
    assert.equal(await formatTopLevel(val(pint, le(0x2000n, 8)), ctx), '(int *) 0x2000 <table>');
    assert.equal(await formatValue(val(pint, le(0n, 8)), ctx), '0x0');
    const pchar: TypeInfo = { kind: 'pointer', name: 'char *', size: 8, reference: false, target: () => char };
    assert.equal(await formatTopLevel(val(pchar, le(0x1000n, 8)), ctx), '0x1000 "hello"');
    assert.equal(await formatValue(val(pchar, le(0x9000n, 8)), ctx), '0x9000 <error: Cannot access memory at address 0x9000>');
  });
  it('Rust enums (variant parts), tuple structs and slices', async () => {
    const u32: TypeInfo = { kind: 'base', name: 'u32', size: 4, encoding: 'unsigned' };
    const some: TypeInfo = { kind: 'struct', name: 'core::option::Option<u32>::Some', keyword: 'struct', size: 8, rust: true, members: () => [member('__0', u32, 4)], variantPart: () => undefined };
    const none: TypeInfo = { kind: 'struct', name: 'core::option::Option<u32>::None', keyword: 'struct', size: 8, rust: true, members: () => [], variantPart: () => undefined };
    const opt: TypeInfo = { kind: 'struct', name: 'core::option::Option<u32>', keyword: 'struct', size: 8, rust: true, members: () => [],
      variantPart: () => ({ discr: member('', u32, 0), variants: [{ discrValue: 0n, members: [member('None', none, 0)] }, { discrValue: 1n, members: [member('Some', some, 0)] }] }) };
    assert.equal(await formatValue(val(opt, [...le(1n, 4), ...le(7n, 4)]), ctx), 'core::option::Option<u32>::Some(7)');
    assert.equal(await formatValue(val(opt, [...le(0n, 4), ...le(7n, 4)]), ctx), 'core::option::Option<u32>::None');
    const node = await valueNode('maybe', val(opt, [...le(1n, 4), ...le(7n, 4)]), ctx);
    assert.deepEqual((await node.children()).map(c => `${c.name} = ${c.value}`), ['__0 = 7']);
    const slice: TypeInfo = { kind: 'struct', name: '&[u8]', keyword: 'struct', size: 16, rust: true, variantPart: () => undefined,
      members: () => [member('data_ptr', { kind: 'pointer', name: '*const u8', size: 8, reference: false, target: () => ({ kind: 'base', name: 'u8', size: 1, encoding: 'unsigned' }) }, 0), member('length', { kind: 'base', name: 'usize', size: 8, encoding: 'unsigned' }, 8)] };
    assert.equal(await formatValue(val(slice, [...le(0x1000n, 8), ...le(3n, 8)]), ctx), '&[u8] [104, 101, 108]');
    const sn = await valueNode('s', val(slice, [...le(0x1000n, 8), ...le(3n, 8)]), ctx);
    assert.equal(sn.childCount, 3);
    assert.deepEqual((await sn.children(1, 2)).map(c => `${c.name} = ${c.value}`), ['[1] = 101', '[2] = 108']);
  });
  it('optimized-out bytes and lazy children', async () => {
    const loc = await locationBytes({ kind: 'pieces', pieces: [{ location: { kind: 'value', value: 9n }, sizeBits: 32, offsetBits: 0 }, { location: { kind: 'optimizedOut', reason: 'x' }, sizeBits: 32, offsetBits: 0 }] }, 8, ctx.readMemory, () => undefined);
    const point: TypeInfo = { kind: 'struct', name: 'struct point', keyword: 'struct', size: 8, rust: false, members: () => [member('x', int, 0), member('y', int, 4)], variantPart: () => undefined };
    assert.equal(await formatValue(new ValueRef(point, bytesSource(loc)), ctx), '{x = 9, y = <optimized out>}');
    // a 1 MiB array in memory: the node reads only what is shown
    let bytesRead = 0;
    const big: RenderContext = { readMemory: async (_a, n) => { bytesRead += n; return new Uint8Array(n); } };
    const arr: TypeInfo = { kind: 'array', name: 'int [262144]', element: int, counts: [262144], size: 1 << 20, rust: false };
    const node = await valueNode('big', new ValueRef(arr, memorySource(0x100000n, big.readMemory)), big);
    assert.equal(node.value, '{0 <repeats 262144 times>}'); // as gdb: a run counts as 10 elements
    assert.equal(node.childCount, 262144);
    assert.equal((await node.children(1000, 3)).map(c => c.name).join(','), '[1000],[1001],[1002]');
    assert.ok(bytesRead <= (1 << 20) + 4096, `read ${bytesRead} bytes`);
  });
});
