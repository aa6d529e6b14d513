//! MADT ("APIC") parsing from bytes: pure, so the test runner feeds it a byte fixture as well
//! as the firmware's table. Entry types: 0 Local APIC, 1 IO APIC, 2 interrupt source
//! override, 5 Local APIC address override, 9 Local x2APIC.
use crate::arch::x86_64::smp::MAX_CPUS;

pub const MAX_IO_APICS: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalApicEntry {
    pub processor_uid: u32,
    pub apic_id: u32,
    pub flags: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoApicEntry {
    pub id: u8,
    pub address: u32,
    pub gsi_base: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct MadtInfo {
    pub local_apic_address: u64,
    pub flags: u32,
    /// Enabled CPUs only (flags bit 0), in table order.
    pub cpus: [LocalApicEntry; MAX_CPUS],
    pub cpu_count: usize,
    /// Disabled (not present) Local APIC entries seen.
    pub disabled_cpus: usize,
    pub io_apics: [IoApicEntry; MAX_IO_APICS],
    pub io_apic_count: usize,
    pub overrides: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadtError {
    TooShort,
    BadSignature,
    BadLength,
    BadChecksum,
    BadEntry { offset: usize },
}

const HEADER: usize = 44;

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

pub fn parse_madt(b: &[u8]) -> Result<MadtInfo, MadtError> {
    if b.len() < HEADER {
        return Err(MadtError::TooShort);
    }
    if &b[..4] != b"APIC" {
        return Err(MadtError::BadSignature);
    }
    let len = u32_at(b, 4) as usize;
    if len < HEADER || len > b.len() {
        return Err(MadtError::BadLength);
    }
    let b = &b[..len];
    if b.iter().fold(0u8, |a, &x| a.wrapping_add(x)) != 0 {
        return Err(MadtError::BadChecksum);
    }
    let mut m = MadtInfo {
        local_apic_address: u32_at(b, 36) as u64,
        flags: u32_at(b, 40),
        cpus: [LocalApicEntry::default(); MAX_CPUS],
        cpu_count: 0,
        disabled_cpus: 0,
        io_apics: [IoApicEntry::default(); MAX_IO_APICS],
        io_apic_count: 0,
        overrides: 0,
    };
    let mut off = HEADER;
    while off < len {
        if off + 2 > len {
            return Err(MadtError::BadEntry { offset: off });
        }
        let (kind, elen) = (b[off], b[off + 1] as usize);
        if elen < 2 || off + elen > len {
            return Err(MadtError::BadEntry { offset: off });
        }
        let e = &b[off..off + elen];
        let need = match kind {
            0 => 8,
            1 => 12,
            2 => 10,
            5 => 12,
            9 => 16,
            _ => 2,
        };
        if elen < need {
            return Err(MadtError::BadEntry { offset: off });
        }
        match kind {
            0 | 9 => {
                let entry = if kind == 0 {
                    LocalApicEntry { processor_uid: e[2] as u32, apic_id: e[3] as u32, flags: u32_at(e, 4) }
                } else {
                    LocalApicEntry { processor_uid: u32_at(e, 12), apic_id: u32_at(e, 4), flags: u32_at(e, 8) }
                };
                if entry.flags & 1 == 0 {
                    m.disabled_cpus += 1;
                } else if m.cpu_count < MAX_CPUS {
                    m.cpus[m.cpu_count] = entry;
                    m.cpu_count += 1;
                }
            }
            1 if m.io_apic_count < MAX_IO_APICS => {
                m.io_apics[m.io_apic_count] = IoApicEntry { id: e[2], address: u32_at(e, 4), gsi_base: u32_at(e, 8) };
                m.io_apic_count += 1;
            }
            2 => m.overrides += 1,
            5 => m.local_apic_address = u32_at(e, 4) as u64 | (u32_at(e, 8) as u64) << 32,
            _ => {}
        }
        off += elen;
    }
    Ok(m)
}
