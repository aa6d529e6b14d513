// .debug_aranges: address ranges → the unit covering them, so a pc finds its unit without
// parsing .debug_info.
//   set: unit_length | version u16 (2) | debug_info_offset | address_size u8 | seg_size u8 |
//        padding to 2*address_size | (address, length)* | 0,0
import { ParseError } from '../../common/cursor';
import type { Section } from '../elf/section';
import { infoOffset, type DebugInfoOffset } from './offsets';

export interface ArangeEntry { low: bigint; high: bigint; unit: DebugInfoOffset }

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Every range of every set sorted by low address, as typed columns: a vmlinux has ~10^4 ranges,
 * and a BigInt pair plus an object per range cost more to make (and collect) than the lookups
 * they serve.
 */
export class ArangeTable {
  private constructor(private readonly lows: BigUint64Array, private readonly highs: BigUint64Array, private readonly units: Float64Array) {}

  get length(): number { return this.units.length; }

  /** Entry i (sorted by low). */
  entry(i: number): ArangeEntry { return { low: this.lows[i], high: this.highs[i], unit: infoOffset(this.units[i]) }; }

  /** The unit of a range containing pc (ranges of one unit may nest others: look a few back). */
  unitAt(pc: bigint): DebugInfoOffset | undefined {
    const lows = this.lows;
    let lo = 0, hi = lows.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (lows[m] <= pc) lo = m + 1; else hi = m; }
    for (let i = lo - 1; i >= 0 && i >= lo - 8; i--) if (pc < this.highs[i]) return infoOffset(this.units[i]);
    return undefined;
  }

  static parse(sec: Section): ArangeTable {
    // Pass 1 validates the sets and counts the ranges; pass 2 copies address halves (no BigInt).
    const sets: { at: number; end: number; unit: number; asize: number }[] = [];
    let count = 0;
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
      const at = set.pos, end = at + Math.floor(set.remaining / tuple) * tuple;
      sets.push({ at, end, unit, asize }); // sub-cursors index the same bytes
      count += (end - at) / tuple;
    }
    const b = c.bytes;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const lo32 = new Uint32Array(2 * count), len32 = new Uint32Array(2 * count), unitOf = new Float64Array(count);
    let n = 0;
    for (const st of sets) {
      for (let p = st.at; p < st.end; p += 2 * st.asize) {
        let l0: number, l1: number, z0: number, z1: number;
        if (st.asize === 8) { l0 = dv.getUint32(p, true); l1 = dv.getUint32(p + 4, true); z0 = dv.getUint32(p + 8, true); z1 = dv.getUint32(p + 12, true); }
        else { l0 = dv.getUint32(p, true); l1 = 0; z0 = dv.getUint32(p + 4, true); z1 = 0; }
        if (l0 === 0 && l1 === 0 && z0 === 0 && z1 === 0) break; // the set's terminator
        if (z0 === 0 && z1 === 0) continue; // empty range
        lo32[2 * n] = l0; lo32[2 * n + 1] = l1; len32[2 * n] = z0; len32[2 * n + 1] = z1; unitOf[n] = st.unit;
        n++;
      }
    }
    const order = sortedOrder(lo32, n);
    const lows = new BigUint64Array(n), highs = new BigUint64Array(n), units = new Float64Array(n);
    const lw = new Uint32Array(lows.buffer), hw = new Uint32Array(highs.buffer);
    const L = LITTLE_ENDIAN ? 0 : 1, H = 1 - L;
    for (let k = 0; k < n; k++) {
      const i = order[k];
      const l0 = lo32[2 * i], l1 = lo32[2 * i + 1];
      // high = low + length, in two 32-bit halves with carry (wraps at 2^64 as BigInt.asUintN would).
      const s0 = l0 + len32[2 * i], carry = s0 >= 0x100000000 ? 1 : 0;
      lw[2 * k + L] = l0; lw[2 * k + H] = l1;
      hw[2 * k + L] = s0 >>> 0; hw[2 * k + H] = (l1 + len32[2 * i + 1] + carry) >>> 0;
      units[k] = unitOf[i];
    }
    return new ArangeTable(lows, highs, units);
  }
}

/** Range indices stable-sorted by start address (high half, then low half). */
function sortedOrder(lo32: Uint32Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  let sameHigh = n < PACK;
  for (let i = 1; i < n && sameHigh; i++) sameHigh = lo32[2 * i + 1] === lo32[1];
  if (sameHigh) {
    // One high half (a kernel's 0xffffffff): (low half, index) packed in one exact float sorts
    // natively, no comparator call per comparison.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = lo32[2 * i] * PACK + i;
    keys.sort();
    for (let k = 0; k < n; k++) order[k] = keys[k] % PACK;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => lo32[2 * x + 1] - lo32[2 * y + 1] || lo32[2 * x] - lo32[2 * y] || x - y);
  return order;
}

/** Ranges up to which (32-bit low half, index) pairs pack into one exact float (2^21). */
const PACK = 2097152;

/** Every range of every set, sorted by low address (objects: for tools and tests). */
export function parseAranges(sec: Section): ArangeEntry[] {
  const t = ArangeTable.parse(sec);
  return Array.from({ length: t.length }, (_, i) => t.entry(i));
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
