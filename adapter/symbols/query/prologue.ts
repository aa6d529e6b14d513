// Where gdb puts a breakpoint "after the prologue" (symtab.c skip_prologue_sal on amd64):
// DW_LNS_set_prologue_end first; GCC units with location lists are trusted as is (no skip);
// otherwise amd64 prologue analysis (endbr64, push %rbp, mov %rsp,%rbp) then the next line
// start; LLVM units without prologue_end use the line table (skip_prologue_using_sal).
import type { Abbrev } from '../dwarf/abbrev';
import { DW_AT, DW_FORM, DW_TAG } from '../dwarf/constants';
import { infoOffset } from '../dwarf/offsets';
import { topLevelOf } from '../dwarf/shallow';
import { walkSubtree, type SubtreeVisitor } from '../dwarf/toplevel';
import type { Unit } from '../dwarf/unit';
import type { FunctionInfo } from '../functions';
import type { CuLineTable } from '../linetable';
import type { SymbolFile } from '../symbolfile';

const locationsValidCache = new WeakMap<Unit, boolean>();
const LOC_TAGS = new Set<number>([DW_TAG.variable, DW_TAG.formal_parameter, DW_TAG.subprogram]);

/** gdb's "GNU <lang> <major>.<minor>" producer test: GCC ≥ 4.5. */
function isModernGcc(producer: string | undefined): boolean {
  const m = /^GNU \S+ (\d+)\.(\d+)/.exec(producer ?? '');
  if (!m) return false;
  const major = Number(m[1]), minor = Number(m[2]);
  return major > 4 || (major === 4 && minor >= 5);
}

export function isLlvm(producer: string | undefined): boolean {
  return !!producer && (producer.startsWith('clang ') || producer.startsWith(' F90 Flang ') || producer.startsWith('F90 Flang '));
}

/** gdb's compunit locations_valid: GCC ≥ 4.5 and some location (or frame base) is a list. */
export function locationsValid(u: Unit): boolean {
  let v = locationsValidCache.get(u);
  if (v === undefined) {
    v = false;
    if (isModernGcc(u.producer())) {
      // The form is in the abbreviation: checking the abbreviations the unit uses is enough.
      v = u.treeParsed ? u.usedAbbrevs().some(hasLocationList) : usesAbbrevWithoutTree(u, hasLocationList);
    }
    locationsValidCache.set(u, v);
  }
  return v;
}

function hasLocationList(a: Abbrev): boolean {
  if (!LOC_TAGS.has(a.tag)) return false;
  const at = a.tag === DW_TAG.subprogram ? DW_AT.frame_base : DW_AT.location;
  const f = a.attrs.find(x => x.at === at)?.form;
  return f === DW_FORM.sec_offset || f === DW_FORM.loclistx || f === DW_FORM.data4 || f === DW_FORM.data8;
}

/**
 * Whether a DIE of the unit uses an abbreviation `fits`, without the unit's tree: none in the
 * table settles it, and so does one in a table of the unit's own (GCC writes one per object with
 * just the codes its DIEs use: checked on a vmlinux's units); else the top-level DIEs, then
 * subtrees one by one until one is found.
 */
function usesAbbrevWithoutTree(u: Unit, fits: (a: Abbrev) => boolean): boolean {
  const codes = new Set(u.abbrevTable().all().filter(fits).map(a => a.code));
  if (!codes.size) return false;
  if (ownsAbbrevTable(u)) return true;
  const t = topLevelOf(u);
  if (t.abbrevs.some(a => codes.has(a.code))) return true;
  const finder = new CodeFinder(codes);
  for (let i = 0; i < t.count; i++) {
    if (!t.abbrevs[i].hasChildren || t.abbrevs[i].tag === DW_TAG.namespace) continue;
    if (walkSubtree(u, t.bytes, t.offs[i], finder)) return true;
  }
  return false;
}

/**
 * Whether no other unit uses the unit's abbreviation table. Units sharing one come from one
 * object (GCC LTO partitions), so they sit next to each other: the neighbours tell.
 */
function ownsAbbrevTable(u: Unit): boolean {
  const d = u.dwarf, h = u.header, info = d.sections.info;
  if (!info) return false;
  try {
    if (h.end < info.size && d.unit(infoOffset(h.end)).header.abbrevOffset === h.abbrevOffset) return false;
    if (h.offset === 0) return true;
    // The unit before: the closest one the aranges sets name, if it ends where this one starts.
    let prev = -1;
    for (const o of d.arangeUnits() ?? []) if (o < h.offset && o > prev) prev = o;
    if (prev < 0) return false;
    const p = d.unit(infoOffset(prev)).header;
    return p.end === h.offset && p.abbrevOffset !== h.abbrevOffset;
  } catch { return false; }
}

