// Functions of one unit: concrete subprograms with their address ranges (sorted for pc lookup),
// and the block chain at a pc (function → lexical blocks → inlined subroutines), as gdb's
// blocks: the unit of "same block" for line breakpoints and the source of inlined frames.
import { liveRanges, nestedBlocksAt, type Block } from './blocks';
import type { Abbrev } from './dwarf/abbrev';
import { DW_AT, DW_FORM, DW_TAG } from './dwarf/constants';
import { Die } from './dwarf/die';
import { infoOffset } from './dwarf/offsets';
import type { PcRange } from './dwarf/ranges';
import { entryDie, entryHolding, functionsAtTopLevel, topLevelOf } from './dwarf/shallow';
import { walkSubtree, type SubtreeVisitor } from './dwarf/toplevel';
import type { Unit } from './dwarf/unit';

export { liveRanges, type Block };

/** A concrete (out-of-line) function; names are resolved on first use. */
export class FunctionInfo {
  private nameCache: string | undefined;
  constructor(
    readonly die: Die,
    readonly ranges: PcRange[],
    /** gdb's BLOCK_ENTRY_PC: start of the first listed range. */
    readonly entry: bigint,
    readonly low: bigint,
    readonly high: bigint,
  ) {}
  /** Qualified name (`a::b::f` for Rust/C++), through abstract_origin/specification. */
  get name(): string { return (this.nameCache ??= this.die.qualifiedName() ?? this.die.name() ?? '<unknown>'); }
  get linkageName(): string | undefined { return this.die.linkageName(); }
}

export class UnitFunctions {
  readonly list: FunctionInfo[] = [];
  /** Sorted by low address for lookups: [low, high, index into list]. */
  private readonly spans: { low: bigint; high: bigint; fn: FunctionInfo }[] = [];

  constructor(readonly unit: Unit, private readonly hasSectionAtZero: boolean) {
    if (functionsAtTopLevel(unit)) {
      // C: every function is a child of the root; its subtree is jumped over (no DIE tree).
      const t = topLevelOf(unit);
      const hits: number[] = [];
      for (let i = 0; i < t.count; i++) { const a = t.abbrevs[i]; if (a.tag === DW_TAG.subprogram && hasCode(a)) hits.push(i); }
      for (const i of hits) this.add(entryDie(unit, t, i));
    } else {
      // Find the candidates first, then build them: small loops that V8 optimizes once (a long
      // loop with rarely reached work inside is re-optimized after each first-time path).
      for (const i of codeSubprograms(unit)) this.add(unit.dieByIndex(i));
    }
    this.spans.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
  }

  private add(d: Die): void {
    let ranges: PcRange[];
    try { ranges = liveRanges(d.pcRanges(), this.hasSectionAtZero); } catch { return; }
    if (!ranges.length) return;
    let low = ranges[0].low, high = ranges[0].high;
    for (const r of ranges) { if (r.low < low) low = r.low; if (r.high > high) high = r.high; }
    const fn = new FunctionInfo(d, ranges, ranges[0].low, low, high);
    this.list.push(fn);
    for (const r of ranges) this.spans.push({ low: r.low, high: r.high, fn });
  }

