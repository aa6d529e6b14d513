// Address range lists: .debug_ranges (DWARF 2-4) and .debug_rnglists (DWARF 5).
//   .debug_ranges entry:  begin addr | end addr   (0,0 ends; (max, base) selects a base address)
//   .debug_rnglists entry: DW_RLE_* u8 | operands (ULEB indices/offsets, addresses)
import { ParseError, type ByteCursor } from '../../common/cursor';
import { DW_RLE } from './constants';
import type { DebugInfoOffset } from './offsets';
import type { AttrValue, Unit } from './unit';

export interface PcRange { low: bigint; high: bigint }

/** Upper bound on entries in one list: malformed input cannot make us loop for long. */
const MAX_ENTRIES = 1 << 20;

/** The ranges named by a DW_AT_ranges value of `unit` (in list order, empty ranges dropped). */
export function readRanges(unit: Unit, v: AttrValue, at: DebugInfoOffset): PcRange[] {
  if (v.kind === 'rnglistx') return readRngList(unit, v.offset);
  let off: number;
  if (v.kind === 'secOffset') off = v.value;
  else if (v.kind === 'constant' && unit.version < 4) off = Number(v.value);
  else throw new ParseError('.debug_info', at, `DW_AT_ranges has unexpected kind ${v.kind}`);
  return unit.version >= 5 ? readRngList(unit, off) : readDebugRanges(unit, off);
}

export function readDebugRanges(unit: Unit, offset: number): PcRange[] {
  const sec = unit.dwarf.sections.ranges;
  if (!sec) throw new ParseError('.debug_ranges', offset, 'the section is missing but DW_AT_ranges refers to it');
  const size = unit.addressSize;
  const max = size === 8 ? 0xffffffffffffffffn : 0xffffffffn;
  const base0 = unit.bases().baseAddress;
  return sec.parseAt(offset, 256, c => {
    let base = base0;
    const out: PcRange[] = [];
    for (let n = 0; n < MAX_ENTRIES; n++) {
      const b = c.uN(size), e = c.uN(size);
      if (b === 0n && e === 0n) return out;
      if (b === max) { base = e; continue; }
      const low = BigInt.asUintN(64, base + b), high = BigInt.asUintN(64, base + e);
      if (high > low) out.push({ low, high });
    }
    throw new ParseError(sec.name, offset, 'range list has no end');
  });
}

export function readRngList(unit: Unit, offset: number): PcRange[] {
  const sec = unit.dwarf.sections.rnglists;
  if (!sec) throw new ParseError('.debug_rnglists', offset, 'the section is missing but DW_AT_ranges refers to it');
  const base0 = unit.bases().baseAddress;
  return sec.parseAt(offset, 256, c => rngList(unit, c, base0, offset, sec.name));
}

function rngList(unit: Unit, c: ByteCursor, base0: bigint, offset: number, name: string): PcRange[] {
  const size = unit.addressSize;
  let base = base0;
  const out: PcRange[] = [];
  const push = (low: bigint, high: bigint) => { if (high > low) out.push({ low, high }); };
  for (let n = 0; n < MAX_ENTRIES; n++) {
    const kind = c.u8();
    switch (kind) {
      case DW_RLE.end_of_list: return out;
      case DW_RLE.base_addressx: base = unit.addrx(c.ulebNum(0x7fffffff, 'address index')); break;
      case DW_RLE.startx_endx: { const s = unit.addrx(c.ulebNum(0x7fffffff, 'address index')); push(s, unit.addrx(c.ulebNum(0x7fffffff, 'address index'))); break; }
      case DW_RLE.startx_length: { const s = unit.addrx(c.ulebNum(0x7fffffff, 'address index')); push(s, BigInt.asUintN(64, s + c.uleb())); break; }
      case DW_RLE.offset_pair: { const s = c.uleb(), e = c.uleb(); push(BigInt.asUintN(64, base + s), BigInt.asUintN(64, base + e)); break; }
      case DW_RLE.base_address: base = c.uN(size); break;
      case DW_RLE.start_end: { const s = c.uN(size); push(s, c.uN(size)); break; }
      case DW_RLE.start_length: { const s = c.uN(size); push(s, BigInt.asUintN(64, s + c.uleb())); break; }
      default: throw c.error(`unknown range list entry kind ${kind}`, c.pos - 1);
    }
  }
  throw new ParseError(name, offset, 'range list has no end');
}
