//! ELF64 loader: validates the header (magic, class, data, machine, type), rejects PT_INTERP,
//! maps each PT_LOAD with its own R/W/X permissions, copies file bytes and zeroes the BSS.
use crate::memory::addr::PAGE_SIZE;
use crate::memory::paging::PageTableFlags;
use crate::proc::addrspace::{AddressSpace, USER_END};

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const EM_X86_64: u16 = 62;
const ET_EXEC: u16 = 2;
/// Lowest address a segment may use (page 0 stays unmapped: null pointers fault).
const MIN_VADDR: u64 = 0x10000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfError {
    TooShort,
    BadMagic,
    NotElf64,
    NotLittleEndian,
    WrongMachine(u16),
    NotExecutable(u16),
    BadProgramHeaders,
    /// Dynamically linked: Exo-OS has no program interpreter.
    HasInterpreter,
    BadSegment(u64),
    NoLoadableSegment,
    OutOfMemory,
}

/// What the stack builder and the process need from a loaded image.
#[derive(Debug, Clone, Copy)]
pub struct Image {
    pub entry: u64,
    /// User address of the program headers (AT_PHDR), 0 if not loaded.
    pub phdr: u64,
    pub phent: u64,
    pub phnum: u64,
    /// End of the highest segment, page aligned: the initial program break.
    pub brk: u64,
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap_or([0; 4]))
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or([0; 8]))
}

struct Phdr {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

/// Checks the ELF header and returns the program headers.
fn headers(b: &[u8]) -> Result<(u64, u64, alloc::vec::Vec<Phdr>), ElfError> {
    if b.len() < 64 {
        return Err(ElfError::TooShort);
    }
    if &b[..4] != b"\x7fELF" {
        return Err(ElfError::BadMagic);
    }
    if b[4] != 2 {
        return Err(ElfError::NotElf64);
    }
    if b[5] != 1 {
        return Err(ElfError::NotLittleEndian);
    }
    let machine = u16_at(b, 18);
    if machine != EM_X86_64 {
        return Err(ElfError::WrongMachine(machine));
    }
    let kind = u16_at(b, 16);
    if kind != ET_EXEC {
        return Err(ElfError::NotExecutable(kind));
    }
    let entry = u64_at(b, 24);
    let phoff = u64_at(b, 32) as usize;
    let phentsize = u16_at(b, 54) as usize;
    let phnum = u16_at(b, 56) as usize;
    if phentsize < 56 || phnum == 0 || phnum > 64 || phoff.checked_add(phentsize * phnum).is_none_or(|e| e > b.len()) {
        return Err(ElfError::BadProgramHeaders);
    }
    let mut v = alloc::vec::Vec::new();
    for i in 0..phnum {
        let o = phoff + i * phentsize;
        v.push(Phdr {
            kind: u32_at(b, o),
            flags: u32_at(b, o + 4),
            offset: u64_at(b, o + 8),
            vaddr: u64_at(b, o + 16),
            filesz: u64_at(b, o + 32),
            memsz: u64_at(b, o + 40),
        });
    }
    Ok((entry, phoff as u64, v))
}

/// Loads `b` into the (empty) address space `space`.
pub fn load(space: &AddressSpace, b: &[u8]) -> Result<Image, ElfError> {
    let (entry, phoff, phdrs) = headers(b)?;
    if phdrs.iter().any(|p| p.kind == PT_INTERP) {
        return Err(ElfError::HasInterpreter);
    }
    let mut brk = 0;
    let mut phdr_va = 0;
    let mut loaded = false;
    for p in phdrs.iter().filter(|p| p.kind == PT_LOAD) {
        let end = p.vaddr.checked_add(p.memsz).ok_or(ElfError::BadSegment(p.vaddr))?;
        if p.vaddr < MIN_VADDR || end > USER_END || p.filesz > p.memsz || p.offset.checked_add(p.filesz).is_none_or(|e| e > b.len() as u64) {
            return Err(ElfError::BadSegment(p.vaddr));
        }
        let mut flags = PageTableFlags::empty();
        if p.flags & PF_W != 0 {
            flags = flags | PageTableFlags::WRITABLE;
        }
        if p.flags & PF_X == 0 {
            flags = flags | PageTableFlags::NO_EXECUTE;
        }
        let mut page = p.vaddr & !(PAGE_SIZE - 1);
        while page < end {
            let f = space.map_new(page, flags).map_err(|_| ElfError::OutOfMemory)?;
            // Copy the part of the file that falls into this page; the rest stays zero (BSS).
            let lo = page.max(p.vaddr);
            let hi = (page + PAGE_SIZE).min(p.vaddr + p.filesz);
            if hi > lo {
                let src = &b[(p.offset + (lo - p.vaddr)) as usize..(p.offset + (hi - p.vaddr)) as usize];
                // SAFETY: the frame is ours (just mapped), reached via the direct map.
                unsafe {
                    core::ptr::copy_nonoverlapping(src.as_ptr(), (f.to_virt().as_u64() + (lo - page)) as *mut u8, src.len())
                };
            }
            page += PAGE_SIZE;
        }
        if p.offset <= phoff && phoff < p.offset + p.filesz {
            phdr_va = p.vaddr + (phoff - p.offset);
        }
        brk = brk.max(end.div_ceil(PAGE_SIZE) * PAGE_SIZE);
        loaded = true;
    }
    if let Some(p) = phdrs.iter().find(|p| p.kind == PT_PHDR) {
        phdr_va = p.vaddr;
    }
    if !loaded {
        return Err(ElfError::NoLoadableSegment);
    }
    if !(MIN_VADDR..USER_END).contains(&entry) {
        return Err(ElfError::BadSegment(entry));
    }
    Ok(Image { entry, phdr: phdr_va, phent: 56, phnum: phdrs.len() as u64, brk })
}
