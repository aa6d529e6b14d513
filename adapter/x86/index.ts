// Public surface of the x86_64 model: register decoding, CPU mode, the monitor register dump,
// page tables (entries, walker, QEMU-format output, lazy views) and the disassembler.
export * from './bits';
export * from './regdefs';
export * from './cpumode';
export * from './monitorRegs';
export * from './fpvalues';
export * from './registers';
export * from './cpuSummary';
export * from './pte';
export * from './paging';
export * from './walk';
export * from './leafScan';
export * from './qemuFormat';
export * from './tableView';
export { Disassembler, ensureCapstone, bytesText, type Instruction, type CodeBits, type AsmSyntax, type DisassembleOptions } from './disasm';
