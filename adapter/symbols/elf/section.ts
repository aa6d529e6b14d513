// One ELF section's bytes, loaded on first use: small sections are read whole, big ones in
// windows (a 600 MB vmlinux is never read whole); SHF_COMPRESSED ones are inflated once.
import { inflateSync } from 'node:zlib';
import { ByteCursor, ParseError } from '../../common/cursor';
import { ExoError } from '../../common/errors';
import type { ByteSource } from '../bytesource';
import { ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD, SHF_COMPRESSED, SHT_NOBITS, type SectionHeader } from './types';

const PAGE = 64 * 1024;
/**
 * Sections up to this size are read whole on first access; larger ones (a vmlinux's .debug_info,
 * .debug_line, .debug_str) by window. Fresh memory is the cost to avoid: on the VMs we measured,
 * first-touching a page costs ~5 ms per MB, far more than copying from the page cache, so a
 * scan reads through one reused buffer (transient) instead of loading the section.
 */
const WHOLE_LIMIT = 1024 * 1024;
/** Chunk of the streaming scans (indexOfAll, transient reads of big ranges). */
const SCAN_CHUNK = 1024 * 1024;

export class Section {
  private whole: Uint8Array | undefined;
  private pages = new Map<number, Uint8Array>();
  private scratch: Uint8Array | undefined;
  readonly size: number;
  private readonly compressed: boolean;
  /** A compressed section we cannot inflate (zstd): reported on first use, not at open. */
  private readonly unusable: ParseError | undefined;

