// .debug_line (DWARF 2-5): the program header (directory and file tables, v5 entry formats with
// MD5) and the state machine producing rows, grouped by sequence. Rows are run on first use.
//   header: unit_length | version u16 | [v5: address_size u8, seg_sel_size u8] | header_length |
//           min_inst_length u8 | [v4+: max_ops_per_inst u8] | default_is_stmt u8 | line_base i8 |
//           line_range u8 | opcode_base u8 | std_opcode_lengths[opcode_base-1] | dirs | files
import { posix } from 'node:path';
import { ByteCursor, ParseError } from '../../common/cursor';
import type { Section, SectionWindow } from '../elf/section';
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

/**
 * Turns a program's (directory index, name) into a full path. One class rather than a closure
 * per program: the call in FileEntry.path stays monomorphic for V8 across thousands of programs.
 */
class PathResolver {
  constructor(
    private readonly dirs: string[],
    /** The unit's DW_AT_comp_dir, if known. */
    private readonly compDir: string | undefined,
    private readonly version: number,
    private readonly cache: Map<string, string> | undefined,
    /** DW_LNE_define_file entries: the directory joined as is. */
    private readonly plain = false,
  ) {}

  /** DWARF 5's directory 0 is the compilation directory: it stands in when the unit's is unknown. */
  private compDirOf(): string { return this.compDir ?? (this.version >= 5 ? this.dirs[0] ?? '' : ''); }

  resolve(dir: number, name: string): string {
    const d = this.dirs[dir] ?? '';
    if (this.plain) return posix.normalize(name.startsWith('/') ? name : posix.join(d, name));
    const key = this.cache && `${this.compDirOf()}\0${d}\0${name}`;
    let p = key === undefined ? undefined : this.cache!.get(key);
    if (p === undefined) {
      const cd = this.compDirOf();
      const abs = d.startsWith('/') || !cd ? d : posix.join(cd, d);
      p = posix.normalize(name.startsWith('/') ? name : posix.join(abs, name));
      if (key !== undefined) this.cache!.set(key, p);
    }
    return p;
  }
}

class FileEntryImpl implements FileEntry {
  private full: string | undefined;
  constructor(readonly name: string, readonly dirIndex: number, readonly md5: Uint8Array | undefined,
    private readonly paths: PathResolver) {}
  get path(): string { return (this.full ??= this.paths.resolve(this.dirIndex, this.name)); }
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
  /** Resolved paths by (comp dir, dir, name), shared by programs read together (sourceFiles). */
  pathCache?: Map<string, string>;
}

/** Bound on rows per program: corrupt input cannot make us loop forever. */
const MAX_ROWS = 1 << 24;
/** Bound on an address offset within one sequence (keeps offsets exact as JS numbers). */
const MAX_DELTA = 2 ** 48;

const u32le = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;

export const ROW_STMT = 1, ROW_BASIC_BLOCK = 2, ROW_END = 4, ROW_PROLOGUE_END = 8, ROW_EPILOGUE_BEGIN = 16;

/** One sequence's rows, column by column (views into the program's row arrays): address of row i = start + delta[i]. */
export interface LineSequence {
  start: bigint;
  delta: Float64Array;
  file: Uint32Array;
  line: Uint32Array;
  column: Uint32Array;
  /** ROW_* bits. */
  flags: Uint8Array;
  disc: Uint32Array;
  opIndex: Uint32Array;
}

/**
 * Reads a program's unit_length, version and header_length: a cursor over its header only (from
 * the version field; the rows are read by run()), where the rows start and where it ends. With
 * `win` the header bytes come from a front-to-back window (scans that keep nothing of them).
 */
export function openProgram(sec: Section, offset: number, win?: SectionWindow) {
  const peek = Math.min(sec.size - offset, 24);
  const hc = win ? new ByteCursor(win.bytes(offset, peek), sec.name, 0, peek, offset) : sec.cursor(offset, peek);
  let length: number = hc.u32(), offSize: 4 | 8 = 4;
  if (length === 0xffffffff) { length = Number(hc.u64()); offSize = 8; }
  const from = offset + hc.pos;
  const end = from + length;
  if (end > sec.size) throw new ParseError(sec.name, offset, `line program length ${length} runs past the end of the section`);
  const version = hc.u16();
  if (version < 2 || version > 5) throw new ParseError(sec.name, offset, `unsupported line table version ${version}`);
  if (version >= 5) hc.skip(2);
  const hlen = offSize === 4 ? hc.u32() : Number(hc.u64());
  const progStart = hc.offset + hlen;
  if (progStart > end) throw hc.error('header_length runs past the end of the program');
  const bytes = win ? win.bytes(from, progStart - from) : sec.read(from, progStart - from);
  const c = new ByteCursor(bytes, sec.name, 0, bytes.length, from);
  c.u16();
  return { c, end, offSize, version, progStart };
}

