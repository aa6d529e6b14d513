// The symbol questions the session asks, behind one interface: implemented over the symbols
// facade (adapter/symbols) when a symbol file is loaded, and by `noSymbols` when none is.
import type { FunctionRange, LineLocator, SourceLine } from './ports';

export type LineResolution = { line: number; addresses: bigint[] } | { error: string };

export interface SessionSymbols extends LineLocator {
  /** The ELF file the symbols come from. */
  readonly path: string | undefined;
  /** The kernel's first instruction (PVH entry or ELF entry), for stopAtEntry. */
  entryPoint(): bigint | undefined;
  resolveLine(file: string, line: number): LineResolution;
  resolveFunction(name: string): bigint[] | { error: string };
  /** Address and size of a global or static by name (data breakpoints, evaluate). */
  variableAddress(name: string): { addr: bigint; size: number } | undefined;
  /** Nearest symbol at or before `addr` (frames without source, disassembly labels). */
  symbolAt(addr: bigint): { name: string; offset: bigint } | undefined;
  /** The object or function symbol containing `addr`, for labelling pointer values as gdb does. */
  dataSymbolAt(addr: bigint): { name: string; offset: bigint } | undefined;
  sourceFiles(): string[];
}

export const noSymbols = (entry?: bigint): SessionSymbols => ({
  path: undefined,
  entryPoint: () => entry,
  resolveLine: () => ({ error: 'No symbols are loaded: set "symbols" to the kernel ELF with debug info.' }),
  resolveFunction: () => ({ error: 'No symbols are loaded: set "symbols" to the kernel ELF with debug info.' }),
  variableAddress: () => undefined,
  symbolAt: () => undefined,
  dataSymbolAt: () => undefined,
  sourceFiles: () => [],
  lineAt: (): SourceLine | undefined => undefined,
  functionAt: (): FunctionRange | undefined => undefined,
  afterPrologue: () => undefined,
});
