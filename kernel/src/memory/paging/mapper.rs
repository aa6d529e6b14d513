//! Changes mappings: `map_page`, `unmap_page`, `protect_page`, `is_page_present` and the
//! range helpers. Removing or restricting a mapping flushes the local TLB and shoots the
//! entry down on every other online CPU (kernel mappings are shared by all CPUs).
use super::entry::{PageTableEntry, PageTableFlags};
use super::tlb;
use super::walker::{table, PageTableWalker};
use crate::memory::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use crate::memory::frame;
use crate::sync::SpinLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    Unaligned,
    AlreadyMapped,
    NotMapped,
    /// A 2 MiB/1 GiB page covers the address; 4 KiB operations cannot split it.
    HugePage,
    OutOfFrames,
}

/// Serializes page-table changes. Taken with interrupts enabled so that a CPU waiting here
/// still answers TLB shootdown IPIs.
static PAGING_LOCK: SpinLock<()> = SpinLock::new(());

#[derive(Clone, Copy)]
pub struct Mapper {
    pml4: PhysAddr,
}

impl Mapper {
    pub const fn new(pml4: PhysAddr) -> Self {
        Self { pml4 }
    }

    /// The kernel address space (shared by all CPUs).
    pub fn kernel() -> Self {
        Self::new(super::kernel_pml4())
    }

    pub fn walker(&self) -> PageTableWalker {
        PageTableWalker::new(self.pml4)
    }

    /// Pointer to the entry for `virt` at `level`, creating missing tables when `create`.
    fn entry(&self, virt: VirtAddr, level: u32, create: bool, user: bool) -> Result<*mut PageTableEntry, MapError> {
        let mut table_phys = self.pml4;
        for l in ((level + 1)..=4u32).rev() {
            // SAFETY: every table reached is present and lies in the direct map.
            let e = unsafe { &mut (*table(table_phys)).entries[virt.table_index(l)] };
            if !e.is_present() {
                if !create {
                    return Err(MapError::NotMapped);
                }
                let t = frame::alloc_frame().ok_or(MapError::OutOfFrames)?;
                let mut f = PageTableFlags::PRESENT | PageTableFlags::WRITABLE;
                if user {
                    f = f | PageTableFlags::USER;
                }
                *e = PageTableEntry::new(t, f);
            } else if e.is_huge() {
                return Err(MapError::HugePage);
            } else if user && !e.flags().contains(PageTableFlags::USER) {
                *e = PageTableEntry::new(e.addr(), e.flags() | PageTableFlags::USER);
            }
            table_phys = e.addr();
        }
        // SAFETY: as above.
        Ok(unsafe { &mut (*table(table_phys)).entries[virt.table_index(level)] as *mut PageTableEntry })
    }

    /// Maps one 2 MiB page (used for the direct map at boot).
    pub fn map_huge_2m(&self, virt: VirtAddr, phys: PhysAddr, flags: PageTableFlags) -> Result<(), MapError> {
        let e = self.entry(virt, 2, true, false)?;
        // SAFETY: `e` points into a live page table.
        unsafe { *e = PageTableEntry::new(phys, flags | PageTableFlags::PRESENT | PageTableFlags::HUGE_PAGE) };
        Ok(())
    }

    /// map_page without the lock, for boot (before other CPUs exist).
    pub fn map_4k_nolock(&self, virt: VirtAddr, phys: PhysAddr, flags: PageTableFlags) -> Result<(), MapError> {
        if !virt.is_page_aligned() || !phys.is_page_aligned() {
            return Err(MapError::Unaligned);
        }
        let e = self.entry(virt, 1, true, flags.contains(PageTableFlags::USER))?;
        // SAFETY: `e` points into a live page table.
        unsafe {
            if (*e).is_present() {
                return Err(MapError::AlreadyMapped);
            }
            *e = PageTableEntry::new(phys, flags | PageTableFlags::PRESENT);
        }
        Ok(())
    }

    /// Maps the 4 KiB page at `virt` to `phys`.
    pub fn map_page(&self, virt: VirtAddr, phys: PhysAddr, flags: PageTableFlags) -> Result<(), MapError> {
        let _g = PAGING_LOCK.lock();
        self.map_4k_nolock(virt, phys, flags)?;
        // Not-present entries are not cached as such, but paging-structure caches may be.
        tlb::invalidate_tlb(virt);
        Ok(())
    }

    fn leaf(&self, virt: VirtAddr) -> Result<*mut PageTableEntry, MapError> {
        if !virt.is_page_aligned() {
            return Err(MapError::Unaligned);
        }
        let e = self.entry(virt, 1, false, false)?;
        // SAFETY: `e` points into a live page table.
        if unsafe { !(*e).is_present() } {
            return Err(MapError::NotMapped);
        }
        Ok(e)
    }

    fn unmap_nolock(&self, virt: VirtAddr) -> Result<PhysAddr, MapError> {
        let e = self.leaf(virt)?;
        // SAFETY: `e` points into a live page table.
        unsafe {
            let phys = (*e).addr();
            *e = PageTableEntry::empty();
            Ok(phys)
        }
    }

