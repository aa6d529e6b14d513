// Type names from hand-made DWARF, as gdb 13's whatis spells them: in a Rust unit every pointer
// type is `*mut T` whatever rustc named it (`&T`, `&mut T`, `*const T`), arrays are `[T; N]` and
// function types `fn (A) -> R`; C units keep C syntax (`char *`, `int [4]`, `void (int)`).
import assert from 'node:assert/strict';
import { DW_AT, DW_FORM as F, DW_TAG, Dwarf } from '../../../../adapter/symbols/dwarf';
import { typeOf } from '../../../../adapter/symbols/values/types';
import { Bytes, sections, unit } from '../builder';

const RUST = 0x1c, C = 0x1d;

/** One unit of `lang` with types and one variable per type (named after what it shows). */
function build(lang: number): Map<string, string> {
  const str = new Bytes().u8(0);
  const s = (t: string) => { const o = str.length; str.str(t); return o; };
  const abbrev = new Bytes();
  const spec = (code: number, tag: number, children: boolean, attrs: [number, number][]) => {
    abbrev.uleb(code).uleb(tag).u8(children ? 1 : 0);
    for (const [at, form] of attrs) abbrev.uleb(at).uleb(form);
    abbrev.u8(0, 0);
  };
  spec(1, DW_TAG.compile_unit, true, [[DW_AT.language, F.data1]]);
  spec(2, DW_TAG.base_type, false, [[DW_AT.name, F.strp], [DW_AT.byte_size, F.data1], [DW_AT.encoding, F.data1]]);
  spec(3, DW_TAG.pointer_type, false, [[DW_AT.name, F.strp], [DW_AT.type, F.ref4]]);
  spec(4, DW_TAG.pointer_type, false, [[DW_AT.type, F.ref4]]);
  spec(5, DW_TAG.array_type, true, [[DW_AT.type, F.ref4]]);
  spec(6, DW_TAG.subrange_type, false, [[DW_AT.count, F.data1]]);
  spec(7, DW_TAG.subroutine_type, true, []);
  spec(8, DW_TAG.formal_parameter, false, [[DW_AT.type, F.ref4]]);
  spec(9, DW_TAG.variable, false, [[DW_AT.name, F.strp], [DW_AT.type, F.ref4]]);
  spec(10, DW_TAG.subroutine_type, true, [[DW_AT.type, F.ref4]]);
  abbrev.u8(0);
  const rust = lang === RUST;
  const info = new Bytes();
  const vars: string[] = [];
  unit(info, b => {
    const start = b.length - 4;
    const marks = new Map<string, number>(), fix: [number, string][] = [];
    const at = (n: string) => { marks.set(n, b.length - start); };
    const ref = (n: string) => { fix.push([b.length, n]); b.u32(0); };
    const variable = (name: string, type: string) => { vars.push(name); b.uleb(9).u32(s(name)); ref(type); };
    b.u16(4).u32(0).u8(8);
    b.uleb(1).u8(lang);
    at('u8'); b.uleb(2).u32(s(rust ? 'u8' : 'char')).u8(1, rust ? 8 : 6);
    at('ref'); b.uleb(3).u32(s(rust ? '&u8' : 'char *')); ref('u8');
    at('refref'); b.uleb(3).u32(s(rust ? '&mut &u8' : 'char **')); ref('ref');
    at('arr'); b.uleb(5); ref('u8'); b.uleb(6).u8(4); b.u8(0);
    at('arr2'); b.uleb(5); ref('u8'); b.uleb(6).u8(2); b.uleb(6).u8(3); b.u8(0);
    at('rawarr'); b.uleb(3).u32(s(rust ? '*const [u8; 4]' : 'char (*)[4]')); ref('arr');
    at('fn'); b.uleb(7); b.uleb(8); ref('u8'); b.u8(0);
    at('fnret'); b.uleb(10); ref('u8'); b.uleb(8); ref('ref'); b.uleb(8); ref('u8'); b.u8(0);
    at('fnptr'); b.uleb(3).u32(s(rust ? 'fn(u8)' : 'void (*)(char)')); ref('fn');
    at('anonptr'); b.uleb(4); ref('fnret');
    variable('ref', 'ref'); variable('refref', 'refref'); variable('arr', 'arr'); variable('arr2', 'arr2');
    variable('rawarr', 'rawarr'); variable('fnptr', 'fnptr'); variable('anonptr', 'anonptr');
    b.u8(0);
    for (const [p, n] of fix) b.patch32(p, marks.get(n)!);
  });
  const dwarf = new Dwarf(sections({ info: info.done(), abbrev: abbrev.done(), str: str.done() }));
  const root = dwarf.compileUnits()[0].root();
  return new Map(root.children().filter(d => d.tag === DW_TAG.variable).map(d => [d.name()!, typeOf(d).name]));
}

describe('symbols/values/types: type names as gdb spells them', () => {
  it('Rust: *mut T for references and raw pointers, [T; N] arrays, fn (A) -> R', () => {
    const t = build(RUST);
    assert.equal(t.get('ref'), '*mut u8');
    assert.equal(t.get('refref'), '*mut *mut u8');
    assert.equal(t.get('arr'), '[u8; 4]');
    assert.equal(t.get('arr2'), '[[u8; 3]; 2]');
    assert.equal(t.get('rawarr'), '*mut [u8; 4]');
    assert.equal(t.get('fnptr'), '*mut fn (u8)');
    assert.equal(t.get('anonptr'), '*mut fn (*mut u8, u8) -> u8');
  });

  it('C keeps its own syntax and the compiler\'s pointer names', () => {
    const t = build(C);
    assert.equal(t.get('ref'), 'char *');
    assert.equal(t.get('refref'), 'char **');
    assert.equal(t.get('arr'), 'char [4]');
    assert.equal(t.get('arr2'), 'char [2][3]');
    assert.equal(t.get('rawarr'), 'char (*)[4]');
    assert.equal(t.get('fnptr'), 'void (*)(char)');
    assert.equal(t.get('anonptr'), 'char (*)(char *, char)');
  });
});
