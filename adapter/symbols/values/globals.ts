// Globals and statics by name (`nodes`, `exo::percpu::CPUS`): an index of every variable DIE with
// storage, built on the first lookup over all units, and their values read from memory.
import { DW_AT, DW_TAG, type Die, type Dwarf } from '../dwarf';
import { type FrameState, readVariable, type VariableValue } from './variables';

const VARIABLE = new Set<number>([DW_TAG.variable]);

export class GlobalIndex {
  private byName: Map<string, Die[]> | undefined;
  /** Units that failed to parse while indexing (the others are still indexed). */
  readonly problems: unknown[] = [];

  constructor(private readonly dwarf: Dwarf) {}

  private build(): Map<string, Die[]> {
    const map = new Map<string, Die[]>();
    const add = (k: string | undefined, d: Die) => {
      if (!k) return;
      const l = map.get(k);
      if (l) { if (!l.includes(d)) l.push(d); } else map.set(k, [d]);
    };
    for (const u of this.dwarf.compileUnits()) {
      try {
        for (const d of u.diesWithTag(VARIABLE)) {
          // Only file-scope variables: the parent chain holds no subprogram or block
          let p = d.parent(), local = false;
          for (let n = 0; p && n < 64; n++, p = p.parent()) {
            if (p.tag === DW_TAG.subprogram || p.tag === DW_TAG.lexical_block || p.tag === DW_TAG.inlined_subroutine) { local = true; break; }
          }
          if (local) continue;
          add(d.name(), d);
          add(d.qualifiedName(), d);
          add(d.linkageName(), d);
        }
      } catch (e) {
        this.problems.push(e);
      }
    }
    return map;
  }

  /** File-scope variable DIEs named `name` (plain, qualified or linkage name). */
  find(name: string): Die[] {
    this.byName ??= this.build();
    return this.byName.get(name) ?? [];
  }
}

/** Reads the global `name`; undefined when no such variable has storage. */
export async function readGlobal(index: GlobalIndex, name: string, st: FrameState): Promise<VariableValue | undefined> {
  const dies = index.find(name);
  if (dies.length === 0) return undefined;
  // A definition with storage first, then a constant, then one the compiler optimized away
  // (gdb then prints <optimized out>), and a bare `extern` declaration last
  const d = dies.find(x => x.has(DW_AT.location)) ?? dies.find(x => x.has(DW_AT.const_value))
    ?? dies.find(x => !x.flag(DW_AT.declaration)) ?? dies[0];
  return readVariable(d, undefined, st);
}
