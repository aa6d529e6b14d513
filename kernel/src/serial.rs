//! COM1 serial console and the `print!`/`println!` macros; every line also goes to the kernel
//! log ring (`log::EXO_LOG`) so the debugger can read recent output from memory.
use crate::arch::x86_64::cpu::{inb, outb};
use crate::sync::SpinLock;
use core::fmt::{self, Write};

const COM1: u16 = 0x3F8;

struct Serial;

static SERIAL: SpinLock<Serial> = SpinLock::new(Serial);

/// Programs COM1 for 115200 8N1, FIFOs on, no interrupts.
pub fn init() {
    // SAFETY: the standard 16550 programming sequence on the COM1 ports.
    unsafe {
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x80);
        outb(COM1, 0x01);
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x03);
        outb(COM1 + 2, 0xC7);
        outb(COM1 + 4, 0x03);
    }
}

fn put_byte(b: u8) {
    // SAFETY: polling the line status register, then writing the data register of COM1.
    unsafe {
        while inb(COM1 + 5) & 0x20 == 0 {
            core::hint::spin_loop();
        }
        outb(COM1, b);
    }
}

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                put_byte(b'\r');
            }
            put_byte(b);
            crate::log::push(b);
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    // Interrupt handlers print too: keep them off while holding the lock.
    let _guard = crate::arch::x86_64::cpu::InterruptGuard::new();
    let _ = SERIAL.lock().write_fmt(args);
}

/// Writes raw bytes (user output through /dev/console) as one unit.
pub fn write_bytes(data: &[u8]) {
    let _guard = crate::arch::x86_64::cpu::InterruptGuard::new();
    let _lock = SERIAL.lock();
    for &b in data {
        if b == b'\n' {
            put_byte(b'\r');
        }
        put_byte(b);
        crate::log::push(b);
    }
}

/// Prints without taking the lock (the holder may be the CPU that panicked).
pub fn emergency_println(args: fmt::Arguments) {
    let mut s = Serial;
    let _ = s.write_fmt(args);
    let _ = s.write_str("\n");
}

// collapse_debuginfo: line info of the expansion goes to the caller's line, so a breakpoint on
// a `println!` line (the debugger's #BP markers) lands on it.
#[macro_export]
#[collapse_debuginfo(yes)]
macro_rules! print {
    ($($arg:tt)*) => { $crate::serial::_print(format_args!($($arg)*)) };
}

#[macro_export]
#[collapse_debuginfo(yes)]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::serial::_print(format_args!("{}\n", format_args!($($arg)*))) };
}
