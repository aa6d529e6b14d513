// Public API of unwinding: machine frames (unwind), the debugger's stack with inlined frames
// (buildStack), and CFI sections of an ELF.
export { unwind, frameCfa, X86_64, X86_64_REG_NAMES, type RegisterSet, type UnwindFrame, type UnwindResult, type UnwindOptions, type StopReason, type MemoryReader } from './unwinder';
export { buildStack, cfiSectionsOf, type StackFrame, type StackOptions } from './stack';
