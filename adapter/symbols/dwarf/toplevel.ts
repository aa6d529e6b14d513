// Top-level DIE scan: the children of a unit's root (and of namespaces, for Rust/C++ paths) read
// without parsing the unit's tree or building DIEs. Subtrees are jumped over with DW_AT_sibling
// where the producer emitted it (GCC does), else stepped through by abbreviation (skipAttrs).
// What a global-name lookup needs on units it may never otherwise parse.
import { ByteCursor, ParseError } from '../../common/cursor';
import type { Abbrev } from './abbrev';
import { DW_AT, DW_FORM } from './constants';
import { readValue, skipValue, type RawValue } from './form';
import { layoutOf, skipAttrs } from './layout';
import type { Unit } from './unit';

export interface TopLevelVisitor {
  /** Tags whose children are scanned as top level too (namespaces). */
  descend: ReadonlySet<number>;
  /** Called for each top-level DIE with the bytes it lives in; depth 1 = a child of the root,
   *  more inside descended namespaces. */
  visit(a: Abbrev, dieOffset: number, attrsOffset: number, c: ByteCursor, depth: number): void;
}

/** Bound on DIE nesting while stepping through a subtree without siblings. */
const MAX_DEPTH = 4096;

/** Raw value of attribute `at` of a DIE whose attributes start at section offset `attrs` in `c`. */
export function readAttrIn(u: Unit, c: ByteCursor, a: Abbrev, attrs: number, at: number): RawValue | undefined {
  const k = a.attrs.findIndex(s => s.at === at);
  if (k < 0) return undefined;
  const lay = layoutOf(a, u.header);
  const r = new ByteCursor(c.bytes, c.section, attrs - c.base, c.end, c.base);
  if (lay.offsets[k] >= 0) r.skip(lay.offsets[k]);
  else for (let i = 0; i < k; i++) skipValue(r, a.attrs[i].form, u.header);
  return readValue(r, a.attrs[k].form, u.header, a.attrs[k].implicitConst);
}

/** The DW_AT_sibling target of a DIE when it is a plain unit-relative reference, else -1. */
function siblingOf(u: Unit, c: ByteCursor, a: Abbrev, attrsPos: number): number {
  const specs = a.attrs;
  let k = 0;
  while (k < specs.length && specs[k].at !== DW_AT.sibling) k++;
  if (k === specs.length) return -1;
  const off = layoutOf(a, u.header).offsets[k];
  let p = attrsPos + off;
  if (off < 0) {
    // A variable-size form comes first (GCC puts DW_AT_frame_base's exprloc before the sibling
    // of every concrete function): step over the attributes before it.
    c.pos = attrsPos;
    for (let i = 0; i < k; i++) skipValue(c, specs[i].form, u.header);
    p = c.pos;
  }
  const b = c.bytes;
  switch (a.attrs[k].form) {
    case DW_FORM.ref4: return p + 4 <= c.end ? u.offset + (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000 : -1;
    case DW_FORM.ref2: return p + 2 <= c.end ? u.offset + (b[p] | (b[p + 1] << 8)) : -1;
    case DW_FORM.ref1: return p + 1 <= c.end ? u.offset + b[p] : -1;
    default: return -1;
  }
}

/**
 * Walks the unit in `c` (a cursor over the whole unit, base = the unit's section offset) and
 * calls the visitor for every top-level DIE. Throws a ParseError on malformed input.
 */
export function scanTopLevel(u: Unit, c: ByteCursor, v: TopLevelVisitor): void {
  const h = u.header, table = u.abbrevTable();
  const b = c.bytes, end = c.end, base = c.base;
  let pos = h.dieStart - base;
  // scan[d] says whether DIEs at depth d are top level (depth 1 = the root's children).
  const scan: boolean[] = [false];
  let first = true;
  while (pos < end) {
    const at = pos;
    let code = b[pos];
    if (code < 0x80) pos++;
    else { c.pos = pos; code = c.ulebNum(0x7fffffff, 'abbreviation code'); pos = c.pos; }
    if (code === 0) {
      if (scan.length <= 1) { if (first) throw c.error('unit starts with a null entry', at); continue; }
      scan.pop();
      continue;
    }
    const a = table.get(code);
    if (!a) throw c.error(`abbreviation code ${code} is not in the table at .debug_abbrev+0x${h.abbrevOffset.toString(16)}`, at);
    const top = scan[scan.length - 1];
    if (top) v.visit(a, base + at, base + pos, c, scan.length - 1);
    const attrsPos = pos;
    const lay = layoutOf(a, h);
    pos = lay.fixed >= 0 ? pos + lay.fixed : skipAttrs(c, pos, lay.plan, h);
    if (pos > end) throw new ParseError('.debug_info', base + at, 'DIE attributes run past the end of the unit');
    if (first) { first = false; if (!a.hasChildren) return; scan.push(true); continue; }
    if (!a.hasChildren) continue;
    if (top && v.descend.has(a.tag)) { scan.push(true); continue; }
    const sib = siblingOf(u, c, a, attrsPos);
    if (sib >= 0) {
      if (sib - base <= at || sib - base > end) throw new ParseError('.debug_info', base + at, `DW_AT_sibling 0x${sib.toString(16)} is not after the DIE and inside the unit`);
      pos = sib - base;
      continue;
    }
    if (scan.length >= MAX_DEPTH) throw new ParseError('.debug_info', base + at, 'DIEs nested too deeply');
    scan.push(false);
  }
}

/**
 * Walks the DIE at section offset `start` and its whole subtree (to its null entry), calling
 * `v.visit` for each with its depth (0 = the DIE itself); returning true stops the walk (a
 * visitor object rather than a closure: one call target per kind of walk for V8).
 * `c` covers the whole unit (base = the unit's section offset). Returns whether it was stopped.
 */
export interface SubtreeVisitor {
  visit(a: Abbrev, dieOffset: number, attrsOffset: number, depth: number): boolean | void;
}

export function walkSubtree(u: Unit, c: ByteCursor, start: number, v: SubtreeVisitor): boolean {
  const h = u.header, table = u.abbrevTable();
  const b = c.bytes, end = c.end, base = c.base;
  let pos = start - base, depth = 0;
  while (pos < end) {
    const at = pos;
    let code = b[pos];
    if (code < 0x80) pos++;
    else { c.pos = pos; code = c.ulebNum(0x7fffffff, 'abbreviation code'); pos = c.pos; }
    if (code === 0) {
      if (depth === 0) throw c.error('a null entry where a DIE was expected', at);
      if (--depth === 0) return false;
      continue;
    }
    const a = table.get(code);
    if (!a) throw c.error(`abbreviation code ${code} is not in the table at .debug_abbrev+0x${h.abbrevOffset.toString(16)}`, at);
    if (v.visit(a, base + at, base + pos, depth) === true) return true;
    const lay = layoutOf(a, h);
    pos = lay.fixed >= 0 ? pos + lay.fixed : skipAttrs(c, pos, lay.plan, h);
    if (pos > end) throw new ParseError('.debug_info', base + at, 'DIE attributes run past the end of the unit');
    if (a.hasChildren) {
      if (++depth >= MAX_DEPTH) throw new ParseError('.debug_info', base + at, 'DIEs nested too deeply');
    } else if (depth === 0) return false;
  }
  if (depth > 0) throw new ParseError('.debug_info', start, 'the DIE\'s children run past the end of the unit');
  return false;
}
