//! In-QEMU tests of part 2's kernel pieces without user programs: COW resolution (copy, reuse,
//! refcounts, the log), the TLB shootdown of a user address space loaded on another CPU, the
//! ELF loader's rejections (and a mutation run that must never panic), and the cpio parser.
use super::{check, TestResult};
use crate::arch::x86_64::smp;
use crate::fs::cpio;
use crate::loader::elf::{self, ElfError};
use crate::memory::addr::PAGE_SIZE;
use crate::memory::cow::{self, CowKind};
use crate::memory::frame;
use crate::memory::paging::PageTableFlags as F;
use crate::proc::addrspace::{self, AddressSpace};
use alloc::format;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

const VA: u64 = 0x0000_0000_0060_0000;
const RUN_TIMEOUT_MS: u64 = 10_000;

fn ptr_of(space: &AddressSpace, va: u64) -> Result<*mut u64, alloc::string::String> {
    let (f, _) = space.translate(va).ok_or("not mapped")?;
    Ok((f.to_virt().as_u64() + va % PAGE_SIZE) as *mut u64)
}

/// fork's clone shares the frame (COW in both), the child's write copies, the parent's then
/// reuses; refcounts, contents, log records and the free-frame count all check out.
pub fn cow_copy_then_reuse() -> TestResult {
    let free0 = frame::stats().0;
    let parent = AddressSpace::new().map_err(|e| format!("{:?}", e))?;
    parent.map_new(VA, F::WRITABLE | F::NO_EXECUTE).map_err(|e| format!("{:?}", e))?;
    // SAFETY: our own frame through the direct map.
    unsafe { ptr_of(&parent, VA)?.write_volatile(0x1111) };
    let child = parent.clone_cow().map_err(|e| format!("{:?}", e))?;
    let (f, pflags) = parent.translate(VA).ok_or("parent lost the page")?;
    let (cf, cflags) = child.translate(VA).ok_or("child lacks the page")?;
    check!(f == cf, "not shared: {:?} vs {:?}", f, cf);
    for fl in [pflags, cflags] {
        check!(fl.contains(cow::COW_BIT) && !fl.contains(F::WRITABLE), "flags {:#x}", fl.bits());
    }
    check!(frame::refcount(f) == Ok(2), "refcount {:?}", frame::refcount(f));
    let head0 = cow::total();
    check!(cow::resolve(&child, VA + 8, 77, 0x1234) == Ok(CowKind::Copy), "child write not a copy");
    let (nf, nflags) = child.translate(VA).ok_or("child lost the page")?;
    check!(nf != f && nflags.contains(F::WRITABLE) && !nflags.contains(cow::COW_BIT), "child mapping {:?} {:#x}", nf, nflags.bits());
    // SAFETY: reading/writing frames we own through the direct map.
    unsafe {
        check!(ptr_of(&child, VA)?.read_volatile() == 0x1111, "copy lost the contents");
        ptr_of(&child, VA)?.write_volatile(0x2222);
        check!(ptr_of(&parent, VA)?.read_volatile() == 0x1111, "the child's write reached the parent");
    }
    check!(frame::refcount(f) == Ok(1) && frame::refcount(nf) == Ok(1), "refcounts {:?} {:?}", frame::refcount(f), frame::refcount(nf));
    check!(cow::resolve(&parent, VA, 78, 0x5678) == Ok(CowKind::Reuse), "parent write not a reuse");
    check!(parent.translate(VA).map(|t| t.0) == Some(f), "reuse must keep the frame");
    check!(cow::resolve(&parent, VA, 78, 0) == Err(addrspace::VmError::Fault), "a writable page is no COW fault");
    check!(cow::total() == head0 + 2, "total {} -> {}", head0, cow::total());
    let a = cow::record(head0 + 1).ok_or("record 1 missing")?;
    let b = cow::record(head0 + 2).ok_or("record 2 missing")?;
    check!(a.kind == CowKind::Copy && a.pid == 77 && a.vaddr == VA && a.rip == 0x1234 && a.refcount_before == 2, "{:?}", a);
    check!(a.old_frame == f.as_u64() && a.new_frame == nf.as_u64() && a.seq == head0 + 1, "{:?}", a);
    check!(b.kind == CowKind::Reuse && b.pid == 78 && b.refcount_before == 1 && b.new_frame == b.old_frame, "{:?}", b);
    check!(a.cpu == smp::current_cpu_index() as u32, "cpu {}", a.cpu);
    child.destroy();
    parent.destroy();
    check!(frame::stats().0 == free0, "frames leaked: {} free before, {} after", free0, frame::stats().0);
    Ok(())
}

