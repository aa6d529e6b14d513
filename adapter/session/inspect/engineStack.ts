// The session's call stacks from the symbols' CFI unwinder: machine frames expanded into inlined
// frames (as symbols/unwind/stack.ts's buildStack does), each with its source position. What
// depends only on a pc (CFI row, DWARF scopes, qualified names, source positions) is computed
// once per pc and kept: the first lookups in a unit cost milliseconds, and a stop at a site a
// rehearsal (warm.ts) already visited then only unwinds registers and memory.
import type { SymbolFile } from '../../symbols';
import type { CfiSection } from '../../symbols/cfi/section';
import { DW_AT } from '../../symbols/dwarf/constants';
import { fileName } from '../../symbols/query/address';
import { scopesAt, type ScopeFrame } from '../../symbols/values/scope';
import type { FrameState } from '../../symbols/values/variables';
import { frameCfa, unwind, X86_64_REG_NAMES, type UnwindFrame } from '../../symbols/unwind';
import type { Frame } from './stack';

/** `read` throws (a typed error naming the address) where memory is unreadable. */
export type FrameBuilder = (regs: ReadonlyMap<string, bigint>, read: (addr: bigint, len: number) => Promise<Uint8Array>) => Promise<Frame[]>;

type Where = { file: string; line: number; column?: number } | undefined;

/** Per-pc results stay while fewer than this many pcs were asked (a long session of steps). */
const MEMO_LIMIT = 8192;

/** A pc-keyed memo that also remembers a throw (CONVENTIONS #7) and starts over when full. */
class PcMemo<T> {
  private readonly m = new Map<string | bigint, { v: T } | { e: unknown }>();
  get(key: string | bigint, compute: () => T): T {
    let r = this.m.get(key);
    if (!r) {
      if (this.m.size >= MEMO_LIMIT) this.m.clear();
      try { r = { v: compute() }; } catch (e) { r = { e }; }
      this.m.set(key, r);
    }
    if ('e' in r) throw r.e;
    return r.v;
  }
}

/** CFI rows by pc for these sections (the unwinder and frameCfa ask again for every stop). */
export function memoizeRows(sections: CfiSection[]): void {
  for (const s of sections) {
    const rowAt = s.rowAt.bind(s);
    const memo = new PcMemo<ReturnType<CfiSection['rowAt']>>();
    s.rowAt = pc => memo.get(pc, () => rowAt(pc));
  }
}

const namedRegisters = (m: UnwindFrame): Map<string, bigint> => {
  const out = new Map<string, bigint>();
  for (const [num, v] of m.registers) {
    const n = num <= 16 ? X86_64_REG_NAMES[num] : num <= 32 ? `xmm${num - 17}` : undefined;
    if (n) out.set(n, v);
  }
  if (m.cfa !== undefined && !out.has('rsp')) out.set('rsp', m.cfa);
  return out;
};

/** What a frame at a pc looks like in the debug info, computed once per pc: DWARF scopes
 *  (inlined calls innermost first), qualified names, source positions. */
export class FrameFacts {
  private readonly scopes = new PcMemo<ScopeFrame[]>();
  private readonly names = new PcMemo<string>();
  private readonly places = new PcMemo<Where>();

  constructor(private readonly sf: SymbolFile) {}

  scopesAt(pc: bigint): ScopeFrame[] {
    try { return this.scopes.get(pc, () => scopesAt(this.sf.dwarf, pc)); } catch { return []; }
  }

  nameOf(s: ScopeFrame): string {
    return this.names.get(`${s.die.offset}`, () => { try { return s.die.qualifiedName() ?? s.name; } catch { return s.name; } });
  }

  /** Where virtual frame `depth` (0 = innermost) of the scopes at `lookupPc` is: the line table
   *  for the innermost, the call site (DW_AT_call_file/line/column) for a caller of an inlined call. */
  placeOf(lookupPc: bigint, depth: number): Where {
    const inner = depth > 0 ? this.scopesAt(lookupPc)[depth - 1] : undefined;
    return this.places.get(`${lookupPc}:${inner?.die.offset ?? ''}`, () => (inner?.inlined ? callSite(this.sf, inner) : lineOf(this.sf, lookupPc)));
  }
}

export function engineFrames(sf: SymbolFile, cfi: CfiSection[], dataSymbolAt: (a: bigint) => { name: string; offset: bigint } | undefined, facts: FrameFacts): FrameBuilder {
  const functionStart = (pc: bigint) => { const s = sf.symbolAt(pc); return s?.symbol.type === 'func' ? s.symbol.value : undefined; };

  return async (regs, read) => {
    const registers = new Map<number, bigint>();
    X86_64_REG_NAMES.forEach((n, i) => { const v = regs.get(n); if (v !== undefined) registers.set(i, v); });
    for (let x = 0; x < 16; x++) { const v = regs.get(`xmm${x}`); if (v !== undefined) registers.set(17 + x, v); }
    const res = await unwind({ registers, readMemory: read, cfi, maxDepth: 64, functionStart });
    const states: FrameState[] = [];
    for (const [i, f] of res.frames.entries()) {
      const exact = i === 0 || f.signalFrame;
      states.push({ pc: f.pc, innermost: exact, registers: f.registers, readMemory: read, symbolAt: dataSymbolAt, cfa: await frameCfa(f.registers, cfi, read, exact) });
    }
    states.forEach((s, i) => { s.caller = states[i + 1]; });
    const out: Frame[] = [];
    res.frames.forEach((machine, i) => {
      const state = states[i];
      const lookupPc = state.innermost ? machine.pc : machine.pc - 1n;
      const regsOf = namedRegisters(machine);
      // The frame whose CFI marks its caller as interrupted is the interrupt entry stub.
      const interruptEntry = res.frames[i + 1]?.signalFrame === true;
      const base = { pc: machine.pc, lookupPc, cfa: machine.cfa, regs: regsOf, state, interruptEntry };
      const here = facts.scopesAt(lookupPc);
      if (here.length === 0) {
        // No DWARF here: named by its ELF symbol (gdb's bt), placed by the line table if any.
        out.push({ ...base, inlined: false, inlineDepth: 0, function: dataSymbolAt(lookupPc)?.name, ...facts.placeOf(lookupPc, 0) });
        return;
      }
      here.forEach((s, d) => {
        out.push({ ...base, inlined: s.inlined, inlineDepth: d, function: facts.nameOf(s), scope: s, ...facts.placeOf(lookupPc, d) });
      });
    });
    return out;
  };
}

/** Source position of an innermost (or out-of-line) frame: the line table at its lookup pc. */
function lineOf(sf: SymbolFile, pc: bigint): Where {
  try {
    const l = sf.lineForPc(pc);
    if (!l || l.line <= 0) return undefined;
    const u = sf.unitForPc(pc);
    const row = u ? sf.lineTable(u)?.rowAt(pc) : undefined;
    return { file: l.file, line: l.line, column: row && row.line === l.line ? row.column : undefined };
  } catch { return undefined; }
}

/** Where an inlined call was made: its DW_AT_call_file/line/column. */
function callSite(sf: SymbolFile, s: ScopeFrame): Where {
  try {
    const d = s.die;
    const file = fileName(sf, d, DW_AT.call_file);
    const line = d.udata(DW_AT.call_line);
    const col = d.udata(DW_AT.call_column);
    return file && line ? { file, line: Number(line), column: col === undefined ? undefined : Number(col) } : undefined;
  } catch { return undefined; }
}
