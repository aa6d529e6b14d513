// Global variables by name on hand-made DWARF: the top-level scan (locals never match, subtrees
// jumped by DW_AT_sibling without parsing them, namespaces searched), definitions completing a
// declaration through DW_AT_specification, and where the search stops (a definition, or a
// declaration of complete type when the ELF symbol table gives the address).
import assert from 'node:assert/strict';
import { DW_AT, DW_FORM as F, DW_TAG, Dwarf } from '../../../../adapter/symbols/dwarf';
import { scanTopLevel } from '../../../../adapter/symbols/dwarf/toplevel';
import { GlobalIndex } from '../../../../adapter/symbols/values/globals';
import { typeOf } from '../../../../adapter/symbols/values/types';
import { Bytes, sections, unit } from '../builder';

const C = 0x1d, CXX = 0x21;

function build(corrupt = false) {
  const str = new Bytes().u8(0);
  const s = (t: string) => { const o = str.length; str.str(t); return o; };
  const sTarget = s('target'), sInt = s('int'), sOpaque = s('opaque'), sNs = s('ns'), sNsVar = s('ns_var'), sLocal = s('local_only'), sFn = s('fn');
  const abbrev = new Bytes();
  const spec = (code: number, tag: number, children: boolean, attrs: [number, number][]) => {
    abbrev.uleb(code).uleb(tag).u8(children ? 1 : 0);
    for (const [at, form] of attrs) abbrev.uleb(at).uleb(form);
    abbrev.u8(0, 0);
  };
  spec(1, DW_TAG.compile_unit, true, [[DW_AT.language, F.data1]]);
  spec(2, DW_TAG.base_type, false, [[DW_AT.name, F.strp], [DW_AT.byte_size, F.data1], [DW_AT.encoding, F.data1]]);
  spec(3, DW_TAG.variable, false, [[DW_AT.name, F.strp], [DW_AT.type, F.ref4], [DW_AT.declaration, F.flag_present]]);
  spec(4, DW_TAG.variable, false, [[DW_AT.specification, F.ref4], [DW_AT.location, F.exprloc]]);
  spec(5, DW_TAG.subprogram, true, [[DW_AT.sibling, F.ref4], [DW_AT.name, F.strp]]);
  spec(6, DW_TAG.variable, false, [[DW_AT.name, F.strp], [DW_AT.type, F.ref4]]);
  spec(7, DW_TAG.structure_type, false, [[DW_AT.name, F.strp], [DW_AT.declaration, F.flag_present]]);
  spec(8, DW_TAG.namespace, true, [[DW_AT.name, F.strp]]);
  spec(9, DW_TAG.subprogram, true, [[DW_AT.name, F.strp]]);
  abbrev.u8(0);

  const info = new Bytes();
  const cu = (lang: number, body: (b: Bytes, at: (name: string) => number, ref: (name: string) => void) => void) => unit(info, b => {
    const start = b.length - 4;
    const marks = new Map<string, number>(), fix: [number, string][] = [];
    b.u16(4).u32(0).u8(8);
    b.uleb(1).u8(lang);
    body(b, n => { marks.set(n, b.length - start); return b.length; }, n => { fix.push([b.length, n]); b.u32(0); });
    b.u8(0);
    for (const [at, n] of fix) b.patch32(at, marks.get(n)!);
  });
  // Unit 1 (C): an opaque struct, `target` declared with it, a function whose subtree holds
  // `local_only` (and, when `corrupt`, bytes that do not parse: only a sibling jump gets past them).
  cu(C, (b, at, ref) => {
    at('opaque'); b.uleb(7).u32(sOpaque);
    b.uleb(3).u32(sTarget); ref('opaque');
    b.uleb(5); ref('after'); b.u32(sFn);
    b.uleb(6).u32(sLocal); ref('opaque');
    if (corrupt) b.u8(0x63, 0x63, 0x63); // abbreviation 99: unknown
    b.u8(0);
    at('after');
  });
  // Unit 2 (C): `extern int target;`, local_only inside a function without a sibling.
  cu(C, (b, at, ref) => {
    at('int'); b.uleb(2).u32(sInt).u8(4, 5);
    b.uleb(3).u32(sTarget); ref('int');
    b.uleb(9).u32(sFn); b.uleb(6).u32(sLocal); ref('int'); b.u8(0);
  });
  // Unit 3 (C++): ns::ns_var.
  cu(CXX, (b, at, ref) => {
    at('int'); b.uleb(2).u32(sInt).u8(4, 5);
    b.uleb(8).u32(sNs); b.uleb(6).u32(sNsVar); ref('int'); b.u8(0);
  });
  // Unit 4 (C): `int target;` after `extern int target;` (the definition names itself only
  // through DW_AT_specification).
  cu(C, (b, at, ref) => {
    at('int'); b.uleb(2).u32(sInt).u8(4, 5);
    at('decl'); b.uleb(3).u32(sTarget); ref('int');
    b.uleb(4); ref('decl'); b.uleb(9).u8(0x03).u64(0x1000n);
  });
  return new Dwarf(sections({ info: info.done(), abbrev: abbrev.done(), str: str.done() }));
}

