//! Fault-tolerant reads and writes (asm in probe.S): a page fault at the access returns
//! `Err(fault)` instead of halting, so tests can check that a page is unmapped or read-only.
use crate::arch::x86_64::smp::{current_cpu_index, MAX_CPUS};
use core::sync::atomic::{AtomicU64, Ordering};

#[repr(C)]
struct ProbeResult {
    value: u64,
    faulted: u64,
}

extern "C" {
    fn probe_read_u64(addr: u64) -> ProbeResult;
    fn probe_write_u64(addr: u64, value: u64) -> ProbeResult;
}

/// A page fault caught by a probe: CR2 and the #PF error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageFault {
    pub address: u64,
    pub error_code: u64,
}

impl PageFault {
    pub fn was_present(&self) -> bool {
        self.error_code & 1 != 0
    }
    pub fn was_write(&self) -> bool {
        self.error_code & 2 != 0
    }
}

static LAST_CR2: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];
static LAST_ERROR: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

/// Called by the #PF handler when it redirects a probe.
pub fn record_fault(cr2: u64, error_code: u64) {
    let i = current_cpu_index();
    LAST_CR2[i].store(cr2, Ordering::SeqCst);
    LAST_ERROR[i].store(error_code, Ordering::SeqCst);
}

fn last_fault() -> PageFault {
    let i = current_cpu_index();
    PageFault { address: LAST_CR2[i].load(Ordering::SeqCst), error_code: LAST_ERROR[i].load(Ordering::SeqCst) }
}

/// Reads a u64 at `addr`, or reports the page fault it caused.
pub fn read_u64(addr: u64) -> Result<u64, PageFault> {
    // SAFETY: the probe tolerates unmapped addresses; mapped ones are read as plain memory.
    let r = unsafe { probe_read_u64(addr) };
    if r.faulted != 0 {
        Err(last_fault())
    } else {
        Ok(r.value)
    }
}

/// Writes a u64 at `addr`, or reports the page fault it caused.
///
/// # Safety
/// If the write succeeds it changes memory at `addr`: the caller must own that memory.
pub unsafe fn write_u64(addr: u64, value: u64) -> Result<(), PageFault> {
    let r = probe_write_u64(addr, value);
    if r.faulted != 0 {
        Err(last_fault())
    } else {
        Ok(())
    }
}
