// Name lookups in .symtab without a built table (string-table search, then raw records) on a
// tail-merged string table, before and after the address columns exist; .debug_aranges set order.
import assert from 'node:assert/strict';
import { ArangeTable, arangeSetUnits, parseAranges } from '../../../adapter/symbols/dwarf/aranges';
import { SymbolTable } from '../../../adapter/symbols/elf/symtab';
import { findStrings } from '../../../adapter/symbols/elf/strsearch';
import { Bytes, section, unit } from './builder';

/** strtab "\0vfs_read\0main\0": "read" is the tail of "vfs_read" (offset 5), as ld merges. */
function table(): SymbolTable {
  const strtab = new Bytes().u8(0).str('vfs_read').str('main').done();
  const sym = (b: Bytes, name: number, info: number, shndx: number, value: bigint, size: bigint) =>
    b.u32(name).u8(info, 0).u16(shndx).u64(value).u64(size);
  const s = new Bytes();
  sym(s, 0, 0, 0, 0n, 0n); // the null symbol
  sym(s, 1, 0x12, 1, 0x1000n, 0x40n); // vfs_read: global func
  sym(s, 5, 0x02, 1, 0x2000n, 0x10n); // read: local func, name shared with vfs_read's tail
  sym(s, 10, 0x12, 1, 0x3000n, 0x20n); // main
  sym(s, 5, 0x01, 2, 0x4000n, 8n); // read: a local object too
  return SymbolTable.parse(section('.symtab', s.done()), section('.strtab', strtab));
}

