//! Thin wrappers over privileged x86_64 instructions: port I/O, control registers, MSRs,
//! interrupt flag, halting. Everything here is `unsafe` at the instruction level only.
use core::arch::asm;

/// # Safety
/// Port I/O has device side effects; the caller knows the device at `port`.
#[inline]
pub unsafe fn outb(port: u16, v: u8) {
    asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack, preserves_flags));
}

/// # Safety
/// See `outb`.
#[inline]
pub unsafe fn inb(port: u16) -> u8 {
    let v: u8;
    asm!("in al, dx", out("al") v, in("dx") port, options(nomem, nostack, preserves_flags));
    v
}

/// # Safety
/// See `outb`.
#[inline]
pub unsafe fn outl(port: u16, v: u32) {
    asm!("out dx, eax", in("dx") port, in("eax") v, options(nomem, nostack, preserves_flags));
}

pub fn read_cr2() -> u64 {
    let v: u64;
    // SAFETY: reading CR2 has no side effects.
    unsafe { asm!("mov {}, cr2", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

pub fn read_cr3() -> u64 {
    let v: u64;
    // SAFETY: reading CR3 has no side effects.
    unsafe { asm!("mov {}, cr3", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// # Safety
/// `v` must be the physical address of a valid PML4 that maps the running code and stack.
pub unsafe fn write_cr3(v: u64) {
    asm!("mov cr3, {}", in(reg) v, options(nostack, preserves_flags));
}

/// # Safety
/// MSR reads fault on unknown MSRs.
pub unsafe fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags));
    ((hi as u64) << 32) | lo as u64
}

/// # Safety
/// MSR writes change CPU behaviour; the caller knows the MSR.
pub unsafe fn wrmsr(msr: u32, v: u64) {
    asm!("wrmsr", in("ecx") msr, in("eax") v as u32, in("edx") (v >> 32) as u32, options(nostack, preserves_flags));
}

pub const MSR_GS_BASE: u32 = 0xC000_0101;
pub const MSR_APIC_BASE: u32 = 0x1B;

pub fn enable_interrupts() {
    // SAFETY: the IDT is loaded before anyone calls this.
    unsafe { asm!("sti", options(nomem, nostack)) };
}

pub fn disable_interrupts() {
    // SAFETY: clearing IF is always allowed at CPL 0.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

pub fn interrupts_enabled() -> bool {
    let flags: u64;
    // SAFETY: reading RFLAGS through the stack.
    unsafe { asm!("pushfq; pop {}", out(reg) flags, options(nomem, preserves_flags)) };
    flags & 0x200 != 0
}

/// Waits for the next interrupt with interrupts enabled (`sti; hlt` is atomic).
pub fn wait_for_interrupt() {
    // SAFETY: sti's one-instruction shadow makes this race-free.
    unsafe { asm!("sti; hlt", options(nomem, nostack)) };
}

pub fn halt_forever() -> ! {
    loop {
        // SAFETY: stopping this CPU for good.
        unsafe { asm!("cli; hlt", options(nomem, nostack)) };
    }
}

pub fn invlpg(addr: u64) {
    // SAFETY: invalidating a TLB entry is always safe.
    unsafe { asm!("invlpg [{}]", in(reg) addr, options(nostack, preserves_flags)) };
}

pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: rdtsc has no side effects.
    unsafe { asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags)) };
    ((hi as u64) << 32) | lo as u64
}

/// SSE is switched on by the boot stubs (CR0.MP, CR4.OSFXSR/OSXMMEXCPT); this sets a known
/// MXCSR (all exceptions masked) on the calling CPU.
pub fn enable_sse_state() {
    let mxcsr: u32 = 0x1F80;
    // SAFETY: loading the default MXCSR value.
    unsafe { asm!("ldmxcsr [{}]", in(reg) &mxcsr, options(nostack, readonly)) };
}

/// Disables interrupts for its lifetime and restores the previous state on drop.
pub struct InterruptGuard {
    was_enabled: bool,
}

impl InterruptGuard {
    pub fn new() -> Self {
        let was_enabled = interrupts_enabled();
        disable_interrupts();
        Self { was_enabled }
    }
}

impl Default for InterruptGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        if self.was_enabled {
            enable_interrupts();
        }
    }
}
