//! Paging tests: W^X of the kernel image, walks, map/unmap/protect (visible, faults, rejects
//! writes), the range helpers and the TLB range flush.
use super::{check, TestResult};
use crate::memory::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use crate::memory::layout::{self, TEST_AREA};
use crate::memory::paging::{self, tlb, MapError, PageTableFlags as F, PageTableWalker};
use crate::memory::{frame, probe};
use alloc::format;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

const RW: F = F::from_bits_truncate(F::PRESENT.bits() | F::WRITABLE.bits() | F::NO_EXECUTE.bits());
const RO: F = F::from_bits_truncate(F::PRESENT.bits() | F::NO_EXECUTE.bits());

/// Each test uses its own slice of the test area.
fn area(slot: u64) -> VirtAddr {
    VirtAddr::new(TEST_AREA + slot * 0x100_0000)
}

fn frames(n: usize) -> Result<Vec<PhysAddr>, alloc::string::String> {
    (0..n).map(|_| frame::alloc_frame().ok_or_else(|| "out of frames".into())).collect()
}

pub fn kernel_wx() -> TestResult {
    let w = PageTableWalker::current();
    let img = layout::image();
    for (name, (start, end), writable, exec) in
        [("text", img.text, false, true), ("rodata", img.rodata, false, false), ("data", img.data, true, false)]
    {
        let mut v = start;
        while v < end {
            if v == layout::boot_stack_guard() {
                check!(w.walk(VirtAddr::new(v)).is_none(), "boot stack guard page {:#x} is mapped", v);
                v += PAGE_SIZE;
                continue;
            }
            let t = w.walk(VirtAddr::new(v)).ok_or_else(|| format!("{} page {:#x} unmapped", name, v))?;
            check!(t.flags.contains(F::WRITABLE) == writable, "{} page {:#x} writable={}", name, v, !writable);
            check!(!t.flags.contains(F::NO_EXECUTE) == exec, "{} page {:#x} executable={}", name, v, !exec);
            check!(t.phys.as_u64() == v - layout::KERNEL_OFFSET, "{} page {:#x} maps {:?}", name, v, t.phys);
            v += PAGE_SIZE;
        }
    }
    // Writing to kernel text must fault (CR0.WP is set, text is read-only).
    let text = img.text.0 + 64;
    // SAFETY: the write faults (asserted) and so changes nothing.
    let r = unsafe { probe::write_u64(text, 0) };
    check!(matches!(r, Err(f) if f.was_present() && f.was_write()), "write to text: {:?}", r);
    // The boot identity map is gone.
    check!(w.walk(VirtAddr::new(0x100000)).is_none(), "identity map still present");
    Ok(())
}

pub fn walk_direct_map() -> TestResult {
    let w = PageTableWalker::current();
    let f = frame::alloc_frame().ok_or("out of frames")?;
    let t = w.walk(f.to_virt()).ok_or("direct map entry missing")?;
    check!(t.phys == f, "direct map of {:?} walks to {:?}", f, t.phys);
    check!(t.page_size == 2 * 1024 * 1024, "direct map page size {}", t.page_size);
    check!(paging::get_physical_address(f.to_virt().add(0x123)) == Some(PhysAddr::new(f.as_u64() + 0x123)), "offset");
    frame::free_frame(f).map_err(|e| format!("{:?}", e))?;
    Ok(())
}

pub fn map_visible() -> TestResult {
    let v = area(0);
    let f = frame::alloc_frame().ok_or("out of frames")?;
    // SAFETY: writing a marker into our own frame through the direct map.
    unsafe { (f.to_virt().as_u64() as *mut u64).write_volatile(0xC0FF_EE00_1234_5678) };
    check!(!paging::is_page_present(v), "test page mapped before the test");
    paging::map_page(v, f, RW).map_err(|e| format!("map: {:?}", e))?;
    check!(paging::is_page_present(v), "not present after map");
    check!(paging::get_physical_address(v.add(8)) == Some(PhysAddr::new(f.as_u64() + 8)), "translation");
    check!(probe::read_u64(v.as_u64()) == Ok(0xC0FF_EE00_1234_5678), "read through new mapping");
    // SAFETY: the page is ours and writable.
    unsafe { probe::write_u64(v.as_u64() + 16, 42).map_err(|e| format!("write: {:?}", e))? };
    // SAFETY: reading back through the direct map alias.
    let alias = unsafe { ((f.to_virt().as_u64() + 16) as *const u64).read_volatile() };
    check!(alias == 42, "write not visible through the direct map: {}", alias);
    check!(paging::map_page(v, f, RW) == Err(MapError::AlreadyMapped), "double map must fail");
    check!(paging::unmap_page(v) == Ok(f), "unmap returns the frame");
    frame::free_frame(f).map_err(|e| format!("{:?}", e))?;
    Ok(())
}

