// .symtab / .dynsym kept as typed arrays (a vmlinux has ~10^5 symbols): names are decoded only
// for results; lookups by name search the string table for the name's bytes first.
import type { Section } from './section';
import type { ElfSymbol, SymbolBinding, SymbolType } from './types';

const TYPES: SymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const BINDINGS: SymbolBinding[] = ['local', 'global', 'weak'];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;

export class SymbolTable {
  private readonly nameOff: Uint32Array;
  private readonly info: Uint8Array;
  private readonly shndx: Uint16Array;
  private readonly value: BigUint64Array;
  private readonly size: BigUint64Array;
  /** Indices of addressable function/object symbols sorted by address (then by preference). */
  private sorted: Uint32Array | undefined;

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
    // Every place the bytes "name\0" occur is a candidate st_name (tails of strings are shared).
    const offs = new Set<number>(this.strtab.indexOfAll(Buffer.from(name + '\0', 'utf8')));
    const out: ElfSymbol[] = [];
    if (!offs.size) return out;
    // One pass over the name offsets (~10^5 compares) beats sorting them for a handful of queries.
    const hits: number[] = [];
    const nameOff = this.nameOff;
    if (offs.size === 1) {
      const o = offs.values().next().value as number;
      for (let i = 0; i < nameOff.length; i++) if (nameOff[i] === o) hits.push(i);
    } else {
      for (let i = 0; i < nameOff.length; i++) if (offs.has(nameOff[i])) hits.push(i);
    }
    // Ordered by name offset, then index (as the table sorted by name would list them).
    hits.sort((a, b) => nameOff[a] - nameOff[b] || a - b);
    for (const i of hits) out.push(this.sym(i));
    return out;
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
      if (this.value[i] !== 0n && this.shndx[i] !== 0 && this.nameOff[i] !== 0 && (type === STT_FUNC || type === STT_OBJECT || type === STT_NOTYPE)) idx.push(i);
    }
    const v = this.value;
    idx.sort((a, b) => (v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : this.rank(b) - this.rank(a)));
    return (this.sorted = Uint32Array.from(idx));
  }

  /** The symbol containing `addr` (inside [value, value+size), or the nearest below when size is 0). */
  at(addr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
    const s = this.order(), v = this.value, z = this.size;
    let lo = 0, hi = s.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (v[s[m]] <= addr) lo = m + 1; else hi = m; }
    for (let k = lo - 1, seen = 0; k >= 0 && seen < 64; k--, seen++) {
      const i = s[k];
      if (z[i] > 0n ? addr < v[i] + z[i] : k === lo - 1) return { symbol: this.sym(i), offset: addr - v[i] };
      if (z[i] === 0n && v[i] < v[s[lo - 1]]) break;
    }
    return undefined;
  }
}
