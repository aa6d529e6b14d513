// Opens the kernel's symbol file for the session and adapts the symbols layer (facade, CFI
// unwinder) to the session's ports. Without a symbol file the session still debugs at the
// instruction level.
import { describeError } from '../common/errors';
import { SymbolFile } from '../symbols';
import { CfiSection } from '../symbols/cfi/section';
import { skipPrologue } from '../symbols/query/prologue';
import { scopesAt } from '../symbols/values/scope';
import { unwind, X86_64_REG_NAMES } from '../symbols/unwind/unwinder';
import type { FunctionRange, SourceLine } from './ports';
import type { SessionSymbols } from './symbolsPort';
import { noSymbols } from './symbolsPort';
import { Frame, framePointerFrames, MemReader } from './inspect/stack';
import { kernelEntry } from './kernelEntry';

export interface LoadedSymbols {
  session: SessionSymbols;
  /** The facade itself, for values/locals (absent without symbols). */
  file?: SymbolFile;
  /** CFI unwinding with inlined frames; absent → frame-pointer walk. */
  frames?: (regs: ReadonlyMap<string, bigint>, read: MemReader) => Promise<Frame[]>;
}

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
  const cfi = cfiSections(sf);
  const loaded = { session: facadeSymbols(sf, path), file: sf, frames: cfiFrames(sf, cfi) };
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
      } catch { /* errors surface again, cached, when really asked */ }
      return;
    }
  }, 0).unref?.();
}

function facadeSymbols(sf: SymbolFile, path: string): SessionSymbols {
  const lineCache = new Map<bigint, SourceLine | undefined>();
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
  };
}

/** CFI (.debug_frame, then .eh_frame) unwinding, each physical frame expanded into its inlined
 *  source frames (innermost first) as addr2line -i does. */
function cfiSections(sf: SymbolFile): CfiSection[] {
  const cfi: CfiSection[] = [];
  const df = sf.elf.section('.debug_frame');
  if (df) cfi.push(new CfiSection({ kind: 'debug_frame', bytes: df.data() }));
  const eh = sf.elf.section('.eh_frame');
  if (eh) cfi.push(new CfiSection({ kind: 'eh_frame', bytes: eh.data(), address: eh.header.addr }));
  return cfi;
}

function cfiFrames(sf: SymbolFile, cfi: CfiSection[]): ((regs: ReadonlyMap<string, bigint>, read: MemReader) => Promise<Frame[]>) | undefined {
  return async (regs, read) => {
    const set = new Map<number, bigint>();
    X86_64_REG_NAMES.forEach((n, i) => { const v = regs.get(n); if (v !== undefined) set.set(i, v); });
    let physical: { pc: bigint; cfa?: bigint; regs: Map<string, bigint>; signal: boolean }[];
    try {
      const r = await unwind({
        registers: set, cfi, maxDepth: 64,
        readMemory: async (a, n) => { const b = await read(a, n); if (!b) throw new Error(`unreadable 0x${a.toString(16)}`); return b; },
      });
      physical = r.frames.map(f => {
        const named = new Map<string, bigint>();
        for (const [num, v] of f.registers) named.set(X86_64_REG_NAMES[num] ?? `r${num}`, v);
        if (f.cfa !== undefined && !named.has('rsp')) named.set('rsp', f.cfa);
        return { pc: f.pc, cfa: f.cfa, regs: named, signal: f.signalFrame };
      });
    } catch {
      return framePointerFrames(regs, read);
    }
    const out: Frame[] = [];
    physical.forEach((p, i) => {
      // A return address points after the call: describe the call instruction.
      const lookup = i > 0 && !p.signal ? p.pc - 1n : p.pc;
      let info;
      try { info = sf.addressInfo(lookup); } catch { info = undefined; }
      const srcFrames = info?.frames.length ? info.frames : [{ function: info?.function?.name ?? info?.symbol?.name }];
      srcFrames.forEach((s, j) => {
        out.push({
          pc: p.pc, cfa: p.cfa, regs: p.regs, inlined: j < srcFrames.length - 1, inlineDepth: j,
          function: s.function, file: 'file' in s ? s.file : undefined, line: 'line' in s ? s.line : undefined,
          column: 'column' in s ? s.column : undefined,
        });
      });
    });
    return out;
  };
}
