import * as assert from 'node:assert/strict';
import type { TypeInfo } from '../../../adapter/symbols/values/types';
import { evalTypeFromSymbols } from '../../../adapter/session/eval/fromSymbols';
import { Evaluator } from '../../../adapter/session/eval/evaluator';
import { formatValue } from '../../../adapter/session/eval/format';
import { sizeOf, typeName } from '../../../adapter/session/eval/types';
import { writeLE } from '../../../adapter/common/hex';

// struct node { int v; unsigned flag:1; unsigned kind:3; struct node *next; } as the symbol layer models it.
const int: TypeInfo = { kind: 'base', name: 'int', size: 4, encoding: 'signed' };
const uint: TypeInfo = { kind: 'base', name: 'unsigned int', size: 4, encoding: 'unsigned' };
const u64t: TypeInfo = { kind: 'typedef', name: 'u64', target: () => ({ kind: 'base', name: 'unsigned long', size: 8, encoding: 'unsigned' }) };
const node: TypeInfo = {
  kind: 'struct', name: 'struct node', keyword: 'struct', size: 16, rust: false, variantPart: () => undefined,
  members: () => [
    { name: 'v', type: int, byteOffset: 0, artificial: false },
    { name: 'flag', type: uint, byteOffset: 4, bitOffset: 32, bitSize: 1, artificial: false },
    { name: 'kind', type: uint, byteOffset: 4, bitOffset: 33, bitSize: 3, artificial: false },
    { name: 'next', type: nodePtr, byteOffset: 8, artificial: false },
  ],
};
const nodePtr: TypeInfo = { kind: 'pointer', name: 'struct node *', size: 8, reference: false, target: () => node };
const grid: TypeInfo = { kind: 'array', name: 'u64 [2][3]', element: u64t, counts: [2, 3], size: 48, rust: false };

describe('eval/fromSymbols: the symbol layer\'s types for the evaluator', () => {
  it('converts base types, typedefs, recursive structs, bitfields and multi-dimensional arrays', () => {
    const n = evalTypeFromSymbols(node);
    assert.equal(n.kind, 'struct');
    assert.equal(evalTypeFromSymbols(node), n, 'cached by identity');
    if (n.kind !== 'struct') return;
    const [v, flag, kind, next] = n.fields();
    assert.deepEqual([v.name, v.type.kind, flag.bitOffset, flag.bitSize, kind.bitOffset, kind.offset], ['v', 'int', 0, 1, 1, 4]);
    assert.equal(next.type.kind === 'pointer' && next.type.target, n, 'a recursive pointer leads back to the same struct');
    assert.equal(typeName(evalTypeFromSymbols(u64t)), 'unsigned long');
    const g = evalTypeFromSymbols(grid);
    assert.equal(sizeOf(g), 48);
    assert.equal(g.kind === 'array' && g.element.kind === 'array' && g.element.count, 3);
  });
  it('evaluates through converted types', async () => {
    const mem = new Map<bigint, number>();
    const put = (a: bigint, v: bigint, n: number) => writeLE(v, n).forEach((b, i) => mem.set(a + BigInt(i), b));
    put(0x100n, 7n, 4); put(0x104n, 0b1011n, 4); put(0x108n, 0x200n, 8);
    put(0x200n, 9n, 4); put(0x204n, 0n, 4); put(0x208n, 0n, 8);
    for (let i = 0; i < 6; i++) put(0x300n + BigInt(i * 8), BigInt(i * 10), 8);
    const ev = new Evaluator({
      register: async () => undefined,
      symbol: async name => name === 'head' ? { type: evalTypeFromSymbols(node), location: { kind: 'memory', address: 0x100n } }
        : name === 'grid' ? { type: evalTypeFromSymbols(grid), location: { kind: 'memory', address: 0x300n } } : undefined,
      readMemory: async (a, n) => Uint8Array.from({ length: n }, (_, i) => mem.get(a + BigInt(i)) ?? 0),
      typeByName: async () => undefined,
    });
    assert.equal(formatValue(await ev.evaluate('head.v + head.next->v')), '16');
    assert.equal(formatValue(await ev.evaluate('head.flag')), '1');
    assert.equal(formatValue(await ev.evaluate('head.kind')), '5');
    assert.equal(formatValue(await ev.evaluate('grid[1][2]')), '50');
    assert.equal(formatValue(await ev.evaluate('head.next->next')), '(struct node *) 0x0');
  });
  it('reaches the members of anonymous struct/union members, as C does (Linux vmf->address)', async () => {
    // struct vm_fault { const struct { void *vma; unsigned long address; }; unsigned int flags; }
    const ulong: TypeInfo = { kind: 'base', name: 'unsigned long', size: 8, encoding: 'unsigned' };
    const inner: TypeInfo = {
      kind: 'struct', name: 'struct {...}', keyword: 'struct', size: 16, rust: false, variantPart: () => undefined,
      members: () => [{ name: 'vma', type: ulong, byteOffset: 0, artificial: false }, { name: 'address', type: ulong, byteOffset: 8, artificial: false }],
    };
    const vmf: TypeInfo = {
      kind: 'struct', name: 'struct vm_fault', keyword: 'struct', size: 24, rust: false, variantPart: () => undefined,
      members: () => [{ name: undefined, type: { kind: 'qualified', name: 'const struct {...}', qualifier: 'const', target: () => inner }, byteOffset: 0, artificial: false },
        { name: 'flags', type: uint, byteOffset: 16, artificial: false }],
    };
    const t = evalTypeFromSymbols(vmf);
    assert.deepEqual(t.kind === 'struct' && t.fields().map(f => [f.name, f.offset]), [['vma', 0], ['address', 8], ['flags', 16]]);
    const mem = new Map<bigint, number>();
    writeLE(0x7000_1234n, 8).forEach((b, i) => mem.set(0x408n + BigInt(i), b));
    const ev = new Evaluator({
      register: async () => undefined,
      symbol: async name => name === 'vmf' ? { type: t, location: { kind: 'memory', address: 0x400n } } : undefined,
      readMemory: async (a, n) => Uint8Array.from({ length: n }, (_, i) => mem.get(a + BigInt(i)) ?? 0),
      typeByName: async () => undefined,
    });
    assert.equal(formatValue(await ev.evaluate('vmf.address')), String(0x7000_1234));
  });
});