  constructor(readonly header: SectionHeader, private readonly src: ByteSource) {
    this.compressed = (header.flags & SHF_COMPRESSED) !== 0n;
    if (header.type === SHT_NOBITS) { this.size = 0; this.whole = new Uint8Array(0); return; }
    const end = header.offset + header.size;
    if (end > BigInt(src.size)) {
      throw new ParseError(header.name, 0, `section data (file offset 0x${header.offset.toString(16)}, ${header.size} bytes) extends past the end of the file (${src.size} bytes)`);
    }
    let size = Number(header.size);
    if (this.compressed) {
      try { size = this.decompressedSize(); } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        this.unusable = e; // size stays the stored one: readers try, and get this error
      }
    }
    this.size = size;
  }

  get name(): string { return this.header.name; }

  private decompressedSize(): number {
    const h = new ByteCursor(this.src.read(Number(this.header.offset), Math.min(24, Number(this.header.size))), this.name);
    const type = h.u32(); h.u32();
    const size = h.u64();
    if (type !== ELFCOMPRESS_ZLIB) {
      const what = type === ELFCOMPRESS_ZSTD ? 'zstd' : `type ${type}`;
      // Node 20's zlib has no zstd (zstdDecompressSync arrived in Node 22.15/23.8).
      throw new ParseError(this.name, 0, `compressed with ${what}, only zlib is supported (Node ${process.versions.node} has no zstd); relink with --compress-debug-sections=zlib or none`);
    }
    if (size > 0x7fffffffn) throw new ParseError(this.name, 0, `decompressed size ${size} is too large`);
    return Number(size);
  }

  /** The whole section (inflated if compressed). Use for small sections. */
  data(): Uint8Array {
    if (this.whole) return this.whole;
    if (this.unusable) throw this.unusable;
    const raw = this.src.read(Number(this.header.offset), Number(this.header.size));
    if (!this.compressed) { this.whole = raw; return raw; }
    let out: Buffer;
    try {
      out = inflateSync(raw.subarray(24), { maxOutputLength: this.size + 1 });
    } catch (e) {
      throw new ParseError(this.name, 24, `zlib data is corrupt: ${(e as Error).message}`);
    }
    if (out.length !== this.size) throw new ParseError(this.name, 0, `decompressed to ${out.length} bytes, header says ${this.size}`);
    this.whole = new Uint8Array(out.buffer, out.byteOffset, out.length);
    return this.whole;
  }

  /** `length` bytes at section offset `offset`; throws a ParseError naming the section if outside. */
  read(offset: number, length: number): Uint8Array {
    if (this.unusable) throw this.unusable;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new ParseError(this.name, offset, `needs ${length} byte(s) but the section has ${this.size}`);
    }
    if (this.inMemory) return this.data().subarray(offset, offset + length);
    const first = Math.floor(offset / PAGE), last = Math.floor((offset + length - 1) / PAGE);
    if (length === 0) return new Uint8Array(0);
    if (first === last && this.pages.has(first)) {
      const p = this.page(first); const o = offset - first * PAGE; return p.subarray(o, o + length);
    }
    // Spans (a unit header, a whole unit) go straight to the file; their users cache them.
    return this.src.read(Number(this.header.offset) + offset, length);
  }

  /** Whether reads are served from the whole section in memory (small or compressed sections). */
  private get inMemory(): boolean { return !!this.whole || this.compressed || this.size <= WHOLE_LIMIT; }

  /**
   * Like read, but the bytes are only valid until the next transient read of this section (one
   * reused buffer): for scans that decode and keep nothing of the bytes themselves.
   */
  transient(offset: number, length: number): Uint8Array {
    if (this.inMemory || length > 4 * SCAN_CHUNK) return this.read(offset, length);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) return this.read(offset, length);
    if (!this.src.readInto) return this.read(offset, length);
    if (!this.scratch || this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, 64 * 1024));
    const out = this.scratch.subarray(0, length);
    this.src.readInto(Number(this.header.offset) + offset, out);
    return out;
  }

  /**
   * Runs the parse `f` over a window at `offset` of `first` bytes, growing the window (up to the
   * section's end) when the parse fails inside a short window: lists and tables whose end is only
   * known by parsing them (range lists, abbreviation tables) without reading the rest of a big
   * section. `f` must be pure: it may run more than once.
   */
  parseAt<T>(offset: number, first: number, f: (c: ByteCursor) => T): T {
    const rest = Math.max(0, this.size - offset);
    let len = this.inMemory ? rest : Math.min(Math.max(first, 16), rest);
    for (;;) {
      const c = this.cursor(offset, len);
      try { return f(c); } catch (e) {
        if (len >= rest) throw e;
        len = Math.min(rest, len * 8);
      }
    }
  }

  /** Section offsets where `needle` occurs, found by streaming through the section in chunks. */
  indexOfAll(needle: Uint8Array): number[] { return this.indexOfEach([needle])[0]; }

  /** indexOfAll for several needles in one pass over the section (each chunk read once). */
  indexOfEach(needles: Uint8Array[]): number[][] {
    const out: number[][] = needles.map(() => []);
    const max = Math.max(0, ...needles.map(n => n.length));
    if (!max || this.size === 0) return out;
    const scan = (b: Uint8Array, base: number) => {
      const hay = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      needles.forEach((needle, k) => {
        if (!needle.length) return;
        for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) out[k].push(base + p);
      });
    };
    if (this.inMemory || max >= SCAN_CHUNK / 2) { scan(this.data(), 0); return out; }
    // Consecutive chunks overlap by max-1 bytes; a match starting in the overlap is kept only by
    // the chunk where it starts before the overlap, so each is found exactly once.
    const step = SCAN_CHUNK - (max - 1);
    for (let start = 0; start < this.size; start += step) {
      const len = Math.min(SCAN_CHUNK, this.size - start);
      const lastChunk = start + len >= this.size;
      const b = this.transient(start, len);
      if (lastChunk) { scan(b, start); break; }
      const before = out.map(l => l.length);
      scan(b, start);
      // Drop matches that start at or after `step` (the next chunk finds those again).
      out.forEach((l, k) => { let n = l.length; while (n > before[k] && l[n - 1] >= start + step) n--; l.length = n; });
    }
    return out;
  }

  /** Whether the bytes at `offset` are `needle` (a string table: "name\0" at a string offset). */
  equalsAt(offset: number, needle: Uint8Array): boolean {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + needle.length > this.size) return false;
    let b: Uint8Array, at = 0;
    if (!this.inMemory && Math.floor(offset / PAGE) === Math.floor((offset + needle.length - 1) / PAGE)) {
      // Within one cached page: compare there (no view per call; scans call this per DIE).
      b = this.page(Math.floor(offset / PAGE)); at = offset % PAGE;
    } else b = this.readPaged(offset, needle.length);
    for (let i = 0; i < needle.length; i++) if (b[at + i] !== needle[i]) return false;
    return true;
  }

  /** Like read, but small reads of a big section go through the page cache (string tables). */
  private readPaged(offset: number, length: number): Uint8Array {
    if (this.inMemory) return this.read(offset, length);
    const first = Math.floor(offset / PAGE), last = Math.floor((offset + length - 1) / PAGE);
    if (first !== last) return this.read(offset, length);
    const p = this.page(first); const o = offset - first * PAGE; return p.subarray(o, o + length);
  }

  private page(i: number): Uint8Array {
    let p = this.pages.get(i);
    if (!p) {
      const start = i * PAGE, len = Math.min(PAGE, this.size - start);
      p = this.src.read(Number(this.header.offset) + start, len);
      if (this.pages.size > 256) this.pages.clear(); // bound the cache (16 MiB)
      this.pages.set(i, p);
    }
    return p;
  }

  /** A cursor over [offset, offset+length) whose errors report section offsets. */
  cursor(offset: number, length = this.size - offset): ByteCursor {
    const bytes = this.read(offset, length);
    return new ByteCursor(bytes, this.name, 0, bytes.length, offset);
  }

  /** The NUL-terminated string at `offset` (string tables: .strtab, .debug_str, .debug_line_str). */
  cstrAt(offset: number): string {
    if (this.unusable) throw this.unusable;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.size) {
      throw new ParseError(this.name, Math.max(0, Math.min(offset, Number.MAX_SAFE_INTEGER)), `string offset outside the section (${this.size} bytes)`);
    }
    let len = 64;
    for (;;) {
      const n = Math.min(len, this.size - offset);
      const b = this.readPaged(offset, n);
      const z = b.indexOf(0);
      if (z >= 0) return Buffer.from(b.buffer, b.byteOffset, z).toString('utf8');
      if (offset + n >= this.size) throw new ParseError(this.name, offset, 'unterminated string');
      len *= 4;
    }
  }
}

/**
 * Reads a big section front to back through one reused chunk: scans of many small records spread
 * over the whole section (every line-program header of a vmlinux) cost one read per chunk, not
 * one per record. Bytes returned are valid until the next call.
 */
export class SectionWindow {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  constructor(private readonly sec: Section, private readonly chunk = SCAN_CHUNK) {}

  bytes(offset: number, length: number): Uint8Array {
    const rel = offset - this.start;
    if (rel >= 0 && rel + length <= this.buf.length) return this.buf.subarray(rel, rel + length);
    const n = Math.min(Math.max(length, this.chunk), this.sec.size - offset);
    if (!(n >= length) || offset < 0) return this.sec.read(offset, length); // reports the range error
    this.buf = this.sec.transient(offset, n);
    this.start = offset;
    return this.buf.subarray(0, length);
  }
}

export function requireSection(s: Section | undefined, name: string, why: string): Section {
  if (!s) throw new ExoError('protocol', `the ELF file has no ${name} section, needed for ${why}`);
  return s;
}