/** Row columns of a whole program, grown by doubling (no object per row). */
class RowColumns {
  n = 0;
  delta: Float64Array; file: Uint32Array; line: Uint32Array; column: Uint32Array; flags: Uint8Array; disc: Uint32Array; opIndex: Uint32Array;
  constructor(cap: number) {
    this.delta = new Float64Array(cap); this.file = new Uint32Array(cap); this.line = new Uint32Array(cap); this.column = new Uint32Array(cap);
    this.flags = new Uint8Array(cap); this.disc = new Uint32Array(cap); this.opIndex = new Uint32Array(cap);
  }
  grow(): void {
    const cap = this.delta.length * 2;
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, m: T): T => { m.set(a); return m; };
    this.delta = g(this.delta, new Float64Array(cap)); this.file = g(this.file, new Uint32Array(cap)); this.line = g(this.line, new Uint32Array(cap));
    this.column = g(this.column, new Uint32Array(cap)); this.flags = g(this.flags, new Uint8Array(cap)); this.disc = g(this.disc, new Uint32Array(cap));
    this.opIndex = g(this.opIndex, new Uint32Array(cap));
  }
  sequence(start: bigint, from: number, to: number): LineSequence {
    return {
      start, delta: this.delta.subarray(from, to), file: this.file.subarray(from, to), line: this.line.subarray(from, to), column: this.column.subarray(from, to),
      flags: this.flags.subarray(from, to), disc: this.disc.subarray(from, to), opIndex: this.opIndex.subarray(from, to),
    };
  }
}

/** Receives a program's sequences one by one (an object, not a closure: one call target for V8). */
export interface SequenceSink { sequence(q: LineSequence): void }

/** Rows of the sequence being streamed (eachSequence): one buffer, grown to the longest sequence. */
let scratch: RowColumns | undefined;

export class LineProgram {
  private seqs: LineSequence[] | undefined;
  private seqError: unknown;

  /** One past the program's last byte: where the next program starts. */
  get end(): number { return this.progEnd; }

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

  /** About how many rows the program makes (~3 bytes each in a vmlinux): a capacity hint. */
  get rowEstimate(): number { return Math.ceil((this.progEnd - this.progStart) / 3); }

  /** The file entry for a row's file register (1-based before v5, 0-based in v5). */
  file(index: number): FileEntry | undefined { return this.files[index]; }

