//! IO APICs from the MADT: Exo-OS part 1 drives no device interrupts, so every redirection
//! entry is masked at boot (whatever the firmware left) and the pin count is logged.
use crate::acpi::madt::MadtInfo;
use crate::memory::layout::phys_to_virt;

const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const REG_VERSION: u32 = 0x01;
const REG_REDIRECTION: u32 = 0x10;
const MASKED: u32 = 1 << 16;

fn read(base: u64, reg: u32) -> u32 {
    // SAFETY: `base` is an IO APIC's MMIO page (from the MADT) in the direct map.
    unsafe {
        core::ptr::write_volatile((base + IOREGSEL) as *mut u32, reg);
        core::ptr::read_volatile((base + IOWIN) as *const u32)
    }
}

fn write(base: u64, reg: u32, v: u32) {
    // SAFETY: as in `read`.
    unsafe {
        core::ptr::write_volatile((base + IOREGSEL) as *mut u32, reg);
        core::ptr::write_volatile((base + IOWIN) as *mut u32, v);
    }
}

/// Number of redirection entries (pins) of the IO APIC at physical `address`.
pub fn pins(address: u32) -> u32 {
    ((read(phys_to_virt(address as u64), REG_VERSION) >> 16) & 0xFF) + 1
}

/// Whether redirection entry `pin` is masked.
pub fn is_masked(address: u32, pin: u32) -> bool {
    read(phys_to_virt(address as u64), REG_REDIRECTION + 2 * pin) & MASKED != 0
}

/// Masks every pin of every IO APIC (run once on the BSP, before interrupts are enabled).
pub fn init(madt: &MadtInfo) {
    for io in &madt.io_apics[..madt.io_apic_count] {
        let n = mask_all(io.address);
        println!("exo: ioapic: id {} at {:#x}, GSI {}.., {} pins masked", io.id, io.address, io.gsi_base, n);
    }
}

/// Masks every pin of the IO APIC at `address`; returns the pin count.
pub fn mask_all(address: u32) -> u32 {
    let base = phys_to_virt(address as u64);
    let n = pins(address);
    for pin in 0..n {
        write(base, REG_REDIRECTION + 2 * pin + 1, 0);
        write(base, REG_REDIRECTION + 2 * pin, MASKED);
    }
    n
}

/// Writes the low half of redirection entry `pin` (tests use it to unmask one pin).
pub fn set_entry_low(address: u32, pin: u32, value: u32) {
    write(phys_to_virt(address as u64), REG_REDIRECTION + 2 * pin, value);
}
