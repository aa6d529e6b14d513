// Dwarf: the entry point over one binary's DWARF sections. Finds units (headers only), caches
// abbreviation tables, units, line programs and unit address ranges; remembers failures too.
import { cached, type Cached } from '../../common/cache';
import { ParseError } from '../../common/cursor';
import { ExoError } from '../../common/errors';
import { AbbrevTable } from './abbrev';
import { ArangeTable, arangeSetUnits } from './aranges';
import { DW_UT } from './constants';
import type { Die } from './die';
import { LineProgram } from './line';
import type { DebugAbbrevOffset, DebugInfoOffset, DebugLineOffset } from './offsets';
import type { PcRange } from './ranges';
import type { DwarfSections } from './sections';
import { readUnitHeader, Unit, type UnitHeader } from './unit';

export class Dwarf {
  private headers: UnitHeader[] | undefined;
  private headerError: unknown;
  private readonly units = new Map<number, Cached<Unit>>();
  private readonly abbrevs = new Map<number, Cached<AbbrevTable>>();
  private readonly lines = new Map<number, Cached<LineProgram>>();
  private arangesCache: ArangeTable | undefined;
  private setUnits: number[] | null | undefined;
  private typeUnits: Map<bigint, DebugInfoOffset> | undefined;
  private readonly lineStrCache = new Map<number, string>();

  constructor(readonly sections: DwarfSections) {}

  get hasInfo(): boolean { return !!this.sections.info && this.sections.info.size > 0; }

  /** Headers of every unit in .debug_info (reads only headers). A corrupt unit ends the list with an error. */
  unitHeaders(): UnitHeader[] {
    if (this.headers) return this.headers;
    if (this.headerError) throw this.headerError;
    const sec = this.sections.info;
    const out: UnitHeader[] = [];
    try {
      if (sec) for (let off = 0; off < sec.size;) {
        const h = readUnitHeader(sec, off);
        out.push(h);
        off = h.end;
      }
    } catch (e) { this.headerError = e; throw e; }
    this.headers = out;
    return out;
  }

  /** Units whose headers parse, stopping at the first corrupt one (for best-effort scans). */
  unitHeadersLenient(): { headers: UnitHeader[]; error?: unknown } {
    try { return { headers: this.unitHeaders() }; } catch (e) {
      const sec = this.sections.info!;
      const headers: UnitHeader[] = [];
      try { for (let off = 0; off < sec.size;) { const h = readUnitHeader(sec, off); headers.push(h); off = h.end; } } catch { /* reported below */ }
      return { headers, error: e };
    }
  }

  /** The unit whose header starts at `offset`. */
  unit(offset: DebugInfoOffset): Unit {
    return cached(this.units, offset, () => {
      const sec = this.sections.info;
      if (!sec) throw new ExoError('user', 'the ELF file has no .debug_info: rebuild it with debug info (-g)');
      return new Unit(this, this.knownHeader(offset) ?? readUnitHeader(sec, offset));
    });
  }

  /** The header at `offset` when every header is already read (saves a read per unit). */
  private knownHeader(offset: number): UnitHeader | undefined {
    const hs = this.headers;
    if (!hs) return undefined;
    let lo = 0, hi = hs.length - 1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (hs[m].offset === offset) return hs[m];
      if (hs[m].offset < offset) lo = m + 1; else hi = m - 1;
    }
    return undefined;
  }

  /** The unit containing section offset `offset` (binary search over the headers). */
  unitContaining(offset: number): Unit {
    const hs = this.unitHeaders();
    let lo = 0, hi = hs.length - 1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (hs[m].end <= offset) lo = m + 1;
      else if (hs[m].offset > offset) hi = m - 1;
      else return this.unit(hs[m].offset);
    }
    throw new ParseError('.debug_info', offset, 'offset is not inside any unit');
  }

  /** The DIE at `offset`, in whichever unit contains it (DW_FORM_ref_addr). */
  die(offset: DebugInfoOffset): Die { return this.unitContaining(offset).dieAt(offset); }

  /** The type DIE of a DWARF 5 type unit with this signature (DW_FORM_ref_sig8). */
  typeUnitDie(sig: bigint): Die | undefined {
    if (!this.typeUnits) {
      this.typeUnits = new Map();
      for (const h of this.unitHeaders()) {
        if ((h.unitType === DW_UT.type || h.unitType === DW_UT.split_type) && h.typeSignature !== undefined && h.typeOffset !== undefined) {
          this.typeUnits.set(h.typeSignature, (h.offset + h.typeOffset) as DebugInfoOffset);
        }
      }
    }
    const off = this.typeUnits.get(sig);
    return off === undefined ? undefined : this.die(off);
  }

  abbrevTable(offset: DebugAbbrevOffset): AbbrevTable {
    return cached(this.abbrevs, offset, () => {
      const sec = this.sections.abbrev;
      if (!sec) throw new ParseError('.debug_abbrev', offset, 'the section is missing');
      return AbbrevTable.parse(sec, offset);
    });
  }

  /** The line program at `offset` (header parsed now, rows on demand); `unit` supplies comp_dir/name. */
  lineProgram(offset: DebugLineOffset, unit: Unit): LineProgram {
    return cached(this.lines, offset, () => {
      const sec = this.sections.line;
      if (!sec) throw new ParseError('.debug_line', offset, 'the section is missing but DW_AT_stmt_list refers to it');
      return LineProgram.parse(sec, offset, { compDir: unit.compDir(), name: unit.name(), addressSize: unit.addressSize, sections: this.sections, lineStrCache: this.lineStrCache });
    });
  }

  /** .debug_aranges ranges (sorted), or undefined when the section is absent. */
  aranges(): ArangeTable | undefined {
    if (!this.sections.aranges) return undefined;
    return (this.arangesCache ??= ArangeTable.parse(this.sections.aranges));
  }

  /**
   * Unit offsets named by the .debug_aranges sets, in section order (undefined without the
   * section or when it does not parse): a cheap guess at the unit list, to be verified by users.
   */
  arangeUnits(): number[] | undefined {
    if (this.setUnits === undefined) {
      try { this.setUnits = this.sections.aranges ? arangeSetUnits(this.sections.aranges) : null; } catch { this.setUnits = null; }
    }
    return this.setUnits ?? undefined;
  }

  /** Units that hold code (compile, partial, skeleton); decided from headers only. */
  compileUnits(): Unit[] {
    return this.unitHeaders()
      .filter(h => h.unitType === DW_UT.compile || h.unitType === DW_UT.skeleton || h.unitType === DW_UT.partial)
      .map(h => this.unit(h.offset));
  }

  /** The address ranges of a unit (root's low/high or DW_AT_ranges). */
  unitRanges(u: Unit): PcRange[] { return u.root().pcRanges(); }
}
