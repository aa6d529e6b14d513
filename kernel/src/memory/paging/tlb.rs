//! TLB management: local invalidation (`invlpg`, CR3 reload, ranges with a full flush above
//! 64 pages) and the cross-CPU shootdown through the TLB_SHOOTDOWN IPI (0xF0).
use crate::arch::x86_64::{cpu, smp};
use crate::memory::addr::{VirtAddr, PAGE_SIZE};
use crate::sync::SpinLock;
use core::sync::atomic::{AtomicU64, Ordering};

/// Above this many pages a range flush reloads CR3 instead of looping over `invlpg`.
pub const FULL_FLUSH_THRESHOLD: u64 = 64;

/// Counters (all CPUs) the tests and the debugger can read.
pub static PAGE_FLUSHES: AtomicU64 = AtomicU64::new(0);
pub static FULL_FLUSHES: AtomicU64 = AtomicU64::new(0);

pub fn invalidate_tlb(addr: VirtAddr) {
    PAGE_FLUSHES.fetch_add(1, Ordering::Relaxed);
    cpu::invlpg(addr.as_u64());
}

pub fn invalidate_tlb_all() {
    FULL_FLUSHES.fetch_add(1, Ordering::Relaxed);
    // SAFETY: reloading the current CR3 only drops non-global TLB entries.
    unsafe { cpu::write_cr3(cpu::read_cr3()) };
}

pub fn invalidate_tlb_range(start: VirtAddr, num_pages: u64) {
    if num_pages > FULL_FLUSH_THRESHOLD {
        invalidate_tlb_all();
    } else {
        for i in 0..num_pages {
            invalidate_tlb(start.add(i * PAGE_SIZE));
        }
    }
}

struct Request {
    start: AtomicU64,
    pages: AtomicU64,
    /// Bit i set: CPU i has not flushed yet.
    pending: AtomicU64,
}

static REQUEST: Request = Request { start: AtomicU64::new(0), pages: AtomicU64::new(0), pending: AtomicU64::new(0) };
static SHOOTDOWN_LOCK: SpinLock<()> = SpinLock::new(());
// Generous: a vCPU thread of a loaded 2-core host can be descheduled for a long while.
const SHOOTDOWN_TIMEOUT_MS: u64 = 10_000;

/// Flushes the range here and on every other online CPU, and waits until they all did.
pub fn shootdown(start: VirtAddr, num_pages: u64) {
    invalidate_tlb_range(start, num_pages);
    let me = smp::current_cpu_index();
    shootdown_cpus(start, num_pages, smp::online_mask() & !(1u64 << me));
}

/// Flushes the range on the CPUs of `targets` (not the caller: it flushes its own) and waits
/// until they all did. User address spaces use it with the CPUs that have them loaded.
pub fn shootdown_cpus(start: VirtAddr, num_pages: u64, targets: u64) {
    let targets = targets & smp::online_mask() & !(1u64 << smp::current_cpu_index());
    if targets == 0 || num_pages == 0 {
        return;
    }
    let _g = SHOOTDOWN_LOCK.lock();
    REQUEST.start.store(start.as_u64(), Ordering::SeqCst);
    REQUEST.pages.store(num_pages, Ordering::SeqCst);
    REQUEST.pending.store(targets, Ordering::SeqCst);
    for cpu_index in 0..64 {
        if targets & (1u64 << cpu_index) != 0 {
            smp::send_ipi_to_cpu(cpu_index, smp::ipi::TLB_SHOOTDOWN);
        }
    }
    let deadline = crate::arch::x86_64::pit::deadline_ms(SHOOTDOWN_TIMEOUT_MS);
    while REQUEST.pending.load(Ordering::SeqCst) != 0 {
        if crate::arch::x86_64::pit::past(deadline) {
            panic!(
                "TLB shootdown of {:#x} (+{} pages) timed out: CPUs {:#x} did not answer",
                start.as_u64(),
                num_pages,
                REQUEST.pending.load(Ordering::SeqCst)
            );
        }
        core::hint::spin_loop();
    }
}

/// TLB_SHOOTDOWN IPI handler body: flush the requested range and acknowledge.
pub fn handle_shootdown_ipi() {
    let me = smp::current_cpu_index();
    let start = VirtAddr::new(REQUEST.start.load(Ordering::SeqCst));
    let pages = REQUEST.pages.load(Ordering::SeqCst);
    invalidate_tlb_range(start, pages);
    smp::this_cpu_info().tlb_shootdowns.fetch_add(1, Ordering::Relaxed);
    REQUEST.pending.fetch_and(!(1u64 << me), Ordering::SeqCst);
}
