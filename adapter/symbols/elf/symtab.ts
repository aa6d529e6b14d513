// .symtab / .dynsym kept as typed arrays (a vmlinux has ~10^5 symbols): names are decoded only
// for results; lookups by name search the string table for the name's bytes first.
import type { Section } from './section';
import type { ElfSymbol, SymbolBinding, SymbolType } from './types';

const TYPES: SymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const BINDINGS: SymbolBinding[] = ['local', 'global', 'weak'];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;
const SHN_LORESERVE = 0xff00;

function fnv1a(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let p = from; p < to; p++) h = Math.imul(h ^ b[p], 0x01000193);
  return h >>> 0;
}

export class SymbolTable {
  private readonly nameOff: Uint32Array;
  private readonly info: Uint8Array;
  private readonly shndx: Uint16Array;
  private readonly value: BigUint64Array;
  private readonly size: BigUint64Array;
  /** Indices of addressable function/object symbols sorted by address (then by preference). */
  private sorted: Uint32Array | undefined;
  private hashCache: Uint32Array | undefined;

  private constructor(private readonly strtab: Section | undefined, n: number) {
    this.nameOff = new Uint32Array(n); this.info = new Uint8Array(n); this.shndx = new Uint16Array(n);
    this.value = new BigUint64Array(n); this.size = new BigUint64Array(n);
  }

  static empty(): SymbolTable { return new SymbolTable(undefined, 0); }

  static parse(sec: Section, strtab: Section): SymbolTable {
    const n = Math.max(0, Math.floor(sec.size / 24) - 1);
    const t = new SymbolTable(strtab, n);
    // 64-bit fields are copied as two 32-bit halves (no BigInt per symbol); the records are read
    // in chunks through one reused buffer (a vmlinux's .symtab is ~3 MB).
    const value32 = new Uint32Array(t.value.buffer), size32 = new Uint32Array(t.size.buffer);
    const lo = LITTLE_ENDIAN ? 0 : 1, hi = 1 - lo;
    const PER_CHUNK = 16384;
    for (let first = 0; first < n; first += PER_CHUNK) {
      const count = Math.min(PER_CHUNK, n - first);
      const bytes = sec.transient(24 + first * 24, count * 24);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let k = 0; k < count; k++) {
        const o = k * 24, i = first + k;
        t.nameOff[i] = dv.getUint32(o, true);
        t.info[i] = bytes[o + 4];
        t.shndx[i] = dv.getUint16(o + 6, true);
        value32[2 * i + lo] = dv.getUint32(o + 8, true); value32[2 * i + hi] = dv.getUint32(o + 12, true);
        size32[2 * i + lo] = dv.getUint32(o + 16, true); size32[2 * i + hi] = dv.getUint32(o + 20, true);
      }
    }
    return t;
  }

  get count(): number { return this.nameOff.length; }

  private sym(i: number): ElfSymbol {
    const off = this.nameOff[i];
    return {
      name: off && this.strtab ? this.strtab.cstrAt(off) : '',
      value: this.value[i], size: this.size[i], shndx: this.shndx[i],
      type: TYPES[this.info[i] & 0xf] ?? 'other', binding: BINDINGS[this.info[i] >> 4] ?? 'other',
    };
  }

  /** Every symbol (decodes all names: for tools and tests, not hot paths). */
  get all(): ElfSymbol[] { return Array.from({ length: this.count }, (_, i) => this.sym(i)); }

  /** Symbols with this exact name (several locals may share one). */
  byNameAll(name: string): ElfSymbol[] {
    if (!this.strtab || !name) return [];
    // A hash per name, computed once over the string table (one read of it): a query then
    // compares ~10^5 integers and checks the bytes of the few that agree.
    const hashes = this.nameHashes();
    const data = this.strtab.data();
    const needle = Buffer.from(name, 'utf8');
    const h = fnv1a(needle, 0, needle.length);
    const nameOff = this.nameOff;
    const hits: number[] = [];
    for (let i = 0; i < hashes.length; i++) {
      if (hashes[i] !== h) continue;
      const o = nameOff[i];
      if (o + needle.length >= data.length || data[o + needle.length] !== 0) continue;
      let same = true;
      for (let k = 0; k < needle.length && same; k++) same = data[o + k] === needle[k];
      if (same) hits.push(i);
    }
    // Ordered by name offset, then index (as the table sorted by name would list them).
    hits.sort((a, b) => nameOff[a] - nameOff[b] || a - b);
    return hits.map(i => this.sym(i));
  }

  /** FNV-1a of every symbol's name (names outside the string table hash as empty). */
  private nameHashes(): Uint32Array {
    if (this.hashCache) return this.hashCache;
    const data = this.strtab!.data();
    const out = new Uint32Array(this.count);
    for (let i = 0; i < out.length; i++) {
      const o = this.nameOff[i];
      let e = o;
      while (e < data.length && data[e] !== 0) e++;
      out[i] = o < data.length ? fnv1a(data, o, e) : fnv1a(data, 0, 0);
    }
    return (this.hashCache = out);
  }

  /** The best symbol for `name`: a global function first, then any function, then anything. */
  lookup(name: string): ElfSymbol | undefined {
    const l = this.byNameAll(name).filter(s => s.shndx !== 0);
    return l.find(s => s.type === 'func' && s.binding !== 'local') ?? l.find(s => s.type === 'func') ?? l[0];
  }

  private rank(i: number): number {
    const type = this.info[i] & 0xf, bind = this.info[i] >> 4;
    return (type === STT_FUNC ? 4 : type === STT_OBJECT ? 2 : 0) + (bind === 1 ? 1 : 0) + (this.size[i] > 0n ? 8 : 0);
  }

  private order(): Uint32Array {
    if (this.sorted) return this.sorted;
    const idx: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const type = this.info[i] & 0xf;
      // As gdb: symbols of real sections only (not SHN_ABS/SHN_COMMON constants like
      // KERNEL_OFFSET), including one at address 0 (Linux's per-CPU fixed_percpu_data).
      const inSection = this.shndx[i] !== 0 && this.shndx[i] < SHN_LORESERVE;
      if (inSection && this.nameOff[i] !== 0 && (type === STT_FUNC || type === STT_OBJECT || type === STT_NOTYPE)) idx.push(i);
    }
    const v = this.value;
    idx.sort((a, b) => (v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : this.rank(b) - this.rank(a)));
    return (this.sorted = Uint32Array.from(idx));
  }

  /** The symbol containing `addr` (inside [value, value+size)), else the nearest zero-sized one
   *  below. As gdb's minimal symbols: a zero-sized label (entry_SYSCALL_64_after_hwframe) defers
   *  to a sized symbol further down that contains `addr` (entry_SYSCALL_64). */
  at(addr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
    const s = this.order(), v = this.value, z = this.size;
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
