// String-bearing sections: .debug_str and .debug_line_str (NUL-terminated strings at offsets),
// .debug_str_offsets (DWARF 5 strx tables) and .debug_addr (addrx tables).
//   .debug_str_offsets contribution: unit_length | version u16 | padding u16 | offset[offset_size]*
//   .debug_addr contribution:        unit_length | version u16 | address_size u8 | seg_size u8 | addr*
import { ParseError } from '../../common/cursor';
import type { Section } from '../elf/section';

export function stringAt(sec: Section | undefined, name: string, offset: number): string {
  if (!sec) throw new ParseError(name, offset, 'the section is missing but a string refers to it');
  return sec.cstrAt(offset);
}

/** The `index`th entry of a str_offsets table starting at `base`. */
export function strOffsetAt(sec: Section | undefined, base: number, index: number, offsetSize: 4 | 8): number {
  if (!sec) throw new ParseError('.debug_str_offsets', base, 'the section is missing but DW_FORM_strx refers to it');
  const at = base + index * offsetSize;
  const c = sec.cursor(at, offsetSize);
  if (offsetSize === 4) return c.u32();
  const v = c.u64();
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(sec.name, at, 'string offset too large');
  return Number(v);
}

/** The `index`th address of a .debug_addr table starting at `base`. */
export function addressAt(sec: Section | undefined, base: number, index: number, addressSize: number): bigint {
  if (!sec) throw new ParseError('.debug_addr', base, 'the section is missing but DW_FORM_addrx refers to it');
  return sec.cursor(base + index * addressSize, addressSize).uN(addressSize);
}
