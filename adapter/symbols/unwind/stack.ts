// The call stack as a debugger shows it: unwound frames expanded into virtual frames for inlined
// calls (innermost first), each with the state its variables are read in. Lookups use pc - 1 for
// return addresses, and the exact pc for frame 0 and for frames interrupted by a signal/IRQ.
import type { Dwarf } from '../dwarf';
import type { ElfFile } from '../elf';
import { CfiSection } from '../cfi/section';
import { scopesAt, type ScopeFrame } from '../values/scope';
import type { FrameState } from '../values/variables';
import type { MemoryReader } from '../values/read';
import { frameCfa, unwind, type RegisterSet, type StopReason, type UnwindFrame } from './unwinder';

export interface StackFrame {
  /** The frame's pc (a return address for callers). */
  pc: bigint;
  /** The pc to look up functions, lines, scopes and location lists with. */
  lookupPc: bigint;
  /** Function name: DWARF (qualified, e.g. `exo::kmain`) or the ELF symbol; undefined if unknown. */
  function?: string;
  inlined: boolean;
  /** DWARF scope (params, locals) when the pc is described by DWARF. */
  scope?: ScopeFrame;
  /** What variables of this frame are evaluated against. */
  state: FrameState;
  /** The machine frame this (possibly inlined) frame belongs to. */
  machine: UnwindFrame;
}

export interface StackOptions {
  dwarf?: Dwarf;
  cfi: CfiSection[];
  registers: RegisterSet;
  readMemory: MemoryReader;
  symbolAt?(address: bigint): { name: string; offset: bigint } | undefined;
  maxDepth?: number;
  /** Function start for pcs without CFI (see UnwindOptions.functionStart). */
  functionStart?(pc: bigint): bigint | undefined;
}

/** CFI sections of an ELF, .debug_frame before .eh_frame; pointers read from the file image. */
export function cfiSectionsOf(elf: ElfFile): CfiSection[] {
  const readPointer = (a: bigint) => {
    const b = elf.readAddress(a, 8);
    if (!b) return undefined;
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  };
  const out: CfiSection[] = [];
  const df = elf.section('.debug_frame');
  if (df && df.size > 0) out.push(new CfiSection({ kind: 'debug_frame', bytes: df.data() }));
  const eh = elf.section('.eh_frame');
  if (eh && eh.size > 0) {
    const got = elf.section('.got');
    out.push(new CfiSection({ kind: 'eh_frame', bytes: eh.data(), address: eh.header.addr, dataBase: got?.header.addr, readPointer }));
  }
  return out;
}

function qualifiedName(s: ScopeFrame): string {
  try { return s.die.qualifiedName() ?? s.name; } catch { return s.name; }
}

export async function buildStack(o: StackOptions): Promise<{ frames: StackFrame[]; stopReason: StopReason; detail?: string }> {
  const res = await unwind({ registers: o.registers, readMemory: o.readMemory, cfi: o.cfi, maxDepth: o.maxDepth, functionStart: o.functionStart });
  const states: FrameState[] = [];
  for (const [i, f] of res.frames.entries()) {
    const exact = i === 0 || f.signalFrame;
    states.push({
      pc: f.pc, innermost: exact, registers: f.registers, readMemory: o.readMemory, symbolAt: o.symbolAt,
      cfa: await frameCfa(f.registers, o.cfi, o.readMemory, exact),
    });
  }
  states.forEach((s, i) => { s.caller = states[i + 1]; });
  const frames: StackFrame[] = [];
  res.frames.forEach((machine, i) => {
    const state = states[i];
    const lookupPc = state.innermost ? machine.pc : machine.pc - 1n;
    let scopes: ScopeFrame[] = [];
    try { scopes = o.dwarf ? scopesAt(o.dwarf, lookupPc) : []; } catch { scopes = []; }
    if (scopes.length === 0) {
      const sym = o.symbolAt?.(lookupPc);
      frames.push({ pc: machine.pc, lookupPc, function: sym?.name, inlined: false, state, machine });
      return;
    }
    for (const s of scopes) {
      frames.push({ pc: machine.pc, lookupPc, function: qualifiedName(s), inlined: s.inlined, scope: s, state, machine });
    }
  });
  return { frames, stopReason: res.stopReason, detail: res.detail };
}
