/* PVH entry: QEMU enters here in 32-bit protected mode with paging off and %ebx pointing at
   the hvm_start_info. We build nothing at run time: the boot page tables are static. */

#define KERNEL_OFFSET 0xffffffff80000000

/* PVH note: XEN_ELFNOTE_PHYS32_ENTRY (18), name "Xen", 8-byte physical entry address. */
    .section .note.Xen, "a", @note
    .align 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .align 4
    .quad pvh_entry
    .align 4

    .section .boot.text, "ax", @progbits
    .code32
    .global pvh_entry
    .type pvh_entry, @function
pvh_entry:
    cli
    cld
    mov %ebx, %edi                  /* start_info (physical), handed to kmain */
    mov %cr4, %eax
    or $0x620, %eax                 /* PAE | OSFXSR | OSXMMEXCPT: core uses SSE everywhere */
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx           /* EFER: LME | NXE */
    rdmsr
    or $0x900, %eax
    wrmsr
    mov %cr0, %eax
    and $0xfffffffb, %eax           /* clear EM */
    or $0x80010003, %eax            /* PG | WP | MP | PE */
    mov %eax, %cr0
    lgdt boot_gdtr
    ljmp $0x08, $boot_long
    .size pvh_entry, . - pvh_entry

    .code64
boot_long:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov %edi, %edi                  /* upper halves are undefined after the mode switch */
    movabs $kernel_entry, %rax
    jmp *%rax

/* Boot page tables: the first GiB identity-mapped, at the direct map (0xffff800000000000)
   and at the kernel's higher half (0xffffffff80000000), all with 2 MiB pages. The APs use
   them too (the trampoline runs identity-mapped) until they load the kernel's CR3. */
    .section .boot.data, "aw", @progbits
    .align 4096
    .global boot_pml4
boot_pml4:
    .quad boot_pdpt_lo + 3
    .fill 255, 8, 0
    .quad boot_pdpt_lo + 3
    .fill 254, 8, 0
    .quad boot_pdpt_hi + 3
boot_pdpt_lo:
    .quad boot_pd + 3
    .fill 511, 8, 0
boot_pdpt_hi:
    .fill 510, 8, 0
    .quad boot_pd + 3
    .quad 0
boot_pd:
    .set i, 0
    .rept 512
    .quad (i << 21) | 0x83
    .set i, i + 1
    .endr

    .align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdtr:
    .word boot_gdtr - boot_gdt - 1
    .long boot_gdt

/* Higher-half entries (BSP and APs): the first Rust frames' caller, so unwinders stop here. */
    .section .text.entry, "ax", @progbits
    .global kernel_entry
    .type kernel_entry, @function
kernel_entry:
    .cfi_startproc
    .cfi_undefined rip
    mov %rdi, %r12
    lea __bss_start(%rip), %rdi     /* zero .bss: not every loader does */
    lea __bss_end(%rip), %rcx
    sub %rdi, %rcx
    xor %eax, %eax
    rep stosb
    lea boot_stack_top(%rip), %rsp
    xor %ebp, %ebp
    mov %r12, %rdi
    call kmain
1:  cli
    hlt
    jmp 1b
    .cfi_endproc
    .size kernel_entry, . - kernel_entry

    .global ap_entry
    .type ap_entry, @function
ap_entry:
    .cfi_startproc
    .cfi_undefined rip
    /* Still on the boot page tables: load the kernel's, then this AP's stack (mapped there). */
    mov KERNEL_CR3(%rip), %rax
    mov %rax, %cr3
    mov AP_BOOT_STACK(%rip), %rsp
    xor %ebp, %ebp
    mov AP_BOOT_CPU(%rip), %rdi
    call ap_main
2:  cli
    hlt
    jmp 2b
    .cfi_endproc
    .size ap_entry, . - ap_entry

    .section .bss.boot_stack, "aw", @nobits
    .align 16
boot_stack:
    .skip 65536
    .global boot_stack_top
boot_stack_top:
