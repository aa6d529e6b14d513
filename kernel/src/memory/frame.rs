//! Physical frame allocator over the PVH memory map, with a reference count per 4 KiB frame
//! (copy-on-write in part 2 shares frames between address spaces). A count of 0 is free,
//! Stored biased by one so the table starts all-zero in .bss: 0 = not managed (not RAM, low
//! memory, kernel image), 1 = free, n + 1 = n references.
use super::addr::{PhysAddr, PAGE_SIZE};
use super::layout;
use crate::arch::x86_64::pvh::{BootInfo, MEM_USABLE};
use crate::sync::SpinLock;

/// Physical memory the allocator manages (RAM above it is ignored, with a warning).
pub const MAX_PHYS: u64 = 4 << 30;
const MAX_FRAMES: usize = (MAX_PHYS / PAGE_SIZE) as usize;
const UNMANAGED: u16 = 0;
const FREE: u16 = 1;
/// Below 1 MiB: BIOS data, the AP trampoline at 0x8000, the PVH start_info.
const LOW_RESERVED: u64 = 0x10_0000;

struct FrameTable {
    refcounts: [u16; MAX_FRAMES],
    frames: usize,
    free: usize,
    usable: usize,
    next: usize,
}

static FRAMES: SpinLock<FrameTable> =
    SpinLock::new(FrameTable { refcounts: [UNMANAGED; MAX_FRAMES], frames: 0, free: 0, usable: 0, next: 0 });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    NotManaged,
    NotAllocated,
    Overflow,
}

/// Marks usable RAM from the memory map as free, except low memory and the kernel image.
pub fn init(boot: &BootInfo) {
    let kernel_end = layout::kernel_phys_end();
    let mut t = FRAMES.lock();
    let mut top = 0u64;
    for r in &boot.memmap[..boot.memmap_len] {
        if r.kind != MEM_USABLE {
            continue;
        }
        let start = r.start.max(LOW_RESERVED).max(kernel_end).div_ceil(PAGE_SIZE) * PAGE_SIZE;
        let end = ((r.start + r.size).min(MAX_PHYS) / PAGE_SIZE) * PAGE_SIZE;
        if r.start + r.size > MAX_PHYS {
            println!("exo: memory: ignoring RAM above {:#x}", MAX_PHYS);
        }
        top = top.max(end);
        let mut p = start;
        let (rd_start, rd_end) = boot.initrd.map(|(s, n)| (s, s + n)).unwrap_or((0, 0));
        while p < end {
            // The initrd (PVH module) stays where QEMU put it: the VFS reads it in place.
            if p + PAGE_SIZE > rd_start && p < rd_end {
                p += PAGE_SIZE;
                continue;
            }
            t.refcounts[(p / PAGE_SIZE) as usize] = FREE;
            t.free += 1;
            p += PAGE_SIZE;
        }
    }
    t.frames = (top / PAGE_SIZE) as usize;
    t.usable = t.free;
    t.next = 0;
}

/// Highest usable physical address + 1 (the direct map covers at least this).
pub fn top_of_ram() -> u64 {
    FRAMES.lock().frames as u64 * PAGE_SIZE
}

/// Allocates one zeroed frame with reference count 1.
pub fn alloc_frame() -> Option<PhysAddr> {
    let frame = {
        let mut t = FRAMES.lock();
        let n = t.frames;
        let mut found = None;
        for k in 0..n {
            let i = (t.next + k) % n;
            if t.refcounts[i] == FREE {
                found = Some(i);
                break;
            }
        }
        let i = found?;
        t.refcounts[i] = FREE + 1;
        t.free -= 1;
        t.next = (i + 1) % n;
        PhysAddr::new(i as u64 * PAGE_SIZE)
    };
    // SAFETY: the frame is ours now and reachable through the direct map.
    unsafe { core::ptr::write_bytes(frame.to_virt().as_mut_ptr::<u8>(), 0, PAGE_SIZE as usize) };
    Some(frame)
}

fn index(frame: PhysAddr, t: &FrameTable) -> Result<usize, FrameError> {
    let i = (frame.as_u64() / PAGE_SIZE) as usize;
    if !frame.is_page_aligned() || i >= t.frames || t.refcounts[i] == UNMANAGED {
        return Err(FrameError::NotManaged);
    }
    Ok(i)
}

/// Adds a reference to an allocated frame; returns the new count.
pub fn inc_ref(frame: PhysAddr) -> Result<u16, FrameError> {
    let mut t = FRAMES.lock();
    let i = index(frame, &t)?;
    match t.refcounts[i] {
        FREE => Err(FrameError::NotAllocated),
        u16::MAX => Err(FrameError::Overflow),
        v => {
            t.refcounts[i] = v + 1;
            Ok(v)
        }
    }
}

/// Drops a reference; the frame is free again when the count reaches 0. Returns the new count.
pub fn dec_ref(frame: PhysAddr) -> Result<u16, FrameError> {
    let mut t = FRAMES.lock();
    let i = index(frame, &t)?;
    match t.refcounts[i] {
        FREE => Err(FrameError::NotAllocated),
        v => {
            t.refcounts[i] = v - 1;
            if v - 1 == FREE {
                t.free += 1;
            }
            Ok(v - 2)
        }
    }
}

/// Frees a frame that has exactly one reference (the common, non-shared case).
pub fn free_frame(frame: PhysAddr) -> Result<(), FrameError> {
    dec_ref(frame).map(|_| ())
}

/// The frame's reference count (0 = free).
pub fn refcount(frame: PhysAddr) -> Result<u16, FrameError> {
    let t = FRAMES.lock();
    let i = index(frame, &t)?;
    Ok(t.refcounts[i] - FREE)
}

/// (free frames, usable frames).
pub fn stats() -> (usize, usize) {
    let t = FRAMES.lock();
    (t.free, t.usable)
}
