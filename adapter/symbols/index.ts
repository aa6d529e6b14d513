// Public API of the symbol reader: SymbolFile plus the ELF and DWARF layers beneath it.
export { SymbolFile, type CompilationUnitInfo } from './symbolfile';
export { FileSource, BufferSource, type ByteSource } from './bytesource';
export type { AddressInfo, InlinedFrame, SourceFrame } from './query/address';
export type { LineBreakpoints, FunctionBreakpoints, InfoLineResult, BreakpointLocation } from './query/breakpoints';
export type { FunctionInfo, Block } from './functions';
export type { PcLine } from './linetable';
export { ElfFile, type ElfSymbol } from './elf';
export * as dwarf from './dwarf';
