//! ACPI, as far as SMP needs it: find the RSDP (PVH start_info, else the EBDA/BIOS scan), walk
//! the RSDT/XSDT, and parse the MADT (Local APICs = CPUs, IO APICs).
pub mod madt;
pub mod rsdp;

pub use madt::{parse_madt, MadtInfo};

pub struct AcpiInfo {
    pub rsdp: u64,
    pub revision: u8,
    pub madt_phys: u64,
    pub madt: MadtInfo,
}

/// Finds and parses the MADT. Without ACPI the kernel cannot find its CPUs: it stops with a
/// message that says why.
pub fn init(rsdp_hint: u64) -> AcpiInfo {
    let info = init_quiet_from(rsdp_hint);
    println!(
        "exo: acpi: RSDP {:#x} rev {}, MADT {:#x}: {} CPUs, {} IO APICs, LAPIC {:#x}",
        info.rsdp,
        info.revision,
        info.madt_phys,
        info.madt.cpu_count,
        info.madt.io_apic_count,
        info.madt.local_apic_address
    );
    RSDP_HINT.store(rsdp_hint, core::sync::atomic::Ordering::Relaxed);
    info
}

static RSDP_HINT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Parses the tables again, silently (tests compare the result with what boot used).
pub fn init_quiet() -> AcpiInfo {
    init_quiet_from(RSDP_HINT.load(core::sync::atomic::Ordering::Relaxed))
}

fn init_quiet_from(rsdp_hint: u64) -> AcpiInfo {
    let rsdp = rsdp::find_rsdp(rsdp_hint).unwrap_or_else(|| panic!("ACPI RSDP not found (PVH hint {:#x})", rsdp_hint));
    let (madt_phys, bytes) =
        rsdp::find_table(&rsdp, *b"APIC").unwrap_or_else(|| panic!("ACPI MADT (APIC) table not found"));
    let madt = parse_madt(bytes).unwrap_or_else(|e| panic!("ACPI MADT at {:#x} is invalid: {:?}", madt_phys, e));
    AcpiInfo { rsdp: rsdp.address, revision: rsdp.revision, madt_phys, madt }
}
