// Symbols of user programs (the ELFs the kernel execs, e.g. Exo-OS's build/kernel/user/*):
// a user RIP is described with its process's program when the pid is known, else with every
// program whose .text holds a function there (several candidates are all named, not guessed).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SymbolFile } from '../symbols';
import type { PcDescription } from './target';

export class UserPrograms {
  private readonly files = new Map<string, SymbolFile | undefined>();

  constructor(private readonly dir: string | undefined) {}

  /** The program named `name` (basename as the process table holds it). */
  program(name: string): SymbolFile | undefined {
    if (!this.dir || name.includes('/') || name.startsWith('.')) return undefined;
    if (!this.files.has(name)) {
      const p = path.join(this.dir, name);
      let sf: SymbolFile | undefined;
      try { sf = fs.statSync(p).isFile() ? SymbolFile.open(p) : undefined; } catch { sf = undefined; }
      this.files.set(name, sf);
    }
    return this.files.get(name);
  }

  names(): string[] {
    if (!this.dir) return [];
    try { return fs.readdirSync(this.dir).filter(n => !n.includes('.')).sort(); } catch { return []; }
  }

  /** Describes `pc` in `program` when given, else in every program that has code there. */
  describe(pc: bigint, program?: string): PcDescription | undefined {
    const candidates = program ? [program] : this.names();
    const found: { name: string; d: PcDescription }[] = [];
    for (const name of candidates) {
      const sf = this.program(name);
      if (!sf || !sf.elf.sectionForAddress(pc)) continue;
      const d = describeIn(sf, pc);
      if (d.symbol) found.push({ name, d });
    }
    if (found.length === 0) return undefined;
    if (found.length === 1) return { ...found[0].d, symbol: `${found[0].name}:${found[0].d.symbol}` };
    return { symbol: found.map(f => `${f.name}:${f.d.symbol}`).join(' | ') };
  }
}

/** Symbol, function and line of `pc` in one symbol file (errors in its DWARF are ignored). */
export function describeIn(sf: SymbolFile, pc: bigint): PcDescription {
  const s = sf.symbolAt(pc);
  let fn: string | undefined, file: string | undefined, line: number | undefined;
  try { fn = sf.functionContaining(pc)?.name; } catch { fn = undefined; }
  try { const l = sf.lineForPc(pc); if (l && l.line > 0) { file = l.file; line = l.line; } } catch { /* no line */ }
  return { symbol: s ? (s.offset ? `${s.symbol.name}+0x${s.offset.toString(16)}` : s.symbol.name) : undefined, function: fn, file, line };
}
