/* Interrupt entry: 256 stubs of 16 bytes (stub i at isr_stubs + 16*i) push a uniform
   (vector, error code) pair, then isr_common saves the GPRs and the SSE state (core uses SSE)
   and calls interrupt_dispatch(frame, fxsave area). Every gate runs on an IST stack (red zone). */

    .section .text.isr, "ax", @progbits
    .global isr_stubs
    .align 16
isr_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp isr_common
    .set vec, vec + 1
    .endr

    .global isr_common
    .type isr_common, @function
isr_common:
    /* CFI: a signal frame whose CFA is just above the CPU's iret frame, so unwinders go
       from the handler to the interrupted code. On entry rsp -> vector, error, rip, cs,
       rflags, rsp, ss. */
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_def_cfa %rsp, 7*8
    .cfi_offset %rip, -5*8
    .cfi_offset %rsp, -2*8
    cld                             /* the interrupted code may have had DF set (memmove) */
    push %rax
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rax, 0
    push %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbx, 0
    push %rcx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rcx, 0
    push %rdx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rdx, 0
    push %rsi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rsi, 0
    push %rdi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rdi, 0
    push %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    push %r8
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r8, 0
    push %r9
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r9, 0
    push %r10
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r10, 0
    push %r11
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r11, 0
    push %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r12, 0
    push %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r13, 0
    push %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r14, 0
    push %r15
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    mov %rsp, %rdi
    mov %rsp, %rbx
    .cfi_def_cfa_register %rbx
    mov 17*8(%rsp), %rax            /* interrupted rip: link a frame so backtraces cross */
    push %rax
    push %rbp
    mov %rsp, %rbp
    and $-16, %rsp
    sub $512, %rsp
    fxsave (%rsp)
    mov %rsp, %rsi                  /* 2nd argument: the saved SSE state (context switches) */
    call interrupt_dispatch
    fxrstor (%rsp)
    mov %rbx, %rsp
    .cfi_def_cfa_register %rsp
    pop %r15
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r15
    pop %r14
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r14
    pop %r13
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r13
    pop %r12
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r12
    pop %r11
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r11
    pop %r10
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r10
    pop %r9
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r9
    pop %r8
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r8
    pop %rbp
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbp
    pop %rdi
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rdi
    pop %rsi
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rsi
    pop %rdx
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rdx
    pop %rcx
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rcx
    pop %rbx
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbx
    pop %rax
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rax
    add $16, %rsp
    .cfi_adjust_cfa_offset -16
    iretq
    .cfi_endproc
    .size isr_common, . - isr_common
