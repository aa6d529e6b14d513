// .debug_line (DWARF 2-5): the program header (directory and file tables, v5 entry formats with
// MD5) and the state machine producing rows, grouped by sequence. Rows are run on first use.
//   header: unit_length | version u16 | [v5: address_size u8, seg_sel_size u8] | header_length |
//           min_inst_length u8 | [v4+: max_ops_per_inst u8] | default_is_stmt u8 | line_base i8 |
//           line_range u8 | opcode_base u8 | std_opcode_lengths[opcode_base-1] | dirs | files
import { posix } from 'node:path';
import { ByteCursor, ParseError } from '../../common/cursor';
import type { Section } from '../elf/section';
import { DW_FORM, DW_LNCT, DW_LNE, DW_LNS } from './constants';
import { readValue, type FormContext } from './form';
import type { DebugLineOffset } from './offsets';
import type { DwarfSections } from './sections';
import { stringAt } from './strings';

export interface FileEntry {
  /** Full path: directory joined with the name, made absolute with comp_dir when relative (computed on first use). */
  readonly path: string;
  readonly name: string;
  readonly dirIndex: number;
  readonly md5?: Uint8Array;
}

class FileEntryImpl implements FileEntry {
  private full: string | undefined;
  constructor(readonly name: string, readonly dirIndex: number, readonly md5: Uint8Array | undefined,
    private readonly resolve: (dir: number, name: string) => string) {}
  get path(): string { return (this.full ??= this.resolve(this.dirIndex, this.name)); }
}

export interface LineRow {
  address: bigint;
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  basicBlock: boolean;
  endSequence: boolean;
  prologueEnd: boolean;
  epilogueBegin: boolean;
  discriminator: number;
  opIndex: number;
}

export interface LineContext {
  compDir?: string;
  name?: string;
  addressSize: number;
  sections: DwarfSections;
  /** .debug_line_str strings by offset, shared by all programs (paths repeat in every unit). */
  lineStrCache?: Map<number, string>;
}

/** Bound on rows per program: corrupt input cannot make us loop forever. */
const MAX_ROWS = 1 << 24;

export class LineProgram {
  private seqs: LineRow[][] | undefined;
  private seqError: unknown;

  private constructor(
    readonly offset: DebugLineOffset,
    readonly version: number,
    readonly files: (FileEntry | undefined)[],
    readonly dirs: string[],
    private readonly sec: Section,
    private readonly progStart: number,
    private readonly progEnd: number,
    private readonly p: { minInst: number; maxOps: number; defaultIsStmt: boolean; lineBase: number; lineRange: number; opcodeBase: number; stdLengths: number[]; addressSize: number },
    private readonly ctx: LineContext,
  ) {}

  /** The file entry for a row's file register (1-based before v5, 0-based in v5). */
  file(index: number): FileEntry | undefined { return this.files[index]; }

