// ELF64 little-endian container: header, section and program headers, sections by name (lazy
// data), notes and the symbol table. Only headers are read when a file is opened.
import { ByteCursor, ParseError } from '../../common/cursor';
import { ExoError } from '../../common/errors';
import type { ByteSource } from '../bytesource';
import { Section } from './section';
import { SymbolTable } from './symtab';
import { SHT_DYNSYM, SHT_NOTE, SHT_SYMTAB, PT_NOTE, type ElfHeader, type ElfNote, type ProgramHeader, type SectionHeader } from './types';

const EHDR = '<ELF header>';
const SHN_XINDEX = 0xffff;

export class ElfFile {
  readonly header: ElfHeader;
  readonly sectionHeaders: SectionHeader[];
  readonly programHeaders: ProgramHeader[];
  private readonly sections = new Map<string, Section>();
  private readonly sectionsByIndex: (Section | undefined)[] = [];
  private symtabCache: SymbolTable | undefined;

  constructor(readonly src: ByteSource) {
    if (src.size < 64) throw new ParseError(EHDR, 0, `file is ${src.size} bytes, too small for an ELF header (${src.name})`);
    const id = src.read(0, 16);
    if (id[0] !== 0x7f || id[1] !== 0x45 || id[2] !== 0x4c || id[3] !== 0x46) {
      throw new ExoError('user', `${src.name} is not an ELF file (bad magic); pass the kernel ELF with debug info`);
    }
    if (id[4] !== 2) throw new ExoError('user', `${src.name} is a 32-bit ELF; only ELF64 is supported`);
    if (id[5] !== 1) throw new ExoError('user', `${src.name} is big-endian; only little-endian ELF is supported`);
    const c = new ByteCursor(src.read(0, 64), EHDR);
    c.skip(16);
    const type = c.u16(), machine = c.u16(); c.u32();
    const entry = c.u64(), phoff = c.u64(), shoff = c.u64(); c.u32();
    c.u16();
    const phentsize = c.u16(), phnumRaw = c.u16(), shentsize = c.u16(), shnumRaw = c.u16(), shstrndxRaw = c.u16();
    this.header = { type, machine, entry, phoff, shoff, phentsize, phnum: phnumRaw, shentsize, shnum: shnumRaw, shstrndx: shstrndxRaw };
    this.sectionHeaders = this.readSectionHeaders();
    this.programHeaders = this.readProgramHeaders();
    for (const sh of this.sectionHeaders) {
      const s = new Section(sh, src);
      this.sectionsByIndex[sh.index] = s;
      if (sh.name && !this.sections.has(sh.name)) this.sections.set(sh.name, s);
    }
  }

  private table(off: bigint, entsize: number, count: number, min: number, what: string): ByteCursor {
    if (count === 0) return new ByteCursor(new Uint8Array(0), what);
    if (entsize < min) throw new ParseError(EHDR, 0, `${what} entry size ${entsize} is smaller than ${min}`);
    const len = entsize * count;
    if (off + BigInt(len) > BigInt(this.src.size)) throw new ParseError(what, Number(off), `table of ${count}×${entsize} bytes extends past the end of the file`);
    return new ByteCursor(this.src.read(Number(off), len), what, 0, len, Number(off));
  }

  private readSectionHeaders(): SectionHeader[] {
    const h = this.header;
    if (h.shoff === 0n) return [];
    let shnum = h.shnum, shstrndx = h.shstrndx;
    if (shnum === 0 || shstrndx === SHN_XINDEX) {
      const c0 = this.table(h.shoff, h.shentsize, 1, 64, '<section headers>');
      c0.skip(32); const size0 = c0.u64(); const link0 = c0.u32();
      if (shnum === 0) shnum = Number(size0 & 0xffffffn);
      if (shstrndx === SHN_XINDEX) shstrndx = link0;
    }
    const c = this.table(h.shoff, h.shentsize, shnum, 64, '<section headers>');
    const raw: (SectionHeader & { nameOff: number })[] = [];
    for (let i = 0; i < shnum; i++) {
      c.pos = i * h.shentsize;
      const nameOff = c.u32(), type = c.u32(), flags = c.u64(), addr = c.u64(), offset = c.u64(), size = c.u64();
      const link = c.u32(), info = c.u32(), addralign = c.u64(), entsize = c.u64();
      raw.push({ index: i, name: '', nameOff, type, flags, addr, offset, size, link, info, addralign, entsize });
    }
    if (shstrndx !== 0 && shstrndx < raw.length) {
      const strtab = new Section({ ...raw[shstrndx], name: '.shstrtab' }, this.src);
      for (const s of raw) s.name = s.nameOff < strtab.size ? strtab.cstrAt(s.nameOff) : '';
    }
    return raw.map(({ nameOff: _n, ...s }) => s);
  }

