// Functions of one unit: concrete subprograms with their address ranges (sorted for pc lookup),
// and the block chain at a pc (function → lexical blocks → inlined subroutines), as gdb's
// blocks: the unit of "same block" for line breakpoints and the source of inlined frames.
import type { Abbrev } from './dwarf/abbrev';
import { DW_AT, DW_FORM, DW_TAG } from './dwarf/constants';
import type { Die } from './dwarf/die';
import type { PcRange } from './dwarf/ranges';
import type { Unit } from './dwarf/unit';

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

export interface Block {
  die: Die;
  kind: 'function' | 'inlined' | 'lexical';
  ranges: PcRange[];
  /** Whether gdb makes a block of it (lexical blocks only when they declare something). */
  real: boolean;
}

const NESTING = new Set<number>([DW_TAG.lexical_block, DW_TAG.inlined_subroutine]);
const MAX_DEPTH = 256;

const inRanges = (rs: PcRange[], pc: bigint) => rs.some(r => pc >= r.low && pc < r.high);

/** Drops ranges at address 0 (code the linker garbage-collected) unless something lives at 0. */
export function liveRanges(rs: PcRange[], hasSectionAtZero: boolean): PcRange[] {
  return hasSectionAtZero ? rs : rs.filter(r => r.low !== 0n);
}

export class UnitFunctions {
  readonly list: FunctionInfo[] = [];
  /** Sorted by low address for lookups: [low, high, index into list]. */
  private readonly spans: { low: bigint; high: bigint; fn: FunctionInfo }[] = [];

  constructor(readonly unit: Unit, private readonly hasSectionAtZero: boolean) {
    // Find the candidates first, then build them: small loops that V8 optimizes once (a long
    // loop with rarely reached work inside is re-optimized after each first-time path).
    for (const i of codeSubprograms(unit)) this.add(unit.dieByIndex(i));
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
    const out: Block[] = [{ die: fn.die, kind: 'function', ranges: fn.ranges, real: true }];
    let cur: Die = fn.die;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const next = this.childBlockAt(cur, pc, 0);
      if (!next) break;
      out.push(next);
      cur = next.die;
    }
    return out;
  }

  /** A child block of `d` containing pc; lexical blocks without ranges are looked through. */
  private childBlockAt(d: Die, pc: bigint, depth: number): Block | undefined {
    if (depth > 8) return undefined;
    for (const c of d.children()) {
      if (!NESTING.has(c.tag)) continue;
      let ranges: PcRange[];
      try { ranges = liveRanges(c.pcRanges(), this.hasSectionAtZero); } catch { continue; }
      if (!ranges.length) {
        if (c.tag === DW_TAG.lexical_block) { const b = this.childBlockAt(c, pc, depth + 1); if (b) return b; }
        continue;
      }
      if (!inRanges(ranges, pc)) continue;
      if (c.tag === DW_TAG.inlined_subroutine) return { die: c, kind: 'inlined', ranges, real: true };
      return { die: c, kind: 'lexical', ranges, real: declaresSomething(c) };
    }
    return undefined;
  }

  /** Inlined instances (with their entry pc) whose DW_AT_abstract_origin is one of `origins`. */
  inlinedInstances(origins: ReadonlySet<number>): { die: Die; entry: bigint; ranges: PcRange[] }[] {
    const out: { die: Die; entry: bigint; ranges: PcRange[] }[] = [];
    if (!origins.size) return out;
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
    for (const i of hits) {
      const d = u.dieByIndex(i);
      let ranges: PcRange[];
      try { ranges = liveRanges(d.pcRanges(), this.hasSectionAtZero); } catch { continue; }
      if (!ranges.length) continue;
      out.push({ die: d, entry: ranges[0].low, ranges });
    }
    return out;
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

/** gdb gives a lexical block its own block only when it has local symbols (or using directives). */
function declaresSomething(d: Die): boolean {
  return d.children().some(c => c.tag !== DW_TAG.lexical_block && c.tag !== DW_TAG.inlined_subroutine && c.tag !== DW_TAG.GNU_call_site && c.tag !== DW_TAG.call_site);
}
