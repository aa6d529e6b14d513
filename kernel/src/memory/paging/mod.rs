//! 4-level x86_64 paging: entry/flag types here, the walker (`walk`, `get_physical_address`),
//! the mapper (`map_page`, `unmap_page`, `protect_page`, ranges) and TLB management.
pub mod entry;
pub mod mapper;
pub mod tlb;
pub mod walker;

pub use entry::{PageTable, PageTableEntry, PageTableFlags};
pub use mapper::{
    is_page_present, map_page, map_range, protect_page, protect_range, unmap_page, unmap_range, MapError, Mapper,
};
pub use tlb::{invalidate_tlb, invalidate_tlb_all, invalidate_tlb_range};
pub use walker::{get_physical_address, PageTableWalker, Translation};

use super::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use super::frame;
use super::layout::{self, DIRECT_MAP_MIN, PHYS_OFFSET};
use core::sync::atomic::{AtomicU64, Ordering};

/// Physical address of the kernel PML4; the APs load it in `ap_entry` (boot.S).
#[no_mangle]
pub static KERNEL_CR3: AtomicU64 = AtomicU64::new(0);

const HUGE_2M: u64 = 2 * 1024 * 1024;

/// Builds the kernel page tables: the direct map of [0, max(4 GiB, RAM)) with 2 MiB pages and
/// the kernel image with 4 KiB pages, W^X per section; then loads them. The boot identity
/// map is gone afterwards (the APs' trampoline still uses the static boot tables).
pub fn init_kernel_tables(top_of_ram: u64) {
    let pml4 = frame::alloc_frame().expect("no frame for the kernel PML4");
    let mapper = Mapper::new(pml4);
    let rw_nx = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    let end = top_of_ram.max(DIRECT_MAP_MIN).div_ceil(HUGE_2M) * HUGE_2M;
    let mut p = 0;
    while p < end {
        mapper
            .map_huge_2m(VirtAddr::new(PHYS_OFFSET + p), PhysAddr::new(p), rw_nx)
            .expect("direct map: out of frames");
        p += HUGE_2M;
    }
    let img = layout::image();
    let rx = PageTableFlags::PRESENT;
    let r = PageTableFlags::PRESENT | PageTableFlags::NO_EXECUTE;
    for (range, flags) in [(img.text, rx), (img.rodata, r), (img.data, rw_nx)] {
        let mut v = range.0;
        while v < range.1 {
            if v == layout::boot_stack_guard() {
                v += PAGE_SIZE;
                continue;
            }
            mapper
                .map_4k_nolock(VirtAddr::new(v), PhysAddr::new(v - layout::KERNEL_OFFSET), flags)
                .expect("kernel image: map failed");
            v += PAGE_SIZE;
        }
    }
    KERNEL_CR3.store(pml4.as_u64(), Ordering::SeqCst);
    // SAFETY: the new tables map the running code (image), the stack (.bss) and the direct map.
    unsafe { crate::arch::x86_64::cpu::write_cr3(pml4.as_u64()) };
}

/// The kernel's PML4 (valid after `init_kernel_tables`).
pub fn kernel_pml4() -> PhysAddr {
    PhysAddr::new(KERNEL_CR3.load(Ordering::Relaxed))
}
