//! The PVH boot hand-off: `hvm_start_info` (magic 0x336ec578) with the E820-style memory map
//! and the ACPI RSDP address, copied into a plain `BootInfo` before memory is reorganized.
use crate::memory::layout::phys_to_virt;

const PVH_MAGIC: u32 = 0x336e_c578;
pub const MAX_MEMMAP: usize = 64;

#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct MemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// One physical memory region; `kind` 1 is usable RAM (E820 numbering).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemRegion {
    pub start: u64,
    pub size: u64,
    pub kind: u32,
}

pub const MEM_USABLE: u32 = 1;

pub struct BootInfo {
    pub memmap: [MemRegion; MAX_MEMMAP],
    pub memmap_len: usize,
    pub rsdp: u64,
    pub nr_modules: u32,
    pub modlist: u64,
    /// Physical (start, size) of the first PVH module (`qemu -initrd`), if any.
    pub initrd: Option<(u64, u64)>,
}

/// `hvm_modlist_entry` of the PVH ABI.
#[repr(C)]
#[derive(Clone, Copy)]
struct ModlistEntry {
    paddr: u64,
    size: u64,
    cmdline_paddr: u64,
    reserved: u64,
}

const CMDLINE_MAX: usize = 256;
static mut CMDLINE: [u8; CMDLINE_MAX] = [0; CMDLINE_MAX];
static mut CMDLINE_LEN: usize = 0;

/// The kernel command line (`qemu -append`), as far as it is valid UTF-8 and 256 bytes.
pub fn cmdline() -> &'static str {
    // SAFETY: written once by `parse` on the BSP before anything reads it.
    unsafe {
        let bytes = core::slice::from_raw_parts(core::ptr::addr_of!(CMDLINE) as *const u8, CMDLINE_LEN);
        core::str::from_utf8(bytes).unwrap_or("")
    }
}

fn save_cmdline(phys: u64) {
    if phys == 0 {
        return;
    }
    let src = phys_to_virt(phys) as *const u8;
    // SAFETY: a NUL-terminated string in low memory; we stop at NUL or the buffer size, and
    // this runs once on the BSP before any reader.
    unsafe {
        let dst = core::ptr::addr_of_mut!(CMDLINE) as *mut u8;
        let mut n = 0;
        while n < CMDLINE_MAX && *src.add(n) != 0 {
            *dst.add(n) = *src.add(n);
            n += 1;
        }
        CMDLINE_LEN = n;
    }
}

/// Reads the start_info at `phys` (reachable through the boot page tables' first GiB).
pub fn parse(phys: u64) -> BootInfo {
    // SAFETY: QEMU's PVH loader put a start_info there; it lies in the first GiB.
    let si = unsafe { &*(phys_to_virt(phys) as *const StartInfo) };
    if si.magic != PVH_MAGIC {
        panic!("PVH start_info at {:#x} has bad magic {:#x}: boot with qemu -kernel", phys, si.magic);
    }
    save_cmdline(si.cmdline_paddr);
    let mut info = BootInfo {
        memmap: [MemRegion::default(); MAX_MEMMAP],
        memmap_len: 0,
        rsdp: si.rsdp_paddr,
        nr_modules: si.nr_modules,
        modlist: si.modlist_paddr,
        initrd: None,
    };
    if si.nr_modules > 0 && si.modlist_paddr != 0 {
        // SAFETY: nr_modules entries follow modlist_paddr, per the PVH ABI (low memory).
        let m = unsafe { *(phys_to_virt(si.modlist_paddr) as *const ModlistEntry) };
        if m.size > 0 {
            info.initrd = Some((m.paddr, m.size));
        }
    }
    if si.version >= 1 && si.memmap_paddr != 0 {
        let n = (si.memmap_entries as usize).min(MAX_MEMMAP);
        let entries = phys_to_virt(si.memmap_paddr) as *const MemmapEntry;
        for i in 0..n {
            // SAFETY: `n` entries follow memmap_paddr, per the PVH ABI.
            let e = unsafe { *entries.add(i) };
            info.memmap[i] = MemRegion { start: e.addr, size: e.size, kind: e.kind };
        }
        info.memmap_len = n;
    }
    if info.memmap_len == 0 {
        panic!("PVH start_info has no memory map (version {}): need QEMU 4.0+ PVH boot", si.version);
    }
    info
}
