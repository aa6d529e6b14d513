// .debug_loc and .debug_loclists parsing on hand-assembled lists (every DW_LLE kind).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../adapter/common/cursor';
import { locationAt, loclistxOffset, parseDebugLoc, parseDebugLoclists, parseLocList } from '../../../../adapter/symbols/loc/loclists';
import { le, uleb } from '../cfi/asm';

const unit = { addressSize: 8, baseAddress: 0x400000n, debugAddr: (i: bigint) => 0x500000n + i * 0x100n };

describe('location lists', () => {
  it('.debug_loc: entries relative to the CU base, base selection, end of list', () => {
    const bytes = Uint8Array.from([
      0xee, // padding: the list starts at offset 1
      ...le(0x10, 8), ...le(0x20, 8), ...le(1, 2), 0x50,                 // [base+0x10, base+0x20): reg0
      ...le(-1n, 8), ...le(0x600000, 8),                                  // new base 0x600000
      ...le(0x0, 8), ...le(0x8, 8), ...le(2, 2), 0x91, 0x70,              // [0x600000, 0x600008): fbreg -16
      ...le(0, 8), ...le(0, 8),
    ]);
    const l = parseDebugLoc(bytes, 1, unit);
    assert.equal(l.length, 2);
    assert.deepEqual([l[0].begin, l[0].end, [...l[0].expr]], [0x400010n, 0x400020n, [0x50]]);
    assert.deepEqual([l[1].begin, l[1].end, [...l[1].expr]], [0x600000n, 0x600008n, [0x91, 0x70]]);
    assert.equal(l[1].exprOffset, 1 + 16 + 2 + 1 + 16 + 16 + 2);
    assert.equal(locationAt(l, 0x40001fn), l[0]);
    assert.equal(locationAt(l, 0x400020n), undefined);
    assert.equal(parseLocList(4, { loc: bytes }, 1, unit).length, 2);
  });

  it('.debug_loclists: all DW_LLE kinds', () => {
    const bytes = Uint8Array.from([
      4, ...uleb(0x10), ...uleb(0x20), 1, 0x50,          // offset_pair on CU base
      1, ...uleb(2),                                     // base_addressx 2 → 0x500200
      4, ...uleb(0), ...uleb(4), 1, 0x51,
      2, ...uleb(0), ...uleb(1), 1, 0x52,                 // startx_endx [0x500000, 0x500100)
      3, ...uleb(3), ...uleb(0x10), 1, 0x53,              // startx_length [0x500300, 0x500310)
      6, ...le(0x700000, 8),                              // base_address
      4, ...uleb(8), ...uleb(9), 1, 0x54,
      7, ...le(0x800000, 8), ...le(0x800010, 8), 1, 0x55, // start_end
      8, ...le(0x900000, 8), ...uleb(0x20), 1, 0x56,      // start_length
      9, ...uleb(1), ...uleb(2),                          // GNU view pair (skipped)
      5, 2, 0x9c, 0x9f,                                   // default_location
      0,
    ]);
    const l = parseDebugLoclists(bytes, 0, unit);
    assert.deepEqual(l.map(e => [e.begin, e.end, e.expr[0]]), [
      [0x400010n, 0x400020n, 0x50], [0x500200n, 0x500204n, 0x51], [0x500000n, 0x500100n, 0x52],
      [0x500300n, 0x500310n, 0x53], [0x700008n, 0x700009n, 0x54], [0x800000n, 0x800010n, 0x55],
      [0x900000n, 0x900020n, 0x56], [undefined, undefined, 0x9c],
    ]);
    assert.equal(locationAt(l, 0x900010n)?.expr[0], 0x56);
    assert.equal(locationAt(l, 0x123n)?.expr[0], 0x9c); // default
  });

  it('loclistx resolves through the offsets table after DW_AT_loclists_base', () => {
    // header (12 bytes, not read here) then 2 offsets relative to the base at 12
    const bytes = Uint8Array.from([...new Array<number>(12).fill(0), ...le(8, 4), ...le(11, 4), 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(loclistxOffset(bytes, 12, 0, 4), 20);
    assert.equal(loclistxOffset(bytes, 12, 1, 4), 23);
    assert.throws(() => loclistxOffset(bytes, 12, 5, 4), ParseError);
  });

  it('truncated or garbage lists give ParseError, never a hang', () => {
    assert.throws(() => parseDebugLoclists(Uint8Array.from([4, 0x10]), 0, unit), (e: unknown) => e instanceof ParseError && e.section === '.debug_loclists');
    assert.throws(() => parseDebugLoclists(Uint8Array.from([0x0a]), 0, unit), /unknown DW_LLE kind 0xa/);
    assert.throws(() => parseDebugLoc(Uint8Array.from(le(5, 8)), 0, unit), ParseError);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, v5) => {
      try {
        if (v5) parseDebugLoclists(b, 0, unit); else parseDebugLoc(b, 0, unit);
      } catch (e) { if (!(e instanceof ParseError)) throw e; }
    }), { numRuns: 3000 });
  });
});
