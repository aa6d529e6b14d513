//! MADT parsing on a byte fixture (built here, checksum computed) and on the firmware's table.
use super::{check, TestResult};
use crate::acpi::madt::{parse_madt, MadtError};
use crate::arch::x86_64::smp;
use alloc::vec::Vec;

/// A MADT with 3 Local APICs (one disabled), one x2APIC, an IO APIC and an override.
fn fixture() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"APIC");
    t.extend_from_slice(&0u32.to_le_bytes()); // length, patched below
    t.extend_from_slice(&[3, 0]); // revision, checksum (patched)
    t.extend_from_slice(b"EXOOS ");
    t.extend_from_slice(b"EXOTABLE");
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(b"EXO ");
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&0xFEE0_0000u32.to_le_bytes()); // local APIC address
    t.extend_from_slice(&1u32.to_le_bytes()); // flags: PC-AT compatible
    for (uid, id, flags) in [(0u8, 0u8, 1u32), (1, 2, 1), (2, 4, 0)] {
        t.extend_from_slice(&[0, 8, uid, id]);
        t.extend_from_slice(&flags.to_le_bytes());
    }
    t.extend_from_slice(&[1, 12, 7, 0]);
    t.extend_from_slice(&0xFEC0_0000u32.to_le_bytes());
    t.extend_from_slice(&24u32.to_le_bytes());
    t.extend_from_slice(&[2, 10, 0, 0, 2, 0, 0, 0, 0, 0]);
    t.extend_from_slice(&[9, 16, 0, 0]);
    t.extend_from_slice(&300u32.to_le_bytes()); // x2APIC id
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&9u32.to_le_bytes()); // uid
    let len = t.len() as u32;
    t[4..8].copy_from_slice(&len.to_le_bytes());
    fix_checksum(&mut t);
    t
}

fn fix_checksum(t: &mut [u8]) {
    t[9] = 0;
    let sum = t.iter().fold(0u8, |a, &x| a.wrapping_add(x));
    t[9] = 0u8.wrapping_sub(sum);
}

pub fn madt_fixture() -> TestResult {
    let m = parse_madt(&fixture()).map_err(|e| alloc::format!("{:?}", e))?;
    check!(m.local_apic_address == 0xFEE0_0000, "LAPIC address {:#x}", m.local_apic_address);
    check!(m.cpu_count == 3, "cpu_count {}", m.cpu_count);
    check!(m.disabled_cpus == 1, "disabled {}", m.disabled_cpus);
    let ids: Vec<u32> = m.cpus[..m.cpu_count].iter().map(|c| c.apic_id).collect();
    check!(ids == [0, 2, 300], "APIC ids {:?}", ids);
    check!(m.cpus[2].processor_uid == 9, "x2APIC uid {}", m.cpus[2].processor_uid);
    check!(m.io_apic_count == 1 && m.io_apics[0].id == 7, "IO APIC {:?}", m.io_apics[0]);
    check!(m.io_apics[0].address == 0xFEC0_0000 && m.io_apics[0].gsi_base == 24, "IO APIC {:?}", m.io_apics[0]);
    check!(m.overrides == 1, "overrides {}", m.overrides);
    Ok(())
}

pub fn madt_rejects_bad() -> TestResult {
    let good = fixture();
    let err = |t: &[u8]| parse_madt(t).err();
    check!(err(&good[..20]) == Some(MadtError::TooShort), "short table: {:?}", err(&good[..20]));
    let mut t = good.clone();
    t[0] = b'X';
    check!(err(&t) == Some(MadtError::BadSignature), "signature: {:?}", err(&t));
    let mut t = good.clone();
    t[50] ^= 1;
    check!(err(&t) == Some(MadtError::BadChecksum), "checksum: {:?}", err(&t));
    let mut t = good.clone();
    t[4..8].copy_from_slice(&(good.len() as u32 + 4).to_le_bytes());
    fix_checksum(&mut t);
    check!(err(&t) == Some(MadtError::BadLength), "length: {:?}", err(&t));
    let mut t = good.clone();
    t[45] = 0; // first entry claims length 0
    fix_checksum(&mut t);
    check!(err(&t) == Some(MadtError::BadEntry { offset: 44 }), "zero-length entry: {:?}", err(&t));
    let mut t = good.clone();
    t[45] = 4; // a Local APIC entry must be 8 bytes
    fix_checksum(&mut t);
    check!(err(&t) == Some(MadtError::BadEntry { offset: 44 }), "short entry: {:?}", err(&t));
    Ok(())
}

/// The EBDA/BIOS scan (used when PVH gives no RSDP) finds the RSDP that PVH reported.
pub fn rsdp_scan() -> TestResult {
    let by_scan = crate::acpi::rsdp::find_rsdp(0).ok_or("the BIOS-area scan found no RSDP")?;
    let by_pvh = crate::acpi::init_quiet().rsdp;
    check!(by_scan.address == by_pvh, "scan found {:#x}, PVH said {:#x}", by_scan.address, by_pvh);
    check!(by_scan.rsdt != 0 || by_scan.xsdt != 0, "RSDP without RSDT/XSDT");
    Ok(())
}

/// Every pin of every IO APIC the MADT lists is masked (no device IRQs in part 1), and
/// masking works: a pin unmasked on purpose (interrupts off, an unused top pin) is masked
/// again by `mask_all`.
pub fn ioapic_all_masked() -> TestResult {
    use crate::arch::x86_64::{cpu::InterruptGuard, ioapic};
    let acpi = crate::acpi::init_quiet();
    for io in &acpi.madt.io_apics[..acpi.madt.io_apic_count] {
        {
            let _off = InterruptGuard::new();
            let top = ioapic::pins(io.address) - 1;
            ioapic::set_entry_low(io.address, top, 0xEF);
            let unmasked = !ioapic::is_masked(io.address, top);
            ioapic::mask_all(io.address);
            check!(unmasked, "IO APIC {} pin {} did not read back unmasked", io.id, top);
        }
        let n = ioapic::pins(io.address);
        check!((16..=240).contains(&n), "IO APIC {} reports {} pins", io.id, n);
        for pin in 0..n {
            check!(ioapic::is_masked(io.address, pin), "IO APIC {} pin {} unmasked", io.id, pin);
        }
    }
    Ok(())
}

pub fn madt_firmware() -> TestResult {
    let acpi = crate::acpi::init_quiet();
    let m = &acpi.madt;
    check!(m.cpu_count == smp::cpu_count(), "MADT {} CPUs, EXO_CPU_COUNT {}", m.cpu_count, smp::cpu_count());
    check!(m.local_apic_address == 0xFEE0_0000, "LAPIC at {:#x}", m.local_apic_address);
    check!(m.io_apic_count >= 1, "no IO APIC");
    for i in 0..m.cpu_count {
        let found = (0..smp::cpu_count()).any(|c| smp::cpu_info(c).apic_id == m.cpus[i].apic_id);
        check!(found, "MADT APIC id {} not in EXO_CPUS", m.cpus[i].apic_id);
    }
    Ok(())
}
