/* Process entry: hands the initial stack pointer (argc, argv, envp, auxv) to exo_start_c. */
    .text
    .global _start
    .type _start, @function
_start:
    .cfi_startproc
    .cfi_undefined rip
    xor %ebp, %ebp
    mov %rsp, %rdi
    and $-16, %rsp
    call exo_start_c
    ud2
    .cfi_endproc
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
