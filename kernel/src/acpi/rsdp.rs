//! RSDP discovery and the RSDT/XSDT walk. Tables are read through the direct map.
use crate::memory::layout::phys_to_virt;

pub struct Rsdp {
    pub address: u64,
    pub revision: u8,
    pub rsdt: u64,
    pub xsdt: u64,
}

fn bytes(phys: u64, len: usize) -> &'static [u8] {
    // SAFETY: ACPI tables lie in RAM or ROM below 4 GiB, all covered by the direct map.
    unsafe { core::slice::from_raw_parts(phys_to_virt(phys) as *const u8, len) }
}

fn checksum_ok(b: &[u8]) -> bool {
    b.iter().fold(0u8, |a, &x| a.wrapping_add(x)) == 0
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u32_at(b, off) as u64 | (u32_at(b, off + 4) as u64) << 32
}

fn try_rsdp(phys: u64) -> Option<Rsdp> {
    let b = bytes(phys, 36);
    if &b[..8] != b"RSD PTR " || !checksum_ok(&b[..20]) {
        return None;
    }
    let revision = b[15];
    let xsdt = if revision >= 2 && checksum_ok(&b[..(u32_at(b, 20) as usize).clamp(20, 36)]) { u64_at(b, 24) } else { 0 };
    Some(Rsdp { address: phys, revision, rsdt: u32_at(b, 16) as u64, xsdt })
}

fn scan(start: u64, end: u64) -> Option<Rsdp> {
    (start..end).step_by(16).find_map(try_rsdp)
}

/// Uses the PVH hint when valid, else scans the first KiB of the EBDA and 0xE0000-0xFFFFF.
pub fn find_rsdp(hint: u64) -> Option<Rsdp> {
    if hint != 0 {
        if let Some(r) = try_rsdp(hint) {
            return Some(r);
        }
    }
    let ebda = (u16::from_le_bytes([bytes(0x40E, 2)[0], bytes(0x40E, 2)[1]]) as u64) << 4;
    if (0x80000..0xA0000).contains(&ebda) {
        if let Some(r) = scan(ebda, ebda + 1024) {
            return Some(r);
        }
    }
    scan(0xE0000, 0x100000)
}

/// Finds the table with `signature` through the XSDT (or RSDT); returns its address and bytes.
pub fn find_table(rsdp: &Rsdp, signature: [u8; 4]) -> Option<(u64, &'static [u8])> {
    let (root, entry_size) = if rsdp.xsdt != 0 { (rsdp.xsdt, 8) } else { (rsdp.rsdt, 4) };
    let header = bytes(root, 36);
    let len = u32_at(header, 4) as usize;
    let root_bytes = bytes(root, len);
    if len < 36 || !checksum_ok(root_bytes) {
        return None;
    }
    for off in (36..len).step_by(entry_size) {
        if off + entry_size > len {
            break;
        }
        let phys = if entry_size == 8 { u64_at(root_bytes, off) } else { u32_at(root_bytes, off) as u64 };
        let h = bytes(phys, 8);
        if h[..4] == signature {
            let tlen = u32_at(h, 4) as usize;
            return Some((phys, bytes(phys, tlen)));
        }
    }
    None
}
