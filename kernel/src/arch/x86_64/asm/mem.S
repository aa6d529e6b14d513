/* memcpy/memmove/memset/memcmp/bcmp: the host target's compiler_builtins lacks them, and in
   assembly the compiler cannot turn them back into calls to themselves. */
    .section .text.mem, "ax", @progbits

    .global memcpy
    .type memcpy, @function
memcpy:
    mov %rdi, %rax
    mov %rdx, %rcx
    rep movsb
    ret
    .size memcpy, . - memcpy

    .global memmove
    .type memmove, @function
memmove:
    mov %rdi, %rax
    mov %rdx, %rcx
    cmp %rsi, %rdi
    jbe 1f
    lea -1(%rsi,%rcx), %rsi         /* overlapping with dest above src: copy backwards */
    lea -1(%rdi,%rcx), %rdi
    std
    rep movsb
    cld
    ret
1:  rep movsb
    ret
    .size memmove, . - memmove

    .global memset
    .type memset, @function
memset:
    mov %rdi, %r9
    mov %esi, %eax
    mov %rdx, %rcx
    rep stosb
    mov %r9, %rax
    ret
    .size memset, . - memset

    .global memcmp
    .global bcmp
    .type memcmp, @function
    .type bcmp, @function
memcmp:
bcmp:
    xor %eax, %eax
    test %rdx, %rdx
    jz 3f
2:  movzbl (%rdi), %eax
    movzbl (%rsi), %ecx
    sub %ecx, %eax
    jnz 3f
    inc %rdi
    inc %rsi
    dec %rdx
    jnz 2b
3:  ret
    .size memcmp, . - memcmp
