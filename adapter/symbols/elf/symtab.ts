// .symtab / .dynsym: symbols sorted by address for symbolAt, and by name for symbolByName.
import type { Section } from './section';
import type { ElfSymbol, SymbolBinding, SymbolType } from './types';

const TYPES: SymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const BINDINGS: SymbolBinding[] = ['local', 'global', 'weak'];

export class SymbolTable {
  /** Function and object symbols with a non-zero address, sorted by address (then size desc). */
  private readonly sorted: ElfSymbol[];
  private byName: Map<string, ElfSymbol[]> | undefined;

  private constructor(readonly all: ElfSymbol[]) {
    this.sorted = all
      .filter(s => s.value !== 0n && s.shndx !== 0 && (s.type === 'func' || s.type === 'object' || s.type === 'notype') && s.name !== '')
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : rank(b) - rank(a)));
  }

  static empty(): SymbolTable { return new SymbolTable([]); }

  static parse(sec: Section, strtab: Section): SymbolTable {
    const c = sec.cursor(0);
    const n = Math.floor(sec.size / 24);
    const out: ElfSymbol[] = [];
    for (let i = 0; i < n; i++) {
      const nameOff = c.u32(), info = c.u8(); c.u8();
      const shndx = c.u16(), value = c.u64(), size = c.u64();
      if (i === 0) continue;
      out.push({
        name: nameOff ? strtab.cstrAt(nameOff) : '',
        value, size, shndx,
        type: TYPES[info & 0xf] ?? 'other',
        binding: BINDINGS[info >> 4] ?? 'other',
      });
    }
    return new SymbolTable(out);
  }

  /** Symbols with this exact name (several locals may share one). */
  byNameAll(name: string): ElfSymbol[] {
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.all) {
        if (!s.name) continue;
        const l = this.byName.get(s.name);
        if (l) l.push(s); else this.byName.set(s.name, [s]);
      }
    }
    return this.byName.get(name) ?? [];
  }

  /** The best symbol for `name`: a global function first, then any function, then anything. */
  lookup(name: string): ElfSymbol | undefined {
    const l = this.byNameAll(name).filter(s => s.shndx !== 0);
    return l.find(s => s.type === 'func' && s.binding !== 'local') ?? l.find(s => s.type === 'func') ?? l[0];
  }

  /** The symbol containing `addr` (inside [value, value+size), or the nearest below when size is 0). */
  at(addr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
    const s = this.sorted;
    let lo = 0, hi = s.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (s[m].value <= addr) lo = m + 1; else hi = m; }
    // Walk back over symbols at lower addresses: prefer one whose extent covers addr.
    for (let i = lo - 1, seen = 0; i >= 0 && seen < 64; i--, seen++) {
      const sym = s[i];
      if (sym.size > 0n ? addr < sym.value + sym.size : i === lo - 1) return { symbol: sym, offset: addr - sym.value };
      if (sym.size === 0n && sym.value < s[lo - 1].value) break;
    }
    return undefined;
  }

  get count(): number { return this.all.length; }
}

function rank(s: ElfSymbol): number {
  return (s.type === 'func' ? 4 : s.type === 'object' ? 2 : 0) + (s.binding === 'global' ? 1 : 0) + (s.size > 0n ? 8 : 0);
}
