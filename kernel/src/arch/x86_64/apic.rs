//! Local APIC (xAPIC, MMIO through the direct map): enable, EOI, IPIs through the ICR,
//! INIT/SIPI for AP start-up, and a periodic timer on every CPU (calibrated against the PIT).
//! The legacy 8259 PICs are remapped out of the exception range and masked.
use super::cpu::outb;
use super::pit;
use crate::acpi::AcpiInfo;
use crate::memory::layout::phys_to_virt;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

const ID: u32 = 0x20;
const TPR: u32 = 0x80;
const EOI: u32 = 0xB0;
const SVR: u32 = 0xF0;
const ESR: u32 = 0x280;
const ICR_LO: u32 = 0x300;
const ICR_HI: u32 = 0x310;
const LVT_TIMER: u32 = 0x320;
const LVT_ERROR: u32 = 0x370;
const TIMER_INIT: u32 = 0x380;
const TIMER_CURRENT: u32 = 0x390;
const TIMER_DIVIDE: u32 = 0x3E0;

pub const TIMER_VECTOR: u8 = 0x20;
pub const ERROR_VECTOR: u8 = 0xFE;
pub const SPURIOUS_VECTOR: u8 = 0xFF;
/// Where the 8259 PICs are remapped before being masked (their spurious IRQs land here).
pub const PIC_BASE_VECTOR: u8 = 0xE0;
pub const TIMER_HZ: u64 = 100;
pub const TICK_NS: u64 = 1_000_000_000 / TIMER_HZ;

static BASE: AtomicU64 = AtomicU64::new(0);
static TIMER_COUNT: AtomicU32 = AtomicU32::new(0);

fn read(reg: u32) -> u32 {
    // SAFETY: BASE maps the Local APIC page (set in init_bsp before any use).
    unsafe { core::ptr::read_volatile((BASE.load(Ordering::Relaxed) + reg as u64) as *const u32) }
}

fn write(reg: u32, v: u32) {
    // SAFETY: as in `read`.
    unsafe { core::ptr::write_volatile((BASE.load(Ordering::Relaxed) + reg as u64) as *mut u32, v) }
}

pub fn is_initialized() -> bool {
    BASE.load(Ordering::Relaxed) != 0
}

fn disable_pic() {
    // SAFETY: the standard ICW1-4 sequence, then mask every line.
    unsafe {
        outb(0x20, 0x11);
        outb(0xA0, 0x11);
        outb(0x21, PIC_BASE_VECTOR);
        outb(0xA1, PIC_BASE_VECTOR + 8);
        outb(0x21, 4);
        outb(0xA1, 2);
        outb(0x21, 1);
        outb(0xA1, 1);
        outb(0x21, 0xFF);
        outb(0xA1, 0xFF);
    }
}

fn enable_local() {
    write(TPR, 0);
    write(LVT_ERROR, ERROR_VECTOR as u32);
    write(ESR, 0);
    write(SVR, 0x100 | SPURIOUS_VECTOR as u32);
}

fn start_timer() {
    write(TIMER_DIVIDE, 0x3); // divide by 16
    write(LVT_TIMER, TIMER_VECTOR as u32 | (1 << 17)); // periodic
    write(TIMER_INIT, TIMER_COUNT.load(Ordering::Relaxed));
}

/// Enables the BSP's Local APIC, calibrates the timer (and TSC) and starts ticking.
pub fn init_bsp(acpi: &AcpiInfo) {
    BASE.store(phys_to_virt(acpi.madt.local_apic_address), Ordering::SeqCst);
    disable_pic();
    enable_local();
    let tsc_per_ms = pit::calibrate_tsc();
    write(TIMER_DIVIDE, 0x3);
    write(LVT_TIMER, 1 << 16); // masked one-shot for calibration
    write(TIMER_INIT, u32::MAX);
    pit::sleep_us(10_000);
    let elapsed = u32::MAX - read(TIMER_CURRENT);
    write(TIMER_INIT, 0);
    let per_tick = ((elapsed as u64 * 100) / TIMER_HZ).max(1000) as u32;
    TIMER_COUNT.store(per_tick, Ordering::SeqCst);
    println!(
        "exo: apic: id {} timer {} Hz ({} counts/tick), tsc {} kHz",
        id(),
        TIMER_HZ,
        per_tick,
        tsc_per_ms
    );
    start_timer();
}

/// Enables an AP's Local APIC and its timer (calibration is shared: same bus clock).
pub fn init_ap() {
    enable_local();
    start_timer();
}

pub fn id() -> u32 {
    read(ID) >> 24
}

pub fn eoi() {
    write(EOI, 0);
}

fn wait_icr_idle() {
    let deadline = pit::deadline_ms(1000);
    while read(ICR_LO) & (1 << 12) != 0 {
        if pit::past(deadline) {
            panic!("Local APIC ICR stuck busy for 1 s");
        }
        core::hint::spin_loop();
    }
}

fn send_icr(apic_id: u32, low: u32) {
    let _g = super::cpu::InterruptGuard::new();
    wait_icr_idle();
    write(ICR_HI, apic_id << 24);
    write(ICR_LO, low);
    wait_icr_idle();
}

/// Sends a fixed-delivery IPI with `vector` to the CPU with Local APIC id `apic_id`.
pub fn send_ipi(apic_id: u32, vector: u8) {
    send_icr(apic_id, vector as u32 | (1 << 14));
}

pub fn send_init(apic_id: u32) {
    send_icr(apic_id, 0x4500);
}

/// STARTUP IPI: the AP starts in real mode at `page` * 4096.
pub fn send_startup(apic_id: u32, page: u8) {
    send_icr(apic_id, 0x4600 | page as u32);
}
