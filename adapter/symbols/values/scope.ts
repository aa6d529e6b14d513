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
  const ar = dwarf.aranges();
  if (ar) {
    for (let i = 0; i < ar.length; i++) { const e = ar.entry(i); if (e.low <= pc && pc < e.high) return dwarf.unit(e.unit); }
  }
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

/** The out-of-line subprogram DIE containing pc. */
export function subprogramAt(unit: Unit, pc: bigint): Die | undefined {
  for (const d of unit.diesWithTag(SUBPROGRAM)) {
    if (!d.has(DW_AT.low_pc) && !d.has(DW_AT.ranges)) continue;
    if (contains(d, pc)) return d;
  }
  return undefined;
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
