//! The IDT, shared by all CPUs: every vector goes to its 16-byte stub in isr.S and runs on an
//! IST stack (see gdt.rs for which).
use super::gdt::{IST_DOUBLE_FAULT, IST_EXCEPTION, IST_IRQ, IST_NMI, KERNEL_CS};
use core::arch::asm;
use core::ptr::addr_of;

#[repr(C)]
#[derive(Clone, Copy)]
struct IdtEntry {
    offset_lo: u16,
    selector: u16,
    ist: u8,
    type_attr: u8,
    offset_mid: u16,
    offset_hi: u32,
    zero: u32,
}

const EMPTY: IdtEntry = IdtEntry { offset_lo: 0, selector: 0, ist: 0, type_attr: 0, offset_mid: 0, offset_hi: 0, zero: 0 };

static mut IDT: [IdtEntry; 256] = [EMPTY; 256];

extern "C" {
    static isr_stubs: u8;
}

/// `int 0x80`: the system call gate (DPL 3).
pub const SYSCALL_VECTOR: usize = 0x80;

/// Which IST a vector uses.
pub fn ist_for(vector: usize) -> u8 {
    match vector {
        // Only reachable from ring 3 (`int 0x80`): runs on the CPU's TSS.rsp0 stack, so the
        // handler may enable interrupts without a nested interrupt reusing its stack.
        SYSCALL_VECTOR => 0,
        2 | 18 => IST_NMI,
        8 => IST_DOUBLE_FAULT,
        0..=31 => IST_EXCEPTION,
        _ => IST_IRQ,
    }
}

/// Fills the IDT (once, on the BSP) and loads it.
pub fn init() {
    let base = addr_of!(isr_stubs) as u64;
    for v in 0..256usize {
        let handler = base + 16 * v as u64;
        // SAFETY: the BSP fills the table before any other CPU loads it.
        unsafe {
            IDT[v] = IdtEntry {
                offset_lo: handler as u16,
                selector: KERNEL_CS,
                ist: ist_for(v),
                // present, DPL 0 (DPL 3 for the syscall gate), 64-bit interrupt gate (IF cleared)
                type_attr: if v == SYSCALL_VECTOR { 0xEE } else { 0x8E },
                offset_mid: (handler >> 16) as u16,
                offset_hi: (handler >> 32) as u32,
                zero: 0,
            };
        }
    }
    load();
}

#[repr(C, packed)]
struct DescriptorPointer {
    limit: u16,
    base: u64,
}

/// Loads the shared IDT on the calling CPU.
pub fn load() {
    let ptr = DescriptorPointer { limit: (core::mem::size_of::<[IdtEntry; 256]>() - 1) as u16, base: addr_of!(IDT) as u64 };
    // SAFETY: the IDT is filled and lives in the kernel image.
    unsafe { asm!("lidt [{}]", in(reg) &ptr, options(readonly, nostack, preserves_flags)) };
}

/// (IST index, handler address, present) of a gate, read back from the loaded table.
pub fn gate(vector: usize) -> (u8, u64, bool) {
    // SAFETY: read-only access after init.
    let e = unsafe { *addr_of!(IDT[vector]) };
    let addr = e.offset_lo as u64 | (e.offset_mid as u64) << 16 | (e.offset_hi as u64) << 32;
    (e.ist & 7, addr, e.type_attr & 0x80 != 0)
}
