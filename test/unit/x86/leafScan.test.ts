// scanLeaves (numbers and words) against the bigint walk (forEachLeaf + toMapping) on random
// page tables in every paging mode: same leaves, frames, sizes, permissions, COW and garbage.
import * as assert from 'node:assert/strict';
import { writeLE } from '../../../adapter/common/hex';
import { countRanges, mappedRanges, physToVirt, scanLeaves } from '../../../adapter/x86/leafScan';
import { TableCache, type PagingContext } from '../../../adapter/x86/paging';
import { forEachLeaf, leafEntry, loadSnapshot, toMapping, translate } from '../../../adapter/x86/walk';

/** xorshift32: reproducible tables. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

const MODES: Record<string, { ctx: Omit<PagingContext, 'cr3'>; levels: number; size: 4 | 8; entries: number }> = {
  '32-bit': { ctx: { cr0: 0x80000011n, cr4: 0x10n, efer: 0n }, levels: 2, size: 4, entries: 1024 },
  'PAE': { ctx: { cr0: 0x80000011n, cr4: 0x20n, efer: 0x800n }, levels: 3, size: 8, entries: 512 },
  '4-level': { ctx: { cr0: 0x80010011n, cr4: 0xa0n, efer: 0xd01n }, levels: 4, size: 8, entries: 512 },
  '5-level': { ctx: { cr0: 0x80010011n, cr4: 0x10a0n, efer: 0xd01n }, levels: 5, size: 8, entries: 512 },
};

/** Random tables: a few present entries per table, some large, some aliases, some garbage bits. */
function build(mode: string, seed: number): { ctx: PagingContext; read: (a: bigint, n: number) => Promise<Uint8Array> } {
  const m = MODES[mode];
  const next = rng(seed);
  const mem = new Map<bigint, Uint8Array>();
  let free = 0x10_0000n;
  const alloc = () => { const a = free; free += 0x1000n; mem.set(a, new Uint8Array(4096)); return a; };
  const fill = (table: bigint, depth: number) => {
    const t = mem.get(table)!;
    const n = depth === 0 && mode === 'PAE' ? 4 : m.entries;
    for (let k = 0; k < 6; k++) {
      const i = next() % n;
      const last = depth === m.levels - 1;
      const largeHere = mode === '32-bit' ? depth === 0 : !last && depth > 0 && depth >= m.levels - 3 && !(mode === 'PAE' && depth === 0);
      const large = largeHere && next() % 3 === 0;
      let e = BigInt(next() & 0x17f & ~0x80) | 1n; // P, random RW US PWT PCD A D bits and G
      if (m.size === 8 && next() % 4 === 0) e |= 1n << 63n;                     // NX
      if (next() % 3 === 0) e |= 1n << 9n;                                      // software bit 9
      if (last || large) {
        const frame = BigInt(next() % 0x400) << (!large ? 12n : mode === '32-bit' ? 22n : 21n);
        e |= frame | (large ? 0x80n : 0n);
        if (large && next() % 5 === 0) e |= 0x2000n;                           // misaligned: garbage
        if (m.size === 8 && next() % 7 === 0) e |= BigInt(next() % 0x1000) << 32n; // high frame bits
      } else {
        const child = next() % 4 === 0 && depth > 0 ? table : alloc();          // sometimes loop back
        if (child !== table) fill(child, depth + 1); else continue;
        e |= child;
      }
      t.set(writeLE(BigInt.asUintN(m.size * 8, e), m.size), i * m.size);
    }
  };
  const root = alloc();
  fill(root, 0);
  return {
    ctx: { ...m.ctx, cr3: root },
    read: async (a, n) => {
      const out = new Uint8Array(n);
      for (let k = 0; k < n; k += 4096) { const p = mem.get((a + BigInt(k)) & ~0xfffn); if (p) out.set(p.subarray(Number((a + BigInt(k)) & 0xfffn)).subarray(0, Math.min(4096, n - k)), k); }
      return out;
    },
  };
}

