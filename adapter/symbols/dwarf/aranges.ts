// .debug_aranges: address ranges → the unit covering them, so a pc finds its unit without
// parsing .debug_info.
//   set: unit_length | version u16 (2) | debug_info_offset | address_size u8 | seg_size u8 |
//        padding to 2*address_size | (address, length)* | 0,0
import { ParseError } from '../../common/cursor';
import type { Section } from '../elf/section';
import { infoOffset, type DebugInfoOffset } from './offsets';

export interface ArangeEntry { low: bigint; high: bigint; unit: DebugInfoOffset }

/** Every range of every set, sorted by low address. */
export function parseAranges(sec: Section): ArangeEntry[] {
  const out: ArangeEntry[] = [];
  const c = sec.cursor(0);
  while (!c.eof) {
    const start = c.offset;
    let len: number = c.u32(), offSize: 4 | 8 = 4;
    if (len === 0xffffffff) { len = Number(c.u64()); offSize = 8; }
    if (len > c.remaining) throw new ParseError(sec.name, start, `set length ${len} runs past the end of the section`);
    const set = c.sub(len);
    const version = set.u16();
    if (version !== 2) throw new ParseError(sec.name, start, `unsupported .debug_aranges version ${version}`);
    const unit = offSize === 4 ? set.u32() : Number(set.u64());
    const asize = set.u8(), seg = set.u8();
    if (asize !== 4 && asize !== 8) throw new ParseError(sec.name, start, `address size ${asize}`);
    if (seg !== 0) throw new ParseError(sec.name, start, 'segmented addresses are not supported');
    const hdr = set.offset - start;
    const tuple = 2 * asize;
    const pad = (tuple - (hdr % tuple)) % tuple;
    set.skip(Math.min(pad, set.remaining));
    while (set.remaining >= tuple) {
      const low = set.uN(asize), length = set.uN(asize);
      if (low === 0n && length === 0n) break;
      if (length > 0n) out.push({ low, high: low + length, unit: infoOffset(unit) });
    }
  }
  out.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
  return out;
}

/**
 * The debug_info_offset of every set, in section order (set headers only). Linkers keep the sets
 * in unit order, so the list names the units without reading .debug_info's headers.
 */
export function arangeSetUnits(sec: Section): number[] {
  const out: number[] = [];
  const c = sec.cursor(0);
  while (c.remaining >= 4) {
    const start = c.offset;
    let len: number = c.u32(), offSize: 4 | 8 = 4;
    if (len === 0xffffffff) { len = Number(c.u64()); offSize = 8; }
    if (len > c.remaining || len < 2 + offSize) throw new ParseError(sec.name, start, `set length ${len} does not fit the section`);
    const set = c.sub(len);
    set.u16();
    out.push(offSize === 4 ? set.u32() : Number(set.u64()));
  }
  return out;
}
