//! User address spaces: a PML4 whose upper half is the kernel's, user pages below it; fork's
//! copy-on-write clone, teardown, and user memory access through the direct map (so the kernel
//! never touches user virtual addresses, and can fill an address space that is not loaded).
use crate::memory::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use crate::memory::cow;
use crate::memory::frame;
use crate::memory::paging::{kernel_pml4, PageTable, PageTableEntry, PageTableFlags};

/// User addresses are below this (the lower canonical half).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
const USER_PML4_ENTRIES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmError {
    OutOfFrames,
    /// The address is not a mapped user page (or not writable for a write).
    Fault,
}

fn table(p: PhysAddr) -> *mut PageTable {
    p.to_virt().as_mut_ptr()
}

const TABLE_FLAGS: PageTableFlags =
    PageTableFlags::from_bits_truncate(PageTableFlags::PRESENT.bits() | PageTableFlags::WRITABLE.bits() | PageTableFlags::USER.bits());

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressSpace {
    pub pml4: PhysAddr,
}

impl AddressSpace {
    /// A new, empty user address space sharing the kernel half.
    pub fn new() -> Result<Self, VmError> {
        let pml4 = frame::alloc_frame().ok_or(VmError::OutOfFrames)?;
        // SAFETY: both tables are live, in the direct map; the new one is ours.
        unsafe {
            let k = &*table(kernel_pml4());
            let t = &mut *table(pml4);
            t.entries[USER_PML4_ENTRIES..].copy_from_slice(&k.entries[USER_PML4_ENTRIES..]);
        }
        Ok(Self { pml4 })
    }

    /// The leaf entry for `va` (creating the tables when `create`).
    pub fn pte(&self, va: u64, create: bool) -> Result<*mut PageTableEntry, VmError> {
        if va >= USER_END {
            return Err(VmError::Fault);
        }
        let v = VirtAddr::new(va);
        let mut t = self.pml4;
        for level in (2..=4u32).rev() {
            // SAFETY: `t` is a live table reached from our PML4.
            let e = unsafe { &mut (*table(t)).entries[v.table_index(level)] };
            if !e.is_present() {
                if !create {
                    return Err(VmError::Fault);
                }
                let f = frame::alloc_frame().ok_or(VmError::OutOfFrames)?;
                *e = PageTableEntry::new(f, TABLE_FLAGS);
            }
            t = e.addr();
        }
        // SAFETY: as above.
        Ok(unsafe { &mut (*table(t)).entries[v.table_index(1)] as *mut PageTableEntry })
    }

    /// Maps a fresh zeroed frame at `va` (page aligned) with `flags` (+ PRESENT | USER).
    pub fn map_new(&self, va: u64, flags: PageTableFlags) -> Result<PhysAddr, VmError> {
        let e = self.pte(va, true)?;
        // SAFETY: `e` points into our live table.
        unsafe {
            if (*e).is_present() {
                return Ok((*e).addr());
            }
            let f = frame::alloc_frame().ok_or(VmError::OutOfFrames)?;
            *e = PageTableEntry::new(f, flags | PageTableFlags::PRESENT | PageTableFlags::USER);
            Ok(f)
        }
    }

    /// (frame, flags) of the user page containing `va`.
    pub fn translate(&self, va: u64) -> Option<(PhysAddr, PageTableFlags)> {
        let e = self.pte(va & !(PAGE_SIZE - 1), false).ok()?;
        // SAFETY: `e` points into our live table.
        let e = unsafe { *e };
        (e.is_present() && e.flags().contains(PageTableFlags::USER)).then(|| (e.addr(), e.flags()))
    }

    /// Calls `f(va, pte)` for every present user leaf entry.
    fn for_each_leaf(&self, mut f: impl FnMut(u64, &mut PageTableEntry)) {
        fn walk(t: PhysAddr, level: u32, base: u64, f: &mut dyn FnMut(u64, &mut PageTableEntry)) {
            let n = if level == 4 { USER_PML4_ENTRIES } else { 512 };
            for i in 0..n {
                // SAFETY: `t` is a live table of this address space.
                let e = unsafe { &mut (*table(t)).entries[i] };
                if !e.is_present() {
                    continue;
                }
                let va = base | ((i as u64) << (12 + 9 * (level - 1)));
                if level == 1 {
                    f(va, e);
                } else {
                    walk(e.addr(), level - 1, va, f);
                }
            }
        }
        walk(self.pml4, 4, 0, &mut f);
    }

    /// fork: a new address space sharing every user frame. Writable pages become read-only
    /// with the COW bit in both; every shared frame gains a reference. The caller flushes this
    /// (the parent's) TLB.
    pub fn clone_cow(&self) -> Result<Self, VmError> {
        let child = Self::new()?;
        let mut err = None;
        self.for_each_leaf(|va, e| {
            if err.is_some() {
                return;
            }
            let mut flags = e.flags();
            if flags.contains(PageTableFlags::WRITABLE) || flags.contains(cow::COW_BIT) {
                flags = (flags & !PageTableFlags::WRITABLE) | cow::COW_BIT;
                *e = PageTableEntry::new(e.addr(), flags);
            }
            match child.pte(va, true) {
                Ok(ce) => {
                    let _ = frame::inc_ref(e.addr());
                    // SAFETY: `ce` points into the child's live table.
                    unsafe { *ce = PageTableEntry::new(e.addr(), flags) };
                }
                Err(x) => err = Some(x),
            }
        });
        match err {
            Some(e) => {
                child.destroy();
                Err(e)
            }
            None => Ok(child),
        }
    }

