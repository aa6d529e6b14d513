/* AP trampoline: copied to physical 0x8000 and started by INIT-SIPI-SIPI (vector 0x08).
   Real mode -> protected -> long mode on the boot page tables, then jumps to ap_entry.
   Lives in .rodata: it is data here and only ever executes from its copy. */

#define TRAMP 0x8000
#define T(x) ((x) - ap_trampoline_start + TRAMP)

    .section .rodata.trampoline, "a", @progbits
    .global ap_trampoline_start
    .global ap_trampoline_end
    .global ap_trampoline_cr3
    .global ap_trampoline_entry
    .code16
ap_trampoline_start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl T(tramp_gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $T(tramp32)

    .code32
tramp32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $0x620, %eax                 /* PAE | OSFXSR | OSXMMEXCPT */
    mov %eax, %cr4
    mov T(ap_trampoline_cr3), %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx           /* EFER: LME | NXE */
    rdmsr
    or $0x900, %eax
    wrmsr
    mov %cr0, %eax
    and $0xfffffffb, %eax
    or $0x80010003, %eax            /* PG | WP | MP | PE */
    mov %eax, %cr0
    ljmp $0x18, $T(tramp64)

    .code64
tramp64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov T(ap_trampoline_entry), %rax
    jmp *%rax

    .align 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
    .quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
tramp_gdtr:
    .word tramp_gdtr - tramp_gdt - 1
    .long T(tramp_gdt)
    .align 8
ap_trampoline_cr3:
    .quad 0
ap_trampoline_entry:
    .quad 0
ap_trampoline_end:
