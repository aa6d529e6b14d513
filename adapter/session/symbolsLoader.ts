// Opens the kernel's symbol file for the session and adapts the symbols layer (facade, CFI
// unwinder) to the session's ports. Without a symbol file the session still debugs at the
// instruction level.
import { describeError } from '../common/errors';
import { SymbolFile } from '../symbols';
import type { CfiSection } from '../symbols/cfi/section';
import { DW_AT } from '../symbols/dwarf/constants';
import { fileName } from '../symbols/query/address';
import { skipPrologue } from '../symbols/query/prologue';
import { scopesAt } from '../symbols/values/scope';
import { typeOf } from '../symbols/values/types';
import { buildStack, cfiSectionsOf, frameCfa, X86_64_REG_NAMES, type StackFrame, type UnwindFrame } from '../symbols/unwind';
import type { FunctionRange, SourceLine } from './ports';
import type { SessionSymbols } from './symbolsPort';
import { noSymbols } from './symbolsPort';
import type { Frame } from './inspect/stack';
import { kernelEntry } from './kernelEntry';

export interface LoadedSymbols {
  session: SessionSymbols;
  /** The facade itself, for values/locals (absent without symbols). */
  file?: SymbolFile;
  /** CFI unwinding with inlined frames; absent → frame-pointer walk. */
  frames?: FrameBuilder;
  /** In idle time, parses what a first stop at these addresses needs (breakpoints just set). */
  warmAt?(addrs: readonly bigint[]): void;
}

/** `read` throws (a typed error naming the address) where memory is unreadable. */
export type FrameBuilder = (regs: ReadonlyMap<string, bigint>, read: (addr: bigint, len: number) => Promise<Uint8Array>) => Promise<Frame[]>;

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
  const session = facadeSymbols(sf, path, cfi);
  const loaded = { session, file: sf, frames: engineFrames(sf, cfi, a => session.dataSymbolAt(a)), warmAt: (addrs: readonly bigint[]) => warmAt(sf, cfi, addrs) };
  warmUp(sf, cfi);
  return loaded;
}

/**
 * While QEMU boots, index the units a first stop will most likely need (the kernel's main
 * function and entry): line table, function index and scopes are parsed lazily, and a user's
 * first stop should not pay for them.
 */
function warmUp(sf: SymbolFile, cfi: CfiSection[]): void {
  const names = ['kmain', 'start_kernel', 'main', 'rust_main', 'kernel_main'];
  setTimeout(() => {
    for (const n of names) {
      const s = sf.symbolByName(n);
      if (!s || s.type !== 'func') continue;
      try {
        sf.lineForPc(s.value);
        sf.functionContaining(s.value);
        scopesAt(sf.dwarf, s.value);
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

/** What a stop at `addr` parses first (scopes and the types of their variables, the CFI row, the
 *  symbol and line lookups), done ahead while the kernel runs to it. */
function warmAt(sf: SymbolFile, cfi: CfiSection[], addrs: readonly bigint[]): void {
  setTimeout(() => {
    for (const a of addrs.slice(0, 16)) {
      try {
        sf.lineForPc(a);
        sf.functionContaining(a);
        sf.symbolAt(a);
        for (const c of cfi) c.rowAt(a);
        for (const s of scopesAt(sf.dwarf, a)) for (const d of [...s.params, ...s.locals]) typeOf(d);
      } catch { /* errors surface again, cached, when really asked */ }
    }
  }, 0).unref?.();
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

/** The symbols' stack builder (CFI unwinding, inlined frames, exact pcs for interrupted frames,
 *  caller links for entry values) adapted to the session's frames: each virtual frame gets its
 *  source position (the line table for the innermost, the call site for the callers of inlined
 *  code). */
function engineFrames(sf: SymbolFile, cfi: CfiSection[], dataSymbolAt: (a: bigint) => { name: string; offset: bigint } | undefined): FrameBuilder {
  return async (regs, read) => {
    const registers = new Map<number, bigint>();
    X86_64_REG_NAMES.forEach((n, i) => { const v = regs.get(n); if (v !== undefined) registers.set(i, v); });
    for (let x = 0; x < 16; x++) { const v = regs.get(`xmm${x}`); if (v !== undefined) registers.set(17 + x, v); }
    const { frames } = await buildStack({
      dwarf: sf.dwarf, cfi, registers, readMemory: read, symbolAt: dataSymbolAt, maxDepth: 64,
      functionStart: pc => { const s = sf.symbolAt(pc); return s?.symbol.type === 'func' ? s.symbol.value : undefined; },
    });
    const named = new Map<UnwindFrame, ReadonlyMap<string, bigint>>();
    const namesOf = (m: UnwindFrame) => {
      let r = named.get(m);
      if (!r) {
        const out = new Map<string, bigint>();
        for (const [num, v] of m.registers) {
          const n = num <= 16 ? X86_64_REG_NAMES[num] : num <= 32 ? `xmm${num - 17}` : undefined;
          if (n) out.set(n, v);
        }
        if (m.cfa !== undefined && !out.has('rsp')) out.set('rsp', m.cfa);
        named.set(m, (r = out));
      }
      return r;
    };
    const machines = [...new Set(frames.map(f => f.machine))];
    return frames.map((f, i) => {
      const regsOf = namesOf(f.machine);
      // The frame whose CFI marks its caller as interrupted is the interrupt entry stub.
      const interruptEntry = machines[machines.indexOf(f.machine) + 1]?.signalFrame === true;
      const inlineDepth = depthOf(frames, i);
      const where = sourceOf(sf, frames, i);
      return {
        pc: f.pc, lookupPc: f.lookupPc, cfa: f.machine.cfa, regs: regsOf, inlined: f.inlined, inlineDepth,
        function: f.function, file: where?.file, line: where?.line, column: where?.column,
        scope: f.scope, state: f.state, interruptEntry,
      };
    });
  };
}

/** Position of frame i inside its machine frame (0 = the innermost inlined call or the function). */
function depthOf(frames: StackFrame[], i: number): number {
  let d = 0;
  while (i - d - 1 >= 0 && frames[i - d - 1].machine === frames[i].machine) d++;
  return d;
}

/** Source position of virtual frame i: the line table at its lookup pc for the innermost frame of
 *  a machine frame; for the caller of an inlined call, that call's DW_AT_call_file/line/column. */
function sourceOf(sf: SymbolFile, frames: StackFrame[], i: number): { file: string; line: number; column?: number } | undefined {
  const f = frames[i];
  const inner = i > 0 && frames[i - 1].machine === f.machine ? frames[i - 1] : undefined;
  try {
    if (inner?.scope?.inlined) {
      const d = inner.scope.die;
      const file = fileName(sf, d, DW_AT.call_file);
      const line = d.udata(DW_AT.call_line);
      const col = d.udata(DW_AT.call_column);
      return file && line ? { file, line: Number(line), column: col === undefined ? undefined : Number(col) } : undefined;
    }
    const l = sf.lineForPc(f.lookupPc);
    if (!l || l.line <= 0) return undefined;
    const row = sf.unitForPc(f.lookupPc);
    const col = row ? sf.lineTable(row)?.rowAt(f.lookupPc) : undefined;
    return { file: l.file, line: l.line, column: col && col.line === l.line ? col.column : undefined };
  } catch {
    return undefined;
  }
}
