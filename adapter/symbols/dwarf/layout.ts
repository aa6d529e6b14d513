// Where an abbreviation's attributes sit in a DIE, precomputed once per (abbreviation, unit
// encoding): fixed byte offsets for attributes with only fixed-size forms before them, and a
// skip plan (fixed runs and variable forms) so walking a unit's DIEs builds no values.
import type { ByteCursor } from '../../common/cursor';
import type { Abbrev } from './abbrev';
import { DW_FORM as F } from './constants';
import { fixedFormSize, skipValue, type FormContext } from './form';

export interface AbbrevLayout {
  /** Byte size of all attributes when every form is fixed-size, else -1. */
  readonly fixed: number;
  /** Offset of attribute k from the first attribute byte when only fixed-size forms precede it, else -1. */
  readonly offsets: Int32Array;
  /** Fixed byte runs (>= 0) and variable-size forms (stored as -form-1), in order. */
  readonly plan: Int32Array;
}

const keyOf = (u: FormContext) => u.addressSize * 100 + u.offsetSize * 10 + (u.version <= 2 ? 1 : 0);

/** The layout of `a` for a unit with this encoding (cached on the abbreviation). */
export function layoutOf(a: Abbrev, u: FormContext): AbbrevLayout {
  const key = keyOf(u);
  if (a.layout && a.layoutKey === key) return a.layout;
  const offsets = new Int32Array(a.attrs.length);
  const plan: number[] = [];
  let off = 0, run = 0;
  for (let k = 0; k < a.attrs.length; k++) {
    offsets[k] = off;
    const n = fixedFormSize(a.attrs[k].form, u);
    if (n >= 0) { if (off >= 0) off += n; run += n; continue; }
    off = -1;
    if (run) plan.push(run);
    run = 0;
    plan.push(-a.attrs[k].form - 1);
  }
  if (run) plan.push(run);
  const layout: AbbrevLayout = { fixed: off, offsets, plan: Int32Array.from(plan) };
  a.layout = layout; a.layoutKey = key;
  return layout;
}

/**
 * Skips the attributes of one DIE whose attributes start at bytes[pos]; returns the position
 * after them. LEB128, string and block forms are stepped inline; the rare ones go through the
 * cursor (which reports truncation with the section offset).
 */
export function skipAttrs(c: ByteCursor, pos: number, plan: Int32Array, u: FormContext): number {
  const b = c.bytes, end = c.end;
  for (let k = 0; k < plan.length; k++) {
    const s = plan[k];
    if (s >= 0) { pos += s; continue; }
    const form = -s - 1;
    if (pos > end) break;
    switch (form) {
      case F.udata: case F.sdata: case F.ref_udata: case F.strx: case F.addrx: case F.loclistx: case F.rnglistx:
      case F.GNU_addr_index: case F.GNU_str_index:
        while (pos < end && b[pos] & 0x80) pos++;
        if (pos >= end) { c.pos = pos; throw c.error('truncated LEB128'); }
        pos++;
        break;
      case F.string: {
        let i = pos;
        while (i < end && b[i] !== 0) i++;
        if (i >= end) { c.pos = pos; throw c.error('unterminated string'); }
        pos = i + 1;
        break;
      }
      case F.exprloc: case F.block: {
        const b0 = b[pos];
        if (pos < end && b0 < 0x80) { pos += 1 + b0; break; }
        c.pos = pos; c.skip(c.ulebNum(0x7fffffff, 'block length')); pos = c.pos;
        break;
      }
      default:
        c.pos = pos; skipValue(c, form, u); pos = c.pos;
    }
  }
  if (pos > end) { c.pos = end; throw c.error(`DIE attributes run past the end of the unit (by ${pos - end} byte(s))`); }
  return pos;
}
