// DW_EH_PE pointer encodings: every format and application, indirect, aligned, omit.
import assert from 'node:assert/strict';
import { ByteCursor, ParseError } from '../../../../adapter/common/cursor';
import { readEncodedPointer, type PointerBases } from '../../../../adapter/symbols/cfi/encoding';
import { le, sleb, uleb } from './asm';

const bases: PointerBases = { sectionAddress: 0x10000n, text: 0x400000n, data: 0x600000n, readPointer: a => (a === 0x600010n ? 0xdeadn : undefined) };
const at = (bytes: number[], pos = 0) => new ByteCursor(Uint8Array.from(bytes), '.eh_frame', pos);

describe('DW_EH_PE pointer encodings', () => {
  it('formats: absptr, uleb128, udata2/4/8, sleb128, sdata2/4/8', () => {
    assert.equal(readEncodedPointer(at(le(0x1122334455667788n, 8)), 0x00, 8, bases), 0x1122334455667788n);
    assert.equal(readEncodedPointer(at(uleb(300)), 0x01, 8, bases), 300n);
    assert.equal(readEncodedPointer(at(le(0xfffe, 2)), 0x02, 8, bases), 0xfffen);
    assert.equal(readEncodedPointer(at(le(0xfffffffe, 4)), 0x03, 8, bases), 0xfffffffen);
    assert.equal(readEncodedPointer(at(le(5n, 8)), 0x04, 8, bases), 5n);
    assert.equal(readEncodedPointer(at(sleb(-2)), 0x09, 8, bases), 0xfffffffffffffffen);
    assert.equal(readEncodedPointer(at(le(-2, 2)), 0x0a, 8, bases), 0xfffffffffffffffen);
    assert.equal(readEncodedPointer(at(le(-2, 4)), 0x0b, 8, bases), 0xfffffffffffffffen);
    assert.equal(readEncodedPointer(at(le(-2n, 8)), 0x0c, 8, bases), 0xfffffffffffffffen);
  });
  it('applications: pcrel (from the field), textrel, datarel, funcrel, aligned, indirect', () => {
    // pcrel: field at section offset 4 → 0x10004 + (-4) = 0x10000
    assert.equal(readEncodedPointer(at([0, 0, 0, 0, ...le(-4, 4)], 4), 0x1b, 8, bases), 0x10000n);
    assert.equal(readEncodedPointer(at(le(0x10, 4)), 0x23, 8, bases), 0x400010n);
    assert.equal(readEncodedPointer(at(le(0x10, 4)), 0x33, 8, bases), 0x600010n);
    assert.equal(readEncodedPointer(at(le(0x10, 4)), 0x43, 8, bases, { funcStart: 0x401000n }), 0x401010n);
    // aligned: skip to an 8-byte boundary of the address first
    assert.equal(readEncodedPointer(at([0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...le(0x77n, 8)], 1), 0x50, 8, bases), 0x77n);
    // indirect: the encoded value is the address of the pointer
    assert.equal(readEncodedPointer(at(le(0x10, 4)), 0xb3, 8, bases), 0xdeadn);
    // address ranges use only the format
    assert.equal(readEncodedPointer(at(le(0x20, 4)), 0x1b, 8, bases, { valueOnly: true }), 0x20n);
  });
  it('bad encodings and missing bases are ParseErrors', () => {
    assert.throws(() => readEncodedPointer(at([1, 2]), 0xff, 8, bases), ParseError);
    assert.throws(() => readEncodedPointer(at(le(0, 4)), 0x05, 8, bases), /unknown pointer encoding/);
    assert.throws(() => readEncodedPointer(at(le(0, 4)), 0x63, 8, bases), /application/);
    assert.throws(() => readEncodedPointer(at(le(0, 4)), 0x33, 8, { sectionAddress: 0n }), /datarel/);
    assert.throws(() => readEncodedPointer(at(le(0, 4)), 0x43, 8, bases), /funcrel/);
    assert.throws(() => readEncodedPointer(at(le(0x99, 4)), 0x83, 8, bases), /indirect pointer at 0x99/);
    assert.throws(() => readEncodedPointer(at([1]), 0x03, 8, bases), ParseError);
  });
});
