//! Copy-on-write: the COW page bit, fault resolution (reuse when the frame has one reference,
//! otherwise copy), and the fault log the debugger reads through DWARF (`EXO_COW_LOG`,
//! `EXO_COW_HEAD`, `EXO_COW_TOTAL`).
use crate::arch::x86_64::{cpu::InterruptGuard, smp};
use crate::memory::addr::PAGE_SIZE;
use crate::memory::frame;
use crate::memory::paging::{PageTableEntry, PageTableFlags};
use crate::proc::addrspace::{AddressSpace, VmError};
use crate::sync::SpinLock;
use core::ptr::{addr_of, addr_of_mut};

/// THE copy-on-write marker: PTE bit 9 (software-available), defined in paging/entry.rs.
pub const COW_BIT: PageTableFlags = PageTableFlags::COW;

#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CowKind {
    /// A new frame was allocated and the page copied into it.
    Copy = 0,
    /// The frame had no other user: made writable in place.
    Reuse = 1,
}

/// One resolved COW fault.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CowRecord {
    /// 1-based sequence number (= EXO_COW_HEAD after this record was written).
    pub seq: u64,
    pub cpu: u32,
    pub pid: u32,
    /// Page-aligned user address of the faulting page.
    pub vaddr: u64,
    /// User RIP of the write (for kernel writes on behalf of a syscall: the syscall's RIP).
    pub rip: u64,
    pub old_frame: u64,
    pub new_frame: u64,
    /// The old frame's reference count when the fault was resolved.
    pub refcount_before: u32,
    pub kind: CowKind,
}

pub const COW_LOG_LEN: usize = 64;

const EMPTY: CowRecord =
    CowRecord { seq: 0, cpu: 0, pid: 0, vaddr: 0, rip: 0, old_frame: 0, new_frame: 0, refcount_before: 0, kind: CowKind::Copy };

/// Ring of the last COW_LOG_LEN records; the newest is at (EXO_COW_HEAD - 1) % COW_LOG_LEN.
#[no_mangle]
pub static mut EXO_COW_LOG: [CowRecord; COW_LOG_LEN] = [EMPTY; COW_LOG_LEN];
/// Records ever written.
#[no_mangle]
pub static mut EXO_COW_HEAD: u64 = 0;
/// Running total of COW faults resolved (equals EXO_COW_HEAD; kept as the counter).
#[no_mangle]
pub static mut EXO_COW_TOTAL: u64 = 0;

static LOG_LOCK: SpinLock<()> = SpinLock::new(());

fn trace_enabled() -> bool {
    crate::arch::x86_64::pvh::cmdline().split(' ').any(|w| w == "exo.cow.trace")
}

/// Resolves a write to the COW page containing `va` in `space`. Errors with Fault when the
/// page is not a COW page.
pub fn resolve(space: &AddressSpace, va: u64, pid: u32, rip: u64) -> Result<CowKind, VmError> {
    let page = va & !(PAGE_SIZE - 1);
    let e = space.pte(page, false)?;
    // SAFETY: `e` points into the live table of `space` (only its owner process changes it).
    let old = unsafe { *e };
    if !old.is_present() || !old.flags().contains(COW_BIT) {
        return Err(VmError::Fault);
    }
    let flags = (old.flags() | PageTableFlags::WRITABLE) & !COW_BIT;
    let old_frame = old.addr();
    let before = frame::refcount(old_frame).unwrap_or(0) as u32; // #BP:cow_fault
    let (kind, new_frame) = if before <= 1 {
        (CowKind::Reuse, old_frame)
    } else {
        let new = frame::alloc_frame().ok_or(VmError::OutOfFrames)?;
        // SAFETY: both frames are in the direct map; `new` is ours alone.
        unsafe {
            core::ptr::copy_nonoverlapping(old_frame.to_virt().as_u64() as *const u8, new.to_virt().as_mut_ptr::<u8>(), PAGE_SIZE as usize)
        };
        (CowKind::Copy, new)
    };
    // SAFETY: as above.
    unsafe { *e = PageTableEntry::new(new_frame, flags) };
    space.flush(page, 1);
    if kind == CowKind::Copy {
        let _ = frame::dec_ref(old_frame);
    }
    let rec = CowRecord {
        seq: 0,
        cpu: smp::current_cpu_index() as u32,
        pid,
        vaddr: page,
        rip,
        old_frame: old_frame.as_u64(),
        new_frame: new_frame.as_u64(),
        refcount_before: before,
        kind,
    };
    let seq = log(rec);
    if trace_enabled() {
        println!(
            "exo: cow: seq={} cpu={} pid={} vaddr={:#x} kind={} refcount_before={}",
            seq,
            rec.cpu,
            pid,
            page,
            if kind == CowKind::Copy { "copy" } else { "reuse" },
            before
        );
    }
    Ok(kind)
}

fn log(mut rec: CowRecord) -> u64 {
    let _i = InterruptGuard::new();
    let _g = LOG_LOCK.lock();
    // SAFETY: writers are serialized by LOG_LOCK; the debugger reads while the VM is stopped.
    unsafe {
        let head = core::ptr::read_volatile(addr_of!(EXO_COW_HEAD));
        rec.seq = head + 1;
        core::ptr::write_volatile(addr_of_mut!(EXO_COW_LOG[head as usize % COW_LOG_LEN]), rec);
        core::ptr::write_volatile(addr_of_mut!(EXO_COW_HEAD), head + 1);
        let total = core::ptr::read_volatile(addr_of!(EXO_COW_TOTAL));
        core::ptr::write_volatile(addr_of_mut!(EXO_COW_TOTAL), total + 1);
        head + 1
    }
}

/// The running total of COW faults.
pub fn total() -> u64 {
    // SAFETY: an aligned u64 read.
    unsafe { core::ptr::read_volatile(addr_of!(EXO_COW_TOTAL)) }
}

/// A copy of record `seq` (1-based) if it is still in the ring.
pub fn record(seq: u64) -> Option<CowRecord> {
    let _g = LOG_LOCK.lock();
    // SAFETY: read under the lock.
    unsafe {
        let head = core::ptr::read_volatile(addr_of!(EXO_COW_HEAD));
        if seq == 0 || seq > head || head - seq >= COW_LOG_LEN as u64 {
            return None;
        }
        Some(core::ptr::read_volatile(addr_of!(EXO_COW_LOG[(seq - 1) as usize % COW_LOG_LEN])))
    }
}