pub fn unmap_faults() -> TestResult {
    let v = area(1);
    let f = frame::alloc_frame().ok_or("out of frames")?;
    paging::map_page(v, f, RW).map_err(|e| format!("map: {:?}", e))?;
    check!(probe::read_u64(v.as_u64()).is_ok(), "mapped page unreadable");
    paging::unmap_page(v).map_err(|e| format!("unmap: {:?}", e))?;
    check!(!paging::is_page_present(v), "present after unmap");
    let r = probe::read_u64(v.as_u64() + 0x10);
    check!(
        matches!(r, Err(pf) if pf.address == v.as_u64() + 0x10 && !pf.was_present()),
        "read after unmap: {:?}",
        r
    );
    check!(paging::unmap_page(v) == Err(MapError::NotMapped), "second unmap must fail");
    frame::free_frame(f).map_err(|e| format!("{:?}", e))?;
    Ok(())
}

pub fn protect_rejects_writes() -> TestResult {
    let v = area(2);
    let f = frame::alloc_frame().ok_or("out of frames")?;
    paging::map_page(v, f, RW).map_err(|e| format!("map: {:?}", e))?;
    // SAFETY: our page, writable for now.
    unsafe { probe::write_u64(v.as_u64(), 1).map_err(|e| format!("first write: {:?}", e))? };
    paging::protect_page(v, RO).map_err(|e| format!("protect: {:?}", e))?;
    let t = PageTableWalker::current().walk(v).ok_or("unmapped by protect")?;
    check!(!t.flags.contains(F::WRITABLE) && t.phys == f, "flags after protect: {:?}", t.flags);
    // SAFETY: the write must fault (asserted), changing nothing.
    let r = unsafe { probe::write_u64(v.as_u64(), 2) };
    check!(matches!(r, Err(pf) if pf.was_present() && pf.was_write() && pf.address == v.as_u64()), "write: {:?}", r);
    check!(probe::read_u64(v.as_u64()) == Ok(1), "read-only page still readable with old value");
    paging::protect_page(v, RW).map_err(|e| format!("unprotect: {:?}", e))?;
    // SAFETY: writable again.
    unsafe { probe::write_u64(v.as_u64(), 3).map_err(|e| format!("write after unprotect: {:?}", e))? };
    paging::unmap_page(v).map_err(|e| format!("{:?}", e))?;
    frame::free_frame(f).map_err(|e| format!("{:?}", e))?;
    Ok(())
}

pub fn ranges() -> TestResult {
    const N: u64 = 8;
    let v = area(3);
    // A contiguous run of frames: take them from the direct map's view of a fresh block.
    let fs = frames(N as usize)?;
    for (i, f) in fs.iter().enumerate() {
        paging::map_page(v.add(i as u64 * PAGE_SIZE), *f, RW).map_err(|e| format!("map {}: {:?}", i, e))?;
    }
    paging::protect_range(v, N, RO).map_err(|e| format!("protect_range: {:?}", e))?;
    for i in 0..N {
        // SAFETY: the write must fault.
        let r = unsafe { probe::write_u64(v.as_u64() + i * PAGE_SIZE, 9) };
        check!(r.is_err(), "page {} writable after protect_range", i);
    }
    check!(paging::unmap_range(v, N) == Ok(N), "unmap_range count");
    for i in 0..N {
        check!(probe::read_u64(v.as_u64() + i * PAGE_SIZE).is_err(), "page {} readable after unmap_range", i);
    }
    // map_range maps contiguous physical memory; a read-only view of any RAM will do.
    let base = fs[0];
    paging::map_range(v, base, N, RO).map_err(|e| format!("map_range: {:?}", e))?;
    for i in 0..N {
        let expect = PhysAddr::new(base.as_u64() + i * PAGE_SIZE);
        check!(paging::get_physical_address(v.add(i * PAGE_SIZE)) == Some(expect), "map_range page {}", i);
    }
    // A range whose third page collides fails and rolls back the two it had mapped.
    let below = VirtAddr::new(v.as_u64() - 2 * PAGE_SIZE);
    let r = paging::map_range(below, base, 4, RO);
    check!(r == Err(MapError::AlreadyMapped), "overlapping map_range: {:?}", r);
    check!(!paging::is_page_present(below), "failed map_range left pages behind");
    check!(!paging::is_page_present(below.add(PAGE_SIZE)), "failed map_range left pages behind");
    check!(paging::unmap_range(v, N) == Ok(N), "second unmap_range");
    for f in fs {
        frame::free_frame(f).map_err(|e| format!("{:?}", e))?;
    }
    Ok(())
}