  static parse(sec: Section, offset: DebugLineOffset, ctx: LineContext): LineProgram {
    const hc = sec.cursor(offset, Math.min(sec.size - offset, 16));
    let length: number = hc.u32(), offSize: 4 | 8 = 4;
    if (length === 0xffffffff) { length = Number(hc.u64()); offSize = 8; }
    const end = offset + hc.pos + length;
    if (end > sec.size) throw new ParseError(sec.name, offset, `line program length ${length} runs past the end of the section`);
    const c = sec.cursor(offset + hc.pos, length);
    const version = c.u16();
    if (version < 2 || version > 5) throw new ParseError(sec.name, offset, `unsupported line table version ${version}`);
    let addressSize = ctx.addressSize;
    if (version >= 5) {
      addressSize = c.u8();
      const seg = c.u8();
      if (seg !== 0) throw c.error('segment selectors are not supported');
      if (addressSize !== 4 && addressSize !== 8) throw c.error(`address size ${addressSize}`);
    }
    const hlen = offSize === 4 ? c.u32() : Number(c.u64());
    const progStart = c.offset + hlen;
    if (progStart > end) throw c.error('header_length runs past the end of the program');
    const minInst = c.u8();
    const maxOps = version >= 4 ? c.u8() : 1;
    const defaultIsStmt = c.u8() !== 0;
    const lineBase = c.i8(), lineRange = c.u8(), opcodeBase = c.u8();
    if (lineRange === 0) throw c.error('line_range is 0');
    if (maxOps === 0) throw c.error('maximum_operations_per_instruction is 0');
    const stdLengths: number[] = [];
    for (let i = 1; i < opcodeBase; i++) stdLengths.push(c.u8());
    const dirs: string[] = [];
    const files: (FileEntry | undefined)[] = [];
    const compDir = ctx.compDir ?? '';
    const fc: FormContext = { version, addressSize, offsetSize: offSize, offset: 0 };
    const absDir = (d: string) => (d.startsWith('/') || !compDir ? d : posix.join(compDir, d));
    const resolve = (dir: number, name: string) => posix.normalize(name.startsWith('/') ? name : posix.join(absDir(dirs[dir] ?? ''), name));
    const lineStr = (off: number) => {
      const cache = ctx.lineStrCache;
      let v = cache?.get(off);
      if (v === undefined) { v = stringAt(ctx.sections.lineStr, '.debug_line_str', off); cache?.set(off, v); }
      return v;
    };
    if (version >= 5) {
      // Entries are decoded straight into fields (no per-entry maps): a vmlinux has ~10^6 of them.
      const entries = (what: string, each: (path: string, dir: number, md5: Uint8Array | undefined) => void) => {
        const fmtCount = c.u8();
        const fmt: number[] = [];
        for (let i = 0; i < fmtCount; i++) fmt.push(c.ulebNum(0xffff, 'content type'), c.ulebNum(0xffff, 'form'));
        const n = c.ulebNum(c.remaining, `${what} count`);
        for (let i = 0; i < n; i++) {
          let path = '', dir = 0, md5: Uint8Array | undefined;
          for (let k = 0; k < fmt.length; k += 2) {
            const type = fmt[k], form = fmt[k + 1];
            if (form === DW_FORM.line_strp) { const o = offSize === 4 ? c.u32() : Number(c.u64()); if (type === DW_LNCT.path) path = lineStr(o); continue; }
            if (form === DW_FORM.udata) { const v = c.ulebNum(0xffffffff, what); if (type === DW_LNCT.directory_index) dir = v; continue; }
            const v = readValue(c, form, fc);
            if (type === DW_LNCT.path) {
              if (v.kind === 'string') path = v.value;
              else if (v.kind === 'strp') path = stringAt(ctx.sections.str, '.debug_str', v.offset);
              else if (v.kind === 'lineStrp') path = lineStr(v.offset);
              else throw c.error(`form 0x${form.toString(16)} is not allowed for a ${what} path`);
            } else if (type === DW_LNCT.directory_index && v.kind === 'constant') dir = Number(v.value);
            else if (type === DW_LNCT.MD5 && v.kind === 'data16') md5 = v.bytes;
          }
          each(path, dir, md5);
        }
      };
      entries('directory', p => dirs.push(p));
      entries('file name', (name, dirIndex, md5) => files.push(new FileEntryImpl(name, dirIndex, md5, resolve)));
    } else {
      dirs.push(compDir);
      for (;;) { const d = c.cstr(); if (d === '') break; dirs.push(d); }
      files.push(undefined); // file numbers start at 1
      for (;;) {
        const name = c.cstr();
        if (name === '') break;
        const dirIndex = c.ulebNum(0xffffffff, 'directory index'); c.uleb(); c.uleb();
        files.push(new FileEntryImpl(name, dirIndex, undefined, resolve));
      }
    }
    void DW_FORM;
    return new LineProgram(offset, version, files, dirs, sec, progStart, end,
      { minInst, maxOps, defaultIsStmt, lineBase, lineRange, opcodeBase, stdLengths, addressSize }, ctx);
  }

  /** Rows grouped by sequence (each ends with an end_sequence row). Runs the program once. */
  sequences(): LineRow[][] {
    if (this.seqs) return this.seqs;
    if (this.seqError) throw this.seqError;
    try { this.seqs = this.run(); } catch (e) { this.seqError = e; throw e; }
    return this.seqs;
  }

