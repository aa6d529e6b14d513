import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeLE } from '../../../adapter/common/hex';
import { canonical, PagingContext, TableCache } from '../../../adapter/x86/paging';
import { decodePte, describePte } from '../../../adapter/x86/pte';
import { formatInfoMem, formatInfoTlb, pteFlagLetters } from '../../../adapter/x86/qemuFormat';
import { mappedRanges, physToVirt } from '../../../adapter/x86/leafScan';
import { forEachLeaf, loadSnapshot, translate } from '../../../adapter/x86/walk';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

/** Sparse physical memory: unwritten bytes read as zero, like QEMU beyond RAM. */
class FakePhys {
  private readonly bytes = new Map<bigint, number>();
  reads = 0;
  load(at: bigint, data: Uint8Array) { data.forEach((b, i) => this.bytes.set(at + BigInt(i), b)); }
  setEntry(table: bigint, index: number, value: bigint, size: 4 | 8 = 8) { this.load(table + BigInt(index * size), writeLE(value, size)); }
  reader = async (addr: bigint, len: number) => {
    this.reads++;
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.bytes.get(addr + BigInt(i)) ?? 0;
    return out;
  };
}

const LONG: Omit<PagingContext, 'cr3'> = { cr0: 0x80010011n, cr4: 0xa0n, efer: 0xd01n };

describe('x86/pte: entry decoding', () => {
  it('decodes flags, NX, protection key, software and COW bits', () => {
    const e = decodePte(0x8000n | 0x3n | (5n << 59n) | (1n << 9n) | (1n << 52n) | (1n << 63n) | 0x60n, 1, { cowBit: 9 });
    assert.deepEqual([e.present, e.writable, e.user, e.accessed, e.dirty, e.noExecute, e.protectionKey, e.cow, e.leaf], [true, true, false, true, true, true, 5, true, true]);
    assert.deepEqual(e.softwareBits, [9, 52]);
    assert.equal(e.address, 0x8000n);
    assert.equal(describePte(e), 'P RW A D NX COW pkey=5');
  });
  it('treats PS as a large page at PD/PDPT, PAT at bit 12 there and bit 7 in a PT', () => {
    const pd = decodePte(0x800000n | 0x81n | (1n << 12n), 2);
    assert.deepEqual([pd.leaf, pd.pageSize, pd.pat, pd.address, pd.size], [true, true, true, 0x800000n, 0x200000n]);
    const pt = decodePte(0x7000n | 0x83n, 1);
    assert.deepEqual([pt.leaf, pt.pageSize, pt.pat], [true, false, true]);
    const gig = decodePte(0x40000000n | 0x181n, 3);
    assert.deepEqual([gig.leaf, gig.global, gig.size], [true, true, 1n << 30n]);
  });
  it('flags reserved bits: beyond MAXPHYADDR, misaligned large frames, PS in a PML4', () => {
    assert.equal(decodePte((1n << 45n) | 0x1000n | 1n, 1, { physAddrBits: 40 }).reserved, 1n << 45n);
    assert.equal(decodePte(0x202000n | 0x81n, 2).reserved, 0x2000n);
    assert.equal(decodePte(0x1000n | 0x81n, 4).reserved, 0x80n);
    assert.equal(describePte(decodePte(0x0dead3fen, 1)), 'not present (raw 0xdead3fe)');
  });
  it('prints QEMU flag letters', () => {
    assert.equal(pteFlagLetters((1n << 63n) | 0x1ffn), 'XGPDACTUW');
    assert.equal(pteFlagLetters(0x1n), '---------');
  });
});