    /// Drops every user frame reference and frees the page tables. Must not be loaded on any CPU.
    pub fn destroy(self) {
        self.for_each_leaf(|_, e| {
            let _ = frame::dec_ref(e.addr());
            *e = PageTableEntry::empty();
        });
        fn free_tables(t: PhysAddr, level: u32) {
            let n = if level == 4 { USER_PML4_ENTRIES } else { 512 };
            for i in 0..n {
                // SAFETY: `t` is a live table of the address space being destroyed.
                let e = unsafe { (*table(t)).entries[i] };
                if e.is_present() && level > 1 {
                    if level > 2 {
                        free_tables(e.addr(), level - 1);
                    }
                    let _ = frame::free_frame(e.addr());
                }
            }
        }
        free_tables(self.pml4, 4);
        let _ = frame::free_frame(self.pml4);
    }

    /// Copies user memory at `va` into `out`.
    pub fn read(&self, va: u64, out: &mut [u8]) -> Result<(), VmError> {
        let mut done = 0;
        while done < out.len() {
            let a = va.checked_add(done as u64).ok_or(VmError::Fault)?;
            let (f, _) = self.translate(a).ok_or(VmError::Fault)?;
            let off = a % PAGE_SIZE;
            let n = ((PAGE_SIZE - off) as usize).min(out.len() - done);
            // SAFETY: the frame is mapped in this address space and reachable via the direct map.
            unsafe { core::ptr::copy_nonoverlapping((f.to_virt().as_u64() + off) as *const u8, out[done..].as_mut_ptr(), n) };
            done += n;
        }
        Ok(())
    }

    /// Copies `data` to user memory at `va`; COW pages are resolved first (like a user write
    /// would, logged with `rip`), read-only pages fail.
    pub fn write(&self, va: u64, data: &[u8], pid: u32, rip: u64) -> Result<(), VmError> {
        let mut done = 0;
        while done < data.len() {
            let a = va.checked_add(done as u64).ok_or(VmError::Fault)?;
            let (_, flags) = self.translate(a).ok_or(VmError::Fault)?;
            if !flags.contains(PageTableFlags::WRITABLE) {
                if !flags.contains(cow::COW_BIT) {
                    return Err(VmError::Fault);
                }
                cow::resolve(self, a, pid, rip)?;
            }
            let (f, _) = self.translate(a).ok_or(VmError::Fault)?;
            let off = a % PAGE_SIZE;
            let n = ((PAGE_SIZE - off) as usize).min(data.len() - done);
            // SAFETY: as in `read`; the page is private and writable now.
            unsafe { core::ptr::copy_nonoverlapping(data[done..].as_ptr(), (f.to_virt().as_u64() + off) as *mut u8, n) };
            done += n;
        }
        Ok(())
    }

    /// A NUL-terminated user string of at most `max` bytes.
    pub fn read_cstr(&self, va: u64, max: usize) -> Result<alloc::vec::Vec<u8>, VmError> {
        let mut v = alloc::vec::Vec::new();
        let mut b = [0u8; 1];
        loop {
            self.read(va + v.len() as u64, &mut b)?;
            if b[0] == 0 {
                return Ok(v);
            }
            if v.len() >= max {
                return Err(VmError::Fault);
            }
            v.push(b[0]);
        }
    }

    pub fn read_u64(&self, va: u64) -> Result<u64, VmError> {
        let mut b = [0u8; 8];
        self.read(va, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }
}

/// The user PML4 each CPU has loaded (0 = the kernel's): TLB shootdowns of a user address
/// space go to exactly the CPUs listed here.
static LOADED: [core::sync::atomic::AtomicU64; crate::arch::x86_64::smp::MAX_CPUS] =
    [const { core::sync::atomic::AtomicU64::new(0) }; crate::arch::x86_64::smp::MAX_CPUS];

impl AddressSpace {
    /// Loads this address space on the calling CPU (CR3) and records it.
    pub fn activate(&self) {
        let me = crate::arch::x86_64::smp::current_cpu_index();
        LOADED[me].store(self.pml4.as_u64(), core::sync::atomic::Ordering::SeqCst);
        if crate::arch::x86_64::cpu::read_cr3() & !0xfff != self.pml4.as_u64() {
            // SAFETY: the PML4 maps the kernel half like the kernel's own.
            unsafe { crate::arch::x86_64::cpu::write_cr3(self.pml4.as_u64()) };
        }
    }

    /// CPUs (bit mask) that have this address space loaded.
    pub fn cpus_using(&self) -> u64 {
        let mut m = 0;
        for (i, l) in LOADED.iter().enumerate() {
            if l.load(core::sync::atomic::Ordering::SeqCst) == self.pml4.as_u64() {
                m |= 1 << i;
            }
        }
        m
    }

    /// Flushes `pages` pages from `va` here (if loaded) and on every other CPU using it.
    pub fn flush(&self, va: u64, pages: u64) {
        let me = crate::arch::x86_64::smp::current_cpu_index();
        let mask = self.cpus_using();
        crate::memory::paging::tlb::shootdown_cpus(VirtAddr::new(va), pages, mask & !(1 << me));
        if mask & (1 << me) != 0 {
            crate::memory::paging::invalidate_tlb_range(VirtAddr::new(va), pages);
        }
    }
}

/// Switches the calling CPU to the kernel's page tables (idle, or before freeing a space).
pub fn activate_kernel() {
    let me = crate::arch::x86_64::smp::current_cpu_index();
    LOADED[me].store(0, core::sync::atomic::Ordering::SeqCst);
    let k = kernel_pml4().as_u64();
    if crate::arch::x86_64::cpu::read_cr3() & !0xfff != k {
        // SAFETY: the kernel PML4 maps everything the kernel runs on.
        unsafe { crate::arch::x86_64::cpu::write_cr3(k) };
    }
}