  private run(): LineRow[][] {
    const p = this.p;
    const c: ByteCursor = this.sec.cursor(this.progStart, this.progEnd - this.progStart);
    const seqs: LineRow[][] = [];
    let rows: LineRow[] = [];
    let total = 0;
    const fresh = () => ({ address: 0n, opIndex: 0, file: 1, line: 1, column: 0, isStmt: p.defaultIsStmt, basicBlock: false, endSequence: false, prologueEnd: false, epilogueBegin: false, discriminator: 0 });
    let s: LineRow = fresh();
    const emit = () => {
      if (++total > MAX_ROWS) throw c.error('line program has too many rows');
      rows.push({ ...s });
      s.basicBlock = false; s.prologueEnd = false; s.epilogueBegin = false; s.discriminator = 0;
    };
    const advance = (opAdvance: bigint) => {
      if (p.maxOps === 1) { s.address = BigInt.asUintN(64, s.address + BigInt(p.minInst) * opAdvance); return; }
      const t = BigInt(s.opIndex) + opAdvance;
      s.address = BigInt.asUintN(64, s.address + BigInt(p.minInst) * (t / BigInt(p.maxOps)));
      s.opIndex = Number(t % BigInt(p.maxOps));
    };
    while (!c.eof) {
      const op = c.u8();
      if (op >= p.opcodeBase) {
        const adj = op - p.opcodeBase;
        advance(BigInt(Math.floor(adj / p.lineRange)));
        s.line += p.lineBase + (adj % p.lineRange);
        emit();
        continue;
      }
      switch (op) {
        case 0: {
          const len = c.ulebNum(c.remaining, 'extended opcode length');
          if (len === 0) continue;
          const body = c.sub(len);
          const ext = body.u8();
          if (ext === DW_LNE.end_sequence) {
            s.endSequence = true; emit();
            seqs.push(rows); rows = []; s = fresh();
          } else if (ext === DW_LNE.set_address) {
            s.address = body.uN(len - 1); s.opIndex = 0;
          } else if (ext === DW_LNE.set_discriminator) {
            s.discriminator = body.ulebNum(0xffffffff, 'discriminator');
          } else if (ext === DW_LNE.define_file) {
            const name = body.cstr(); const dirIndex = body.ulebNum(0xffffffff, 'directory index');
            this.files.push(new FileEntryImpl(name, dirIndex, undefined, (d, n) => posix.normalize(n.startsWith('/') ? n : posix.join(this.dirs[d] ?? '', n))));
          }
          break; // unknown extended opcodes are skipped by their length
        }
        case DW_LNS.copy: emit(); break;
        case DW_LNS.advance_pc: advance(c.uleb()); break;
        case DW_LNS.advance_line: {
          const d = c.sleb();
          s.line = Number(BigInt.asUintN(32, BigInt(s.line) + d));
          break;
        }
        case DW_LNS.set_file: s.file = c.ulebNum(0xffffffff, 'file index'); break;
        case DW_LNS.set_column: s.column = c.ulebNum(0xffffffff, 'column'); break;
        case DW_LNS.negate_stmt: s.isStmt = !s.isStmt; break;
        case DW_LNS.set_basic_block: s.basicBlock = true; break;
        case DW_LNS.const_add_pc: advance(BigInt(Math.floor((255 - p.opcodeBase) / p.lineRange))); break;
        case DW_LNS.fixed_advance_pc: s.address = BigInt.asUintN(64, s.address + BigInt(c.u16())); s.opIndex = 0; break;
        case DW_LNS.set_prologue_end: s.prologueEnd = true; break;
        case DW_LNS.set_epilogue_begin: s.epilogueBegin = true; break;
        case DW_LNS.set_isa: c.uleb(); break;
        default: {
          // Unknown standard opcode: skip its ULEB operands as the header declares.
          const n = p.stdLengths[op - 1] ?? 0;
          for (let i = 0; i < n; i++) c.uleb();
        }
      }
    }
    if (rows.length) seqs.push(rows); // a missing end_sequence: keep what we have
    return seqs;
  }
}