describe('x86/walk: against QEMU 7.2 output for the PVH test kernel', () => {
  // Tables dumped with `pmemsave` from a booted test kernel (CR3=0x101000) and QEMU's own
  // `info tlb` / `info mem` of the same moment.
  const phys = new FakePhys();
  phys.load(0x101000n, new Uint8Array(readFileSync(fixture('testkernel-tables-0x101000.bin'))));
  const ctx: PagingContext = { ...LONG, cr3: 0x101000n };

  it('formats info tlb identically (1,567 lines, recursive slot and aliases included)', async () => {
    const cache = new TableCache(phys.reader);
    const snap = (await loadSnapshot(ctx, cache))!;
    const ours = formatInfoTlb(snap);
    const qemu = readFileSync(fixture('testkernel-info-tlb.txt'), 'utf8');
    assert.equal(ours.lines, 1567);
    assert.equal(ours.text, qemu);
    // Five distinct tables, each read once even though they are reached many times.
    assert.equal(cache.reads, 5);
  });
  it('formats info mem identically', async () => {
    const snap = (await loadSnapshot(ctx, new TableCache(phys.reader)))!;
    assert.equal(formatInfoMem(snap).text, readFileSync(fixture('testkernel-info-mem.txt'), 'utf8'));
  });
  it('translates with the chain of entries and reports faults', async () => {
    const cache = new TableCache(phys.reader);
    const t = await translate(ctx, cache, 0xffffffff80100051n);
    assert.equal(t.phys, 0x100051n);
    assert.deepEqual(t.steps.map(s => [s.level, s.index]), [[4, 511], [3, 510], [2, 0], [1, 256]]);
    assert.equal(t.steps[0].entryAddress, 0x101000n + 511n * 8n);
    const big = await translate(ctx, cache, 0xffffffffc0001234n);
    assert.deepEqual([big.phys, big.pageSize, big.steps.length], [0x40001234n, 1n << 30n, 2]);
    const two = await translate(ctx, cache, 0x400123n);
    assert.deepEqual([two.phys, two.pageSize, two.steps.at(-1)?.entry.user], [0x400123n, 0x200000n, true]);
    assert.match((await translate(ctx, cache, 0n)).fault!, /not present at PT\[0\]/);
    assert.match((await translate(ctx, cache, 0x9000n)).fault!, /not present at PT\[9\]/);
    assert.match((await translate(ctx, cache, 0x0000_8000_0000_0000n)).fault!, /not canonical/);
  });
  it('finds every virtual alias of a physical frame', async () => {
    const snap = (await loadSnapshot(ctx, new TableCache(phys.reader)))!;
    const { virts } = physToVirt(snap, 0x100051n);
    assert.deepEqual(virts.sort((a, b) => (a < b ? -1 : 1)), [0x100051n, 0xffff800000100051n, 0xffffffff80100051n]);
  });
  it('coalesces ranges with effective permissions (NX from any level, US from all)', async () => {
    const snap = (await loadSnapshot(ctx, new TableCache(phys.reader)))!;
    const { ranges } = mappedRanges(snap);
    const at = (v: bigint) => ranges.find(r => r.start <= v && v < r.end)!;
    assert.deepEqual([at(0x2000n).user, at(0x2000n).writable], [true, true]);
    assert.equal(at(0x5000n).executable, false);
    assert.equal(at(0xc0000000n).executable, false);
    assert.equal(at(0xffffffff80100000n).user, false);
    assert.equal(at(0x400000n).end, 0x600000n);
  });
});

describe('x86/walk: garbage and loops are bounded', () => {
  it('stops enumerating a self-referencing table at maxLeaves instead of running forever', async () => {
    const phys = new FakePhys();
    for (let i = 0; i < 512; i++) phys.setEntry(0x1000n, i, 0x1000n | 3n); // every entry points to itself
    const cache = new TableCache(phys.reader);
    const snap = (await loadSnapshot({ ...LONG, cr3: 0x1000n }, cache))!;
    assert.equal(cache.reads, 1);
    const r = forEachLeaf(snap, () => {}, { maxLeaves: 10_000 });
    assert.deepEqual(r, { leaves: 10_000, truncated: true });
    assert.equal(formatInfoTlb(snap, { maxLeaves: 100 }).truncated, true);
    assert.equal(formatInfoMem(snap, { maxLeaves: 100 }).truncated, true);
  });
  it('refuses to read more distinct tables than maxTables', async () => {
    const phys = new FakePhys();
    for (let i = 0; i < 512; i++) phys.setEntry(0x1000n, i, (0x100000n + BigInt(i) * 0x1000n) | 3n);
    await assert.rejects(loadSnapshot({ ...LONG, cr3: 0x1000n }, new TableCache(phys.reader, { maxTables: 50 })), /stopped after 50 distinct tables/);
  });
  it('reads physically adjacent tables of a level in one request, each table once', async () => {
    const phys = new FakePhys();
    // PML4[0] -> PDPT 0x2000; PDPT[0..3] -> PDs at 0x10000, 0x11000, 0x12000 (adjacent) and 0x20000.
    phys.setEntry(0x1000n, 0, 0x2000n | 3n);
    phys.setEntry(0x1000n, 1, 0x2000n | 3n); // the same PDPT again: cached, not re-read
    [0x10000n, 0x11000n, 0x12000n, 0x20000n].forEach((pd, i) => phys.setEntry(0x2000n, i, pd | 3n));
    [0x10000n, 0x11000n, 0x12000n, 0x20000n].forEach((pd, i) => phys.setEntry(pd, 0, (0x4000_0000n + BigInt(i) * 0x20_0000n) | 0x83n));
    const calls: [bigint, number][] = [];
    const cache = new TableCache(async (a, n) => { calls.push([a, n]); return phys.reader(a, n); });
    const snap = (await loadSnapshot({ ...LONG, cr3: 0x1000n }, cache))!;
    assert.deepEqual(calls, [[0x1000n, 4096], [0x2000n, 4096], [0x10000n, 3 * 4096], [0x20000n, 4096]]);
    assert.deepEqual([cache.reads, cache.requests], [6, 4]);
    const tlb = formatInfoTlb(snap).text.split('\n');
    assert.equal(tlb.length - 1, 8);
    assert.equal(tlb[2], '0000000080000000: 0000000040400000 --P-----W');
    assert.equal(tlb[7], '00000080c0000000: 0000000040600000 --P-----W');
    // The bigint view of a table read in a run is the same as one read alone.
    assert.deepEqual(await cache.table(0x11000n, 512, 8), await new TableCache(phys.reader).table(0x11000n, 512, 8));
  });
  it('a short physical read is an error, not a table of zeros', async () => {
    const cache = new TableCache(async () => new Uint8Array(100));
    await assert.rejects(cache.table(0x1000n, 512, 8), /returned 100 of 4096 bytes/);
  });
  it('shows a garbage entry as such: reserved bits, and the walk of it faults', async () => {
    const phys = new FakePhys();
    phys.setEntry(0x1000n, 0, 0x2000n | 3n);
    phys.setEntry(0x2000n, 0, 0x3000n | 3n);
    phys.setEntry(0x3000n, 1, 0xdead_beef_f000n | 0x83n); // 2 MiB page with low frame bits set
    const t = await translate({ ...LONG, cr3: 0x1000n }, new TableCache(phys.reader), 0x200000n);
    assert.match(t.fault!, /reserved bits 0xfe000 set at PD\[1\]/);
    assert.equal(t.phys, undefined);
  });
});

