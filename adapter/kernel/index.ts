// Public surface of the kernel views: CPUs, page tables, ELF mappings and COW faults as data,
// over a ViewTarget (the DAP session and tests provide one).
export * from './target';
export * from './statics';
export * from './cpus';
export * from './pageTables';
export * from './elfMappings';
export * from './cowFaults';
export * from './userPrograms';
export * from './faultTrace';
