// Which variables are in scope at a pc: the subprogram containing it, its lexical blocks and
// inlined subroutines (each inlined call is its own virtual frame, innermost first, as in gdb).
import { DW_AT, DW_TAG, type Die, type Dwarf, type Unit } from '../dwarf';

export interface ScopeFrame {
  /** DW_TAG_subprogram, or DW_TAG_inlined_subroutine for an inlined call. */
  die: Die;
  name: string;
  inlined: boolean;
  /** The concrete (out-of-line) subprogram: its DW_AT_frame_base serves every inlined frame. */
  concrete: Die;
  params: Die[];
  /** Locals, innermost block first (gdb's `info locals` order). */
  locals: Die[];
}

const contains = (d: Die, pc: bigint): boolean => {
  try { return d.pcRanges().some(r => r.low <= pc && pc < r.high); } catch { return false; }
};

/** Unit root ranges, gathered once per file: a pc outside .debug_aranges (assembly units, garbage
 *  return addresses of a bad unwind) must not re-parse every unit's root on each lookup. */
const unitRanges = new WeakMap<Dwarf, { low: bigint; high: bigint; unit: Unit }[]>();

/** The compile unit covering pc: through .debug_aranges, else by scanning unit ranges. */
export function unitForPc(dwarf: Dwarf, pc: bigint): Unit | undefined {
  const off = dwarf.aranges()?.unitAt(pc);
  if (off !== undefined) return dwarf.unit(off);
  let ranges = unitRanges.get(dwarf);
  if (!ranges) {
    ranges = [];
    for (const u of dwarf.compileUnits()) {
      try { for (const r of u.root().pcRanges()) ranges.push({ low: r.low, high: r.high, unit: u }); } catch { /* skip a bad unit */ }
    }
    unitRanges.set(dwarf, ranges);
  }
  return ranges.find(r => r.low <= pc && pc < r.high)?.unit;
}

const SUBPROGRAM = new Set<number>([DW_TAG.subprogram]);

/** A unit's out-of-line subprogram ranges sorted by low pc, with each range's DIE order and the
 *  running maximum of highs (so a lookup knows how far back an enclosing range can start). */
interface SubprogramIndex { lows: bigint[]; highs: bigint[]; maxHigh: bigint[]; order: number[]; dies: Die[] }
const subprogramIndexes = new WeakMap<Unit, SubprogramIndex>();

function subprogramIndex(unit: Unit): SubprogramIndex {
  let ix = subprogramIndexes.get(unit);
  if (ix) return ix;
  const rows: { low: bigint; high: bigint; order: number; die: Die }[] = [];
  let order = 0;
  for (const d of unit.diesWithTag(SUBPROGRAM)) {
    order++;
    if (!d.has(DW_AT.low_pc) && !d.has(DW_AT.ranges)) continue;
    let ranges;
    try { ranges = d.pcRanges(); } catch { continue; } // a bad DIE covers nothing, as before
    for (const r of ranges) if (r.low < r.high) rows.push({ low: r.low, high: r.high, order, die: d });
  }
  rows.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : a.order - b.order));
  ix = { lows: [], highs: [], maxHigh: [], order: [], dies: [] };
  let max = 0n;
  for (const r of rows) {
    if (r.high > max) max = r.high;
    ix.lows.push(r.low); ix.highs.push(r.high); ix.maxHigh.push(max); ix.order.push(r.order); ix.dies.push(r.die);
  }
  subprogramIndexes.set(unit, ix);
  return ix;
}

/** The out-of-line subprogram DIE containing pc (the first in DIE order when several do). */
export function subprogramAt(unit: Unit, pc: bigint): Die | undefined {
  const ix = subprogramIndex(unit);
  let lo = 0, hi = ix.lows.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (ix.lows[m] <= pc) lo = m + 1; else hi = m; }
  let best = -1;
  for (let i = lo - 1; i >= 0 && ix.maxHigh[i] > pc; i--) {
    if (pc < ix.highs[i] && (best < 0 || ix.order[i] < ix.order[best])) best = i;
  }
  return best < 0 ? undefined : ix.dies[best];
}

/** Virtual frames at pc, innermost (deepest inlined call) first. */
export function scopesAt(dwarf: Dwarf, pc: bigint): ScopeFrame[] {
  const unit = unitForPc(dwarf, pc);
  if (!unit) return [];
  const sub = subprogramAt(unit, pc);
  if (!sub) return [];
  const frames: ScopeFrame[] = [];
  let cur: ScopeFrame = { die: sub, name: sub.name() ?? '??', inlined: false, concrete: sub, params: [], locals: [] };
  frames.push(cur);
  // Walk down through the blocks containing pc; blocks deeper in the tree are more inner.
  let blockLocals: Die[][] = [];
  const finish = () => { cur.locals = blockLocals.reverse().flat(); };
  let node: Die | undefined = sub;
  for (let depth = 0; node && depth < 256; depth++) {
    const here: Die[] = [];
    let next: Die | undefined;
    for (const c of node.children()) {
      if (c.tag === DW_TAG.formal_parameter) cur.params.push(c);
      else if (c.tag === DW_TAG.variable) here.push(c);
      else if ((c.tag === DW_TAG.lexical_block || c.tag === DW_TAG.inlined_subroutine) && !next && contains(c, pc)) next = c;
    }
    blockLocals.push(here);
    if (next?.tag === DW_TAG.inlined_subroutine) {
      finish();
      cur = { die: next, name: next.name() ?? '??', inlined: true, concrete: sub, params: [], locals: [] };
      frames.push(cur);
      blockLocals = [];
    }
    node = next;
  }
  finish();
  return frames.reverse();
}
