// One-line summaries of the view subcommands, kept apart so the dispatcher can list them
// without loading the adapter.
export const VIEW_HELP: Record<string, string> = {
  cpus: 'per-vCPU state, mode, CPL, paging, RIP, control registers and the kernel\'s per-CPU fields',
  pagetables: '[summary|ranges|table|tlb|mem] page tables of a vCPU (tlb/mem: exactly QEMU\'s info tlb/info mem)',
  translate: 'ADDR [--phys]  virtual → physical with the entries walked (--phys: every virtual address of a frame)',
  elf: '[FILE] [--pid N]  ELF segments/sections against the live page tables',
  cow: 'the copy-on-write fault timeline from the kernel\'s log, and the --fault-trace records (PTE before, and after at the return)',
};
