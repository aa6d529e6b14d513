/* Interrupt entry: 256 stubs of 16 bytes (stub i at isr_stubs + 16*i) push a uniform
   (vector, error code) pair, then isr_common saves the GPRs and the SSE state (core uses SSE)
   and calls interrupt_dispatch(frame). Every gate runs on an IST stack (red zone). */

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
    cld                             /* the interrupted code may have had DF set (memmove) */
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    mov %rsp, %rbx
    mov 17*8(%rsp), %rax            /* interrupted rip: link a frame so backtraces cross */
    push %rax
    push %rbp
    mov %rsp, %rbp
    and $-16, %rsp
    sub $512, %rsp
    fxsave (%rsp)
    call interrupt_dispatch
    fxrstor (%rsp)
    mov %rbx, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq
    .size isr_common, . - isr_common
