//! PIT channel 2 as a polled delay (no IRQ), used to calibrate the TSC and the Local APIC
//! timer, for INIT-SIPI-SIPI delays, and the TSC deadlines behind every bounded wait.
use super::cpu::{inb, outb, rdtsc};
use core::sync::atomic::{AtomicU64, Ordering};

const PIT_HZ: u64 = 1_193_182;
static TSC_PER_MS: AtomicU64 = AtomicU64::new(0);

/// Busy-waits `ticks` PIT ticks (at most 65535, ~54.9 ms).
fn wait_ticks(ticks: u16) {
    // SAFETY: programming PIT channel 2 (speaker gate) in mode 0 and polling its output.
    unsafe {
        let gate = inb(0x61);
        outb(0x61, (gate & !0x02) | 0x01);
        outb(0x43, 0xB0);
        outb(0x42, ticks as u8);
        outb(0x42, (ticks >> 8) as u8);
        while inb(0x61) & 0x20 == 0 {
            core::hint::spin_loop();
        }
    }
}

pub fn sleep_us(us: u64) {
    let mut ticks = (us * PIT_HZ).div_ceil(1_000_000);
    while ticks > 0 {
        let t = ticks.min(0xFFFF);
        wait_ticks(t as u16);
        ticks -= t;
    }
}

/// Measures the TSC rate over 10 ms of PIT time (once, on the BSP).
pub fn calibrate_tsc() -> u64 {
    let t0 = rdtsc();
    sleep_us(10_000);
    let per_ms = ((rdtsc() - t0) / 10).max(1);
    TSC_PER_MS.store(per_ms, Ordering::Relaxed);
    per_ms
}

/// A TSC value `ms` milliseconds from now (before calibration, assumes 3 GHz).
pub fn deadline_ms(ms: u64) -> u64 {
    let per_ms = match TSC_PER_MS.load(Ordering::Relaxed) {
        0 => 3_000_000,
        v => v,
    };
    rdtsc().saturating_add(ms.saturating_mul(per_ms))
}

pub fn past(deadline: u64) -> bool {
    rdtsc() >= deadline
}
