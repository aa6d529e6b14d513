//! Inter-processor interrupts with the seed's vectors, and a one-slot work mailbox per CPU
//! (`run_on_cpu`) that the idle loop drains after a RESCHEDULE IPI wakes it.
use super::{cpu_info, current_cpu_index, MAX_CPUS};
use crate::arch::x86_64::{apic, pit};
use core::sync::atomic::{AtomicU64, Ordering};

pub const TLB_SHOOTDOWN: u8 = 0xF0;
pub const RESCHEDULE: u8 = 0xF1;
pub const PANIC: u8 = 0xF2;

/// Sends `vector` to the CPU with Local APIC id `apic_id`.
pub fn send_ipi(apic_id: u32, vector: u8) {
    apic::send_ipi(apic_id, vector);
}

/// Sends `vector` to the CPU with kernel index `index`.
pub fn send_ipi_to_cpu(index: usize, vector: u8) {
    send_ipi(cpu_info(index).apic_id, vector);
}

/// Pending work per CPU: a `fn()` as u64 (0 = none).
static WORK: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];
static DONE: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunError {
    Busy,
    NotOnline,
    Timeout,
}

/// Runs `f` on CPU `index` (from its idle loop) and waits up to `timeout_ms` for it.
pub fn run_on_cpu(index: usize, f: fn(), timeout_ms: u64) -> Result<(), RunError> {
    if super::online_mask() & (1 << index) == 0 {
        return Err(RunError::NotOnline);
    }
    let before = DONE[index].load(Ordering::SeqCst);
    WORK[index].compare_exchange(0, f as *const () as u64, Ordering::SeqCst, Ordering::SeqCst).map_err(|_| RunError::Busy)?;
    send_ipi_to_cpu(index, RESCHEDULE);
    let deadline = pit::deadline_ms(timeout_ms);
    while DONE[index].load(Ordering::SeqCst) == before {
        if pit::past(deadline) {
            return Err(RunError::Timeout);
        }
        core::hint::spin_loop();
    }
    Ok(())
}

/// Called by the idle loop: runs this CPU's queued work, if any.
pub fn run_pending_work() {
    let me = current_cpu_index();
    let w = WORK[me].swap(0, Ordering::SeqCst);
    if w != 0 {
        // SAFETY: only run_on_cpu stores values here, and they are `fn()` pointers.
        let f: fn() = unsafe { core::mem::transmute::<usize, fn()>(w as usize) };
        f();
        DONE[me].fetch_add(1, Ordering::SeqCst);
    }
}

pub fn has_pending_work() -> bool {
    WORK[current_cpu_index()].load(Ordering::SeqCst) != 0
}

/// Stops every other online CPU (used on panic).
pub fn broadcast_panic() {
    if !apic::is_initialized() {
        return;
    }
    let me = current_cpu_index();
    let mask = super::online_mask() & !(1u64 << me);
    for i in 0..MAX_CPUS {
        if mask & (1u64 << i) != 0 {
            send_ipi_to_cpu(i, PANIC);
        }
    }
}
