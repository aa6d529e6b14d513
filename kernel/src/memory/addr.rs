//! Typed addresses: a physical address cannot be passed where a virtual one is expected.
use core::fmt;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct PhysAddr(pub u64);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct VirtAddr(pub u64);

pub const PAGE_SIZE: u64 = 4096;

impl PhysAddr {
    pub const fn new(v: u64) -> Self {
        Self(v)
    }
    pub const fn as_u64(self) -> u64 {
        self.0
    }
    pub const fn is_page_aligned(self) -> bool {
        self.0 % PAGE_SIZE == 0
    }
    /// The address through the direct map of all physical memory.
    pub const fn to_virt(self) -> VirtAddr {
        VirtAddr(super::layout::phys_to_virt(self.0))
    }
}

impl VirtAddr {
    pub const fn new(v: u64) -> Self {
        Self(v)
    }
    pub const fn as_u64(self) -> u64 {
        self.0
    }
    pub const fn is_page_aligned(self) -> bool {
        self.0 % PAGE_SIZE == 0
    }
    pub const fn page_base(self) -> Self {
        Self(self.0 & !(PAGE_SIZE - 1))
    }
    pub const fn add(self, n: u64) -> Self {
        Self(self.0.wrapping_add(n))
    }
    /// Page-table index at `level` (4 = PML4 .. 1 = PT).
    pub const fn table_index(self, level: u32) -> usize {
        ((self.0 >> (12 + 9 * (level - 1))) & 0x1FF) as usize
    }
    pub fn as_mut_ptr<T>(self) -> *mut T {
        self.0 as *mut T
    }
}

impl fmt::Debug for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "PhysAddr({:#x})", self.0)
    }
}

impl fmt::Debug for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "VirtAddr({:#x})", self.0)
    }
}
