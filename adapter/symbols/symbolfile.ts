// SymbolFile: the public facade over one ELF with DWARF. Opening reads headers only; units are
// found through .debug_aranges (or unit ranges), parsed on first use, and cached with errors.
import { posix } from 'node:path';
import { cached, type Cached } from '../common/cache';
import { ExoError } from '../common/errors';
import { BufferSource, FileSource, type ByteSource } from './bytesource';
import { Dwarf } from './dwarf/dwarf';
import type { PcRange } from './dwarf/ranges';
import { dwarfSectionsOf } from './dwarf/sections';
import type { Unit } from './dwarf/unit';
import { ElfFile } from './elf/elffile';
import { SectionWindow } from './elf/section';
import { LineProgram } from './dwarf/line';
import type { DebugLineOffset } from './dwarf/offsets';
import type { ElfSymbol } from './elf/types';
import { UnitFunctions, type FunctionInfo } from './functions';
import { CuLineTable, type PcLine } from './linetable';
import { addressInfo, type AddressInfo } from './query/address';
import { prefetchDebugStrNames } from './query/names';
import { breakpointsForFunction, breakpointsForLine, infoLine, type FunctionBreakpoints, type InfoLineResult, type LineBreakpoints } from './query/breakpoints';

export interface CompilationUnitInfo {
  offset: number;
  name?: string;
  compDir?: string;
  producer?: string;
  language?: number;
  version: number;
}

export class SymbolFile {
  readonly dwarf: Dwarf;
  readonly hasSectionAtZero: boolean;
  private readonly lineTables = new Map<number, Cached<CuLineTable | undefined>>();
  private readonly functionIndex = new Map<number, Cached<UnitFunctions>>();
  private unitSpans: { low: bigint; high: bigint; unit: number }[] | undefined;

  constructor(readonly elf: ElfFile) {
    this.dwarf = new Dwarf(dwarfSectionsOf(elf));
    this.hasSectionAtZero = elf.sectionHeaders.some(s => (s.flags & 2n) !== 0n && s.addr === 0n && s.size > 0n);
  }

  static open(input: string | ByteSource | Uint8Array): SymbolFile {
    const src = typeof input === 'string' ? new FileSource(input) : input instanceof Uint8Array ? new BufferSource(input) : input;
    return new SymbolFile(new ElfFile(src));
  }

  close(): void { this.elf.src.close?.(); }

  /** The gdb-style line table of a unit (undefined when it has no DW_AT_stmt_list). */
  lineTable(u: Unit): CuLineTable | undefined {
    return cached(this.lineTables, u.offset, () => {
      const off = u.lineProgramOffset();
      if (off === undefined) return undefined;
      const name = u.name(), dir = u.compDir() ?? '';
      const primary = name === undefined ? undefined : posix.normalize(name.startsWith('/') ? name : posix.join(dir, name));
      return new CuLineTable(this.dwarf.lineProgram(off, u), this.hasSectionAtZero, primary);
    });
  }

  functions(u: Unit): UnitFunctions {
    return cached(this.functionIndex, u.offset, () => new UnitFunctions(u, this.hasSectionAtZero));
  }

  /** Units that may contain code: compile units and partial units. */
  units(): Unit[] { return this.dwarf.compileUnits(); }