describe('symbols/elf symtab: lookups by name without a table', () => {
  it('finds every symbol of a name, also one stored as another name\'s tail, and no other', () => {
    const t = table();
    assert.deepEqual(t.byNameAll('read').map(s => [s.name, s.value, s.type]), [['read', 0x2000n, 'func'], ['read', 0x4000n, 'object']]);
    assert.deepEqual(t.byNameAll('vfs_read').map(s => [s.value, s.size, s.binding]), [[0x1000n, 0x40n, 'global']]);
    assert.deepEqual(t.byNameAll('ead').map(s => s.value), []);
    assert.deepEqual(t.byNameAll('main').map(s => s.value), [0x3000n]);
    assert.equal(t.lookup('read')?.type, 'func');
    assert.equal(t.byNameAll('').length, 0);
  });

  it('answers prefetched names as byNameAll does: tails of other names, several symbols, unknown names', () => {
    const t = table(), plain = table();
    t.prefetchNames(['read', 'ead', 'main', 'nope', '']);
    for (const n of ['read', 'vfs_read', 'ead', 'main', 'nope', '']) assert.deepEqual(t.byNameAll(n), plain.byNameAll(n), n);
    assert.deepEqual(t.byNameAll('read').map(s => [s.value, s.type]), [[0x2000n, 'func'], [0x4000n, 'object']]);
    assert.equal(t.lookup('read')?.value, 0x2000n);
    // A name not prefetched (vfs_read, above) went through the index.
    t.byNameAll('read').pop();
    assert.deepEqual(t.byNameAll('read').map(s => s.value), [0x2000n, 0x4000n], 'answers are copies: callers may not alter the cache');
  });

  it('findStrings streams a big table in steps: names across step boundaries, tails, every offset found', () => {
    // 2.5 MB of filler strings with names planted across the 1 MiB steps, at the table's start and end.
    const size = 2_500_000, data = new Uint8Array(size).fill(0x61);
    for (let i = 7; i < size; i += 23) data[i] = 0;
    const plant = (at: number, s: string) => { data.set(Buffer.from(s + '\0'), at); };
    plant(0, 'vfs_read'); plant(1024 * 1024 - 3, 'schedule'); plant(2 * 1024 * 1024 - 8, 'x_schedule'); plant(size - 9, 'do_exit');
    plant(700_000, 'kthread'); plant(1024 * 1024 + 40, 'read');
    const names = ['read', 'schedule', 'do_exit', 'kthread', 'nothere', 'a'].map(n => Buffer.from(n));
    const got = findStrings(section('.strtab', data), names);
    const hay = Buffer.from(data);
    const want = new Map<number, number>();
    names.forEach((n, w) => { const needle = Buffer.concat([n, Buffer.from([0])]); for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) want.set(p, w); });
    assert.deepEqual([...got].sort((x, y) => x[0] - y[0]), [...want].sort((x, y) => x[0] - y[0]));
    assert.equal(got.get(1024 * 1024 - 3), 1, 'schedule across the first step boundary');
    assert.equal(got.get(2 * 1024 * 1024 - 6), 1, 'the tail of x_schedule across the second');
    assert.equal(got.get(4), 0, 'the tail of vfs_read at the start');
    assert.ok(want.size > 100_000, 'the filler strings end in "a"');
  });

  it('gives the same answers once the address columns are built', () => {
    const t = table();
    assert.equal(t.at(0x2008n)?.symbol.name, 'read');
    assert.equal(t.at(0x1010n)?.offset, 0x10n);
    assert.deepEqual(t.byNameAll('read').map(s => s.value), [0x2000n, 0x4000n]);
    assert.deepEqual(t.all.map(s => s.name), ['vfs_read', 'read', 'main', 'read']);
  });

  it('lists the units of .debug_aranges sets in section order', () => {
    const b = new Bytes();
    for (const cu of [0x0, 0x40, 0x1234]) {
      unit(b, x => { x.u16(2).u32(cu).u8(8, 0).u32(0); x.u64(0x1000n + BigInt(cu)).u64(0x10n).u64(0n).u64(0n); });
    }
    assert.deepEqual(arangeSetUnits(section('.debug_aranges', b.done())), [0x0, 0x40, 0x1234]);
    assert.throws(() => arangeSetUnits(section('.debug_aranges', new Bytes().u32(100).u16(2).done())), /set length 100/);
  });

  it('keeps .debug_aranges ranges as sorted columns: 64-bit carries, empty ranges, terminators, lookups', () => {
    const b = new Bytes();
    const set = (cu: number, ranges: [bigint, bigint][]) => unit(b, x => {
      x.u16(2).u32(cu).u8(8, 0).u32(0);
      for (const [lo, len] of ranges) x.u64(lo).u64(len);
      x.u64(0n).u64(0n);
    });
    set(0x10, [[0xffffffff80fffff0n, 0x20n], [0x5000n, 0n], [0x1000n, 0x100n]]);
    set(0x90, [[0xffffffff80000000n, 0x1000n]]);
    set(0x120, [[0x2000n, 0x10n]]);
    const t = ArangeTable.parse(section('.debug_aranges', b.done()));
    assert.deepEqual(parseAranges(section('.debug_aranges', b.done())).map(e => [e.low, e.high, e.unit]), [
      [0x1000n, 0x1100n, 0x10], [0x2000n, 0x2010n, 0x120], [0xffffffff80000000n, 0xffffffff80001000n, 0x90], [0xffffffff80fffff0n, 0xffffffff81000010n, 0x10],
    ]);
    assert.equal(t.unitAt(0x10ffn), 0x10);
    assert.equal(t.unitAt(0x1100n), undefined);
    assert.equal(t.unitAt(0x5000n), undefined);
    assert.equal(t.unitAt(0xffffffff81000008n), 0x10);
    assert.equal(t.unitAt(0xffffffff80000fffn), 0x90);
  });

  it('sorts ranges that share their high half (a kernel) natively, stable for equal starts', () => {
    const b = new Bytes();
    const set = (cu: number, ranges: [bigint, bigint][]) => unit(b, x => {
      x.u16(2).u32(cu).u8(8, 0).u32(0);
      for (const [lo, len] of ranges) x.u64(lo).u64(len);
      x.u64(0n).u64(0n);
    });
    set(0x10, [[0xffffffff81200000n, 0x100n], [0xffffffff80000000n, 0x10n]]);
    set(0x90, [[0xffffffff81000000n, 0x20n], [0xffffffff81200000n, 0x8n], [0xfffffffffffffff0n, 0x20n]]);
    set(0x120, [[0xffffffff80ffff00n, 0x200n]]);
    const t = ArangeTable.parse(section('.debug_aranges', b.done()));
    assert.deepEqual(Array.from({ length: t.length }, (_, i) => t.entry(i)).map(e => [e.low, e.high, e.unit]), [
      [0xffffffff80000000n, 0xffffffff80000010n, 0x10], [0xffffffff80ffff00n, 0xffffffff81000100n, 0x120],
      [0xffffffff81000000n, 0xffffffff81000020n, 0x90], [0xffffffff81200000n, 0xffffffff81200100n, 0x10],
      [0xffffffff81200000n, 0xffffffff81200008n, 0x90], [0xfffffffffffffff0n, 0x10n, 0x90],
    ]);
    assert.equal(t.unitAt(0xffffffff81000010n), 0x90);
    assert.equal(t.unitAt(0xffffffff810000ffn), 0x120);
  });
});