describe('x86/walk: 32-bit, PAE and 5-level paging', () => {
  it('32-bit paging with 4 MiB pages (CR4.PSE) and QEMU masks', async () => {
    const phys = new FakePhys();
    phys.setEntry(0x1000n, 0, 0x2000n | 7n, 4);
    phys.setEntry(0x2000n, 1, 0x5000n | 0x63n, 4);
    phys.setEntry(0x1000n, 1, 0x00400000n | 0x83n, 4);
    const ctx = { cr0: 0x80000011n, cr3: 0x1000n, cr4: 0x10n, efer: 0n };
    const snap = (await loadSnapshot(ctx, new TableCache(phys.reader)))!;
    assert.equal(formatInfoTlb(snap).text,
      '0000000000001000: 0000000000005000 ---DA---W\n' +
      '0000000000400000: 0000000000400000 --P-----W\n');
    assert.equal(formatInfoMem(snap).text,
      '0000000000001000-0000000000002000 0000000000001000 -rw\n' +
      '0000000000400000-0000000000800000 0000000000400000 -rw\n');
    assert.equal((await translate(ctx, new TableCache(phys.reader), 0x401234n)).phys, 0x401234n);
  });
  it('PAE with a 4-entry PDPT and 2 MiB pages (NX kept in the printed frame like QEMU)', async () => {
    const phys = new FakePhys();
    phys.setEntry(0x1000n, 3, 0x2000n | 1n);
    phys.setEntry(0x2000n, 0, 0x00200000n | 0x87n | (1n << 63n));
    const ctx = { cr0: 0x80000011n, cr3: 0x1000n, cr4: 0x20n, efer: 0x800n };
    const snap = (await loadSnapshot(ctx, new TableCache(phys.reader)))!;
    assert.equal(formatInfoTlb(snap).text, '00000000c0000000: 8000000000200000 X-P----UW\n');
    assert.equal(formatInfoMem(snap).text, '00000000c0000000-00000000c0200000 0000000000200000 urw\n');
  });
  it('5-level paging canonicalizes with 57 bits', async () => {
    const phys = new FakePhys();
    phys.setEntry(0x1000n, 511, 0x2000n | 3n);
    phys.setEntry(0x2000n, 511, 0x3000n | 3n);
    phys.setEntry(0x3000n, 511, 0x40000000n | 0x83n);
    const ctx = { ...LONG, cr4: 0xa0n | (1n << 12n), cr3: 0x1000n };
    const snap = (await loadSnapshot(ctx, new TableCache(phys.reader)))!;
    assert.equal(formatInfoTlb(snap).text, 'ffffffffc0000000: 0000000040000000 --P-----W\n');
    assert.equal(canonical(1n << 56n, 57), 0xff00_0000_0000_0000n);
  });
});
