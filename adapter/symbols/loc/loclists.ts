// Location lists: .debug_loc (DWARF 2-4) and .debug_loclists (DWARF 5, every DW_LLE kind).
//
//  .debug_loc entry:      | begin (addr) | end (addr) | length (u16) | expression |
//                         begin=end=0 ends the list; begin=~0 selects a new base (= end)
//  .debug_loclists entry: | DW_LLE kind (u8) | operands per kind | [uleb length | expression] |
import { ByteCursor } from '../../common/cursor';
import { ExoError } from '../../common/errors';

export interface LocListEntry {
  /** [begin, end) in which `expr` gives the location; undefined for DW_LLE_default_location. */
  begin?: bigint;
  end?: bigint;
  expr: Uint8Array;
  /** Section offset of the expression's first byte (error messages). */
  exprOffset: number;
}

export interface LocListUnit {
  addressSize: number;
  /** The unit's base address (DW_AT_low_pc of the CU), where lists start. */
  baseAddress: bigint;
  /** Reads entry `index` of the unit's .debug_addr table (DWARF 5 *x forms). */
  debugAddr?(index: bigint): bigint;
}

const MAX_ENTRIES = 1_000_000;

/** Parses the .debug_loc (v2-4) list at `offset`. */
export function parseDebugLoc(section: Uint8Array, offset: number, unit: LocListUnit): LocListEntry[] {
  const c = new ByteCursor(section, '.debug_loc', offset);
  const size = unit.addressSize;
  const ones = size === 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n;
  const mask = ones;
  let base = unit.baseAddress;
  const out: LocListEntry[] = [];
  for (let n = 0; n < MAX_ENTRIES; n++) {
    const begin = c.uN(size), end = c.uN(size);
    if (begin === 0n && end === 0n) return out;
    if (begin === ones) { base = end; continue; }
    const len = c.u16();
    const exprOffset = c.offset;
    const expr = c.bytesN(len);
    out.push({ begin: (base + begin) & mask, end: (base + end) & mask, expr, exprOffset });
  }
  throw c.error(`location list has more than ${MAX_ENTRIES} entries`);
}

const enum LLE {
  end_of_list = 0, base_addressx = 1, startx_endx = 2, startx_length = 3, offset_pair = 4,
  default_location = 5, base_address = 6, start_end = 7, start_length = 8, GNU_view_pair = 9,
}

/** Parses the .debug_loclists (v5) list at `offset`. */
export function parseDebugLoclists(section: Uint8Array, offset: number, unit: LocListUnit): LocListEntry[] {
  const c = new ByteCursor(section, '.debug_loclists', offset);
  const size = unit.addressSize;
  const mask = size === 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n;
  let base = unit.baseAddress;
  const out: LocListEntry[] = [];
  const addrx = (at: number): bigint => {
    const i = c.uleb();
    if (!unit.debugAddr) throw c.error('DW_LLE_*x entry but the unit has no .debug_addr', at);
    return unit.debugAddr(i);
  };
  const counted = (): { expr: Uint8Array; exprOffset: number } => {
    const len = c.ulebNum(c.remaining, 'expression length');
    const exprOffset = c.offset;
    return { expr: c.bytesN(len), exprOffset };
  };
  for (let n = 0; n < MAX_ENTRIES; n++) {
    const at = c.pos;
    const kind = c.u8();
    switch (kind) {
      case LLE.end_of_list: return out;
      case LLE.base_addressx: base = addrx(at); break;
      case LLE.base_address: base = c.uN(size); break;
      case LLE.startx_endx: { const b = addrx(at), e = addrx(at); out.push({ begin: b, end: e, ...counted() }); break; }
      case LLE.startx_length: { const b = addrx(at); const l = c.uleb(); out.push({ begin: b, end: (b + l) & mask, ...counted() }); break; }
      case LLE.offset_pair: {
        const b = c.uleb(), e = c.uleb();
        out.push({ begin: (base + b) & mask, end: (base + e) & mask, ...counted() });
        break;
      }
      case LLE.default_location: out.push(counted()); break;
      // GCC's -gvariable-location-views=incompat5: a view pair precedes the entry it qualifies
      case LLE.GNU_view_pair: c.uleb(); c.uleb(); break;
      case LLE.start_end: { const b = c.uN(size), e = c.uN(size); out.push({ begin: b, end: e, ...counted() }); break; }
      case LLE.start_length: { const b = c.uN(size); const l = c.uleb(); out.push({ begin: b, end: (b + l) & mask, ...counted() }); break; }
      default: throw c.error(`unknown DW_LLE kind 0x${kind.toString(16)}`, at);
    }
  }
  throw c.error(`location list has more than ${MAX_ENTRIES} entries`);
}

/**
 * DW_FORM_loclistx: the section offset of list `index` of a unit whose offsets table starts at
 * `loclistsBase` (DW_AT_loclists_base). Entries are relative to that base.
 */
export function loclistxOffset(section: Uint8Array, loclistsBase: number, index: number, offsetSize: 4 | 8): number {
  const c = new ByteCursor(section, '.debug_loclists', 0);
  const at = loclistsBase + index * offsetSize;
  if (at < 0 || at + offsetSize > section.length) {
    throw c.error(`loclistx index ${index} is outside the offsets table at 0x${loclistsBase.toString(16)}`, Math.min(Math.max(at, 0), section.length));
  }
  c.pos = at;
  const rel = offsetSize === 8 ? c.u64() : BigInt(c.u32());
  const off = BigInt(loclistsBase) + rel;
  if (off >= BigInt(section.length)) throw c.error(`loclistx index ${index} points past the section`, at);
  return Number(off);
}

/** The expression in force at `pc` (the first bounded entry containing it, else the default). */
export function locationAt(entries: LocListEntry[], pc: bigint): LocListEntry | undefined {
  let dflt: LocListEntry | undefined;
  for (const e of entries) {
    if (e.begin === undefined || e.end === undefined) { dflt ??= e; continue; }
    if (e.begin <= pc && pc < e.end) return e;
  }
  return dflt;
}

/** Which location-list section a unit uses: v5 units use .debug_loclists, older .debug_loc. */
export function parseLocList(version: number, sections: { loc?: Uint8Array; loclists?: Uint8Array }, offset: number, unit: LocListUnit): LocListEntry[] {
  if (version >= 5) {
    if (!sections.loclists) throw new ExoError('protocol', `a DWARF ${version} unit refers to a location list at 0x${offset.toString(16)} but the file has no .debug_loclists`);
    return parseDebugLoclists(sections.loclists, offset, unit);
  }
  if (!sections.loc) throw new ExoError('protocol', `a DWARF ${version} unit refers to a location list at 0x${offset.toString(16)} but the file has no .debug_loc`);
  return parseDebugLoc(sections.loc, offset, unit);
}
