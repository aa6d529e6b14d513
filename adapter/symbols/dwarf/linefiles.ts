// .debug_line file tables read without building programs: the `.debug_line_str` offsets (DWARF 5
// line_strp paths) or names of every program, to index a large binary's files cheaply.
import type { ByteCursor } from '../../common/cursor';
import type { Section, SectionWindow } from '../elf/section';
import { DW_FORM, DW_LNCT } from './constants';
import { readValue, skipValue, type FormContext } from './form';
import { openProgram } from './line';

/** Growable list of numbers for scans (reused across programs: no array per program). */
export class NumberList {
  a: Float64Array;
  n = 0;
  constructor(cap = 256) { this.a = new Float64Array(cap); }
  push(v: number): void {
    if (this.n === this.a.length) { const g = new Float64Array(this.a.length * 2); g.set(this.a); this.a = g; }
    this.a[this.n++] = v;
  }
  toArray(): number[] { return Array.from(this.a.subarray(0, this.n)); }
}

/** Appends the paths of `count` (line_strp u32, udata) entries; false, with nothing read, when
 *  they would run past the header (the general loop then reports where). */
function gccPaths(c: ByteCursor, count: number, refs: NumberList): boolean {
  const b = c.bytes, end = c.end, n0 = refs.n;
  let p = c.pos;
  for (let i = 0; i < count; i++) {
    if (p + 5 > end) { refs.n = n0; return false; }
    refs.push((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0);
    p += 4;
    while (p < end && (b[p] & 0x80) !== 0) p++;
    p++;
  }
  if (p > end) { refs.n = n0; return false; }
  c.pos = p;
  return true;
}

/**
 * File names of the program at `offset`, read without building the program: `.debug_line_str`
 * offsets (DWARF 5 line_strp paths) or strings, plus where the next program starts.
 */
export function scanFileNames(sec: Section, offset: number, win?: SectionWindow, refsInto?: NumberList): { end: number; refs: NumberList; names: string[] } {
  const { c, end, offSize, version } = openProgram(sec, offset, win);
  let addressSize = 8;
  if (version >= 5) { addressSize = c.u8(); c.u8(); }
  if (offSize === 4) c.u32(); else c.u64();
  c.skip(version >= 4 ? 5 : 4);
  const opcodeBase = c.u8();
  c.skip(Math.max(0, opcodeBase - 1));
  // `refsInto`: a caller's list the refs are appended to (one list for every program).
  const refs = refsInto ?? new NumberList(), names: string[] = [];
  if (version >= 5) {
    const fc: FormContext = { version, addressSize, offsetSize: offSize, offset: 0 };
    const table = (keep: boolean) => {
      const n = c.u8();
      const fmt: number[] = [];
      for (let i = 0; i < n; i++) fmt.push(c.ulebNum(0xffff, 'content type'), c.ulebNum(0xffff, 'form'));
      const count = c.ulebNum(c.remaining, 'entry count');
      // GCC's file table (path as a 4-byte line_strp, then a directory index) in one tight loop.
      if (keep && offSize === 4 && n === 2 && fmt[0] === DW_LNCT.path && fmt[1] === DW_FORM.line_strp && fmt[3] === DW_FORM.udata && gccPaths(c, count, refs)) return;
      for (let i = 0; i < count; i++) {
        for (let k = 0; k < fmt.length; k += 2) {
          const type = fmt[k], form = fmt[k + 1];
          if (form === DW_FORM.line_strp) { const o = offSize === 4 ? c.u32() : Number(c.u64()); if (keep && type === DW_LNCT.path) refs.push(o); continue; }
          if (form === DW_FORM.udata) { c.ulebNum(0xffffffff, 'value'); continue; }
          if (form === DW_FORM.data16) { c.skip(16); continue; } // MD5: one per file, never needed here
          if (!(keep && type === DW_LNCT.path)) { skipValue(c, form, fc); continue; }
          const v = readValue(c, form, fc);
          if (v.kind === 'string') names.push(v.value);
        }
      }
    };
    table(false);
    table(true);
  } else {
    for (;;) { const d = c.cstr(); if (d === '') break; }
    for (;;) {
      const name = c.cstr();
      if (name === '') break;
      names.push(name);
      c.uleb(); c.uleb(); c.uleb();
    }
  }
  return { end, refs, names };
}