pub fn errors() -> TestResult {
    let f = frame::alloc_frame().ok_or("out of frames")?;
    check!(paging::map_page(area(4).add(1), f, RW) == Err(MapError::Unaligned), "unaligned virt");
    check!(paging::map_page(area(4), PhysAddr::new(f.as_u64() + 1), RW) == Err(MapError::Unaligned), "unaligned phys");
    check!(paging::protect_page(area(4), RO) == Err(MapError::NotMapped), "protect of unmapped");
    // The direct map uses 2 MiB pages: 4 KiB operations inside it are refused.
    check!(paging::unmap_page(f.to_virt()) == Err(MapError::HugePage), "unmap inside a huge page");
    frame::free_frame(f).map_err(|e| format!("{:?}", e))?;
    Ok(())
}

pub fn tlb_range_flush() -> TestResult {
    // Remap pages behind the TLB's back (editing entries directly, no invlpg), then flush
    // with invalidate_tlb_range: every page must show its new frame afterwards; a range of
    // more than 64 pages must take the full-flush path.
    for pages in [4u64, 80] {
        let v = area(5 + pages);
        let old = frames(pages as usize)?;
        let new = frames(pages as usize)?;
        for (i, (o, n)) in old.iter().zip(new.iter()).enumerate() {
            // SAFETY: tagging our own frames through the direct map.
            unsafe {
                (o.to_virt().as_u64() as *mut u64).write_volatile(0x01D0_0000 + i as u64);
                (n.to_virt().as_u64() as *mut u64).write_volatile(0x0E30_0000 + i as u64);
            }
            paging::map_page(v.add(i as u64 * PAGE_SIZE), *o, RW).map_err(|e| format!("map: {:?}", e))?;
        }
        for i in 0..pages {
            check!(probe::read_u64(v.as_u64() + i * PAGE_SIZE) == Ok(0x01D0_0000 + i), "old value page {}", i);
        }
        let mapper = paging::Mapper::kernel();
        for (i, n) in new.iter().enumerate() {
            mapper.retarget_no_flush(v.add(i as u64 * PAGE_SIZE), *n).map_err(|e| format!("retarget: {:?}", e))?;
        }
        let full_before = tlb::FULL_FLUSHES.load(Ordering::SeqCst);
        let page_before = tlb::PAGE_FLUSHES.load(Ordering::SeqCst);
        paging::invalidate_tlb_range(v, pages);
        let full = tlb::FULL_FLUSHES.load(Ordering::SeqCst) - full_before;
        let page = tlb::PAGE_FLUSHES.load(Ordering::SeqCst) - page_before;
        if pages > tlb::FULL_FLUSH_THRESHOLD {
            check!(full == 1 && page == 0, "{} pages: {} full and {} page flushes", pages, full, page);
        } else {
            check!(full == 0 && page == pages, "{} pages: {} full and {} page flushes", pages, full, page);
        }
        for i in 0..pages {
            let r = probe::read_u64(v.as_u64() + i * PAGE_SIZE);
            check!(r == Ok(0x0E30_0000 + i), "{} pages: page {} reads {:?} after flush", pages, i, r);
        }
        paging::unmap_range(v, pages).map_err(|e| format!("{:?}", e))?;
        for f in old.into_iter().chain(new) {
            frame::free_frame(f).map_err(|e| format!("{:?}", e))?;
        }
    }
    Ok(())
}
