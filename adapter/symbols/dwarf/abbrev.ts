// .debug_abbrev: one abbreviation table per offset, parsed once and shared by the units using it.
//   entry: code ULEB | tag ULEB | has_children u8 | (attr ULEB, form ULEB [, implicit_const SLEB])* | 0,0
//   table: entry* | 0
import { ByteCursor as ByteCursorClass, ParseError, type ByteCursor } from '../../common/cursor';
import type { Section } from '../elf/section';
import { DW_FORM } from './constants';
import type { AbbrevLayout } from './layout';
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
  /** Attribute layout for the encoding `layoutKey` (layout.ts). */
  layout?: AbbrevLayout;
  layoutKey?: number;
}

/** First window read for a table (a vmlinux's tables are ~2-3 KiB each). */
const FIRST_WINDOW = 8 * 1024;

/**
 * One table, parsed incrementally: entries are decoded up to the code asked for, so reading the
 * root DIE of every unit of a vmlinux decodes one entry per table, not thousands.
 */
export class AbbrevTable {
  private readonly small: (Abbrev | undefined)[] = [];
  private readonly large = new Map<number, Abbrev>();
  private cursor: ByteCursor | undefined;
  private error: unknown;
  private scanned: Map<number, Abbrev> | undefined;

  /** The table's end is only known by parsing it: read a window and grow it when it runs out. */
  private constructor(readonly offset: DebugAbbrevOffset, private readonly sec: Section, private win: number) {
    this.cursor = sec.cursor(offset, win);
  }

  static parse(sec: Section, offset: DebugAbbrevOffset): AbbrevTable {
    if (offset >= sec.size) throw new ParseError(sec.name, offset, `abbreviation table offset is past the end of the section (${sec.size} bytes)`);
    return new AbbrevTable(offset, sec, Math.min(sec.size - offset, FIRST_WINDOW));
  }

  /** A bigger window with the cursor at the same place; false when it already reaches the end. */
  private grow(pos: number): boolean {
    const rest = this.sec.size - this.offset;
    if (this.win >= rest) return false;
    this.win = Math.min(rest, this.win * 8);
    this.cursor = this.sec.cursor(this.offset, this.win);
    this.cursor.pos = pos;
    return true;
  }

  get(code: number): Abbrev | undefined {
    const a = code < 4096 ? this.small[code] : this.large.get(code);
    if (a || !this.cursor) return a;
    const s = this.scanned?.get(code);
    if (s) return s;
    if (this.error) throw this.error;
    try {
      while (this.cursor) {
        const at = this.cursor.pos;
        let n: Abbrev | undefined;
        try { n = this.next(); } catch (e) { if (this.grow(at)) continue; throw e; }
        if (n && n.code === code) return n;
      }
    } catch (e) { this.error = e; throw e; }
    return undefined;
  }

  /**
   * Finds one entry by skimming the rest of the table without building the others (the root DIE
   * of each unit of a big binary; GCC gives it one of the last codes).
   */
  find(code: number): Abbrev | undefined {
    const known = (code < 4096 ? this.small[code] : this.large.get(code)) ?? this.scanned?.get(code);
    if (known || !this.cursor) return known ?? undefined;
    const c = this.cursor;
    const k = new ByteCursorClass(c.bytes, c.section, c.pos, c.end, c.base);
    try {
      for (;;) {
        const at = k.pos;
        const cd = k.ulebNum(0x7fffffff, 'abbreviation code');
        if (cd === 0) return undefined;
        if (cd === code) {
          const saved = this.cursor;
          this.cursor = new ByteCursorClass(k.bytes, k.section, at, k.end, k.base);
          let a: Abbrev | undefined;
          try { a = this.decode(false); } finally { this.cursor = saved; }
          (this.scanned ??= new Map()).set(code, a!);
          return a;
        }
        k.ulebNum(0xffff, 'tag'); k.u8();
        for (;;) {
          const atr = k.ulebNum(0xffff, 'attribute'), form = k.ulebNum(0xffff, 'form');
          if (atr === 0 && form === 0) break;
          if (form === DW_FORM.implicit_const) k.sleb();
        }
      }
    } catch {
      if (this.grow(c.pos)) return this.find(code);
      return this.get(code); // let the full parse report the error
    }
  }

  /** Every entry of the table (decodes the rest of it). */
  all(): Abbrev[] {
    if (this.cursor) this.get(-1); // no entry has code -1: decodes to the end (or throws)
    return [...this.small.filter(a => a !== undefined), ...this.large.values()];
  }

  /** Decodes the next entry (undefined at the table's end, which also drops the cursor). */
  private next(): Abbrev | undefined { return this.decode(true); }

  private decode(store: boolean): Abbrev | undefined {
    const c = this.cursor!;
    const start = c.pos;
    const code = c.ulebNum(0x7fffffff, 'abbreviation code');
    if (code === 0) { this.cursor = undefined; return undefined; }
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
    if (!store) return { code, tag, hasChildren: children === 1, attrs };
    if ((code < 4096 ? this.small[code] : this.large.get(code))) throw c.error(`duplicate abbreviation code ${code}`, start);
    const a: Abbrev = this.scanned?.get(code) ?? { code, tag, hasChildren: children === 1, attrs };
    if (code < 4096) this.small[code] = a; else this.large.set(code, a);
    return a;
  }
}
