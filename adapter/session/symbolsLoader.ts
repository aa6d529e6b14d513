// Opens the kernel's symbol file for the session and adapts the symbols layer (facade, CFI
// unwinder) to the session's ports. Without a symbol file the session still debugs at the
// instruction level.
import { describeError } from '../common/errors';
import { SymbolFile } from '../symbols';
import type { CfiSection } from '../symbols/cfi/section';
import { skipPrologue } from '../symbols/query/prologue';
import { typeOf } from '../symbols/values/types';
import { cfiSectionsOf, frameCfa, X86_64_REG_NAMES } from '../symbols/unwind';
import { engineFrames, FrameFacts, memoizeRows, type FrameBuilder } from './inspect/engineStack';
import { readVariable, variableNode } from '../symbols/values/variables';
import { StopRehearsal } from './inspect/warm';
import { sourcePaths } from './inspect/sources';
import type { Frame } from './inspect/stack';
import type { FunctionRange, SourceLine } from './ports';
import type { SessionSymbols } from './symbolsPort';
import { noSymbols } from './symbolsPort';
import { kernelEntry } from './kernelEntry';

export type { FrameBuilder };

export interface LoadedSymbols {
  session: SessionSymbols;
  /** The facade itself, for values/locals (absent without symbols). */
  file?: SymbolFile;
  /** CFI unwinding with inlined frames; absent → frame-pointer walk. */
  frames?: FrameBuilder;
  /** In idle time, parses what a first stop at these addresses needs (breakpoints just set). */
  warmAt?(addrs: readonly bigint[]): void;
  /** A statement in the kernel's main function (kmain, start_kernel, …), where a stop can be
   *  rehearsed before any breakpoint exists; undefined when there is none. */
  mainPc?(): bigint | undefined;
}

const MAIN_NAMES = ['kmain', 'start_kernel', 'main', 'rust_main', 'kernel_main'];


export async function loadSymbols(path: string | undefined, say: (msg: string) => void): Promise<LoadedSymbols> {
  if (!path) {
    say('No symbol file: debugging without source (set "symbols" to an ELF with debug info).\n');
    return { session: noSymbols() };
  }
  let sf: SymbolFile;
  try {
    sf = SymbolFile.open(path);
    sf.requireDebugInfo();
  } catch (e) {
    say(`Symbols from ${path} could not be loaded: ${describeError(e)}\n`);
    return { session: noSymbols(kernelEntry(path)) };
  }
  const cfi = cfiSectionsOf(sf.elf);
  memoizeRows(cfi);
  const session = facadeSymbols(sf, path, cfi);
  let main: { pc: bigint | undefined } | undefined;
  const facts = new FrameFacts(sf);
  const frames = engineFrames(sf, cfi, a => session.dataSymbolAt(a), facts);
  const loaded: LoadedSymbols = {
    session, file: sf, frames,
    mainPc: () => (main ??= { pc: mainPc(sf) }).pc,
  };
  const rehearsal = new StopRehearsal({
    frames, render: renderScope, symbols: session, sources: sourcePaths,
    gate: () => 'run', callerPc: () => loaded.mainPc?.(),
  });
  loaded.warmAt = addrs => {
    warmAt(sf, cfi, facts, addrs);
    // Played inside the setBreakpoints request: with zero memory it is all promise turns, done
    // before the request's own RSP traffic is answered.
    void rehearsal.rehearseNow(addrs.slice(0, 16));
  };
  warmUp(sf, cfi, facts);
  // While QEMU starts: stops at the main function, a few times (V8 optimizes a function after
  // some runs), so that the first real stop runs compiled code.
  const pc = loaded.mainPc?.();
  if (pc !== undefined) rehearsal.rehearse([pc], WARM_ROUNDS);
  return loaded;
}

/** Rehearsals at the main function while QEMU starts. */
const WARM_ROUNDS = 3;

/** Frame 0's parameters or locals as the Variables view renders them (FrameVariables.nodes),
 *  with the first child of each compound value. */
async function renderScope(f: Frame, which: 'params' | 'locals'): Promise<void> {
  if (!f.scope || !f.state) return;
  for (const die of f.scope[which]) {
    try {
      const n = await variableNode(await readVariable(die, f.scope, f.state), f.state);
      if (n.childCount > 0) await n.children(0, 1);
    } catch { /* only warming */ }
  }
}

function mainPc(sf: SymbolFile): bigint | undefined {
  for (const n of MAIN_NAMES) {
    const s = sf.symbolByName(n);
    if (!s || s.type !== 'func') continue;
    try { return skipPrologue(sf, s.value) ?? s.value; } catch { return s.value; }
  }
  return undefined;
}

/**
 * While QEMU boots, index the units a first stop will most likely need (the kernel's main
 * function and entry): line table, function index and scopes are parsed lazily, and a user's
 * first stop should not pay for them.
 */
