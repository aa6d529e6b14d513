// A unit read without its DIE tree: the index of its top-level DIEs (the root's children and
// namespace members, subtrees jumped over by DW_AT_sibling) and lookups in it. Answering a few
// queries (a CLI run) this way reads ~1 DIE in 5 of a kernel unit and stores no per-DIE columns.
import type { ByteCursor } from '../../common/cursor';
import type { Abbrev } from './abbrev';
import { DW_LANG, DW_TAG } from './constants';
import { Die } from './die';
import { infoOffset } from './offsets';
import { scanTopLevel, type TopLevelVisitor } from './toplevel';
import type { Unit } from './unit';

export interface TopLevelIndex {
  readonly count: number;
  /** Section offsets of the top-level DIEs, ascending (columns hold at least `count`). */
  readonly offs: Float64Array;
  readonly attrs: Float64Array;
  readonly abbrevs: Abbrev[];
  /** Index of the enclosing namespace's entry, or -1 when the root is the parent. */
  readonly parents: Int32Array;
  /** A cursor over the whole (loaded) unit. */
  readonly bytes: ByteCursor;
}

const DESCEND = new Set<number>([DW_TAG.namespace]);
const indexes = new WeakMap<Unit, TopLevelIndex>();
const C_LANGS = new Set<number>([DW_LANG.C89, DW_LANG.C, DW_LANG.C99, DW_LANG.C11, DW_LANG.C17]);

/**
 * Whether the unit's functions can be found at top level: C puts every function (definitions,
 * abstract and out-of-line instances) under the root. (Not so for GNU C nested functions, which
 * the kernel and our fixtures do not use; C++ and Rust keep the tree walk.)
 */
export function functionsAtTopLevel(u: Unit): boolean {
  try { const l = u.language(); return l !== undefined && C_LANGS.has(l); } catch { return false; }
}

/** Builds the index's columns while scanTopLevel runs (one class: one call target for V8;
 *  typed columns: no garbage for the collector). */
class Collector implements TopLevelVisitor {
  readonly descend = DESCEND;
  count = 0;
  offs: Float64Array;
  attrs: Float64Array;
  parents: Int32Array;
  readonly abbrevs: Abbrev[] = [];
  /** Entries of the namespaces enclosing the current depth. */
  private readonly open: number[] = [];
  constructor(cap: number) {
    this.offs = new Float64Array(cap); this.attrs = new Float64Array(cap); this.parents = new Int32Array(cap);
  }
  visit(a: Abbrev, dieOffset: number, attrsOffset: number, _c: ByteCursor, depth: number): void {
    const i = this.count;
    if (i === this.offs.length) this.grow();
    this.open.length = depth - 1;
    this.parents[i] = depth > 1 ? this.open[depth - 2] : -1;
    this.offs[i] = dieOffset; this.attrs[i] = attrsOffset; this.abbrevs.push(a);
    if (a.hasChildren && DESCEND.has(a.tag)) this.open[depth - 1] = i;
    this.count = i + 1;
  }
  private grow(): void {
    const n = this.offs.length * 2;
    const o = new Float64Array(n); o.set(this.offs); this.offs = o;
    const t = new Float64Array(n); t.set(this.attrs); this.attrs = t;
    const p = new Int32Array(n); p.set(this.parents); this.parents = p;
  }
}

/** The unit's top-level DIE index, built on first use (throws a ParseError on bad input). */
export function topLevelOf(u: Unit): TopLevelIndex {
  let idx = indexes.get(u);
  if (idx) return idx;
  const bytes = u.cursorAt(u.offset);
  // ~1 top-level DIE per 80 bytes of a kernel unit: rarely a regrowth.
  const col = new Collector(Math.max(64, Math.ceil((u.header.end - u.offset) / 64)));
  scanTopLevel(u, bytes, col);
  idx = { count: col.count, offs: col.offs, attrs: col.attrs, abbrevs: col.abbrevs, parents: col.parents, bytes };
  indexes.set(u, idx);
  return idx;
}

/** The top-level entry whose subtree holds section offset `pos` (the last one starting at or before it), or -1. */
export function entryHolding(t: TopLevelIndex, pos: number): number {
  const o = t.offs;
  let lo = 0, hi = t.count;
  while (lo < hi) { const m = (lo + hi) >> 1; if (o[m] <= pos) lo = m + 1; else hi = m; }
  return lo - 1;
}

/** The index of the top-level entry starting exactly at `offset`, or -1. */
export function entryAt(t: TopLevelIndex, offset: number): number {
  const i = entryHolding(t, offset);
  return i >= 0 && t.offs[i] === offset ? i : -1;
}

/** A Die for top-level entry i (not tied to a parsed tree). */
export function entryDie(u: Unit, t: TopLevelIndex, i: number): Die {
  return new Die(u, infoOffset(t.offs[i]), t.abbrevs[i], t.attrs[i], -1);
}

/** The parent of a top-level DIE without parsing the tree: undefined when `d` is not top level
 *  or the index is not built (the caller then uses the tree). */
export function topLevelParent(d: Die): Die | undefined {
  const t = indexes.get(d.unit);
  if (!t) return undefined;
  const i = entryAt(t, d.offset);
  if (i < 0) return undefined;
  const p = t.parents[i];
  return p < 0 ? d.unit.root() : entryDie(d.unit, t, p);
}