  /** The (outermost, non-inlined) function containing pc. */
  containing(pc: bigint): FunctionInfo | undefined {
    const s = this.spans;
    let lo = 0, hi = s.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (s[m].low <= pc) lo = m + 1; else hi = m; }
    // Nested functions may overlap: take the innermost (latest start) that still covers pc.
    for (let i = lo - 1; i >= 0 && i >= lo - 16; i--) if (pc < s[i].high) return s[i].fn;
    return undefined;
  }

  /** Blocks containing pc, outermost (the function) first. */
  blocksAt(pc: bigint): Block[] {
    const fn = this.containing(pc);
    if (!fn) return [];
    return [{ die: fn.die, kind: 'function', ranges: fn.ranges, real: true }, ...nestedBlocksAt(this.unit, fn.die, pc, this.hasSectionAtZero)];
  }

  /** Inlined instances (with their entry pc) whose DW_AT_abstract_origin is one of `origins`. */
  inlinedInstances(origins: ReadonlySet<number>): { die: Die; entry: bigint; ranges: PcRange[] }[] {
    const out: { die: Die; entry: bigint; ranges: PcRange[] }[] = [];
    if (!origins.size) return out;
    const u = this.unit;
    const dies = !u.treeParsed && refsAreRef4(u) ? inlinedByBytes(u, origins) : this.inlinedInTree(origins);
    for (const d of dies) {
      let ranges: PcRange[];
      try { ranges = liveRanges(d.pcRanges(), this.hasSectionAtZero); } catch { continue; }
      if (!ranges.length) continue;
      out.push({ die: d, entry: ranges[0].low, ranges });
    }
    return out;
  }

  /** Inlined subroutines whose origin is in `origins`, by a scan of the parsed tree. */
  private inlinedInTree(origins: ReadonlySet<number>): Die[] {
    const u = this.unit, n = u.dieCount;
    const hits: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = u.abbrevAt(i);
      if (a.tag !== DW_TAG.inlined_subroutine) continue;
      const attrs = u.attrsOffsetAt(i);
      // DW_FORM_ref4 (GCC's choice) read in place; other forms through a value.
      const ref4 = u.fixedU32(a, attrs, DW_AT.abstract_origin, DW_FORM.ref4);
      if (ref4 !== undefined) { if (ref4 >= 0 && origins.has(u.offset + ref4)) hits.push(i); continue; }
      const o = u.rawAttr(a, attrs, DW_AT.abstract_origin)?.value;
      if (o?.kind === 'ref' && origins.has(o.offset)) hits.push(i);
    }
    return hits.map(i => u.dieByIndex(i));
  }
}

/** Whether every DW_AT_abstract_origin of the unit's abbreviations is a DW_FORM_ref4 (GCC's form). */
function refsAreRef4(u: Unit): boolean {
  return u.abbrevTable().all().every(a => a.attrs.every(s => s.at !== DW_AT.abstract_origin || s.form === DW_FORM.ref4));
}

/**
 * Inlined subroutines with an origin in `origins`, without the DIE tree: a ref4 to an origin is
 * its unit-relative offset as 4 little-endian bytes, so only the top-level DIEs whose bytes hold
 * such a pattern are walked (a byte match elsewhere is a false candidate, checked by the walk).
 */
function inlinedByBytes(u: Unit, origins: ReadonlySet<number>): Die[] {
  const t = topLevelOf(u), c = t.bytes;
  const hay = Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.end);
  const entries = new Set<number>();
  for (const o of origins) {
    const rel = o - u.offset;
    if (rel < 0 || rel > 0xffffffff) continue;
    const needle = Buffer.from([rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, rel >>> 24]);
    for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) {
      const e = entryHolding(t, c.base + p);
      if (e >= 0) entries.add(e);
    }
  }
  const found = new InlinedFinder(u, origins);
  for (const e of [...entries].sort((a, b) => a - b)) walkSubtree(u, c, t.offs[e], found);
  return found.out;
}

/** Collects the inlined subroutines of a subtree walk whose origin is in `origins`. */
class InlinedFinder implements SubtreeVisitor {
  readonly out: Die[] = [];
  constructor(private readonly u: Unit, private readonly origins: ReadonlySet<number>) {}
  visit(a: Abbrev, off: number, attrs: number): void {
    if (a.tag !== DW_TAG.inlined_subroutine) return;
    const u = this.u, ref4 = u.fixedU32(a, attrs, DW_AT.abstract_origin, DW_FORM.ref4);
    if (ref4 !== undefined && ref4 >= 0 && this.origins.has(u.offset + ref4)) this.out.push(new Die(u, infoOffset(off), a, attrs, -1));
  }
}

/** Indices of the unit's subprogram DIEs with an address (low_pc or ranges). */
function codeSubprograms(unit: Unit): number[] {
  const out: number[] = [];
  const n = unit.dieCount;
  for (let i = 0; i < n; i++) {
    const a = unit.abbrevAt(i);
    if (a.tag === DW_TAG.subprogram && hasCode(a)) out.push(i);
  }
  return out;
}

function hasCode(a: Abbrev): boolean {
  for (const s of a.attrs) if (s.at === DW_AT.low_pc || s.at === DW_AT.ranges) return true;
  return false;
}
