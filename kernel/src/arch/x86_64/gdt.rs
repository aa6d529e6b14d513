//! Per-CPU GDT and TSS. Every CPU gets its own TSS so that each has its own IST stacks:
//! IST1 exceptions, IST2 double fault, IST3 NMI/machine check, IST4 device and IPI interrupts.
//! (core for the host target may use the red zone, so no interrupt may land on the
//! interrupted stack.)
use super::smp::MAX_CPUS;
use crate::memory::stack::alloc_stack;
use core::arch::asm;
use core::ptr::addr_of_mut;

pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;
pub const TSS_SEL: u16 = 0x28;
/// Ring-3 selectors (RPL 3) of the user code and data descriptors.
pub const USER_DS: u16 = 0x18 | 3;
pub const USER_CS: u16 = 0x20 | 3;

pub const IST_EXCEPTION: u8 = 1;
pub const IST_DOUBLE_FAULT: u8 = 2;
pub const IST_NMI: u8 = 3;
pub const IST_IRQ: u8 = 4;
const IST_PAGES: u64 = 8;

#[repr(C, packed(4))]
#[derive(Clone, Copy)]
pub struct Tss {
    reserved0: u32,
    pub rsp: [u64; 3],
    reserved1: u64,
    pub ist: [u64; 7],
    reserved2: u64,
    reserved3: u16,
    iomap_base: u16,
}

const EMPTY_TSS: Tss =
    Tss { reserved0: 0, rsp: [0; 3], reserved1: 0, ist: [0; 7], reserved2: 0, reserved3: 0, iomap_base: 104 };

#[repr(C, align(16))]
#[derive(Clone, Copy)]
struct Gdt([u64; 7]);

static mut GDTS: [Gdt; MAX_CPUS] = [Gdt([0; 7]); MAX_CPUS];
static mut TSSS: [Tss; MAX_CPUS] = [EMPTY_TSS; MAX_CPUS];

#[repr(C, packed)]
struct DescriptorPointer {
    limit: u16,
    base: u64,
}

/// Builds CPU `cpu`'s GDT (null, kernel code/data, user data/code for part 2, TSS) and loads
/// it with fresh segment registers. Needs only the kernel image mapped.
pub fn load(cpu: usize) {
    // SAFETY: each CPU only touches its own slot; the GDT/TSS are in the kernel image.
    unsafe {
        let tss = addr_of_mut!(TSSS[cpu]) as u64;
        let limit = (core::mem::size_of::<Tss>() - 1) as u64;
        let tss_lo = (limit & 0xFFFF)
            | ((tss & 0xFF_FFFF) << 16)
            | (0x89u64 << 40)
            | (((limit >> 16) & 0xF) << 48)
            | (((tss >> 24) & 0xFF) << 56);
        let gdt = addr_of_mut!(GDTS[cpu]);
        (*gdt).0 = [
            0,
            0x00af_9a00_0000_ffff, // 0x08 kernel code, 64-bit
            0x00cf_9200_0000_ffff, // 0x10 kernel data
            0x00cf_f200_0000_ffff, // 0x18 user data
            0x00af_fa00_0000_ffff, // 0x20 user code, 64-bit
            tss_lo,                // 0x28 TSS
            tss >> 32,
        ];
        let ptr = DescriptorPointer { limit: (core::mem::size_of::<Gdt>() - 1) as u16, base: gdt as u64 };
        asm!("lgdt [{}]", in(reg) &ptr, options(readonly, nostack, preserves_flags));
        asm!(
            "push {cs}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ds, {ds:x}",
            "mov es, {ds:x}",
            "mov ss, {ds:x}",
            cs = in(reg) KERNEL_CS as u64,
            ds = in(reg) KERNEL_DS as u64,
            tmp = lateout(reg) _,
        );
    }
}

/// Allocates CPU `cpu`'s IST stacks into its TSS (run by the BSP before starting the CPU).
pub fn prepare_tss(cpu: usize) {
    for ist in [IST_EXCEPTION, IST_DOUBLE_FAULT, IST_NMI, IST_IRQ] {
        let top = alloc_stack(IST_PAGES).as_u64();
        // SAFETY: the CPU owning this TSS is not running yet (or is the caller).
        unsafe { (*addr_of_mut!(TSSS[cpu])).ist[ist as usize - 1] = top };
    }
}

/// Loads the task register (TSS) of CPU `cpu`; its GDT must be loaded.
pub fn load_tss() {
    // SAFETY: the GDT of this CPU has an available TSS descriptor at TSS_SEL.
    unsafe { asm!("ltr {0:x}", in(reg) TSS_SEL, options(nostack, preserves_flags)) };
}

/// Sets the ring-0 stack CPU `cpu` switches to on an interrupt from ring 3 without IST (the
/// syscall gate).
pub fn set_rsp0(cpu: usize, top: u64) {
    // SAFETY: a plain write of a packed field; the CPU reads it only on a ring 3 -> 0 switch.
    unsafe { core::ptr::write_unaligned(core::ptr::addr_of_mut!(TSSS[cpu].rsp[0]), top) };
}

/// The IST stack tops of CPU `cpu` (for tests).
pub fn ist_tops(cpu: usize) -> [u64; 7] {
    // SAFETY: read-only copy of a packed field.
    unsafe { core::ptr::read_unaligned(core::ptr::addr_of!(TSSS[cpu].ist)) }
}
