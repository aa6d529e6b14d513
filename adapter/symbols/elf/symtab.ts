// .symtab / .dynsym kept as typed arrays (a vmlinux has ~10^5 symbols), built on first address
// lookup; names are decoded only for results. Lookups by name search the string table for the
// name's bytes, then the raw records for those string offsets: no table is built for them.
import type { Section } from './section';
import { findStrings } from './strsearch';
import type { ElfSymbol, SymbolBinding, SymbolType } from './types';

const TYPES: SymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const BINDINGS: SymbolBinding[] = ['local', 'global', 'weak'];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;
const SHN_LORESERVE = 0xff00;

/** Records read per chunk (through the section's one reused buffer). */
const PER_CHUNK = 16384;
/** Records up to which (st_name, index) pairs pack into one exact float (2^21). */
const PACK = 2097152;
/** Names prefetchNames looks up in one pass; more are served by the sorted index. */
const PREFETCH_MAX = 64;


interface Columns { nameOff: Uint32Array; info: Uint8Array; shndx: Uint16Array; value: BigUint64Array; size: BigUint64Array }

export class SymbolTable {
  private cols: Columns | undefined;
  private names: { nameOff: Uint32Array; byName: Uint32Array } | undefined;
  /** Indices of addressable function/object symbols sorted by address (then by preference). */
  private sorted: Uint32Array | undefined;
  /** Answers of prefetchNames, by name (until the sorted name index exists). */
  private readonly prefetched = new Map<string, ElfSymbol[]>();
  readonly count: number;

  private constructor(private readonly sec: Section | undefined, private readonly strtab: Section | undefined) {
    this.count = sec ? Math.max(0, Math.floor(sec.size / 24) - 1) : 0;
  }

  static empty(): SymbolTable { return new SymbolTable(undefined, undefined); }

  static parse(sec: Section, strtab: Section): SymbolTable { return new SymbolTable(sec, strtab); }

  /** Every record as typed columns (address lookups and listings need them all). */
  private columns(): Columns {
    if (this.cols) return this.cols;
    const n = this.count;
    const t: Columns = { nameOff: this.names?.nameOff ?? new Uint32Array(n), info: new Uint8Array(n), shndx: new Uint16Array(n), value: new BigUint64Array(n), size: new BigUint64Array(n) };
    // 64-bit fields are copied as two 32-bit halves (no BigInt per symbol).
    const value32 = new Uint32Array(t.value.buffer), size32 = new Uint32Array(t.size.buffer);
    const lo = LITTLE_ENDIAN ? 0 : 1, hi = 1 - lo;
    this.eachChunk((bytes, dv, first, count) => {
      for (let k = 0; k < count; k++) {
        const o = k * 24, i = first + k;
        t.nameOff[i] = dv.getUint32(o, true);
        t.info[i] = bytes[o + 4];
        t.shndx[i] = dv.getUint16(o + 6, true);
        value32[2 * i + lo] = dv.getUint32(o + 8, true); value32[2 * i + hi] = dv.getUint32(o + 12, true);
        size32[2 * i + lo] = dv.getUint32(o + 16, true); size32[2 * i + hi] = dv.getUint32(o + 20, true);
      }
    });
    return (this.cols = t);
  }

  /** st_name of every record and the record indices sorted by it: all a name lookup needs. */
  private nameIndex(): { nameOff: Uint32Array; byName: Uint32Array } {
    if (this.names) return this.names;
    let nameOff = this.cols?.nameOff;
    if (!nameOff) {
      const out = (nameOff = new Uint32Array(this.count));
      this.eachChunk((_b, dv, first, count) => { for (let k = 0; k < count; k++) out[first + k] = dv.getUint32(k * 24, true); });
    }
    const n = this.count, byName = new Uint32Array(n);
    if (n < PACK) {
      // (st_name, index) pairs packed in one float sort natively: exact below 2^53 (2^32 x 2^21).
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = nameOff[i] * PACK + i;
      keys.sort();
      for (let k = 0; k < n; k++) byName[k] = keys[k] % PACK;
    } else {
      const names = nameOff;
      for (let i = 0; i < n; i++) byName[i] = i;
      byName.sort((a, b) => names[a] - names[b] || a - b);
    }
    return (this.names = { nameOff, byName });
  }

