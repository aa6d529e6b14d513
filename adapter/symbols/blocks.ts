// The block chain at a pc inside one function (function → lexical blocks → inlined subroutines),
// as gdb's blocks: read by walking only that function's subtree in the unit's bytes, so a line
// breakpoint or an inlined frame never needs the unit's whole DIE tree.
import type { Abbrev } from './dwarf/abbrev';
import { DW_TAG } from './dwarf/constants';
import { Die } from './dwarf/die';
import { infoOffset } from './dwarf/offsets';
import type { PcRange } from './dwarf/ranges';
import { walkSubtree, type SubtreeVisitor } from './dwarf/toplevel';
import type { Unit } from './dwarf/unit';

export interface Block {
  die: Die;
  kind: 'function' | 'inlined' | 'lexical';
  ranges: PcRange[];
  /** Whether gdb makes a block of it (lexical blocks only when they declare something). */
  real: boolean;
}

const NESTING = new Set<number>([DW_TAG.lexical_block, DW_TAG.inlined_subroutine]);
/** Tags that do not make a lexical block "declare something" (gdb: no symbols of its own). */
const NOT_DECLS = new Set<number>([DW_TAG.lexical_block, DW_TAG.inlined_subroutine, DW_TAG.GNU_call_site, DW_TAG.call_site]);
const MAX_DEPTH = 256;

const inRanges = (rs: PcRange[], pc: bigint) => rs.some(r => pc >= r.low && pc < r.high);

/** Drops ranges at address 0 (code the linker garbage-collected) unless something lives at 0. */
export function liveRanges(rs: PcRange[], hasSectionAtZero: boolean): PcRange[] {
  return hasSectionAtZero ? rs : rs.filter(r => r.low !== 0n);
}

/** A function's subtree as flat columns: only the nesting DIEs are kept as nodes. */
class Subtree implements SubtreeVisitor {
  readonly offs: number[] = [];
  readonly attrs: number[] = [];
  readonly abbrevs: Abbrev[] = [];
  readonly parents: number[] = [];
  /** Whether a lexical block (node) has a child that declares something. */
  readonly declares: boolean[] = [];
  /** Node of each depth of the walk, -1 for DIEs that are not nodes. */
  private readonly stack: number[] = [];

  constructor(unit: Unit, fn: Die) { walkSubtree(unit, unit.cursorAt(unit.offset), fn.offset, this); }

  visit(a: Abbrev, off: number, attrs: number, depth: number): void {
    const stack = this.stack;
    stack.length = depth;
    const parent = depth ? stack[depth - 1] : -1;
    if (depth > 0 && parent >= 0 && !NOT_DECLS.has(a.tag)) this.declares[parent] = true;
    if (depth > 0 && (parent < 0 || !NESTING.has(a.tag))) { stack.push(-1); return; }
    this.offs.push(off); this.attrs.push(attrs); this.abbrevs.push(a); this.parents.push(parent); this.declares.push(false);
    stack.push(this.offs.length - 1);
  }

  die(unit: Unit, i: number): Die { return new Die(unit, infoOffset(this.offs[i]), this.abbrevs[i], this.attrs[i], -1); }
}

/**
 * Blocks containing pc below the function `fn` (whose ranges hold pc), outermost first; the
 * function's own block is the caller's.
 */
export function nestedBlocksAt(unit: Unit, fn: Die, pc: bigint, hasSectionAtZero: boolean): Block[] {
  const t = new Subtree(unit, fn);
  const children = new Map<number, number[]>();
  for (let i = 1; i < t.offs.length; i++) {
    const l = children.get(t.parents[i]);
    if (l) l.push(i); else children.set(t.parents[i], [i]);
  }
  /** A child block of node `n` containing pc; lexical blocks without ranges are looked through. */
  const childBlockAt = (n: number, depth: number): { node: number; block: Block } | undefined => {
    if (depth > 8) return undefined;
    for (const c of children.get(n) ?? []) {
      const d = t.die(unit, c);
      let ranges: PcRange[];
      try { ranges = liveRanges(d.pcRanges(), hasSectionAtZero); } catch { continue; }
      if (!ranges.length) {
        if (d.tag === DW_TAG.lexical_block) { const b = childBlockAt(c, depth + 1); if (b) return b; }
        continue;
      }
      if (!inRanges(ranges, pc)) continue;
      if (d.tag === DW_TAG.inlined_subroutine) return { node: c, block: { die: d, kind: 'inlined', ranges, real: true } };
      return { node: c, block: { die: d, kind: 'lexical', ranges, real: t.declares[c] } };
    }
    return undefined;
  };
  const out: Block[] = [];
  let cur = 0;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const next = childBlockAt(cur, 0);
    if (!next) break;
    out.push(next.block);
    cur = next.node;
  }
  return out;
}
