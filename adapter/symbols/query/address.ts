// Address → function, file:line and inlined frames (what addr2line -fi prints), plus the
// nearest ELF symbol for code without DWARF.
import { DW_AT } from '../dwarf/constants';
import type { Die } from '../dwarf/die';
import type { SymbolFile } from '../symbolfile';

export interface InlinedFrame {
  /** The inlined function. */
  function: string;
  /** Where the inlined code was called from (DW_AT_call_file/line/column). */
  callFile?: string;
  callLine?: number;
  callColumn?: number;
  low: bigint;
  high: bigint;
}

export interface SourceFrame { function?: string; file?: string; line?: number; column?: number }

export interface AddressInfo {
  address: bigint;
  /** The outermost (non-inlined) function containing the address. */
  function?: { name: string; linkageName?: string; low: bigint; high: bigint };
  /** From the line table (gdb's find_pc_line). */
  file?: string;
  line?: number;
  column?: number;
  /** Inlined functions at the address, innermost first. */
  inlined: InlinedFrame[];
  /** Source frames innermost first (addr2line -i): the innermost inlined function at file:line, then its callers. */
  frames: SourceFrame[];
  /** The ELF symbol containing the address. */
  symbol?: { name: string; offset: bigint };
}

/** The file a DW_AT_call_file / decl_file index names, through the unit's line program. */
export function fileName(sf: SymbolFile, d: Die, at: number): string | undefined {
  const idx = d.udata(at);
  if (idx === undefined) return undefined;
  const off = d.unit.lineProgramOffset();
  if (off === undefined) return undefined;
  return sf.dwarf.lineProgram(off, d.unit).file(Number(idx))?.path;
}

export function addressInfo(sf: SymbolFile, pc: bigint): AddressInfo {
  const out: AddressInfo = { address: pc, inlined: [], frames: [] };
  const sym = sf.symbolAt(pc);
  if (sym) out.symbol = { name: sym.symbol.name, offset: sym.offset };
  const u = sf.unitForPc(pc);
  if (!u) return out;
  const pl = sf.lineTable(u)?.lookup(pc);
  if (pl) {
    out.file = pl.file; out.line = pl.line;
    const row = sf.lineTable(u)?.rowAt(pc);
    if (row && row.line === pl.line) out.column = row.column;
  }
  const fns = sf.functions(u);
  const fn = fns.containing(pc);
  if (!fn) return out;
  out.function = { name: fn.name, linkageName: fn.linkageName, low: fn.low, high: fn.high };
  const blocks = fns.blocksAt(pc).filter(b => b.kind === 'inlined');
  for (const b of blocks.reverse()) {
    const low = b.ranges.reduce((m, r) => (r.low < m ? r.low : m), b.ranges[0].low);
    const high = b.ranges.reduce((m, r) => (r.high > m ? r.high : m), b.ranges[0].high);
    const line = b.die.udata(DW_AT.call_line), col = b.die.udata(DW_AT.call_column);
    out.inlined.push({
      function: b.die.qualifiedName() ?? b.die.name() ?? '<unknown>',
      callFile: fileName(sf, b.die, DW_AT.call_file),
      callLine: line === undefined ? undefined : Number(line),
      callColumn: col === undefined ? undefined : Number(col),
      low, high,
    });
  }
  let loc: SourceFrame = { file: out.file, line: out.line, column: out.column };
  for (const f of out.inlined) {
    out.frames.push({ function: f.function, ...loc });
    loc = { file: f.callFile, line: f.callLine, column: f.callColumn };
  }
  out.frames.push({ function: fn.name, ...loc });
  return out;
}
