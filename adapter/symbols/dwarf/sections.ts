// The DWARF sections of one binary, each optional; the reader receives them instead of a file.
import type { ElfFile } from '../elf/elffile';
import type { Section } from '../elf/section';

export interface DwarfSections {
  info?: Section;
  abbrev?: Section;
  str?: Section;
  lineStr?: Section;
  strOffsets?: Section;
  addr?: Section;
  line?: Section;
  aranges?: Section;
  ranges?: Section;
  rnglists?: Section;
  loc?: Section;
  loclists?: Section;
  frame?: Section;
  ehFrame?: Section;
}

export function dwarfSectionsOf(elf: ElfFile): DwarfSections {
  // Old toolchains name compressed sections .zdebug_*; we read SHF_COMPRESSED ones only.
  const s = (n: string) => elf.section(n);
  return {
    info: s('.debug_info'), abbrev: s('.debug_abbrev'), str: s('.debug_str'), lineStr: s('.debug_line_str'),
    strOffsets: s('.debug_str_offsets'), addr: s('.debug_addr'), line: s('.debug_line'),
    aranges: s('.debug_aranges'), ranges: s('.debug_ranges'), rnglists: s('.debug_rnglists'),
    loc: s('.debug_loc'), loclists: s('.debug_loclists'), frame: s('.debug_frame'), ehFrame: s('.eh_frame'),
  };
}
