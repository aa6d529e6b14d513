// .debug_abbrev: one abbreviation table per offset, parsed once and shared by the units using it.
//   entry: code ULEB | tag ULEB | has_children u8 | (attr ULEB, form ULEB [, implicit_const SLEB])* | 0,0
//   table: entry* | 0
import { ParseError } from '../../common/cursor';
import type { Section } from '../elf/section';
import { DW_FORM } from './constants';
import type { DebugAbbrevOffset } from './offsets';

export interface AttrSpec {
  readonly at: number;
  readonly form: number;
  /** DW_FORM_implicit_const's value, stored in the abbreviation. */
  readonly implicitConst?: bigint;
}

export interface Abbrev {
  readonly code: number;
  readonly tag: number;
  readonly hasChildren: boolean;
  readonly attrs: readonly AttrSpec[];
  /** Per (addressSize, offsetSize, version) key: byte size of all attributes when fixed, else -1. */
  fixedSize: Map<number, number>;
}

export class AbbrevTable {
  private readonly small: (Abbrev | undefined)[] = [];
  private readonly large = new Map<number, Abbrev>();

  constructor(readonly offset: DebugAbbrevOffset) {}

  get(code: number): Abbrev | undefined { return code < 4096 ? this.small[code] : this.large.get(code); }

  private add(a: Abbrev): void { if (a.code < 4096) this.small[a.code] = a; else this.large.set(a.code, a); }

  static parse(sec: Section, offset: DebugAbbrevOffset): AbbrevTable {
    if (offset >= sec.size) throw new ParseError(sec.name, offset, `abbreviation table offset is past the end of the section (${sec.size} bytes)`);
    const c = sec.cursor(offset);
    const t = new AbbrevTable(offset);
    for (;;) {
      const start = c.pos;
      const code = c.ulebNum(0x7fffffff, 'abbreviation code');
      if (code === 0) break;
      const tag = c.ulebNum(0xffff, 'tag');
      const children = c.u8();
      if (children > 1) throw c.error(`DW_CHILDREN value ${children} is neither 0 nor 1`, c.pos - 1);
      const attrs: AttrSpec[] = [];
      for (;;) {
        const at = c.ulebNum(0xffff, 'attribute'), form = c.ulebNum(0xffff, 'form');
        if (at === 0 && form === 0) break;
        if (at === 0 || form === 0) throw c.error(`attribute ${at} with form ${form} is invalid`);
        if (form === DW_FORM.implicit_const) attrs.push({ at, form, implicitConst: c.sleb() });
        else attrs.push({ at, form });
      }
      if (t.get(code)) throw c.error(`duplicate abbreviation code ${code}`, start);
      t.add({ code, tag, hasChildren: children === 1, attrs, fixedSize: new Map() });
    }
    return t;
  }
}
