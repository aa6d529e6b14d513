// .debug_line on hand-made programs: DWARF 5 entry formats with MD5, DWARF 3 include
// directories, every standard opcode, several sequences, and gdb-style tables built from them.
import assert from 'node:assert/strict';
import { LineProgram, lineOffset } from '../../../adapter/symbols/dwarf';
import { CuLineTable } from '../../../adapter/symbols/linetable';
import { Bytes, section, unit } from './builder';

const STD_LENGTHS = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];

function header(b: Bytes, version: number, tables: (b: Bytes) => void): void {
  b.u16(version);
  if (version >= 5) b.u8(8, 0);
  const hlenAt = b.length; b.u32(0);
  const start = b.length;
  b.u8(1); if (version >= 4) b.u8(1);
  b.u8(1).u8(-5 & 0xff).u8(14).u8(13);
  for (const l of STD_LENGTHS) b.u8(l);
  tables(b);
  b.patch32(hlenAt, b.length - start);
}

describe('symbols/dwarf/line: line programs', () => {
  it('DWARF 5: directory/file entry formats with MD5, opcodes, two sequences', () => {
    const md5 = Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    const b = new Bytes();
    unit(b, u => {
      header(u, 5, h => {
        h.u8(1).uleb(1).uleb(0x08);                   // dirs: path as DW_FORM_string
        h.uleb(2).str('/work').str('inc');
        h.u8(3).uleb(1).uleb(0x08).uleb(2).uleb(0x0b).uleb(5).uleb(0x1e); // files: path string, dir data1, MD5 data16
        h.uleb(2).str('a.c').u8(0).bytes(md5).str('b.h').u8(1).bytes(md5);
      });
      u.u8(0, 9, 2).u64(0x1000n);        // set_address 0x1000
      u.u8(0x03).sleb(9);                // advance_line to 10
      u.u8(0x01);                        // copy: 0x1000 a.c:10
      u.u8(0x05).uleb(7);                // set_column 7
      u.u8(13 + 14 * 2 + (1 + 5));       // special: +2 addr, +1 line → 0x1002 line 11
      u.u8(0x04).uleb(1);                // set_file b.h
      u.u8(0x06);                        // negate_stmt
      u.u8(0x09).u16(0x10);              // fixed_advance_pc 0x10 → 0x1012
      u.u8(0x0a);                        // prologue_end
      u.u8(0x01);                        // copy: 0x1012 b.h:11 !stmt prologue_end
      u.u8(0x08);                        // const_add_pc: +(255-13)/14 = 17 → 0x1023
      u.u8(0x02).uleb(1);                // advance_pc 1 → 0x1024
      u.u8(0, 1, 1);                     // end_sequence
      u.u8(0, 9, 2).u64(0x2000n).u8(0x01).u8(0, 1, 1); // second sequence: one row + end
    });
    const lp = LineProgram.parse(section('.debug_line', b.done()), lineOffset(0), { addressSize: 8, sections: {}, compDir: '/work' });
    assert.equal(lp.version, 5);
    assert.deepEqual(lp.files.map(f => f?.path), ['/work/a.c', '/work/inc/b.h']);
    assert.deepEqual(Array.from(lp.file(1)!.md5!), md5);
    const seqs = lp.sequences();
    assert.equal(seqs.length, 2);
    assert.deepEqual(seqs[0].map(r => [r.address, r.file, r.line, r.column, r.isStmt, r.prologueEnd, r.endSequence]), [
      [0x1000n, 1, 10, 0, true, false, false],
      [0x1002n, 1, 11, 7, true, false, false],
      [0x1012n, 1, 11, 7, false, true, false],
      [0x1024n, 1, 11, 7, false, false, true],
    ]);
    assert.deepEqual(seqs[1].map(r => [r.address, r.endSequence]), [[0x2000n, false], [0x2000n, true]]);
    // File register 1 is b.h in DWARF 5 (0-based): every row belongs to b.h.
    const lt = new CuLineTable(lp, false, '/work/a.c');
    assert.deepEqual(lt.files(), ['/work/inc/b.h']);
    assert.equal(lt.lookup(0x1003n)?.line, 11);
    assert.equal(lt.lookup(0x1003n)?.end, 0x1012n);
  });

  it('DWARF 3: include_directories and file_names, comp_dir for directory 0', () => {
    const b = new Bytes();
    unit(b, u => {
      header(u, 3, h => {
        h.str('sub').str('/abs').u8(0);
        h.str('main.c').uleb(0).uleb(0).uleb(0).str('x.h').uleb(1).uleb(0).uleb(0).str('y.h').uleb(2).uleb(0).uleb(0).u8(0);
      });
      u.u8(0, 9, 2).u64(0x400000n).u8(0x01);
      u.u8(0x04).uleb(2).u8(13 + 14 * 4 + 5 + 2); // file x.h, +4 addr, +2 lines → 0x400004 line 3
      u.u8(0x02).uleb(2).u8(0, 1, 1);              // end_sequence at 0x400006
    });
    const lp = LineProgram.parse(section('.debug_line', b.done()), lineOffset(0), { addressSize: 8, sections: {}, compDir: '/build' });
    assert.deepEqual(lp.files.map(f => f?.path), [undefined, '/build/main.c', '/build/sub/x.h', '/abs/y.h']);
    const lt = new CuLineTable(lp, false, '/build/main.c');
    assert.deepEqual(lt.lookup(0x400002n), { file: '/build/main.c', line: 1, pc: 0x400000n, end: 0x400004n, isStmt: true });
    assert.deepEqual(lt.lookup(0x400005n), { file: '/build/sub/x.h', line: 3, pc: 0x400004n, end: 0x400006n, isStmt: true });
    assert.equal(lt.lookup(0x400006n), undefined);
  });

  it('rejects a zero line_range and a length past the section with typed errors', () => {
    const b = new Bytes();
    unit(b, u => { u.u16(4).u32(6).u8(1, 1, 1, 0xfb, 0, 13); });
    assert.throws(() => LineProgram.parse(section('.debug_line', b.done()), lineOffset(0), { addressSize: 8, sections: {} }), /\.debug_line at offset 0x[0-9a-f]+: line_range is 0/);
    const c = new Bytes().u32(1000).u16(4);
    assert.throws(() => LineProgram.parse(section('.debug_line', c.done()), lineOffset(0), { addressSize: 8, sections: {} }), /\.debug_line at offset 0x0: line program length 1000 runs past/);
  });
});
