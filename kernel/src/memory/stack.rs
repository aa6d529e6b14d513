//! Kernel stacks (per-CPU boot stacks, IST stacks): mapped from fresh frames in STACK_AREA,
//! each with an unmapped guard page below it so an overflow faults instead of corrupting.
use super::addr::{VirtAddr, PAGE_SIZE};
use super::layout::STACK_AREA;
use super::paging::{Mapper, PageTableFlags};
use core::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(STACK_AREA);

/// Allocates a stack of `pages` pages and returns its top (16-byte aligned, grows down).
pub fn alloc_stack(pages: u64) -> VirtAddr {
    let base = NEXT.fetch_add((pages + 1) * PAGE_SIZE, Ordering::SeqCst) + PAGE_SIZE;
    let flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    let mapper = Mapper::kernel();
    for i in 0..pages {
        let f = super::frame::alloc_frame().expect("kernel stack: out of frames");
        mapper.map_page(VirtAddr::new(base + i * PAGE_SIZE), f, flags).expect("kernel stack: map failed");
    }
    VirtAddr::new(base + pages * PAGE_SIZE)
}
