/* Fault-tolerant memory probes for tests: a #PF at probe_read_insn/probe_write_insn resumes
   at probe_fixup (the page-fault handler rewrites rip), returning {value, faulted=1}. */
    .section .text.probe, "ax", @progbits

    .global probe_read_u64
    .global probe_read_insn
    .type probe_read_u64, @function
probe_read_u64:
    xor %edx, %edx
probe_read_insn:
    mov (%rdi), %rax
    ret
    .size probe_read_u64, . - probe_read_u64

    .global probe_write_u64
    .global probe_write_insn
    .type probe_write_u64, @function
probe_write_u64:
    xor %edx, %edx
    xor %eax, %eax
probe_write_insn:
    mov %rsi, (%rdi)
    ret
    .size probe_write_u64, . - probe_write_u64

    .global probe_fixup
    .type probe_fixup, @function
probe_fixup:
    mov $1, %edx
    xor %eax, %eax
    ret
    .size probe_fixup, . - probe_fixup