  /** The unit covering pc: .debug_aranges first, then the units' own ranges. */
  unitForPc(pc: bigint): Unit | undefined {
    const ar = this.dwarf.aranges();
    const at = ar?.unitAt(pc);
    if (at !== undefined) return this.dwarf.unit(at);
    const spans = this.spans();
    let lo = 0, hi = spans.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (spans[m].low <= pc) lo = m + 1; else hi = m; }
    for (let i = lo - 1; i >= 0 && i >= lo - 64; i--) if (pc < spans[i].high) return this.dwarf.unit(spans[i].unit as never);
    return undefined;
  }

  /** Ranges of every compile unit (reads each unit's root DIE only), for binaries without aranges. */
  private spans(): { low: bigint; high: bigint; unit: number }[] {
    if (this.unitSpans) return this.unitSpans;
    const out: { low: bigint; high: bigint; unit: number }[] = [];
    for (const u of this.units()) {
      let rs: PcRange[] = [];
      try { rs = u.root().pcRanges(); } catch { continue; }
      for (const r of rs) if (this.hasSectionAtZero || r.low !== 0n) out.push({ ...r, unit: u.offset });
    }
    out.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
    return (this.unitSpans = out);
  }

  /** The function containing pc, from DWARF (the outermost, not an inlined copy). */
  functionContaining(pc: bigint): FunctionInfo | undefined {
    const u = this.unitForPc(pc);
    return u ? this.functions(u).containing(pc) : undefined;
  }

  /** gdb's find_pc_line: file and line of the line-table entry covering pc. */
  lineForPc(pc: bigint): PcLine | undefined {
    const u = this.unitForPc(pc);
    return u ? this.lineTable(u)?.lookup(pc) : undefined;
  }

  addressInfo(pc: bigint): AddressInfo { return addressInfo(this, pc); }
  breakpointsForLine(file: string, line: number): LineBreakpoints { return breakpointsForLine(this, file, line); }
  breakpointsForFunction(name: string): FunctionBreakpoints { return breakpointsForFunction(this, name); }
  infoLine(file: string, line: number): InfoLineResult { return infoLine(this, file, line); }

  /**
   * Looks up a batch of function names ahead (ELF symbols and DWARF names, one pass over each
   * string table): a CLI run with a few queries then builds no index of every name.
   */
  prefetchNames(names: readonly string[]): void {
    this.elf.symbols().prefetchNames(names);
    if (this.dwarf.hasInfo) prefetchDebugStrNames(this, names);
  }

  symbolByName(name: string): ElfSymbol | undefined { return this.elf.symbols().lookup(name); }
  symbolAt(addr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
    const r = this.elf.symbols().at(addr);
    // As gdb: only a symbol of the section holding `addr` names it (a label ending .data..percpu
    // does not name the physical entry 0x1000000).
    const sec = r ? this.elf.sectionAt(r.symbol.shndx) : undefined;
    if (sec && (addr < sec.header.addr || addr >= sec.header.addr + sec.header.size)) return undefined;
    return r;
  }

  compilationUnits(): CompilationUnitInfo[] {
    return this.units().map(u => {
      const info: CompilationUnitInfo = { offset: u.offset, version: u.version };
      try { info.name = u.name(); info.compDir = u.compDir(); info.producer = u.producer(); info.language = u.language(); } catch { /* keep the header facts */ }
      return info;
    });
  }

  /**
   * Every source file named by any line program (full paths, sorted). The headers are read front
   * to back through one window and not kept; DWARF 5 programs name their compilation directory
   * themselves, so only older ones need their unit's DW_AT_comp_dir (units mapped on demand).
   */
  sourceFiles(): string[] {
    const sec = this.dwarf.sections.line;
    const set = new Set<string>();
    if (!sec) return [];
    const win = new SectionWindow(sec);
    const shared = { sections: this.dwarf.sections, lineStrCache: new Map<number, string>(), pathCache: new Map<string, string>() };
    let byStmt: Map<number, Unit> | undefined;
    const unitOf = (off: number) => {
      if (!byStmt) {
        byStmt = new Map();
        for (const u of this.units()) { try { const s = u.lineProgramOffset(); if (s !== undefined) byStmt.set(s, u); } catch { /* no line table */ } }
      }
      return byStmt.get(off);
    };
    for (let off = 0; off < sec.size;) {
      // The version decides whether the unit is needed: peek at it (bytes 4-5, or 12-13 in DWARF64).
      const head = win.bytes(off, Math.min(14, sec.size - off));
      const dw64 = head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff;
      const version = dw64 ? head[12] | (head[13] << 8) : head[4] | (head[5] << 8);
      const u = version < 5 ? unitOf(off) : undefined;
      const lp = LineProgram.parse(sec, off as DebugLineOffset, { ...shared, addressSize: u?.addressSize ?? 8, compDir: u?.compDir(), name: u?.name() }, win);
      for (const f of lp.files) if (f) set.add(f.path);
      if (lp.end <= off) break;
      off = lp.end;
    }
    return [...set].sort();
  }

  /** Reads code bytes of the image at addr (from the file), for prologue analysis. */
  code(addr: bigint, len: number): Uint8Array | undefined { return this.elf.readAddress(addr, len); }

  /** Throws a user error when the file has no DWARF at all. */
  requireDebugInfo(): void {
    if (!this.dwarf.hasInfo) throw new ExoError('user', `${this.elf.src.name} has no .debug_info: build it with -g (Rust: debug = true)`);
  }
}