describe('x86/leafScan: numbers and words agree with the bigint walk', () => {
  for (const mode of Object.keys(MODES)) {
    it(`${mode} paging, random table sets (physAddrBits 52 and 40, COW bit 9)`, async () => {
      const seen = { garbage: 0, large: 0, cow: 0, nx: 0 };
      for (let seed = 1; seed <= (mode === '5-level' ? 6 : 20); seed++) {
        const { ctx, read } = build(mode, seed * 7919);
        const snap = (await loadSnapshot(ctx, new TableCache(read)))!;
        assert.equal(snap.geometry.mode, mode);
        for (const opts of [{ cowBit: 9 }, { cowBit: 9, physAddrBits: 40 }]) {
          const want: string[] = [];
          forEachLeaf(snap, l => {
            const m = toMapping(snap, l, opts);
            want.push(`${m.virt.toString(16)} ${m.phys.toString(16)} ${m.size} ${m.writable} ${m.user} ${m.executable} ${m.leaf.cow} ${m.leaf.reserved !== 0n}`);
          });
          const got: string[] = [];
          scanLeaves(snap, l => { got.push(`${l.virt().toString(16)} ${l.phys.toString(16)} ${l.size} ${l.writable} ${l.user} ${l.executable} ${l.cow} ${l.garbage}`); }, opts);
          assert.deepEqual(got, want, `${mode} seed ${seed} ${JSON.stringify(opts)}`);
          assert.ok(got.length > 0);
          for (const g of got) {
            const f = g.split(' ');
            if (f[7] === 'true') seen.garbage++;
            if (f[2] !== '4096') seen.large++;
            if (f[6] === 'true') seen.cow++;
            if (f[5] === 'false') seen.nx++;
          }
          assert.equal(countRanges(snap, opts), mappedRanges(snap, opts).ranges.length);
          const frame = BigInt('0x' + got[got.length >> 1].split(' ')[1]) + 0x10n;
          for (const v of physToVirt(snap, frame, opts).virts) {
            const line = got.find(g => { const [va, , size] = g.split(' '); return v >= BigInt('0x' + va) && v < BigInt('0x' + va) + BigInt(size); });
            assert.ok(line, `physToVirt gave 0x${v.toString(16)}, which no leaf maps`);
          }
        }
      }
      // The random tables exercise every case compared above.
      assert.ok(seen.large > 0 && seen.cow > 0 && (mode === '32-bit' || (seen.garbage > 0 && seen.nx > 0)), JSON.stringify(seen));
    });
  }
  it('leafEntry (one entry read per level) gives translate\'s leaf for mapped, unmapped and garbage addresses', async () => {
    for (const mode of Object.keys(MODES)) {
      for (let seed = 1; seed <= 4; seed++) {
        const { ctx, read } = build(mode, seed * 104_729);
        const snap = (await loadSnapshot(ctx, new TableCache(read)))!;
        const vas: bigint[] = [];
        forEachLeaf(snap, l => { vas.push(l.virt, l.virt + 0x123n); return vas.length < 200; });
        const next = rng(seed);
        for (let i = 0; i < 50; i++) vas.push(BigInt(next()) << BigInt(next() % 30));
        vas.push(0xffff_8000_0000_0000n, 0x8000_0000_0000n); // canonical / not
        let reads = 0;
        const small = async (a: bigint, n: number) => { reads++; assert.ok(n <= 8); return read(a, n); };
        for (const va of vas) {
          const t = await translate(ctx, new TableCache(read), va);
          const want = t.phys === undefined ? undefined : t.steps[t.steps.length - 1].entry.raw;
          assert.equal(await leafEntry(ctx, small, va), want, `${mode} seed ${seed} va 0x${va.toString(16)}`);
        }
        assert.ok(reads > 0);
      }
    }
  });
  it('stops at maxLeaves and when the visitor returns false', async () => {
    const { ctx, read } = build('4-level', 3);
    const snap = (await loadSnapshot(ctx, new TableCache(read)))!;
    assert.deepEqual(scanLeaves(snap, () => {}, { maxLeaves: 2 }), { leaves: 2, truncated: true });
    let n = 0;
    assert.deepEqual(scanLeaves(snap, () => ++n < 3), { leaves: 3, truncated: false });
  });
});
