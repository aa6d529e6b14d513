// Globals and statics by name (`nodes`, `exo::percpu::CPUS`): units are scanned for file-scope
// variable DIEs lazily, one unit at a time, until the name is found (a 600 MB vmlinux is not
// parsed whole for one lookup); a full scan happens only for names that do not exist.
import { DW_AT, DW_TAG, type Die, type Dwarf, type Unit } from '../dwarf';
import { type FrameState, readVariable, type VariableValue } from './variables';
import { typeOf } from './types';

const VARIABLE = new Set<number>([DW_TAG.variable]);

/** ELF symbols by name, for variables DWARF declares without a location (gdb's msymbol fallback). */
export interface SymbolLookup {
  lookup(name: string): { value: bigint; type: string } | undefined;
}

export class GlobalIndex {
  private readonly byName = new Map<string, Die[]>();
  private units: Unit[] | undefined;
  private scanned = 0;
  /** Units that failed to parse while indexing (the others are still indexed). */
  readonly problems: unknown[] = [];

  constructor(private readonly dwarf: Dwarf, readonly symbols?: SymbolLookup) {}

  private add(k: string | undefined, d: Die): void {
    if (!k) return;
    const l = this.byName.get(k);
    if (l) { if (!l.some(x => x.offset === d.offset)) l.push(d); } else this.byName.set(k, [d]);
  }

  private scanUnit(u: Unit): void {
    try {
      for (const d of u.diesWithTag(VARIABLE)) {
        // Only file-scope variables: the parent chain holds no subprogram or block
        let p = d.parent(), local = false;
        for (let n = 0; p && n < 64; n++, p = p.parent()) {
          if (p.tag === DW_TAG.subprogram || p.tag === DW_TAG.lexical_block || p.tag === DW_TAG.inlined_subroutine) { local = true; break; }
        }
        if (local) continue;
        this.add(d.name(), d);
        this.add(d.qualifiedName(), d);
        this.add(d.linkageName(), d);
      }
    } catch (e) {
      this.problems.push(e);
    }
  }

  /** File-scope variable DIEs named `name` (plain, qualified or linkage name). */
  find(name: string): Die[] {
    this.units ??= this.dwarf.compileUnits();
    // A definition with storage may sit in a later unit than a declaration: keep scanning until
    // one with a location (or a constant) is known, or every unit was seen.
    const complete = () => (this.byName.get(name) ?? []).some(d => d.has(DW_AT.location) || d.has(DW_AT.const_value));
    while (!complete() && this.scanned < this.units.length) this.scanUnit(this.units[this.scanned++]);
    return this.byName.get(name) ?? [];
  }
}

/** Reads the global `name`; undefined when no such variable is described by DWARF. */
export async function readGlobal(index: GlobalIndex, name: string, st: FrameState): Promise<VariableValue | undefined> {
  const dies = index.find(name);
  if (dies.length === 0) return undefined;
  // A definition with storage first, then a constant, then one the compiler optimized away
  // (gdb then prints <optimized out>), and a bare `extern` declaration last
  const d = dies.find(x => x.has(DW_AT.location)) ?? dies.find(x => x.has(DW_AT.const_value))
    ?? dies.find(x => !x.flag(DW_AT.declaration)) ?? dies[0];
  if (!d.has(DW_AT.location) && !d.has(DW_AT.const_value) && d.flag(DW_AT.declaration)) {
    // `extern` without a definition in DWARF (e.g. Linux's jiffies, a linker-script alias):
    // gdb takes the address from the ELF symbol
    const sym = index.symbols?.lookup(d.name() ?? name);
    if (sym && sym.type === 'object') {
      const v = await readVariable(d, undefined, st, { kind: 'memory', address: sym.value });
      return { ...v, type: typeOf(d) };
    }
  }
  return readVariable(d, undefined, st);
}