  /** The program's header (rows are run on demand); `win` reads it through a front-to-back window. */
  static parse(sec: Section, offset: DebugLineOffset, ctx: LineContext, win?: SectionWindow): LineProgram {
    const { c, end, offSize, version, progStart } = openProgram(sec, offset, win);
    let addressSize = ctx.addressSize;
    if (version >= 5) {
      addressSize = c.u8();
      const seg = c.u8();
      if (seg !== 0) throw c.error('segment selectors are not supported');
      if (addressSize !== 4 && addressSize !== 8) throw c.error(`address size ${addressSize}`);
    }
    if (offSize === 4) c.u32(); else c.u64();
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
    const resolve = new PathResolver(dirs, ctx.compDir, version, ctx.pathCache);
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

  /** Rows grouped by sequence, columnar (each ends with an end_sequence row). Runs the program once. */
  columns(): LineSequence[] {
    if (this.seqs) return this.seqs;
    if (this.seqError) throw this.seqError;
    try { this.seqs = this.run(); } catch (e) { this.seqError = e; throw e; }
    return this.seqs;
  }

  /**
   * Runs the program and hands each sequence to `sink`, in order, in a scratch the next sequence
   * reuses (nothing per program is kept: a caller building its own tables needs no copy of every
   * row, and fresh memory is what costs). Served from the columns when they exist.
   */
  eachSequence(sink: SequenceSink): void {
    if (this.seqs) { for (const q of this.seqs) sink.sequence(q); return; }
    if (this.seqError) throw this.seqError;
    this.run(sink);
  }

  /** Rows as objects (convenient, allocates: prefer columns() on hot paths). */
  sequences(): LineRow[][] {
    return this.columns().map(q => Array.from(q.delta, (d, i) => ({
      address: BigInt.asUintN(64, q.start + BigInt(d)), file: q.file[i], line: q.line[i], column: q.column[i],
      isStmt: (q.flags[i] & ROW_STMT) !== 0, basicBlock: (q.flags[i] & ROW_BASIC_BLOCK) !== 0,
      endSequence: (q.flags[i] & ROW_END) !== 0, prologueEnd: (q.flags[i] & ROW_PROLOGUE_END) !== 0,
      epilogueBegin: (q.flags[i] & ROW_EPILOGUE_BEGIN) !== 0, discriminator: q.disc[i], opIndex: q.opIndex[i],
    })));
  }

  private run(sink?: SequenceSink): LineSequence[] {
    const p = this.p;
    const len = this.progEnd - this.progStart;
    // Streamed: the bytes through the section's reused buffer, the rows in the shared scratch.
    const c: ByteCursor = sink ? new ByteCursor(this.sec.transient(this.progStart, len), this.sec.name, 0, len, this.progStart) : this.sec.cursor(this.progStart, len);
    const bytes = c.bytes, end = c.end;
    // Rows take ~3-4 bytes each in a vmlinux (1 at best): start near the expected count and
    // double when needed (capacity is zero-filled memory: over-allocating costs time).
    const expect = Math.max(16, Math.ceil((end - c.pos) / 3));
    // The scratch is sized once for a big program (its content is dead between runs: no copy).
    if (sink && (!scratch || scratch.delta.length < expect)) scratch = new RowColumns(Math.max(expect, 4096));
    const rows = sink ? scratch! : new RowColumns(expect);
    let { delta: rDelta, file: rFile, line: rLine, column: rColumn, flags: rFlags, disc: rDisc, opIndex: rOp } = rows;
    const seqs: LineSequence[] = [];
    const { minInst, maxOps, lineBase, lineRange, opcodeBase, defaultIsStmt } = p;
    // Registers; the address is start + delta (a JS number: sequences are far below 2^53 bytes).
    let start = 0n, seqFrom = 0, n = 0;
    // The start's 32-bit halves, for set_address deltas without BigInt.
    let startHi = 0, startLo = 0;
    let delta = 0, opIndex = 0, file = 1, line = 1, column = 0, isStmt = defaultIsStmt;
    let bb = false, pe = false, eb = false, disc = 0, based = false;
    let pos = c.pos;
    while (pos < end) {
      const op = bytes[pos++];
      let endRow = false;
      if (op >= opcodeBase) {
        // Special opcode: the hot path, decoded without the cursor.
        const adj = op - opcodeBase;
        const ops = Math.floor(adj / lineRange);
        if (maxOps === 1) delta += minInst * ops;
        else { const t = opIndex + ops; delta += minInst * Math.floor(t / maxOps); opIndex = t % maxOps; }
        if (delta > MAX_DELTA || delta < -MAX_DELTA) { c.pos = pos; throw c.error('address advance is out of range'); }
        line = (line + lineBase + (adj % lineRange)) >>> 0;
      } else if (op !== DW_LNS.copy) {
        c.pos = pos;
        let row = false;
        switch (op) {
          case 0: {
            const len = c.ulebNum(c.remaining, 'extended opcode length');
            if (len === 0) break;
            const at = c.pos;
            // The common ones (end_sequence, a 4/8-byte set_address, set_discriminator) are read
            // from the bytes: no sub-cursor or BigInt per opcode (a vmlinux has ~10^6 of them).
            const ext = at < end ? bytes[at] : -1;
            if (len <= c.remaining && ext === DW_LNE.end_sequence) { row = true; endRow = true; c.pos = at + len; break; }
            if (len <= c.remaining && ext === DW_LNE.set_address && (len === 9 || len === 5)) {
              const lo = u32le(bytes, at + 1), hi = len === 9 ? u32le(bytes, at + 5) : 0;
              if (!based && n === seqFrom) { start = (BigInt(hi) << 32n) | BigInt(lo); startHi = hi; startLo = lo; delta = 0; based = true; }
              else {
                // Exact as a number: both differences are below 2^32 in magnitude.
                const d = (hi - startHi) * 4294967296 + (lo - startLo);
                if (d > MAX_DELTA || d < -MAX_DELTA) { c.pos = at + len; throw c.error('DW_LNE_set_address jumps too far within a sequence'); }
                delta = d;
              }
              opIndex = 0;
              c.pos = at + len;
              break;
            }
            if (len <= c.remaining && ext === DW_LNE.set_discriminator) {
              c.pos = at + 1;
              disc = c.ulebNum(0xffffffff, 'discriminator');
              c.pos = at + len;
              break;
            }
            const body = c.sub(len);
            body.u8();
            if (ext === DW_LNE.end_sequence) { row = true; endRow = true; }
            else if (ext === DW_LNE.set_address) {
              const addr = body.uN(len - 1);
              if (!based && n === seqFrom) { start = addr; startHi = Number(addr >> 32n); startLo = Number(addr & 0xffffffffn); delta = 0; based = true; }
              else {
                const d = addr - start;
                if (d > BigInt(MAX_DELTA) || d < -BigInt(MAX_DELTA)) throw body.error('DW_LNE_set_address jumps too far within a sequence');
                delta = Number(d);
              }
              opIndex = 0;
            } else if (ext === DW_LNE.set_discriminator) {
              disc = body.ulebNum(0xffffffff, 'discriminator');
            } else if (ext === DW_LNE.define_file) {
              const name = body.cstr(); const dirIndex = body.ulebNum(0xffffffff, 'directory index');
              this.files.push(new FileEntryImpl(name, dirIndex, undefined, new PathResolver(this.dirs, undefined, 0, undefined, true)));
            }
            break; // unknown extended opcodes are skipped by their length
          }
          case DW_LNS.advance_pc: case DW_LNS.const_add_pc: {
            const ops = op === DW_LNS.advance_pc ? c.ulebNum(MAX_DELTA, 'address advance') : Math.floor((255 - opcodeBase) / lineRange);
            if (maxOps === 1) delta += minInst * ops;
            else { const t = opIndex + ops; delta += minInst * Math.floor(t / maxOps); opIndex = t % maxOps; }
            if (!Number.isSafeInteger(delta) || Math.abs(delta) > MAX_DELTA) throw c.error('address advance is out of range');
            break;
          }
          case DW_LNS.advance_line: {
            // One-byte SLEB (the usual case) without BigInt.
            const b0 = bytes[c.pos];
            if (c.pos < end && (b0 & 0x80) === 0) { c.pos++; line = (line + ((b0 & 0x40) ? b0 - 0x80 : b0)) >>> 0; }
            else if (c.pos + 1 < end && (bytes[c.pos + 1] & 0x80) === 0) {
              // Two bytes (|advance| < 8192): still no BigInt.
              const v = (b0 & 0x7f) | (bytes[c.pos + 1] << 7);
              c.pos += 2;
              line = (line + (v & 0x2000 ? v - 0x4000 : v)) >>> 0;
            } else line = Number(BigInt.asUintN(32, BigInt(line) + c.sleb()));
            break;
          }
          case DW_LNS.set_file: file = c.ulebNum(0xffffffff, 'file index'); break;
          case DW_LNS.set_column: column = c.ulebNum(0xffffffff, 'column'); break;
          case DW_LNS.negate_stmt: isStmt = !isStmt; break;
          case DW_LNS.set_basic_block: bb = true; break;
          case DW_LNS.fixed_advance_pc: delta += c.u16(); opIndex = 0; break;
          case DW_LNS.set_prologue_end: pe = true; break;
          case DW_LNS.set_epilogue_begin: eb = true; break;
          case DW_LNS.set_isa: c.uleb(); break;
          default: {
            // Unknown standard opcode: skip its ULEB operands as the header declares.
            const k = p.stdLengths[op - 1] ?? 0;
            for (let i = 0; i < k; i++) c.uleb();
          }
        }
        pos = c.pos;
        if (!row) continue;
      }
      // Emit a row (special opcode, DW_LNS_copy or end_sequence).
      if (n >= MAX_ROWS) { c.pos = pos; throw c.error('line program has too many rows'); }
      if (n >= rDelta.length) {
        rows.n = n; rows.grow();
        ({ delta: rDelta, file: rFile, line: rLine, column: rColumn, flags: rFlags, disc: rDisc, opIndex: rOp } = rows);
      }
      rDelta[n] = delta; rFile[n] = file; rLine[n] = line; rColumn[n] = column; rDisc[n] = disc; rOp[n] = opIndex;
      rFlags[n] = (isStmt ? ROW_STMT : 0) | (bb ? ROW_BASIC_BLOCK : 0) | (endRow ? ROW_END : 0) | (pe ? ROW_PROLOGUE_END : 0) | (eb ? ROW_EPILOGUE_BEGIN : 0);
      n++;
      bb = pe = eb = false; disc = 0;
      if (endRow) {
        if (sink) { sink.sequence(rows.sequence(start, seqFrom, n)); n = 0; } else seqs.push(rows.sequence(start, seqFrom, n));
        seqFrom = n; start = 0n; startHi = 0; startLo = 0;
        delta = 0; opIndex = 0; file = 1; line = 1; column = 0; isStmt = defaultIsStmt; disc = 0; based = false;
      }
    }
    rows.n = n;
    if (n > seqFrom) { const q = rows.sequence(start, seqFrom, n); if (sink) sink.sequence(q); else seqs.push(q); } // a missing end_sequence: keep what we have
    return seqs;
  }
}
