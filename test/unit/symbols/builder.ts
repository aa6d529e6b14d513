// Byte builders for hand-made DWARF sections in unit tests (little-endian, 32-bit DWARF).
import { BufferSource } from '../../../adapter/symbols/bytesource';
import type { DwarfSections } from '../../../adapter/symbols/dwarf';
import { Section } from '../../../adapter/symbols/elf/section';

export class Bytes {
  readonly b: number[] = [];
  get length(): number { return this.b.length; }
  u8(...v: number[]): this { for (const x of v) this.b.push(x & 0xff); return this; }
  u16(v: number): this { return this.u8(v, v >> 8); }
  u24(v: number): this { return this.u8(v, v >> 8, v >> 16); }
  u32(v: number): this { return this.u8(v, v >>> 8, v >>> 16, v >>> 24); }
  u64(v: bigint): this { for (let i = 0n; i < 8n; i++) this.u8(Number((v >> (8n * i)) & 0xffn)); return this; }
  uleb(v: number | bigint): this {
    let x = BigInt(v);
    do { let byte = Number(x & 0x7fn); x >>= 7n; if (x) byte |= 0x80; this.u8(byte); } while (x);
    return this;
  }
  sleb(v: number | bigint): this {
    let x = BigInt(v);
    for (;;) {
      const byte = Number(x & 0x7fn); x >>= 7n;
      const done = (x === 0n && (byte & 0x40) === 0) || (x === -1n && (byte & 0x40) !== 0);
      this.u8(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }
  str(s: string): this { for (const c of Buffer.from(s, 'utf8')) this.u8(c); return this.u8(0); }
  bytes(a: ArrayLike<number>): this { for (let i = 0; i < a.length; i++) this.u8(a[i]); return this; }
  /** Patches a u32 at `at`. */
  patch32(at: number, v: number): this { this.b[at] = v & 0xff; this.b[at + 1] = (v >>> 8) & 0xff; this.b[at + 2] = (v >>> 16) & 0xff; this.b[at + 3] = (v >>> 24) & 0xff; return this; }
  done(): Uint8Array { return Uint8Array.from(this.b); }
}

/** A length-prefixed (32-bit unit_length) contribution whose body `fill` writes. */
export function unit(out: Bytes, fill: (b: Bytes) => void): number {
  const start = out.length;
  out.u32(0);
  fill(out);
  out.patch32(start, out.length - start - 4);
  return start;
}

export function section(name: string, bytes: Uint8Array): Section {
  return new Section({ index: 1, name, type: 1, flags: 0n, addr: 0n, offset: 0n, size: BigInt(bytes.length), link: 0, info: 0, addralign: 1n, entsize: 0n }, new BufferSource(bytes, name));
}

export function sections(parts: Partial<Record<keyof DwarfSections, Uint8Array>>): DwarfSections {
  const names: Record<keyof DwarfSections, string> = {
    info: '.debug_info', abbrev: '.debug_abbrev', str: '.debug_str', lineStr: '.debug_line_str', strOffsets: '.debug_str_offsets',
    addr: '.debug_addr', line: '.debug_line', aranges: '.debug_aranges', ranges: '.debug_ranges', rnglists: '.debug_rnglists',
    loc: '.debug_loc', loclists: '.debug_loclists', frame: '.debug_frame', ehFrame: '.eh_frame',
  };
  const out: DwarfSections = {};
  for (const [k, v] of Object.entries(parts) as [keyof DwarfSections, Uint8Array][]) out[k] = section(names[k], v);
  return out;
}
