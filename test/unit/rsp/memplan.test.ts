import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { planChunks, mergeRanges } from '../../../adapter/rsp/memplan';

describe('rsp/memplan', () => {
  it('splits at page boundaries and at the chunk size', () => {
    assert.deepEqual(planChunks(0xff0n, 0x30, 0x800).map(c => [c.addr, c.offset, c.length]),
      [[0xff0n, 0, 0x10], [0x1000n, 0x10, 0x20]]);
    assert.deepEqual(planChunks(0x1000n, 0x1000, 0x800).map(c => c.length), [0x800, 0x800]);
    assert.deepEqual(planChunks(0n, 0, 0x800), []);
  });
  it('refuses ranges past the end of the address space', () => {
    assert.throws(() => planChunks(0xfffffffffffffff0n, 0x20, 0x800), /end of the address space/);
    assert.equal(planChunks(0xfffffffffffffff0n, 0x10, 0x800).length, 1);
  });
  it('covers the range exactly, in order, never crossing a page or exceeding the chunk', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 48n) }), fc.nat(20000), fc.integer({ min: 1, max: 0x1000 }), (addr, len, max) => {
      const cs = planChunks(addr, len, max);
      let off = 0;
      for (const c of cs) {
        assert.equal(c.offset, off);
        assert.equal(c.addr, addr + BigInt(off));
        assert.ok(c.length >= 1 && c.length <= max);
        assert.equal(c.addr / 4096n, (c.addr + BigInt(c.length) - 1n) / 4096n);
        off += c.length;
      }
      assert.equal(off, len);
    }), { numRuns: 300 });
  });
  it('merges touching and overlapping ranges', () => {
    assert.deepEqual(mergeRanges([{ start: 0x2000n, end: 0x3000n }, { start: 0x1000n, end: 0x2000n }, { start: 0x5000n, end: 0x6000n }]),
      [{ start: 0x1000n, end: 0x3000n }, { start: 0x5000n, end: 0x6000n }]);
  });
});