function warmUp(sf: SymbolFile, cfi: CfiSection[], facts: FrameFacts): void {
  setTimeout(() => {
    for (const n of MAIN_NAMES) {
      const s = sf.symbolByName(n);
      if (!s || s.type !== 'func') continue;
      try {
        sf.lineForPc(s.value);
        sf.functionContaining(s.value);
        facts.scopesAt(s.value);
        sf.addressInfo(s.value);
        for (const c of cfi) c.findFde(s.value); // builds the FDE index
        // The padding after a function is outside .debug_aranges: looking it up builds the unit
        // span index (~30 ms on Exo-OS), which line steps need for the end of each function.
        const fn = sf.functionContaining(s.value);
        if (fn) sf.unitForPc(fn.high);
      } catch { /* errors surface again, cached, when really asked */ }
      return;
    }
  }, 0).unref?.();
}

/** What a stop at `addr` looks up first (its scopes, their names, variable types and source
 *  position, the CFI row, the symbol), done as breakpoints are set: a few milliseconds per new
 *  site inside setBreakpoints rather than later, where they could delay a request or a stop. */
function warmAt(sf: SymbolFile, cfi: CfiSection[], facts: FrameFacts, addrs: readonly bigint[]): void {
  for (const a of addrs.slice(0, 16)) {
    try {
      sf.functionContaining(a);
      sf.symbolAt(a);
      for (const c of cfi) c.rowAt(a);
      facts.scopesAt(a).forEach((s, depth) => {
        facts.nameOf(s);
        facts.placeOf(a, depth);
        for (const d of [...s.params, ...s.locals]) typeOf(d);
      });
    } catch { /* errors surface again, cached, when really asked */ }
  }
}

function facadeSymbols(sf: SymbolFile, path: string, cfi: CfiSection[]): SessionSymbols {
  const lineCache = new Map<bigint, SourceLine | undefined>();
  const rowStartCache = new Map<bigint, ReadonlySet<bigint> | undefined>();
  const entry = kernelEntry(path);
  return {
    path,
    entryPoint: () => entry,
    resolveLine(file, line) {
      const r = sf.breakpointsForLine(file, line);
      return r.ok ? { line: r.line, addresses: r.addresses } : { error: r.reason };
    },
    resolveFunction(name) {
      const r = sf.breakpointsForFunction(name);
      return r.ok ? r.addresses : { error: r.reason };
    },
    variableAddress(name) {
      const s = sf.symbolByName(name);
      if (!s || s.type !== 'object') return undefined;
      return { addr: s.value, size: Number(s.size) };
    },
    symbolAt(addr) {
      const s = sf.symbolAt(addr);
      return s ? { name: s.symbol.name, offset: s.offset } : undefined;
    },
    dataSymbolAt(addr) {
      // As gdb: pointers are labelled with data and function symbols only (not `<_end+N>`).
      const s = sf.symbolAt(addr);
      return s && (s.symbol.type === 'object' || s.symbol.type === 'func') ? { name: s.symbol.name, offset: s.offset } : undefined;
    },
    sourceFiles: () => sf.sourceFiles(),
    lineAt(pc) {
      if (lineCache.has(pc)) return lineCache.get(pc);
      let out: SourceLine | undefined;
      try {
        const l = sf.lineForPc(pc);
        if (l && l.line > 0) out = { file: l.file, line: l.line, isStmtStart: l.pc === pc && l.isStmt };
      } catch { out = undefined; }
      lineCache.set(pc, out);
      return out;
    },
    functionAt(pc): FunctionRange | undefined {
      try {
        const f = sf.functionContaining(pc);
        return f ? { name: f.name, low: f.low, high: f.high } : undefined;
      } catch { return undefined; }
    },
    afterPrologue(fn) {
      try { return skipPrologue(sf, fn.low); } catch { return undefined; }
    },
    rowStarts(fn) {
      if (rowStartCache.has(fn.low)) return rowStartCache.get(fn.low);
      let out: Set<bigint> | undefined;
      try {
        const u = sf.unitForPc(fn.low);
        const lt = u ? sf.lineTable(u) : undefined;
        const lo = lt?.offsetOf(fn.low), hi = lt?.offsetOf(fn.high);
        if (lt && lo !== undefined && hi !== undefined && lo >= 0) {
          out = new Set();
          for (const t of lt.subfiles.values()) {
            for (let i = t.bound(lo, false); i < t.length && t.pcs[i] < hi; i++) out.add(t.pc(i));
          }
        }
      } catch { out = undefined; }
      rowStartCache.set(fn.low, out);
      return out;
    },
    async frameCfa(regs) {
      const registers = new Map<number, bigint>();
      X86_64_REG_NAMES.forEach((n, i) => { const v = regs.get(n); if (v !== undefined) registers.set(i, v); });
      // A CFA that needs memory (an expression rule) is not worth a round trip here.
      const noMemory = async (): Promise<Uint8Array> => { throw new Error('no memory'); };
      try { return await frameCfa(registers, cfi, noMemory); } catch { return undefined; }
    },
  };
}
