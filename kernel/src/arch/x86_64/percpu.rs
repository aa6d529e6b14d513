//! Per-CPU data reached through GS base: each CPU's GS points at its own `PerCpu`, so
//! `current_index()` is one `mov` and works in interrupt handlers.
use super::cpu::{wrmsr, MSR_GS_BASE};
use super::smp::MAX_CPUS;
use core::arch::asm;
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicBool, Ordering};

#[repr(C)]
pub struct PerCpu {
    /// Points at itself so `gs:[0]` yields a normal pointer.
    self_ptr: u64,
    index: u64,
    /// True while the CPU sits in the idle loop's `hlt` (time accounting).
    pub in_idle: AtomicBool,
}

const EMPTY: PerCpu = PerCpu { self_ptr: 0, index: 0, in_idle: AtomicBool::new(false) };
static mut PERCPU: [PerCpu; MAX_CPUS] = [EMPTY; MAX_CPUS];

/// Points GS base of the calling CPU at slot `index`. First thing every CPU does in Rust.
pub fn init(index: usize) {
    // SAFETY: each CPU initializes only its own slot, before anyone reads it.
    unsafe {
        let p = addr_of_mut!(PERCPU[index]);
        (*p).self_ptr = p as u64;
        (*p).index = index as u64;
        wrmsr(MSR_GS_BASE, p as u64);
    }
}

pub fn current_index() -> usize {
    let v: u64;
    // SAFETY: GS base points at this CPU's PerCpu (set by init before any caller).
    unsafe { asm!("mov {}, gs:[8]", out(reg) v, options(nostack, readonly, preserves_flags)) };
    v as usize
}

pub fn current() -> &'static PerCpu {
    let p: u64;
    // SAFETY: as above; the slot lives forever.
    unsafe {
        asm!("mov {}, gs:[0]", out(reg) p, options(nostack, readonly, preserves_flags));
        &*(p as *const PerCpu)
    }
}

pub fn set_idle(idle: bool) {
    current().in_idle.store(idle, Ordering::Relaxed);
}
