//! Frame allocator, refcount and heap tests.
use super::{check, TestResult};
use crate::memory::addr::PAGE_SIZE;
use crate::memory::frame::{self, FrameError};
use alloc::vec::Vec;

pub fn alloc_unique_and_zeroed() -> TestResult {
    let (free_before, _) = frame::stats();
    let mut frames = Vec::new();
    for _ in 0..64 {
        let f = frame::alloc_frame().ok_or("out of frames")?;
        check!(f.is_page_aligned(), "frame {:?} not aligned", f);
        // SAFETY: freshly allocated frame, read through the direct map.
        let words = unsafe { core::slice::from_raw_parts(f.to_virt().as_u64() as *const u64, 512) };
        check!(words.iter().all(|&w| w == 0), "frame {:?} not zeroed", f);
        check!(!frames.contains(&f), "frame {:?} handed out twice", f);
        check!(frame::refcount(f) == Ok(1), "new frame refcount {:?}", frame::refcount(f));
        frames.push(f);
    }
    check!(frame::stats().0 == free_before - 64, "free count did not drop by 64");
    for f in frames {
        frame::free_frame(f).map_err(|e| alloc::format!("free: {:?}", e))?;
    }
    check!(frame::stats().0 == free_before, "free count not restored");
    Ok(())
}

pub fn refcounts() -> TestResult {
    let f = frame::alloc_frame().ok_or("out of frames")?;
    check!(frame::inc_ref(f) == Ok(2), "inc to 2");
    check!(frame::inc_ref(f) == Ok(3), "inc to 3");
    check!(frame::refcount(f) == Ok(3), "count 3");
    check!(frame::dec_ref(f) == Ok(2), "dec to 2");
    check!(frame::dec_ref(f) == Ok(1), "dec to 1");
    let (free_before, _) = frame::stats();
    check!(frame::dec_ref(f) == Ok(0), "dec to 0");
    check!(frame::stats().0 == free_before + 1, "frame not free at refcount 0");
    check!(frame::dec_ref(f) == Err(FrameError::NotAllocated), "dec of a free frame must fail");
    check!(frame::inc_ref(f) == Err(FrameError::NotAllocated), "inc of a free frame must fail");
    // The kernel image and low memory are not managed.
    let kernel = crate::memory::addr::PhysAddr::new(0x100000);
    check!(frame::refcount(kernel) == Err(FrameError::NotManaged), "kernel frame must be unmanaged");
    check!(frame::inc_ref(crate::memory::addr::PhysAddr::new(0x1001)) == Err(FrameError::NotManaged), "unaligned");
    Ok(())
}

pub fn free_reuses() -> TestResult {
    // The allocator hands out every free frame before it wraps around: allocating all of
    // them must succeed and then fail, and freeing one makes exactly that one available.
    let (free, _) = frame::stats();
    let mut all = Vec::with_capacity(free);
    while let Some(f) = frame::alloc_frame() {
        all.push(f);
    }
    check!(all.len() == free, "allocated {} of {} free frames", all.len(), free);
    check!(frame::stats().0 == 0, "free count not 0 when exhausted");
    let victim = all.swap_remove(all.len() / 2);
    frame::free_frame(victim).map_err(|e| alloc::format!("{:?}", e))?;
    let again = frame::alloc_frame();
    check!(again == Some(victim), "expected {:?} back, got {:?}", victim, again);
    all.push(victim);
    for f in all {
        frame::free_frame(f).map_err(|e| alloc::format!("{:?}", e))?;
    }
    check!(frame::stats().0 == free, "free count not restored");
    let _ = PAGE_SIZE;
    Ok(())
}

pub fn heap_alloc_free() -> TestResult {
    let before = crate::memory::heap::free_bytes();
    {
        let mut v: Vec<u64> = Vec::new();
        for i in 0..10_000u64 {
            v.push(i * 3);
        }
        check!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3), "vector contents");
        let boxed = alloc::boxed::Box::new([7u8; 3000]);
        check!(boxed.iter().all(|&b| b == 7), "box contents");
        let aligned = alloc::alloc::Layout::from_size_align(256, 4096).map_err(|_| "layout")?;
        // SAFETY: matching alloc/dealloc with the same layout.
        unsafe {
            let p = alloc::alloc::alloc(aligned);
            check!(!p.is_null() && p as usize % 4096 == 0, "4 KiB-aligned allocation {:p}", p);
            alloc::alloc::dealloc(p, aligned);
        }
    }
    check!(crate::memory::heap::free_bytes() == before, "heap leaked: {} -> {}", before, crate::memory::heap::free_bytes());
    Ok(())
}
