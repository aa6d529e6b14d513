//! Kernel log ring buffer: the last `EXO_LOG_SIZE` bytes printed, as plain statics the
//! debugger reads through DWARF. `EXO_LOG_HEAD` counts every byte ever written, so the
//! newest byte is at `(EXO_LOG_HEAD - 1) % EXO_LOG_SIZE`.
use core::ptr::addr_of_mut;

pub const EXO_LOG_SIZE: usize = 16384;

#[no_mangle]
pub static mut EXO_LOG: [u8; EXO_LOG_SIZE] = [0; EXO_LOG_SIZE];

#[no_mangle]
pub static mut EXO_LOG_HEAD: u64 = 0;

/// Appends one byte. Called with the serial lock held, so writers are serialized.
pub fn push(b: u8) {
    // SAFETY: only called under the serial lock; the debugger reads while the VM is stopped.
    unsafe {
        let head = core::ptr::read_volatile(addr_of_mut!(EXO_LOG_HEAD));
        let log = addr_of_mut!(EXO_LOG) as *mut u8;
        core::ptr::write_volatile(log.add(head as usize % EXO_LOG_SIZE), b);
        core::ptr::write_volatile(addr_of_mut!(EXO_LOG_HEAD), head + 1);
    }
}

/// Copies the last `out.len()` logged bytes (or fewer) into `out`; returns how many.
pub fn tail(out: &mut [u8]) -> usize {
    // SAFETY: read-only snapshot; racing writers may tear it, which tests tolerate.
    unsafe {
        let head = core::ptr::read_volatile(addr_of_mut!(EXO_LOG_HEAD)) as usize;
        let n = out.len().min(head).min(EXO_LOG_SIZE);
        let log = addr_of_mut!(EXO_LOG) as *const u8;
        for (i, slot) in out.iter_mut().take(n).enumerate() {
            *slot = core::ptr::read_volatile(log.add((head - n + i) % EXO_LOG_SIZE));
        }
        n
    }
}
