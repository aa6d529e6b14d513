// Rust pointers/references to u8 arrays print their bytes as gdb 13 does (expected strings are
// gdb's own output on a rustc -g fixture with the same bytes; C's char (*)[N] stays an address).
import assert from 'node:assert/strict';
import { formatTopLevel, formatValue, ValueRef, bytesSource, type RenderContext } from '../../../../adapter/symbols/values/render';
import type { TypeInfo } from '../../../../adapter/symbols/values/types';

const u8: TypeInfo = { kind: 'base', name: 'u8', size: 1, encoding: 'unsigned' };
const i8: TypeInfo = { kind: 'base', name: 'i8', size: 1, encoding: 'signed' };
const u32: TypeInfo = { kind: 'base', name: 'u32', size: 4, encoding: 'unsigned' };
const cchar: TypeInfo = { kind: 'base', name: 'char', size: 1, encoding: 'signedChar' };
const arr = (element: TypeInfo, n: number, rust = true): TypeInfo =>
  ({ kind: 'array', name: `[${element.name}; ${n}]`, element, counts: [n], size: n * (element.kind === 'base' ? element.size : 0), rust });
const ptr = (name: string, target: TypeInfo): TypeInfo => ({ kind: 'pointer', name, size: 8, reference: false, target: () => target });

const mem = new Map<bigint, number>();
const put = (a: bigint, bytes: number[]) => bytes.forEach((b, i) => mem.set(a + BigInt(i), b));
const ctx: RenderContext = {
  readMemory: async (a, n) => { const o: number[] = []; for (let i = 0; i < n && mem.has(a + BigInt(i)); i++) o.push(mem.get(a + BigInt(i))!); return Uint8Array.from(o); },
  symbolAt: a => (a >= 0x9000n && a < 0x9010n ? { name: 'buf', offset: a - 0x9000n } : undefined),
};
const le64 = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const pointerTo = (t: TypeInfo, at: bigint) => new ValueRef(t, bytesSource({ bytes: Uint8Array.from(le64(at)), known: new Uint8Array(8).fill(1) }));

// the fxsave image from the kernel's interrupt_dispatch (FCW 0x037f, MXCSR 0x1f80, …)
const fxsave = new Array<number>(512).fill(0);
Object.assign(fxsave, { 0: 0x7f, 1: 3, 24: 0x80, 25: 0x1f, 28: 0xff, 29: 0xff, 160: 0x37, 161: 0x32, 162: 0x37, 163: 0x30 });
put(0x1000n, fxsave);
put(0x2000n, [...Buffer.from('hello\0world\0\0\0\0\0')]);
put(0x3000n, new Array(16).fill(0x41));
put(0x4000n, [...new Array(199).fill(0x78), 0x79, 0x7a]);
put(0x5000n, [...Buffer.from('ab\0')]);
put(0x6000n, [0x61, 0x62]); // the next byte is unmapped
put(0x9000n, [...Buffer.from('abc\0')]);

describe('Rust byte-array pointers (gdb rust_value_print_inner)', () => {
  it('&mut [u8; 512] / *mut [u8; 512]: 200 bytes at most, runs, trailing NULs kept, ... when longer', async () => {
    const want = '0x1000 b"\\177\\003", \'\\000\' <repeats 22 times>, "\\200\\037\\000\\000\\377\\377", \'\\000\' <repeats 130 times>, "7270", \'\\000\' <repeats 36 times>...';
    assert.equal(await formatValue(pointerTo(ptr('&mut [u8; 512]', arr(u8, 512)), 0x1000n), ctx), want);
    assert.equal(await formatValue(pointerTo(ptr('*mut [u8; 512]', arr(u8, 512)), 0x1000n), ctx), want);
  });
  it('short arrays print whole, NULs included; a leading run keeps the b prefix', async () => {
    assert.equal(await formatValue(pointerTo(ptr('*const [u8; 16]', arr(u8, 16)), 0x2000n), ctx), '0x2000 b"hello\\000world\\000\\000\\000\\000\\000"');
    assert.equal(await formatValue(pointerTo(ptr('&[u8; 16]', arr(u8, 16)), 0x3000n), ctx), "0x3000 b'A' <repeats 16 times>");
    assert.equal(await formatValue(pointerTo(ptr('&[u8; 3]', arr(u8, 3)), 0x5000n), ctx), '0x5000 b"ab\\000"');
    assert.equal(await formatValue(pointerTo(ptr('&[u8; 0]', arr(u8, 0)), 0x5000n), ctx), '0x5000 b""');
  });
  it('exactly the element limit prints no ellipsis, one more does', async () => {
    assert.equal(await formatValue(pointerTo(ptr('&[u8; 200]', arr(u8, 200)), 0x4000n), ctx), "0x4000 b'x' <repeats 199 times>, \"y\"");
    assert.equal(await formatValue(pointerTo(ptr('&[u8; 201]', arr(u8, 201)), 0x4000n), ctx), "0x4000 b'x' <repeats 199 times>, \"y\"...");
  });
  it('unreadable memory: the error after b, or after the bytes that could be read', async () => {
    assert.equal(await formatValue(pointerTo(ptr('*const [u8; 4]', arr(u8, 4)), 0n), ctx), '0x0 b<error: Cannot access memory at address 0x0>');
    assert.equal(await formatValue(pointerTo(ptr('*const [u8; 4]', arr(u8, 4)), 0x10n), ctx), '0x10 b<error: Cannot access memory at address 0x10>');
    assert.equal(await formatValue(pointerTo(ptr('&[u8; 4]', arr(u8, 4)), 0x6000n), ctx), '0x6000 b"ab"...<error: Cannot access memory at address 0x6002>');
  });
  it('only u8 elements: [i8; N], [u32; N], [[u8; 2]; 2] and C char (*)[N] stay addresses', async () => {
    assert.equal(await formatValue(pointerTo(ptr('&mut [i8; 16]', arr(i8, 16)), 0x3000n), ctx), '0x3000');
    assert.equal(await formatValue(pointerTo(ptr('&[u32; 4]', arr(u32, 4)), 0x3000n), ctx), '0x3000');
    const nested: TypeInfo = { kind: 'array', name: '[[u8; 2]; 2]', element: arr(u8, 2), counts: [2], size: 4, rust: true };
    assert.equal(await formatValue(pointerTo(ptr('&[[u8; 2]; 2]', nested), 0x3000n), ctx), '0x3000');
    const cbuf = arr(cchar, 4, false);
    assert.equal(await formatTopLevel(pointerTo(ptr('char (*)[4]', cbuf), 0x9000n), ctx), '(char (*)[4]) 0x9000 <buf>');
    const cu8 = arr(u8, 4, false);
    assert.equal(await formatValue(pointerTo(ptr('uint8_t (*)[4]', cu8), 0x9000n), ctx), '0x9000 <buf>');
  });
});