describe('symbols/values/globals: global variables by name', () => {
  it('the top-level scan jumps over subtrees by DW_AT_sibling and enters namespaces', () => {
    const dwarf = build(true);
    const seen = (i: number, descend: ReadonlySet<number>) => {
      const u = dwarf.compileUnits()[i];
      const tags: number[] = [];
      scanTopLevel(u, u.scanBytes(), { descend, visit: a => { tags.push(a.tag); } });
      return tags;
    };
    // Unit 1 would not parse as a tree (abbreviation 99 inside the function): the scan never reads it.
    assert.deepEqual(seen(0, new Set()), [DW_TAG.structure_type, DW_TAG.variable, DW_TAG.subprogram]);
    assert.throws(() => dwarf.compileUnits()[0].dieCount, /abbreviation code 99/);
    // Without a sibling the function's children are stepped through, not visited.
    assert.deepEqual(seen(1, new Set()), [DW_TAG.base_type, DW_TAG.variable, DW_TAG.subprogram]);
    assert.deepEqual(seen(2, new Set([DW_TAG.namespace])), [DW_TAG.base_type, DW_TAG.namespace, DW_TAG.variable]);
    assert.deepEqual(seen(2, new Set()), [DW_TAG.base_type, DW_TAG.namespace]);
  });

  it('finds the definition through DW_AT_specification; function locals never match', () => {
    const dwarf = build();
    const idx = new GlobalIndex(dwarf);
    const dies = idx.find('target');
    // Declarations in units 1 and 2, then unit 4's declaration and its definition (storage ends the search).
    assert.equal(dies.length, 4);
    const def = dies.find(d => d.has(DW_AT.location));
    assert.ok(def, 'the definition is found');
    assert.equal(def.name(), 'target');
    assert.equal(typeOf(def).name, 'int', 'type through the specification');
    assert.deepEqual(idx.problems, []);
    assert.deepEqual(idx.find('local_only'), [], 'function-local variables are not globals');
  });

  it('stops at a complete declaration when the ELF symbol gives the address, not at an opaque one', () => {
    const lookups: string[] = [];
    const idx = new GlobalIndex(build(), { lookup: n => { lookups.push(n); return n === 'target' ? { value: 0x1000n, type: 'object' } : undefined; } });
    const dies = idx.find('target');
    assert.deepEqual(lookups, ['target']);
    // Unit 1's declaration has an opaque type: unit 2's (int) is the first usable one, and the
    // search ends there, before the definition in unit 4.
    const units = build().compileUnits().map(u => u.offset);
    assert.deepEqual(dies.map(d => d.unit.offset), [units[0], units[1]]);
    assert.deepEqual(dies.map(d => typeOf(d).name), ['struct opaque', 'int']);
  });

  it('searches namespaces: by plain and by qualified name', () => {
    const idx = new GlobalIndex(build());
    assert.equal(idx.find('ns_var').length, 1);
    assert.equal(idx.find('ns::ns_var')[0]?.qualifiedName(), 'ns::ns_var');
    assert.deepEqual(idx.find('other::ns_var'), []);
    assert.deepEqual(idx.find('no_such_name'), []);
  });
});
