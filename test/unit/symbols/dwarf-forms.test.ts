// The DIE layer on hand-made DWARF: every DWARF 5 form (strx1-4/strx, addrx*, rnglistx,
// loclistx, implicit_const, line_strp, data16, indirect), a DWARF 4 unit in the same section and
// DW_FORM_ref_addr between them, unit bases, names through abstract_origin, range lists.
import assert from 'node:assert/strict';
import { DW_AT, DW_FORM as F, DW_TAG, Dwarf, infoOffset } from '../../../adapter/symbols/dwarf';
import { Bytes, sections, unit } from './builder';

class Strs {
  readonly b = new Bytes().u8(0);
  add(s: string): number { const o = this.b.length; this.b.str(s); return o; }
}

function build() {
  const str = new Strs(), lineStr = new Strs();
  const sCu = str.add('cu.c'), sProd = str.add('GNU C17 12.2.0'), sMain = str.add('main'), sInt = str.add('int'), sBig = str.add('big'), sX = str.add('x'), sInl = str.add('helper');
  const lDir = lineStr.add('/src');
  const strOffsets = new Bytes();
  unit(strOffsets, b => { b.u16(5).u16(0); for (const o of [sCu, sMain, sInt, sBig, sX]) b.u32(o); });
  const addr = new Bytes();
  unit(addr, b => { b.u16(5).u8(8, 0); b.u64(0x1000n).u64(0x2000n).u64(0x3000n); });
  const rng = new Bytes();
  unit(rng, b => {
    b.u16(5).u8(8, 0).u32(1); // offset_entry_count 1
    b.u32(4);                  // list 0 at base + 4
    b.u8(1).uleb(0);           // base_addressx 0 → 0x1000
    b.u8(4).uleb(0x10).uleb(0x20); // offset_pair → [0x1010, 0x1020)
    b.u8(3).uleb(1).uleb(0x30);    // startx_length → [0x2000, 0x2030)
    b.u8(6).u64(0x5000n).u64(0x5010n); // start_end
    b.u8(0);
  });
  const loc = new Bytes();
  unit(loc, b => { b.u16(5).u8(8, 0).u32(1); b.u32(4); b.u8(0); });

  const abbrev = new Bytes();
  const spec = (code: number, tag: number, children: boolean, attrs: [number, number, number?][]) => {
    abbrev.uleb(code).uleb(tag).u8(children ? 1 : 0);
    for (const [at, form, ic] of attrs) { abbrev.uleb(at).uleb(form); if (form === F.implicit_const) abbrev.sleb(ic!); }
    abbrev.u8(0, 0);
  };
  spec(1, DW_TAG.compile_unit, true, [[DW_AT.name, F.strx1], [DW_AT.producer, F.strp], [DW_AT.comp_dir, F.line_strp],
    [DW_AT.str_offsets_base, F.sec_offset], [DW_AT.addr_base, F.sec_offset], [DW_AT.rnglists_base, F.sec_offset],
    [DW_AT.loclists_base, F.sec_offset], [DW_AT.low_pc, F.addrx], [DW_AT.language, F.implicit_const, 0x1d]]);
  spec(2, DW_TAG.subprogram, true, [[DW_AT.name, F.strx2], [DW_AT.low_pc, F.addrx1], [DW_AT.high_pc, F.data4],
    [DW_AT.external, F.flag_present], [DW_AT.decl_line, F.implicit_const, 42], [DW_AT.frame_base, F.exprloc]]);
  spec(3, DW_TAG.variable, false, [[DW_AT.name, F.string], [DW_AT.location, F.loclistx], [DW_AT.type, F.ref4], [DW_AT.const_value, F.sdata], [DW_AT.byte_size, F.data1]]);
  spec(4, DW_TAG.lexical_block, false, [[DW_AT.ranges, F.rnglistx], [DW_AT.abstract_origin, F.ref_addr]]);
  spec(5, DW_TAG.base_type, false, [[DW_AT.name, F.strx3], [DW_AT.encoding, F.data1], [DW_AT.byte_size, F.udata], [DW_AT.bit_size, F.data2]]);
  spec(6, DW_TAG.variable, false, [[DW_AT.name, F.strx4], [DW_AT.const_value, F.data16], [DW_AT.decl_file, F.data8], [DW_AT.type, F.ref_udata]]);
  spec(7, DW_TAG.variable, false, [[DW_AT.name, F.strx], [DW_AT.type, F.indirect]]);
  abbrev.u8(0);
  const abbrev2 = abbrev.length;
  spec(1, DW_TAG.compile_unit, true, [[DW_AT.name, F.string], [DW_AT.low_pc, F.addr], [DW_AT.high_pc, F.data8]]);
  spec(2, DW_TAG.subprogram, false, [[DW_AT.name, F.strp], [DW_AT.inline, F.data1]]);
  abbrev.u8(0);

  const info = new Bytes();
  const offs: Record<string, number> = {};
  let refAddrAt = 0;
  // Unit 1: DWARF 5 compile unit.
  unit(info, b => {
    b.u16(5).u8(1, 8).u32(0); // version, DW_UT_compile, address_size, abbrev offset
    offs.cu = b.length;
    b.uleb(1).u8(0).u32(sProd).u32(lDir).u32(8).u32(8).u32(12).u32(12).uleb(0);
    offs.main = b.length;
    b.uleb(2).u16(1).u8(1).u32(0x40).uleb(1).u8(0x9c); // frame_base: DW_OP_call_frame_cfa
    offs.var = b.length;
    b.uleb(3).str('local').uleb(0).u32(0).sleb(-5).u8(4);
    offs.block = b.length;
    b.uleb(4).uleb(0); refAddrAt = b.length; b.u32(0); // patched: ref_addr into unit 2
    b.u8(0); // end of main's children
    offs.int = b.length;
    b.uleb(5).u24(2).u8(5).uleb(4).u16(32);
    offs.big = b.length;
    b.uleb(6).u32(3).bytes(Array.from({ length: 16 }, (_, i) => i)).u64(1n).uleb(0);
    offs.x = b.length;
    b.uleb(7).uleb(4).uleb(F.ref4).u32(0);
    b.u8(0);
  });
  // Unit 2: DWARF 4, its own abbreviations.
  const u2 = unit(info, b => {
    b.u16(4).u32(abbrev2).u8(8);
    b.uleb(1).str('old.c').u64(0x9000n).u64(0x100n);
    offs.helper = b.length;
    b.uleb(2).u32(sInl).u8(3);
    b.u8(0);
  });
  offs.u2 = u2;
  info.patch32(refAddrAt, offs.helper);
  // Patch the forward references that point at DIEs inside unit 1 (ref4 is unit-relative).
  const bytes = info.done();
  const set32 = (at: number, v: number) => { bytes[at] = v & 0xff; bytes[at + 1] = (v >> 8) & 0xff; bytes[at + 2] = (v >> 16) & 0xff; bytes[at + 3] = (v >>> 24) & 0xff; };
  // variable 'local' DW_AT_type (ref4) is the 4 bytes before its const_value: find by layout.
  const localTypeAt = offs.var + 1 + 'local'.length + 1 + 1;
  set32(localTypeAt, offs.int);
  set32(offs.x + 1 + 1 + 1, offs.int);
  bytes[offs.big + 1 + 4 + 16 + 8] = offs.int; // ref_udata fits one byte here
  return {
    offs,
    dwarf: new Dwarf(sections({ info: bytes, abbrev: abbrev.done(), str: str.b.done(), lineStr: lineStr.b.done(), strOffsets: strOffsets.done(), addr: addr.done(), rnglists: rng.done(), loclists: loc.done() })),
  };
}

