// ELF64 record types as the reader exposes them (bigint for every address and size).

export const SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOTE = 7, SHT_NOBITS = 8, SHT_DYNSYM = 11;
export const SHF_WRITE = 0x1n, SHF_ALLOC = 0x2n, SHF_EXECINSTR = 0x4n, SHF_COMPRESSED = 0x800n;
export const PT_LOAD = 1, PT_NOTE = 4;
export const ELFCOMPRESS_ZLIB = 1, ELFCOMPRESS_ZSTD = 2;
export const ET_REL = 1, ET_EXEC = 2, ET_DYN = 3;
export const EM_X86_64 = 62;

export interface ElfHeader {
  type: number;        // ET_*
  machine: number;     // EM_*
  entry: bigint;
  phoff: bigint;
  shoff: bigint;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  addralign: bigint;
  entsize: bigint;
}

export interface ProgramHeader {
  type: number;
  flags: number;       // PF_X=1, PF_W=2, PF_R=4
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export type SymbolType = 'notype' | 'object' | 'func' | 'section' | 'file' | 'common' | 'tls' | 'other';
export type SymbolBinding = 'local' | 'global' | 'weak' | 'other';

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  type: SymbolType;
  binding: SymbolBinding;
  /** Section index (SHN_UNDEF = 0, SHN_ABS = 0xfff1, ...). */
  shndx: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
  /** The section or segment it came from. */
  source: string;
}
