// One stack frame as the Call Stack shows it (name, source position, hint), without its DAP id:
// shared by stackTrace and the idle-time rehearsal of a stop (warm.ts).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SessionSymbols } from '../symbolsPort';
import type { SourcePaths } from './sources';
import type { Frame } from './stack';

const hex = (v: bigint) => '0x' + v.toString(16);

export type FrameView = Omit<DebugProtocol.StackFrame, 'id'>;

export async function describeFrame(f: Frame, symbols: SessionSymbols, sources: SourcePaths): Promise<FrameView> {
  // Return addresses point after the call: the call's line, as gdb does (f.lookupPc).
  const lookupPc = f.lookupPc;
  const line = f.file ? { file: f.file, line: f.line ?? 0, column: f.column } : symbols.lineAt(lookupPc);
  // Without debug info, the ELF symbol's name as gdb's bt shows it (the pc is beside it). Looked
  // up only when needed: the unwinder names every frame it has DWARF for.
  let name = f.function ?? symbols.functionAt(lookupPc)?.name ?? symbols.symbolAt(lookupPc)?.name ?? hex(f.pc);
  if (f.interruptEntry) name = `<interrupt entry: ${name}>`;
  // Sources not on disk (e.g. /rustc/… without rust-src) come without a path: nothing to open.
  const source = line ? await sources.source(line.file) : undefined;
  return {
    name,
    line: line?.line ?? 0, column: line?.column ?? 0,
    source,
    instructionPointerReference: hex(f.pc),
    presentationHint: f.interruptEntry ? 'label' : source?.path ? 'normal' : 'subtle',
  };
}
