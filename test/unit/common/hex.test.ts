import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { fromHex, toHex, readLE, writeLE, parseBig } from '../../../adapter/common/hex';

describe('common/hex', () => {
  it('round-trips bytes through hex', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), b => {
      assert.deepEqual(fromHex(toHex(b)), b);
    }));
  });
  it('reads and writes little-endian 64-bit values as bigint', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), v => {
      assert.equal(readLE(writeLE(v, 8), 0, 8), v);
    }));
    assert.equal(readLE(Uint8Array.of(0xf0, 0xff, 0, 0), 0, 4), 0xfff0n);
  });
  it('rejects odd or non-hex strings', () => {
    assert.throws(() => fromHex('abc'));
    assert.throws(() => fromHex('zz'));
    assert.throws(() => parseBig('xyz'));
    assert.equal(parseBig('ffffffff80000000'), 0xffffffff80000000n);
  });
});
