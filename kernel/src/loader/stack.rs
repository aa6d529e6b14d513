//! The initial user stack (System V x86_64): strings at the top, then 16-byte aligned auxv
//! (AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_NULL), envp, argv and argc at rsp.
use super::elf::Image;
use crate::memory::addr::PAGE_SIZE;
use crate::memory::paging::PageTableFlags;
use crate::proc::addrspace::{AddressSpace, VmError};
use alloc::vec::Vec;

pub const STACK_TOP: u64 = 0x0000_7fff_ffff_0000;
pub const STACK_PAGES: u64 = 16;

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_ENTRY: u64 = 9;

/// Maps the stack and writes the arguments; returns the initial rsp (-> argc).
pub fn build(space: &AddressSpace, img: &Image, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<u64, VmError> {
    let flags = PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    for i in 1..=STACK_PAGES {
        space.map_new(STACK_TOP - i * PAGE_SIZE, flags)?;
    }
    let mut sp = STACK_TOP;
    let mut push_str = |s: &[u8]| -> Result<u64, VmError> {
        sp -= s.len() as u64 + 1;
        space.write(sp, s, 0, 0)?;
        space.write(sp + s.len() as u64, &[0], 0, 0)?;
        Ok(sp)
    };
    let mut argp = Vec::new();
    for a in argv {
        argp.push(push_str(a)?);
    }
    let mut envpp = Vec::new();
    for e in envp {
        envpp.push(push_str(e)?);
    }
    let aux = [
        (AT_PHDR, img.phdr),
        (AT_PHENT, img.phent),
        (AT_PHNUM, img.phnum),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_ENTRY, img.entry),
        (AT_NULL, 0),
    ];
    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend_from_slice(&argp);
    words.push(0);
    words.extend_from_slice(&envpp);
    words.push(0);
    for (k, v) in aux {
        words.push(k);
        words.push(v);
    }
    let mut top = sp & !15;
    if !(top - words.len() as u64 * 8).is_multiple_of(16) {
        top -= 8;
    }
    let rsp = top - words.len() as u64 * 8;
    if STACK_TOP - rsp > STACK_PAGES * PAGE_SIZE / 2 {
        return Err(VmError::Fault); // arguments too large for the stack
    }
    for (i, w) in words.iter().enumerate() {
        space.write(rsp + 8 * i as u64, &w.to_le_bytes(), 0, 0)?;
    }
    Ok(rsp)
}
