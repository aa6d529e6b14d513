//! The kernel's virtual address space layout (one place, so the README and the debugger's
//! tests can rely on it).
//!
//! 0xffff800000000000  direct map of physical memory (2 MiB pages, RW, NX)
//! 0xffffc00000000000  kernel heap (HEAP_SIZE)
//! 0xffffd00000000000  scratch area for in-kernel tests
//! 0xffffe00000000000  kernel stacks (per-CPU boot and IST stacks), each under a guard page
//! 0xffffffff80000000  kernel image (text RX, rodata R, data/bss RW+NX)
pub const KERNEL_OFFSET: u64 = 0xffff_ffff_8000_0000;
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;
pub const HEAP_START: u64 = 0xffff_c000_0000_0000;
pub const HEAP_SIZE: u64 = 4 * 1024 * 1024;
pub const TEST_AREA: u64 = 0xffff_d000_0000_0000;
pub const STACK_AREA: u64 = 0xffff_e000_0000_0000;

/// Lowest physical address the direct map always covers (APIC MMIO lives below 4 GiB).
pub const DIRECT_MAP_MIN: u64 = 4 << 30;

pub const fn phys_to_virt(p: u64) -> u64 {
    p + PHYS_OFFSET
}

extern "C" {
    static __kernel_start: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
    static __kernel_end: u8;
    static __boot_stack_guard: u8;
}

/// The unmapped page below the BSP's boot stack (in .bss).
pub fn boot_stack_guard() -> u64 {
    // SAFETY: only the address of the linker symbol is taken.
    unsafe { &__boot_stack_guard as *const u8 as u64 }
}

/// Virtual [start, end) of each kernel image part, from the linker script's symbols.
pub struct ImageLayout {
    pub text: (u64, u64),
    pub rodata: (u64, u64),
    pub data: (u64, u64),
}

pub fn image() -> ImageLayout {
    // SAFETY: only the addresses of the linker symbols are taken.
    unsafe {
        ImageLayout {
            text: (&__text_start as *const u8 as u64, &__text_end as *const u8 as u64),
            rodata: (&__rodata_start as *const u8 as u64, &__rodata_end as *const u8 as u64),
            data: (&__data_start as *const u8 as u64, &__data_end as *const u8 as u64),
        }
    }
}

/// Physical end of the loaded kernel image (everything below it is reserved).
pub fn kernel_phys_end() -> u64 {
    // SAFETY: only the address of the linker symbol is taken.
    unsafe { &__kernel_end as *const u8 as u64 - KERNEL_OFFSET }
}

pub fn kernel_start() -> u64 {
    // SAFETY: only the address of the linker symbol is taken.
    unsafe { &__kernel_start as *const u8 as u64 }
}