  /** Runs `f` over the records (after the null one) in chunks of one reused buffer. */
  private eachChunk(f: (bytes: Uint8Array, dv: DataView, first: number, count: number) => void): void {
    const sec = this.sec!;
    for (let first = 0; first < this.count; first += PER_CHUNK) {
      const count = Math.min(PER_CHUNK, this.count - first);
      const bytes = sec.transient(24 + first * 24, count * 24);
      f(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), first, count);
    }
  }

  private sym(i: number): ElfSymbol {
    if (this.cols) {
      const c = this.cols;
      return this.symOf(c.nameOff[i], c.info[i], c.shndx[i], c.value[i], c.size[i]);
    }
    const b = this.sec!.read(24 + i * 24, 24);
    const dv = new DataView(b.buffer, b.byteOffset, 24);
    return this.symOf(dv.getUint32(0, true), b[4], dv.getUint16(6, true), dv.getBigUint64(8, true), dv.getBigUint64(16, true));
  }

  private symOf(nameOff: number, info: number, shndx: number, value: bigint, size: bigint): ElfSymbol {
    return {
      name: nameOff && this.strtab ? this.strtab.cstrAt(nameOff) : '',
      value, size, shndx,
      type: TYPES[info & 0xf] ?? 'other', binding: BINDINGS[info >> 4] ?? 'other',
    };
  }

  /** Every symbol (decodes all names: for tools and tests, not hot paths). */
  get all(): ElfSymbol[] { this.columns(); return Array.from({ length: this.count }, (_, i) => this.sym(i)); }

  /**
   * Looks up a few names ahead in one pass over the string table and one over the records, so
   * their byNameAll answers need no st_name-sorted index of every symbol (a CLI run asks for ~20
   * names: sorting a vmlinux's 130,000 records cost more than the lookups). Many names, or an
   * index already built: nothing to gain, nothing done.
   */
  prefetchNames(names: readonly string[]): void {
    if (this.names || !this.strtab || !this.count) return;
    const want = [...new Set(names)].filter(n => n && !n.includes('\0') && !this.prefetched.has(n));
    if (!want.length || want.length > PREFETCH_MAX) return;
    const found = findStrings(this.strtab, want.map(n => Buffer.from(n, 'utf8')));
    const hits: { i: number; off: number }[][] = want.map(() => []);
    if (found.size) {
      let lo = Infinity, hi = -1;
      for (const off of found.keys()) { if (off < lo) lo = off; if (off > hi) hi = off; }
      this.eachChunk((_b, dv, first, count) => {
        for (let k = 0; k < count; k++) {
          const off = dv.getUint32(k * 24, true);
          if (off < lo || off > hi) continue;
          const w = found.get(off);
          if (w !== undefined) hits[w].push({ i: first + k, off });
        }
      });
    }
    // Ordered by name offset, then index: as byNameAll orders them.
    want.forEach((n, w) => this.prefetched.set(n, hits[w].sort((a, b) => a.off - b.off || a.i - b.i).map(h => this.sym(h.i))));
  }

  /** Symbols with this exact name (several locals may share one). */
  byNameAll(name: string): ElfSymbol[] {
    if (!this.strtab || !name || !this.count) return [];
    const pre = this.prefetched.get(name);
    if (pre) return pre.slice();
    // Every string-table offset holding "name\0" (tail-merged tables share suffixes: any such
    // offset can be a symbol's name), then the symbols naming one of them: no per-symbol
    // hashing or decoding, one search of the string table per query.
    const data = this.strtab.data();
    const hay = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const needle = Buffer.from(name + '\0', 'utf8');
    const offs = new Set<number>();
    for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) offs.add(p);
    if (!offs.size) return [];
    // Records sorted by st_name: each offset found is a binary search.
    const { nameOff, byName } = this.nameIndex();
    const hits: { i: number; off: number }[] = [];
    for (const off of offs) {
      let lo = 0, hi = byName.length;
      while (lo < hi) { const m = (lo + hi) >> 1; if (nameOff[byName[m]] < off) lo = m + 1; else hi = m; }
      for (let k = lo; k < byName.length && nameOff[byName[k]] === off; k++) hits.push({ i: byName[k], off });
    }
    // Ordered by name offset, then index (as the table sorted by name would list them).
    hits.sort((a, b) => a.off - b.off || a.i - b.i);
    return hits.map(h => this.sym(h.i));
  }

  /** The best symbol for `name`: a global function first, then any function, then anything. */
  lookup(name: string): ElfSymbol | undefined {
    const l = this.byNameAll(name).filter(s => s.shndx !== 0);
    return l.find(s => s.type === 'func' && s.binding !== 'local') ?? l.find(s => s.type === 'func') ?? l[0];
  }

  private rank(i: number): number {
    const c = this.columns();
    const type = c.info[i] & 0xf, bind = c.info[i] >> 4;
    return (type === STT_FUNC ? 4 : type === STT_OBJECT ? 2 : 0) + (bind === 1 ? 1 : 0) + (c.size[i] > 0n ? 8 : 0);
  }

  private order(): Uint32Array {
    if (this.sorted) return this.sorted;
    const { info, shndx, nameOff, value: v } = this.columns();
    const idx: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const type = info[i] & 0xf;
      // As gdb: symbols of real sections only (not SHN_ABS/SHN_COMMON constants like
      // KERNEL_OFFSET), including one at address 0 (Linux's per-CPU fixed_percpu_data).
      const inSection = shndx[i] !== 0 && shndx[i] < SHN_LORESERVE;
      if (inSection && nameOff[i] !== 0 && (type === STT_FUNC || type === STT_OBJECT || type === STT_NOTYPE)) idx.push(i);
    }
    idx.sort((a, b) => (v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : this.rank(b) - this.rank(a)));
    return (this.sorted = Uint32Array.from(idx));
  }

  /** The symbol containing `addr` (inside [value, value+size)), else the nearest zero-sized one
   *  below. As gdb's minimal symbols: a zero-sized label (entry_SYSCALL_64_after_hwframe) defers
   *  to a sized symbol further down that contains `addr` (entry_SYSCALL_64). */
  at(addr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
    const s = this.order(), { value: v, size: z } = this.columns();
    let lo = 0, hi = s.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (v[s[m]] <= addr) lo = m + 1; else hi = m; }
    let label: number | undefined;
    let sawSized = false;
    for (let k = lo - 1, seen = 0; k >= 0 && seen < 64; k--, seen++) {
      const i = s[k];
      if (z[i] > 0n) {
        if (addr < v[i] + z[i]) return { symbol: this.sym(i), offset: addr - v[i] };
        sawSized = true;
      } else if (sawSized) break;
      else label ??= i;
    }
    return label === undefined ? undefined : { symbol: this.sym(label), offset: addr - v[label] };
  }
}