  private readProgramHeaders(): ProgramHeader[] {
    const h = this.header;
    if (h.phoff === 0n) return [];
    const c = this.table(h.phoff, h.phentsize, h.phnum, 56, '<program headers>');
    const out: ProgramHeader[] = [];
    for (let i = 0; i < h.phnum; i++) {
      c.pos = i * h.phentsize;
      const type = c.u32(), flags = c.u32();
      const offset = c.u64(), vaddr = c.u64(), paddr = c.u64(), filesz = c.u64(), memsz = c.u64(), align = c.u64();
      out.push({ type, flags, offset, vaddr, paddr, filesz, memsz, align });
    }
    return out;
  }

  section(name: string): Section | undefined { return this.sections.get(name); }
  sectionAt(index: number): Section | undefined { return this.sectionsByIndex[index]; }

  /** The allocated section containing `addr` (for reading code bytes), if any. */
  sectionForAddress(addr: bigint): Section | undefined {
    for (const s of this.sectionsByIndex) {
      if (!s || (s.header.flags & 2n) === 0n || s.header.type === 8) continue;
      if (addr >= s.header.addr && addr < s.header.addr + s.header.size) return s;
    }
    return undefined;
  }

  /** Reads `len` bytes of the loaded image at virtual address `addr` (from the file). */
  readAddress(addr: bigint, len: number): Uint8Array | undefined {
    const s = this.sectionForAddress(addr);
    if (!s || (s.header.flags & 0x800n) !== 0n) return undefined;
    const off = Number(addr - s.header.addr);
    if (off + len > s.size) return undefined;
    // Straight from the file: a few code bytes must not load a 15 MB .text.
    return this.src.read(Number(s.header.offset) + off, len);
  }

  /** `.symtab` (or `.dynsym` when stripped), parsed on first use. */
  symbols(): SymbolTable {
    if (!this.symtabCache) {
      const sh = this.sectionHeaders.find(s => s.type === SHT_SYMTAB) ?? this.sectionHeaders.find(s => s.type === SHT_DYNSYM);
      if (!sh) { this.symtabCache = SymbolTable.empty(); return this.symtabCache; }
      const strtab = this.sectionAt(sh.link);
      if (!strtab) throw new ParseError(sh.name, 0, `sh_link ${sh.link} does not name a string table`);
      this.symtabCache = SymbolTable.parse(this.sectionAt(sh.index)!, strtab);
    }
    return this.symtabCache;
  }

  /** All notes from SHT_NOTE sections (or PT_NOTE segments when there are no sections). */
  notes(): ElfNote[] {
    const out: ElfNote[] = [];
    const noteSections = this.sectionHeaders.filter(s => s.type === SHT_NOTE);
    if (noteSections.length) {
      for (const sh of noteSections) {
        const s = this.sectionAt(sh.index)!;
        parseNotes(s.cursor(0), sh.name, out);
      }
    } else {
      for (const ph of this.programHeaders.filter(p => p.type === PT_NOTE)) {
        const bytes = this.src.read(Number(ph.offset), Number(ph.filesz));
        parseNotes(new ByteCursor(bytes, 'PT_NOTE', 0, bytes.length, Number(ph.offset)), 'PT_NOTE', out);
      }
    }
    return out;
  }

  /** The GNU build id as hex, if present. */
  buildId(): string | undefined {
    const n = this.notes().find(x => x.name === 'GNU' && x.type === 3);
    return n ? Buffer.from(n.desc).toString('hex') : undefined;
  }
}

function parseNotes(c: ByteCursor, source: string, out: ElfNote[]): void {
  const align4 = (n: number) => (n + 3) & ~3;
  while (c.remaining >= 12) {
    const namesz = c.u32(), descsz = c.u32(), type = c.u32();
    const nameBytes = c.bytesN(align4(namesz)).subarray(0, namesz);
    const desc = c.bytesN(align4(descsz)).subarray(0, descsz);
    let end = nameBytes.indexOf(0); if (end < 0) end = nameBytes.length;
    out.push({ name: Buffer.from(nameBytes.subarray(0, end)).toString('latin1'), type, desc, source });
  }
}
