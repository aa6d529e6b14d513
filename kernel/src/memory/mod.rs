//! Memory management: physical frames with reference counts, 4-level paging with TLB
//! shootdown, guarded kernel stacks and the kernel heap.
pub mod addr;
pub mod cow;
pub mod frame;
pub mod heap;
pub mod layout;
pub mod paging;
pub mod probe;
pub mod stack;

use crate::arch::x86_64::pvh::BootInfo;

/// Builds the kernel's own page tables (direct map + W^X image), switches to them, then sets
/// up the heap. Runs once on the BSP before any other CPU is started.
pub fn init(boot: &BootInfo) {
    frame::init(boot);
    paging::init_kernel_tables(frame::top_of_ram());
    heap::init();
    let (free, total) = frame::stats();
    println!("exo: memory: {} MiB usable, {} frames free of {}", total * 4 / 1024, free, total);
}
