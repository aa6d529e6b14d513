// .symtab / .dynsym kept as typed arrays (a vmlinux has ~10^5 symbols): names are decoded only
// for results; lookups by name search the string table for the name's bytes first.
import type { Section } from './section';
import type { ElfSymbol, SymbolBinding, SymbolType } from './types';

const TYPES: SymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const BINDINGS: SymbolBinding[] = ['local', 'global', 'weak'];
const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;

export class SymbolTable {
  private readonly nameOff: Uint32Array;
  private readonly info: Uint8Array;
  private readonly shndx: Uint16Array;
  private readonly value: BigUint64Array;
  private readonly size: BigUint64Array;
  /** Indices of addressable function/object symbols sorted by address (then by preference). */
  private sorted: Uint32Array | undefined;
  private byNameOff: Float64Array | undefined;

  private constructor(private readonly strtab: Section | undefined, n: number) {
    this.nameOff = new Uint32Array(n); this.info = new Uint8Array(n); this.shndx = new Uint16Array(n);
    this.value = new BigUint64Array(n); this.size = new BigUint64Array(n);
  }

  static empty(): SymbolTable { return new SymbolTable(undefined, 0); }

  static parse(sec: Section, strtab: Section): SymbolTable {
    const n = Math.max(0, Math.floor(sec.size / 24) - 1);
    const t = new SymbolTable(strtab, n);
    const bytes = sec.read(24, n * 24);
    // Copy into an aligned buffer so the 64-bit fields can be read with a DataView.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      const o = i * 24;
      t.nameOff[i] = dv.getUint32(o, true);
      t.info[i] = bytes[o + 4];
      t.shndx[i] = dv.getUint16(o + 6, true);
      t.value[i] = dv.getBigUint64(o + 8, true);
      t.size[i] = dv.getBigUint64(o + 16, true);
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
    const data = this.strtab.data();
    const needle = Buffer.from(name + '\0', 'utf8');
    const hay = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const offs = new Set<number>();
    for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) offs.add(p);
    const out: ElfSymbol[] = [];
    if (!offs.size) return out;
    // Symbols sorted by name offset (one typed-array sort), then a binary search per candidate.
    // Key = nameOff * SHIFT + index, exact in a double (string tables are far below 2^32 bytes).
    const SHIFT = 2 ** Math.max(1, Math.ceil(Math.log2(this.count + 1)));
    if (!this.byNameOff) {
      const keys = new Float64Array(this.count);
      for (let i = 0; i < keys.length; i++) keys[i] = this.nameOff[i] * SHIFT + i;
      keys.sort();
      this.byNameOff = keys;
    }
    const keys = this.byNameOff;
    for (const o of offs) {
      let lo = 0, hi = keys.length;
      const k0 = o * SHIFT;
      while (lo < hi) { const m = (lo + hi) >> 1; if (keys[m] < k0) lo = m + 1; else hi = m; }
      for (let j = lo; j < keys.length && Math.floor(keys[j] / SHIFT) === o; j++) out.push(this.sym(keys[j] % SHIFT));
    }
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
