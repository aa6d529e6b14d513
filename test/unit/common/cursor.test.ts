// ByteCursor: LEB128 edge cases and bounds errors that name section and offset.
import assert from 'node:assert/strict';
import { ByteCursor, ParseError } from '../../../adapter/common/cursor';

const cur = (bytes: number[]) => new ByteCursor(Uint8Array.from(bytes), '.test');

describe('ByteCursor', () => {
  it('decodes ULEB128 and SLEB128 from the DWARF spec examples', () => {
    assert.equal(cur([2]).uleb(), 2n);
    assert.equal(cur([0x7f]).uleb(), 127n);
    assert.equal(cur([0x80, 1]).uleb(), 128n);
    assert.equal(cur([0xb9, 0x64]).uleb(), 12857n);
    assert.equal(cur([2]).sleb(), 2n);
    assert.equal(cur([0x7e]).sleb(), -2n);
    assert.equal(cur([0xff, 0]).sleb(), 127n);
    assert.equal(cur([0x81, 0x7f]).sleb(), -127n);
    assert.equal(cur([0x80, 0x7f]).sleb(), -128n);
    assert.equal(cur([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).uleb(), 0xffffffffffffffffn);
    assert.equal(cur([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]).sleb(), -(1n << 63n));
  });
  it('reads little-endian integers', () => {
    const c = cur([1, 2, 3, 4, 5, 6, 7, 8, 0xff]);
    assert.equal(c.u16(), 0x0201);
    assert.equal(c.u32(), 0x06050403);
    assert.equal(c.u16(), 0x0807);
    assert.equal(c.i8(), -1);
    assert.equal(cur([0xff, 0xff, 0xff, 0xff]).u32(), 0xffffffff);
    assert.equal(cur([0, 0, 0, 0, 0, 0, 0, 0x80]).u64(), 0x8000000000000000n);
  });
  it('throws ParseError with section and offset past the end', () => {
    const c = new ByteCursor(Uint8Array.from([1, 2, 3]), '.debug_frame', 0, 3, 0x100);
    c.u16();
    assert.throws(() => c.u32(), (e: unknown) => e instanceof ParseError && e.section === '.debug_frame' && e.offset === 0x102 && /0x102/.test(e.message));
    assert.throws(() => cur([0x80, 0x80]).uleb(), ParseError);
    assert.throws(() => cur([0x61, 0x62]).cstr(), ParseError);
  });
});
