//! The kernel heap behind `alloc`: HEAP_SIZE bytes at HEAP_START, backed by fresh frames at
//! boot, managed by a first-fit free list kept sorted by address (neighbours coalesce).
use super::addr::{VirtAddr, PAGE_SIZE};
use super::layout::{HEAP_SIZE, HEAP_START};
use super::paging::{Mapper, PageTableFlags};
use crate::sync::SpinLock;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::null_mut;

/// A free block; lives in the free memory it describes.
struct FreeBlock {
    size: usize,
    next: *mut FreeBlock,
}

const MIN_BLOCK: usize = core::mem::size_of::<FreeBlock>();

struct FreeList {
    head: *mut FreeBlock,
}

// SAFETY: the list is only touched under the lock.
unsafe impl Send for FreeList {}

pub struct KernelHeap {
    list: SpinLock<FreeList>,
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap { list: SpinLock::new(FreeList { head: null_mut() }) };

/// Maps the heap region and hands it to the allocator.
pub fn init() {
    let mapper = Mapper::kernel();
    let flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    let mut off = 0;
    while off < HEAP_SIZE {
        let f = super::frame::alloc_frame().expect("kernel heap: out of frames");
        mapper.map_page(VirtAddr::new(HEAP_START + off), f, flags).expect("kernel heap: map failed");
        off += PAGE_SIZE;
    }
    // SAFETY: the region was just mapped and nothing else uses it.
    unsafe { HEAP.add_free(HEAP_START as usize, HEAP_SIZE as usize) };
}

fn align_up(v: usize, a: usize) -> usize {
    (v + a - 1) & !(a - 1)
}

impl KernelHeap {
    /// # Safety
    /// [addr, addr+size) must be unused, mapped, writable memory, aligned to MIN_BLOCK.
    unsafe fn add_free(&self, addr: usize, size: usize) {
        Self::insert(&mut self.list.lock(), addr, size);
    }

    /// add_free with the list already locked.
    /// # Safety
    /// As for `add_free`.
    unsafe fn insert(list: &mut FreeList, addr: usize, size: usize) {
        let mut prev: *mut FreeBlock = null_mut();
        let mut cur = list.head;
        while !cur.is_null() && (cur as usize) < addr {
            prev = cur;
            cur = (*cur).next;
        }
        let block = addr as *mut FreeBlock;
        block.write(FreeBlock { size, next: cur });
        if !cur.is_null() && addr + size == cur as usize {
            (*block).size += (*cur).size;
            (*block).next = (*cur).next;
        }
        if prev.is_null() {
            list.head = block;
        } else if prev as usize + (*prev).size == addr {
            (*prev).size += (*block).size;
            (*prev).next = (*block).next;
        } else {
            (*prev).next = block;
        }
    }

    /// Free bytes (for tests and the log).
    pub fn free_bytes(&self) -> usize {
        let list = self.list.lock();
        let mut n = 0;
        let mut cur = list.head;
        while !cur.is_null() {
            // SAFETY: every list node is a valid FreeBlock.
            unsafe {
                n += (*cur).size;
                cur = (*cur).next;
            }
        }
        n
    }
}

pub fn free_bytes() -> usize {
    HEAP.free_bytes()
}

unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = align_up(layout.size().max(MIN_BLOCK), MIN_BLOCK);
        let align = layout.align().max(MIN_BLOCK);
        let mut list = self.list.lock();
        let mut prev: *mut FreeBlock = null_mut();
        let mut cur = list.head;
        while !cur.is_null() {
            let start = cur as usize;
            let end = start + (*cur).size;
            let mut a = align_up(start, align);
            // A gap in front must be able to hold a free block of its own.
            if a != start && a - start < MIN_BLOCK {
                a = align_up(start + MIN_BLOCK, align);
            }
            if a + size <= end {
                let next = (*cur).next;
                // Unlink `cur`, then give back the front and back remainders.
                if prev.is_null() {
                    list.head = next;
                } else {
                    (*prev).next = next;
                }
                // Give the remainders back before unlocking: with the lock dropped in between,
                // another CPU could find the (often single, large) free block missing and fail.
                if a > start {
                    Self::insert(&mut list, start, a - start);
                }
                // Sizes and block addresses are multiples of MIN_BLOCK: a tail is 0 or fits a block.
                let tail = end - (a + size);
                if tail > 0 {
                    Self::insert(&mut list, a + size, tail);
                }
                return a as *mut u8;
            }
            prev = cur;
            cur = (*cur).next;
        }
        null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let size = align_up(layout.size().max(MIN_BLOCK), MIN_BLOCK);
        self.add_free(ptr as usize, size);
    }
}