/** Stops a subtree walk at the first DIE whose abbreviation code is in `codes`. */
class CodeFinder implements SubtreeVisitor {
  constructor(private readonly codes: ReadonlySet<number>) {}
  visit(a: Abbrev): boolean { return this.codes.has(a.code); }
}

/** amd64_analyze_prologue + amd64_skip_prologue for GCC-style frames. */
function amd64SkipPrologue(sf: SymbolFile, start: bigint): bigint {
  const b = sf.code(start, 8);
  if (!b) return start;
  let i = 0;
  if (b[0] === 0xf3 && b[1] === 0x0f && b[2] === 0x1e && b[3] === 0xfa) i = 4; // endbr64
  if (b[i] !== 0x55) return start; // no push %rbp: frameless
  const n = b.subarray(i + 1);
  if ((n[0] === 0x48 && n[1] === 0x89 && n[2] === 0xe5) || (n[0] === 0x48 && n[1] === 0x8b && n[2] === 0xec)) return start + BigInt(i + 4);
  if ((n[0] === 0x89 && n[1] === 0xe5) || (n[0] === 0x8b && n[1] === 0xec)) return start + BigInt(i + 3);
  return start; // push without frame setup: gdb treats it as frameless
}

/** skip_prologue_using_linetable: first prologue_end entry of the function's start symtab. */
function prologueEndPc(lt: CuLineTable, fn: FunctionInfo): bigint | undefined {
  const sal = lt.lookup(fn.entry);
  if (!sal) return undefined;
  const t = lt.subfiles.get(sal.file)!;
  const from = lt.offsetOf(fn.entry), to = lt.offsetOf(fn.high);
  if (from === undefined || to === undefined) return undefined;
  for (let i = t.bound(from, false); i < t.length && t.pcs[i] < to; i++) if (t.prologueEnd(i)) return t.pc(i);
  return undefined;
}

/** skip_prologue_using_sal (used for LLVM units): the end of the function's first line. */
function skipPrologueUsingSal(lt: CuLineTable, fn: FunctionInfo): bigint | undefined {
  const range = fn.ranges.find(r => fn.entry >= r.low && fn.entry < r.high) ?? fn.ranges[0];
  const start = range.low, end = range.high;
  const sal = lt.lookup(start);
  if (!sal) return undefined;
  const t = lt.subfiles.get(sal.file)!;
  const salOff = lt.offsetOf(sal.pc), startOff = lt.offsetOf(start);
  let idx = 0;
  while (idx + 1 < t.length && (t.pcs[idx] !== salOff || t.lines[idx] === 0)) idx++;
  if (idx + 1 < t.length && t.lines[idx + 1] !== 0 && t.pcs[idx + 1] === startOff) return start;
  if (sal.end === undefined || sal.end >= end) return undefined;
  return sal.end;
}

/**
 * The breakpoint pc for a location at `pc` when gdb skips prologues (`break FUNC`, or
 * `break FILE:LINE` landing on a function's first line). Returns pc unchanged when it is
 * already past the prologue.
 */
export function skipPrologue(sf: SymbolFile, pc: bigint): bigint {
  const u = sf.unitForPc(pc);
  const fn = u ? sf.functions(u).containing(pc) : undefined;
  const lt = u ? sf.lineTable(u) : undefined;
  if (!u || !fn || !lt) return pc;
  let forceSkip = !locationsValid(u);
  const entry = fn.entry;
  let result = entry;
  for (let skip = 1; skip >= 0; skip--) {
    let p = entry;
    if (skip) {
      const pe = prologueEndPc(lt, fn);
      if (pe !== undefined) { result = pe; forceSkip = true; break; }
      if (isLlvm(u.producer())) {
        const post = skipPrologueUsingSal(lt, fn);
        p = post !== undefined ? (post > entry ? post : entry) : amd64SkipPrologue(sf, entry);
      } else {
        p = amd64SkipPrologue(sf, entry);
      }
      const sal = lt.lookup(p);
      // Mid-line after the frame setup: go to the start of the next line if still in the function.
      if (sal && sal.pc !== p && sal.end !== undefined && fn.entry <= sal.end && sal.end < fn.high) p = sal.end;
    }
    result = p;
    if (forceSkip) break;
  }
  return pc > result ? pc : result;
}