    fn protect_nolock(&self, virt: VirtAddr, flags: PageTableFlags) -> Result<(), MapError> {
        let e = self.leaf(virt)?;
        // SAFETY: `e` points into a live page table.
        unsafe { *e = PageTableEntry::new((*e).addr(), flags | PageTableFlags::PRESENT) };
        Ok(())
    }

    /// Unmaps the 4 KiB page at `virt` and returns the frame it mapped (the caller owns it).
    pub fn unmap_page(&self, virt: VirtAddr) -> Result<PhysAddr, MapError> {
        let _g = PAGING_LOCK.lock();
        let phys = self.unmap_nolock(virt)?;
        tlb::shootdown(virt, 1);
        Ok(phys)
    }

    /// Replaces the flags of the page at `virt` (PRESENT is implied).
    pub fn protect_page(&self, virt: VirtAddr, flags: PageTableFlags) -> Result<(), MapError> {
        let _g = PAGING_LOCK.lock();
        self.protect_nolock(virt, flags)?;
        tlb::shootdown(virt, 1);
        Ok(())
    }

    /// Points an existing 4 KiB mapping at another frame WITHOUT any TLB flush. Only for
    /// tests that check the flush paths (a stale translation is the point).
    pub fn retarget_no_flush(&self, virt: VirtAddr, phys: PhysAddr) -> Result<(), MapError> {
        let _g = PAGING_LOCK.lock();
        let e = self.leaf(virt)?;
        // SAFETY: `e` points into a live page table.
        unsafe { *e = PageTableEntry::new(phys, (*e).flags()) };
        Ok(())
    }

    pub fn is_page_present(&self, virt: VirtAddr) -> bool {
        self.walker().walk(virt).is_some()
    }

    /// Maps `pages` pages from `virt` to the contiguous frames from `phys`; all or nothing.
    pub fn map_range(&self, virt: VirtAddr, phys: PhysAddr, pages: u64, flags: PageTableFlags) -> Result<(), MapError> {
        let _g = PAGING_LOCK.lock();
        for i in 0..pages {
            let off = i * PAGE_SIZE;
            if let Err(e) = self.map_4k_nolock(virt.add(off), PhysAddr::new(phys.as_u64() + off), flags) {
                for j in 0..i {
                    let _ = self.unmap_nolock(virt.add(j * PAGE_SIZE));
                }
                tlb::shootdown(virt, i);
                return Err(e);
            }
        }
        tlb::invalidate_tlb_range(virt, pages);
        Ok(())
    }

    /// Unmaps every mapped page of the range (frames are left to the caller); one flush and
    /// one shootdown for the whole range. Returns how many pages were mapped.
    pub fn unmap_range(&self, virt: VirtAddr, pages: u64) -> Result<u64, MapError> {
        if !virt.is_page_aligned() {
            return Err(MapError::Unaligned);
        }
        let _g = PAGING_LOCK.lock();
        let mut n = 0;
        for i in 0..pages {
            match self.unmap_nolock(virt.add(i * PAGE_SIZE)) {
                Ok(_) => n += 1,
                Err(MapError::NotMapped) => {}
                Err(e) => return Err(e),
            }
        }
        tlb::shootdown(virt, pages);
        Ok(n)
    }

    /// Changes the flags of every page of the range; fails on the first unmapped page.
    pub fn protect_range(&self, virt: VirtAddr, pages: u64, flags: PageTableFlags) -> Result<(), MapError> {
        let _g = PAGING_LOCK.lock();
        let mut result = Ok(());
        let mut done = 0;
        for i in 0..pages {
            if let Err(e) = self.protect_nolock(virt.add(i * PAGE_SIZE), flags) {
                result = Err(e);
                break;
            }
            done += 1;
        }
        tlb::shootdown(virt, done);
        result
    }
}

pub fn map_page(virt: VirtAddr, phys: PhysAddr, flags: PageTableFlags) -> Result<(), MapError> {
    Mapper::kernel().map_page(virt, phys, flags)
}

pub fn unmap_page(virt: VirtAddr) -> Result<PhysAddr, MapError> {
    Mapper::kernel().unmap_page(virt)
}

pub fn protect_page(virt: VirtAddr, flags: PageTableFlags) -> Result<(), MapError> {
    Mapper::kernel().protect_page(virt, flags)
}

pub fn is_page_present(virt: VirtAddr) -> bool {
    Mapper::kernel().is_page_present(virt)
}

pub fn map_range(virt: VirtAddr, phys: PhysAddr, pages: u64, flags: PageTableFlags) -> Result<(), MapError> {
    Mapper::kernel().map_range(virt, phys, pages, flags)
}

pub fn unmap_range(virt: VirtAddr, pages: u64) -> Result<u64, MapError> {
    Mapper::kernel().unmap_range(virt, pages)
}

pub fn protect_range(virt: VirtAddr, pages: u64, flags: PageTableFlags) -> Result<(), MapError> {
    Mapper::kernel().protect_range(virt, pages, flags)
}
