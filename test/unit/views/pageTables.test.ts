// PageTableService over a fake physical memory: lazy tables, translation chains, summary
// counts (COW, W+X, sizes), the per-stop cache, and bounded walks over garbage.
import * as assert from 'node:assert/strict';
import { ExoError } from '../../../adapter/common/errors';
import { PageTableService } from '../../../adapter/kernel/pageTables';
import { FakeMemory, FakeTarget } from './fakeTarget';

const P = 1n, RW = 2n, US = 4n, PS = 0x80n, COW = 1n << 9n, NX = 1n << 63n;
const PML4 = 0x1000n, PDPT = 0x2000n, PD = 0x3000n, PT = 0x4000n;

/** 0x0000: 4K pages at 0x0 (RW+COW-less), 0x1000 (RO+COW, user), 0x2000 (RWX);
 *  0x200000: a 2 MiB page (RW NX); 0x40000000: a 1 GiB page. */
function build(): FakeMemory {
  const m = new FakeMemory();
  m.write64(PML4 + 0n, PDPT | P | RW | US);
  m.write64(PDPT + 0n, PD | P | RW | US);
  m.write64(PDPT + 8n, 0x8000_0000n | P | RW | PS | NX);
  m.write64(PD + 0n, PT | P | RW | US);
  m.write64(PD + 8n, 0x60_0000n | P | RW | PS | NX);
  m.write64(PT + 0n, 0x10_0000n | P | RW | NX);
  m.write64(PT + 8n, 0x10_1000n | P | US | COW | NX);
  m.write64(PT + 16n, 0x10_2000n | P | RW);
  return m;
}

describe('views: PageTableService', () => {
  it('serves the root table lazily with decoded entries and child references', async () => {
    const t = new FakeTarget(build(), [PML4]);
    const svc = new PageTableService(t);
    const root = await svc.table(0, undefined);
    assert.equal(root.mode, '4-level');
    assert.equal(root.levelName, 'PML4');
    assert.deepEqual(root.entries.map(e => e.index), [0]);
    assert.deepEqual(root.entries[0].child, { phys: PDPT, depth: 1, base: 0n });
    const pdpt = await svc.table(0, root.entries[0].child);
    assert.deepEqual(pdpt.entries.map(e => [e.index, e.entry.leaf, e.flags]), [[0, false, 'P RW US'], [1, true, 'P RW PS NX']]);
  });

  it('translates with the chain of entries; faults name the level', async () => {
    const svc = new PageTableService(new FakeTarget(build(), [PML4]));
    const a = await svc.translate(0, 0x1234n);
    assert.equal(a.phys, 0x10_1234n);
    assert.deepEqual(a.steps.map(s => [s.level, s.index, s.entryAddress]), [[4, 0, PML4], [3, 0, PDPT], [2, 0, PD], [1, 1, PT + 8n]]);
    assert.equal(a.steps[3].entry.cow, true);
    const big = await svc.translate(0, 0x4567_8000n);
    assert.equal(big.phys, 0x8567_8000n);
    assert.equal(big.pageSize, 1n << 30n);
    const miss = await svc.translate(0, 0x5000n);
    assert.equal(miss.phys, undefined);
    assert.equal(miss.fault, 'not present at PT[5]');
    const noCow = await svc.translate(0, 0x1000n, { cowBit: null });
    assert.equal(noCow.steps[3].entry.cow, false, 'cowBit null: no software bit means COW');
  });

  it('summarizes leaves by size, user, W+X, COW pages, and lists physical → virtual aliases', async () => {
    const svc = new PageTableService(new FakeTarget(build(), [PML4]));
    const s = await svc.summary(0);
    assert.deepEqual(s.leaves, { total: 5, bySize: { '4K': 3, '2M': 1, '1G': 1 } });
    assert.equal(s.writableExecutable, 1, 'the 0x2000 page is RW and executable');
    assert.equal(s.cowPages, 1);
    assert.equal(s.userPages, 1);
    assert.equal(s.garbageEntries, 0);
    assert.equal(s.tablesRead, 4);
    const v = await svc.physToVirt(0, 0x60_0010n);
    assert.deepEqual(v.virts, [0x20_0010n]);
  });

  it('reads each table once per stop; a new stop or `fresh` re-reads', async () => {
    const mem = build();
    const t = new FakeTarget(mem, [PML4, PML4]);
    const svc = new PageTableService(t);
    await svc.summary(0);
    const after1 = mem.reads;
    await svc.summary(1);
    await svc.translate(0, 0x1000n);
    await svc.infoTlb(1);
    assert.equal(mem.reads, after1, 'same stop, same CR3: no new reads');
    mem.write64(PT + 24n, 0x10_3000n | P);
    assert.equal((await svc.summary(0)).leaves.total, 5, 'still the cached tables');
    assert.equal((await svc.summary(0, { fresh: true })).leaves.total, 6);
    t.stop();
    await svc.summary(0);
    assert.equal(mem.reads, after1 * 3, 'a new stop reads the 4 tables again');
  });

  it('refuses clearly while running, for paging off and for a missing CPU', async () => {
    const t = new FakeTarget(build(), [PML4]);
    const svc = new PageTableService(t);
    t.running = true;
    await assert.rejects(svc.summary(0), (e: unknown) => e instanceof ExoError && e.kind === 'user' && /running/.test(e.message));
    t.running = false;
    await assert.rejects(svc.table(3, undefined), /There is no CPU 3/);
    t.regs[0].set('cr0', 0x11n);
    await assert.rejects(svc.infoTlb(0), /paging off/);
    assert.equal((await svc.summary(0)).mode, 'none');
  });

  it('garbage: reserved bits are flagged and not offered as a child; a self-loop ends', async () => {
    const mem = build();
    mem.write64(PML4 + 8n, PML4 | P | RW | PS);        // PS is reserved in a PML4 entry; points at itself
    mem.write64(PML4 + 16n, PML4 | P | RW);            // a loop without reserved bits
    const svc = new PageTableService(new FakeTarget(mem, [PML4]));
    const root = await svc.table(0, undefined);
    const bad = root.entries.find(e => e.index === 1)!;
    assert.equal(bad.garbage, true);
    assert.match(bad.flags, /RESERVED=0x80/);
    assert.equal(bad.child, undefined);
    const tr = await svc.translate(0, 1n << 39n);
    assert.match(tr.fault!, /reserved bits 0x80 set at PML4\[1\]/);
    const s = await svc.summary(0);
    assert.ok(s.leaves.total >= 5, 'the loop is walked to the fixed depth and ends');
  });

  it('garbage pointing at ever new "tables" stops at the table bound with one clear sentence', async () => {
    const mem = new FakeMemory();
    // Every entry of every level points at a distinct, fresh physical page full of "entries"
    for (let i = 0n; i < 48n; i++) mem.write64(PML4 + i * 8n, (0x100_0000n + i * 0x1000n) | P);
    for (let i = 0n; i < 48n; i++) for (let j = 0n; j < 512n; j += 1n) mem.write64(0x100_0000n + i * 0x1000n + j * 8n, (0x4000_0000n + (i * 512n + j) * 0x1000n) | P);
    const svc = new PageTableService(new FakeTarget(mem, [PML4]));
    await assert.rejects(svc.summary(0), (e: unknown) => e instanceof ExoError && /tables look corrupt/.test(e.message));
  });
});
