// DWARF-typed decoding of kernel statics (decodeValue) on hand-made type models: Rust-style
// structs, C-like enums, single-member wrappers (AtomicU64 → UnsafeCell → u64), arrays, bitfields.
import * as assert from 'node:assert/strict';
import { decodeValue, field, valueText } from '../../../adapter/kernel/statics';
import type { Member, TypeInfo } from '../../../adapter/symbols/values/types';

const base = (name: string, size: number, encoding: 'unsigned' | 'signed' | 'bool' = 'unsigned'): TypeInfo => ({ kind: 'base', name, size, encoding });
const member = (name: string, type: TypeInfo, byteOffset: number, bits?: { bitOffset: number; bitSize: number }): Member => ({ name, type, byteOffset, artificial: false, ...bits });
const struct = (name: string, size: number, members: Member[]): TypeInfo => ({ kind: 'struct', name, keyword: 'struct', size, rust: true, members: () => members, variantPart: () => undefined });

const u64 = base('u64', 8), u32 = base('u32', 4), i32 = base('i32', 4, 'signed'), bool = base('bool', 1, 'bool');
const atomic = struct('core::sync::atomic::AtomicU64', 8, [member('v', struct('core::cell::UnsafeCell<u64>', 8, [member('value', u64, 0)]), 0)]);
const state: TypeInfo = { kind: 'enum', name: 'CpuState', size: 1, signed: false, enumerators: [{ name: 'Offline', value: 0n }, { name: 'Online', value: 2n }] };
const cpuInfo = struct('CpuInfo', 24, [member('id', u32, 0), member('state', state, 4), member('is_bsp', bool, 5), member('delta', i32, 8), member('ticks', atomic, 16)]);

function bytes(size: number, writes: [number, number, bigint][]): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  for (const [off, n, v] of writes) for (let i = 0; i < n; i++) dv.setUint8(off + i, Number((v >> BigInt(8 * i)) & 0xffn));
  return b;
}

describe('views: kernel statics through DWARF types', () => {
  it('decodes a struct: integers, signed, bool, enum by name, AtomicU64 unwrapped to its value', () => {
    const v = decodeValue(cpuInfo, bytes(24, [[0, 4, 3n], [4, 1, 2n], [5, 1, 1n], [8, 4, 0xffff_fffen], [16, 8, 0x1_0000_0001n]]));
    assert.deepEqual(v, { id: 3n, state: 'Online', is_bsp: true, delta: -2n, ticks: 0x1_0000_0001n });
    assert.equal(valueText(field(v, 'state')!), 'Online');
    assert.equal(valueText(field(v, 'ticks')!), '4294967297');
  });

  it('decodes arrays of structs at their element stride and names invalid enum values', () => {
    const arr: TypeInfo = { kind: 'array', name: '[CpuInfo; 2]', element: cpuInfo, counts: [2], size: 48, rust: true };
    const v = decodeValue(arr, bytes(48, [[0, 4, 0n], [4, 1, 0n], [24, 4, 1n], [28, 1, 7n]])) as { state: string }[];
    assert.equal(v.length, 2);
    assert.deepEqual(v.map(x => x.state), ['Offline', '<invalid 7>']);
    assert.equal(valueText(v as never), '[2 items]');
  });

  it('decodes bitfields from their bit offset and width', () => {
    const flags = struct('flags', 4, [member('a', u32, 0, { bitOffset: 0, bitSize: 3 }), member('b', u32, 0, { bitOffset: 3, bitSize: 5 }), member('c', u32, 0, { bitOffset: 10, bitSize: 2 })]);
    assert.deepEqual(decodeValue(flags, bytes(4, [[0, 4, 0b10_00_10101_110n]])), { a: 6n, b: 21n, c: 2n });
  });

  it('field() takes the first present name; absent → undefined', () => {
    const v = { vaddr: 5n, seq: 1n };
    assert.equal(field(v, 'addr', 'vaddr'), 5n);
    assert.equal(field(v, 'nothing'), undefined);
    assert.equal(field(3n, 'x'), undefined);
  });
});