static SHOOT_PML4: AtomicU64 = AtomicU64::new(0);
static SHOOT_SEEN: AtomicU64 = AtomicU64::new(0);

fn load_and_read() {
    let space = AddressSpace { pml4: crate::memory::addr::PhysAddr::new(SHOOT_PML4.load(Ordering::SeqCst)) };
    space.activate();
    // SAFETY: VA is mapped (user, present) in the address space just loaded.
    SHOOT_SEEN.store(unsafe { (VA as *const u64).read_volatile() }, Ordering::SeqCst);
}

fn read_and_unload() {
    // SAFETY: as above; the address space is still loaded here.
    SHOOT_SEEN.store(unsafe { (VA as *const u64).read_volatile() }, Ordering::SeqCst);
    addrspace::activate_kernel();
}

/// A user address space loaded on another CPU (which cached the translation): resolving a COW
/// fault remaps the page, and that CPU must see the new frame, not its stale TLB entry.
pub fn cow_shootdown_other_cpu() -> TestResult {
    if smp::cpu_count() < 2 {
        return Ok(()); // one CPU: no other TLB to shoot down
    }
    for target in 1..smp::cpu_count() {
        let space = AddressSpace::new().map_err(|e| format!("{:?}", e))?;
        space.map_new(VA, F::WRITABLE | F::NO_EXECUTE).map_err(|e| format!("{:?}", e))?;
        // SAFETY: our own frame.
        unsafe { ptr_of(&space, VA)?.write_volatile(0xAAAA) };
        SHOOT_PML4.store(space.pml4.as_u64(), Ordering::SeqCst);
        smp::run_on_cpu(target, load_and_read, RUN_TIMEOUT_MS).map_err(|e| format!("{:?}", e))?;
        check!(SHOOT_SEEN.load(Ordering::SeqCst) == 0xAAAA, "CPU {} first read {:#x}", target, SHOOT_SEEN.load(Ordering::SeqCst));
        check!(space.cpus_using() == 1 << target, "cpus_using {:#x}", space.cpus_using());
        // Share the frame as fork would, so the fault copies to a new frame.
        let e = space.pte(VA, false).map_err(|e| format!("{:?}", e))?;
        let old = space.translate(VA).ok_or("unmapped")?.0;
        frame::inc_ref(old).map_err(|e| format!("{:?}", e))?;
        // SAFETY: `e` is in the live table; the other CPU only reads through it.
        unsafe { *e = crate::memory::paging::PageTableEntry::new(old, ((*e).flags() & !F::WRITABLE) | cow::COW_BIT) };
        let shot = smp::cpu_info(target).tlb_shootdowns.load(Ordering::SeqCst);
        check!(cow::resolve(&space, VA, 99, 0) == Ok(CowKind::Copy), "not a copy");
        check!(smp::cpu_info(target).tlb_shootdowns.load(Ordering::SeqCst) > shot, "CPU {} got no shootdown", target);
        // SAFETY: the new private frame.
        unsafe { ptr_of(&space, VA)?.write_volatile(0xBBBB) };
        smp::run_on_cpu(target, read_and_unload, RUN_TIMEOUT_MS).map_err(|e| format!("{:?}", e))?;
        check!(SHOOT_SEEN.load(Ordering::SeqCst) == 0xBBBB, "CPU {} read {:#x} (stale TLB)", target, SHOOT_SEEN.load(Ordering::SeqCst));
        check!(space.cpus_using() == 0, "still loaded somewhere: {:#x}", space.cpus_using());
        frame::dec_ref(old).map_err(|e| format!("{:?}", e))?;
        space.destroy();
    }
    Ok(())
}

/// A minimal valid ELF64 x86_64 executable: one R+X PT_LOAD at 0x400000 with 16 bytes of code.
fn tiny_elf() -> Vec<u8> {
    let mut b = alloc::vec![0u8; 64 + 56 + 16];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 1;
    b[6] = 1;
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&62u16.to_le_bytes());
    b[24..32].copy_from_slice(&0x400078u64.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes());
    b[54..56].copy_from_slice(&56u16.to_le_bytes());
    b[56..58].copy_from_slice(&1u16.to_le_bytes());
    let ph = 64;
    b[ph..ph + 4].copy_from_slice(&1u32.to_le_bytes());
    b[ph + 4..ph + 8].copy_from_slice(&5u32.to_le_bytes());
    b[ph + 16..ph + 24].copy_from_slice(&0x400000u64.to_le_bytes());
    b[ph + 32..ph + 40].copy_from_slice(&(136u64).to_le_bytes());
    b[ph + 40..ph + 48].copy_from_slice(&(0x2000u64).to_le_bytes());
    b[120..136].fill(0x90);
    b
}