describe('symbols/dwarf: forms, units and DIEs', () => {
  const { dwarf, offs } = build();

  it('reads both unit headers (v5 and v4) and the unit bases', () => {
    const hs = dwarf.unitHeaders();
    assert.deepEqual(hs.map(h => [h.version, h.offset, h.addressSize]), [[5, 0, 8], [4, offs.u2, 8]]);
    const u = dwarf.unit(infoOffset(0));
    assert.deepEqual(u.bases(), { strOffsetsBase: 8, addrBase: 8, rnglistsBase: 12, loclistsBase: 12, baseAddress: 0x1000n });
    assert.equal(u.name(), 'cu.c');
    assert.equal(u.producer(), 'GNU C17 12.2.0');
    assert.equal(u.compDir(), '/src');
    assert.equal(u.language(), 0x1d);
  });

  it('resolves strx1/2/3/4/strx, addrx/addrx1, data16, implicit_const, exprloc and indirect', () => {
    const u = dwarf.unit(infoOffset(0));
    const main = u.dieAt(infoOffset(offs.main));
    assert.equal(main.tag, DW_TAG.subprogram);
    assert.equal(main.name(), 'main');
    assert.equal(main.address(DW_AT.low_pc), 0x2000n);
    assert.deepEqual(main.pcRanges(), [{ low: 0x2000n, high: 0x2040n }]);
    assert.equal(main.flag(DW_AT.external), true);
    assert.equal(main.udata(DW_AT.decl_line), 42n);
    assert.deepEqual(main.attr(DW_AT.frame_base), { kind: 'exprloc', bytes: Uint8Array.of(0x9c), offset: offs.main + 1 + 2 + 1 + 4 + 1 });
    const big = u.dieAt(infoOffset(offs.big));
    assert.equal(big.name(), 'big');
    const c = big.attr(DW_AT.const_value);
    assert.ok(c?.kind === 'data16' && c.bytes[15] === 15);
    assert.equal(big.ref(DW_AT.type)?.name(), 'int');
    const int = u.dieAt(infoOffset(offs.int));
    assert.equal(int.name(), 'int');
    assert.equal(int.udata(DW_AT.byte_size), 4n);
    assert.equal(int.udata(DW_AT.bit_size), 32n);
    const x = u.dieAt(infoOffset(offs.x));
    assert.equal(x.name(), 'x');
    assert.equal(x.ref(DW_AT.type)?.offset, offs.int);
  });

  it('reads sdata, loclistx (through loclists_base) and ref4', () => {
    const v = dwarf.die(infoOffset(offs.var));
    assert.equal(v.name(), 'local');
    assert.equal(v.sdata(DW_AT.const_value), -5n);
    assert.deepEqual(v.attr(DW_AT.location), { kind: 'loclistx', index: 0, offset: 16 });
    assert.equal(v.ref(DW_AT.type)?.name(), 'int');
    assert.equal(v.parent()?.offset, offs.main);
  });

  it('follows DW_FORM_ref_addr into the DWARF 4 unit and names through abstract_origin', () => {
    const blk = dwarf.die(infoOffset(offs.block));
    const origin = blk.origin();
    assert.equal(origin?.offset, offs.helper);
    assert.equal(origin?.unit.version, 4);
    assert.equal(blk.name(), 'helper');
    assert.equal(origin?.udata(DW_AT.inline), 3n);
  });

  it('reads a DWARF 5 range list through rnglistx (base_addressx, offset_pair, startx_length, start_end)', () => {
    const blk = dwarf.die(infoOffset(offs.block));
    assert.deepEqual(blk.pcRanges(), [
      { low: 0x1010n, high: 0x1020n }, { low: 0x2000n, high: 0x2030n }, { low: 0x5000n, high: 0x5010n },
    ]);
  });

  it('navigates the tree: children, parent, dieCount', () => {
    const u = dwarf.unit(infoOffset(0));
    assert.equal(u.dieCount, 7);
    assert.deepEqual(u.root().children().map(d => d.offset), [offs.main, offs.int, offs.big, offs.x]);
    assert.deepEqual(u.dieAt(infoOffset(offs.main)).children().map(d => d.tag), [DW_TAG.variable, DW_TAG.lexical_block]);
    const u2 = dwarf.unit(infoOffset(offs.u2));
    assert.deepEqual(u2.root().pcRanges(), [{ low: 0x9000n, high: 0x9100n }]);
  });

  it('rejects an offset that is not a DIE with a typed error naming .debug_info', () => {
    assert.throws(() => dwarf.die(infoOffset(offs.main + 1)), /\.debug_info at offset 0x[0-9a-f]+: no DIE starts at this offset/);
    assert.throws(() => dwarf.die(infoOffset(100000)), /\.debug_info at offset 0x186a0: offset is not inside any unit/);
  });
});
