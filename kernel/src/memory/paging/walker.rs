//! Page-table walker: translates a virtual address through any PML4, reporting the leaf entry
//! (4 KiB, 2 MiB or 1 GiB page) and its flags.
use super::entry::{PageTable, PageTableEntry, PageTableFlags};
use crate::memory::addr::{PhysAddr, VirtAddr};

/// Result of a successful walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    pub phys: PhysAddr,
    /// Flags of the leaf entry.
    pub flags: PageTableFlags,
    /// 4096, 2 MiB or 1 GiB.
    pub page_size: u64,
}

pub struct PageTableWalker {
    pml4: PhysAddr,
}

/// The table at `phys`, through the direct map.
pub(super) fn table(phys: PhysAddr) -> *mut PageTable {
    phys.to_virt().as_mut_ptr()
}

impl PageTableWalker {
    pub const fn new(pml4: PhysAddr) -> Self {
        Self { pml4 }
    }

    /// Walks the tables the calling CPU uses now.
    pub fn current() -> Self {
        Self::new(PhysAddr::new(crate::arch::x86_64::cpu::read_cr3() & 0x000F_FFFF_FFFF_F000))
    }

    /// Finds the leaf entry for `virt` (None when a level is not present).
    pub fn walk(&self, virt: VirtAddr) -> Option<Translation> {
        let mut table_phys = self.pml4;
        for level in (1..=4u32).rev() {
            // SAFETY: table_phys came from a present entry (or CR3) and is in the direct map.
            let entry: PageTableEntry = unsafe { (*table(table_phys)).entries[virt.table_index(level)] };
            if !entry.is_present() {
                return None;
            }
            if level == 1 || (entry.is_huge() && level <= 3) {
                let page_size = 1u64 << (12 + 9 * (level - 1));
                // A huge entry's address field also holds the PAT bit (bit 12): mask it off.
                let base = entry.addr().as_u64() & !(page_size - 1);
                return Some(Translation {
                    phys: PhysAddr::new(base + (virt.as_u64() & (page_size - 1))),
                    flags: entry.flags(),
                    page_size,
                });
            }
            table_phys = entry.addr();
        }
        None
    }

    pub fn get_physical_address(&self, virt: VirtAddr) -> Option<PhysAddr> {
        self.walk(virt).map(|t| t.phys)
    }
}

/// Translates through the calling CPU's current tables.
pub fn get_physical_address(virt: VirtAddr) -> Option<PhysAddr> {
    PageTableWalker::current().get_physical_address(virt)
}