fn load(bytes: &[u8]) -> Result<elf::Image, ElfError> {
    let space = AddressSpace::new().map_err(|_| ElfError::OutOfMemory)?;
    let r = elf::load(&space, bytes);
    space.destroy();
    r
}

pub fn elf_loader_rejects_malformed() -> TestResult {
    let good = tiny_elf();
    let img = load(&good).map_err(|e| format!("valid ELF rejected: {:?}", e))?;
    check!(img.entry == 0x400078 && img.brk == 0x402000 && img.phdr == 0x400040, "{:?}", img);
    type Case = (&'static str, fn(&mut Vec<u8>), ElfError);
    let cases: [Case; 8] = [
        ("short", |b| b.truncate(40), ElfError::TooShort),
        ("magic", |b| b[1] = b'X', ElfError::BadMagic),
        ("class", |b| b[4] = 1, ElfError::NotElf64),
        ("endianness", |b| b[5] = 2, ElfError::NotLittleEndian),
        ("machine", |b| b[18] = 3, ElfError::WrongMachine(3)),
        ("interp", |b| b[64] = 3, ElfError::HasInterpreter),
        ("kernel address", |b| b[64 + 16 + 7] = 0xff, ElfError::BadSegment(0xff00_0000_0040_0000)),
        ("past the file", |b| b[64 + 32 + 2] = 1, ElfError::BadSegment(0x400000)),
    ];
    for (name, mutate, want) in cases {
        let mut b = good.clone();
        mutate(&mut b);
        check!(load(&b).err() == Some(want), "{}: got {:?}, want {:?}", name, load(&b), want);
    }
    // Random single-byte mutations of the headers: an error or a load, never a panic.
    let free0 = frame::stats().0;
    let mut seed = 0x1234_5678_9abc_def1u64;
    for _ in 0..1000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut b = good.clone();
        b[(seed % 120) as usize] = (seed >> 32) as u8;
        let _ = load(&b);
    }
    check!(frame::stats().0 == free0, "loader leaked frames: {} -> {}", free0, frame::stats().0);
    Ok(())
}

fn cpio_entry(out: &mut Vec<u8>, name: &str, mode: u32, data: &[u8]) {
    let fields = [1, mode, 0, 0, 1, 0, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{:08x}", f).as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    while out.len() % 4 != 0 {
        out.push(0);
    }
    out.extend_from_slice(data);
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

pub fn cpio_newc_parse() -> TestResult {
    let mut a = Vec::new();
    cpio_entry(&mut a, "etc", 0o040755, b"");
    cpio_entry(&mut a, "etc/x.txt", 0o100644, b"hello!");
    cpio_entry(&mut a, "./bin/odd", 0o100755, b"abc");
    cpio_entry(&mut a, "TRAILER!!!", 0, b"");
    let archive: &'static [u8] = alloc::boxed::Box::leak(a.into_boxed_slice());
    let e = cpio::parse(archive).map_err(|e| format!("{:?}", e))?;
    check!(e.len() == 3, "{} entries", e.len());
    check!(e[1].path == "etc/x.txt" && e[1].data == b"hello!" && e[1].mode == 0o100644, "entry 1 {}", e[1].path);
    check!(e[2].path == "bin/odd" && e[2].data == b"abc", "entry 2 {}", e[2].path);
    check!(e[0].mode & cpio::S_IFMT == cpio::S_IFDIR, "dir mode {:o}", e[0].mode);
    for cut in [0, 50, 110, 120, archive.len() - 20] {
        check!(cpio::parse(&archive[..cut]).is_err(), "truncated at {} accepted", cut);
    }
    let mut bad = archive.to_vec();
    bad[0] = b'1';
    let bad: &'static [u8] = alloc::boxed::Box::leak(bad.into_boxed_slice());
    check!(cpio::parse(bad).err() == Some(cpio::CpioError::BadMagic(0)), "bad magic accepted");
    Ok(())
}
