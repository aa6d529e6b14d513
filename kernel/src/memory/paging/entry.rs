//! Page-table entries and their flag bits (bit 9, ignored by the CPU, marks copy-on-write).
use crate::memory::addr::PhysAddr;
use core::ops::{BitAnd, BitOr, Not};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct PageTableFlags(u64);

impl PageTableFlags {
    pub const PRESENT: Self = Self(1 << 0);
    pub const WRITABLE: Self = Self(1 << 1);
    pub const USER: Self = Self(1 << 2);
    pub const WRITE_THROUGH: Self = Self(1 << 3);
    pub const NO_CACHE: Self = Self(1 << 4);
    pub const ACCESSED: Self = Self(1 << 5);
    pub const DIRTY: Self = Self(1 << 6);
    pub const HUGE_PAGE: Self = Self(1 << 7);
    pub const GLOBAL: Self = Self(1 << 8);
    /// Software bit: the page is shared copy-on-write (part 2).
    pub const COW: Self = Self(1 << 9);
    pub const NO_EXECUTE: Self = Self(1 << 63);
    const ALL: u64 = 0x8000_0000_0000_0FFF;

    pub const fn empty() -> Self {
        Self(0)
    }
    pub const fn bits(self) -> u64 {
        self.0
    }
    pub const fn from_bits_truncate(v: u64) -> Self {
        Self(v & Self::ALL)
    }
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for PageTableFlags {
    type Output = Self;
    fn bitor(self, o: Self) -> Self {
        Self(self.0 | o.0)
    }
}

impl BitAnd for PageTableFlags {
    type Output = Self;
    fn bitand(self, o: Self) -> Self {
        Self(self.0 & o.0)
    }
}

impl Not for PageTableFlags {
    type Output = Self;
    fn not(self) -> Self {
        Self(!self.0 & Self::ALL)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct PageTableEntry(u64);

const ADDR_MASK: u64 = 0x000F_FFFF_FFFF_F000;

impl PageTableEntry {
    pub const fn empty() -> Self {
        Self(0)
    }
    pub const fn new(addr: PhysAddr, flags: PageTableFlags) -> Self {
        Self((addr.as_u64() & ADDR_MASK) | flags.bits())
    }
    pub const fn raw(self) -> u64 {
        self.0
    }
    pub const fn addr(self) -> PhysAddr {
        PhysAddr::new(self.0 & ADDR_MASK)
    }
    pub const fn flags(self) -> PageTableFlags {
        PageTableFlags::from_bits_truncate(self.0)
    }
    pub const fn is_present(self) -> bool {
        self.0 & 1 != 0
    }
    pub const fn is_huge(self) -> bool {
        self.0 & PageTableFlags::HUGE_PAGE.bits() != 0
    }
}

#[repr(C, align(4096))]
pub struct PageTable {
    pub entries: [PageTableEntry; 512],
}
