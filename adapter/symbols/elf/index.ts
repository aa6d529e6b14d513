// Public API of the ELF layer.
export { ElfFile } from './elffile';
export { Section, requireSection } from './section';
export { SymbolTable } from './symtab';
export * from './types';
