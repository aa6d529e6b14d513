//! Host-side tests of the kernel's pure logic (MADT parsing, page-table entry encoding),
//! compiled with plain `rustc --test` against the kernel's own source files. The modules the
//! kernel files import (`crate::arch::...`, `crate::memory::...`) are stood in for here with
//! the same constants.
#![allow(dead_code)]

mod arch {
    pub mod x86_64 {
        pub mod smp {
            pub const MAX_CPUS: usize = 64;
        }
    }
}

// `#[path]` on top-level items: inside inline modules rustc resolves paths through
// directories that do not exist.
#[path = "../src/memory/addr.rs"]
pub mod addr;
#[path = "../src/memory/paging/entry.rs"]
pub mod entry;
#[path = "../src/acpi/madt.rs"]
pub mod madt;

/// addr.rs reaches `super::layout::phys_to_virt`.
mod layout {
    pub const fn phys_to_virt(p: u64) -> u64 {
        p + 0xffff_8000_0000_0000
    }
}

mod memory {
    pub use crate::addr;
    pub mod paging {
        pub use crate::entry;
    }
}

mod acpi {
    pub use crate::madt;
}

#[cfg(test)]
mod tests {
    use crate::acpi::madt::{parse_madt, MadtError};
    use crate::memory::addr::{PhysAddr, VirtAddr};
    use crate::memory::paging::entry::{PageTableEntry, PageTableFlags as F};

    fn madt(entries: &[&[u8]]) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(b"APIC");
        t.extend_from_slice(&[0; 4]);
        t.extend_from_slice(&[3, 0]);
        t.extend_from_slice(&[b'X'; 26]);
        t.extend_from_slice(&0xFEE0_0000u32.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        for e in entries {
            t.extend_from_slice(e);
        }
        let len = t.len() as u32;
        t[4..8].copy_from_slice(&len.to_le_bytes());
        let sum = t.iter().fold(0u8, |a, &x| a.wrapping_add(x));
        t[9] = 0u8.wrapping_sub(sum);
        t
    }

    #[test]
    fn madt_counts_enabled_cpus_only() {
        let t = madt(&[&[0, 8, 0, 0, 1, 0, 0, 0], &[0, 8, 1, 1, 0, 0, 0, 0], &[0, 8, 2, 5, 1, 0, 0, 0]]);
        let m = parse_madt(&t).unwrap();
        assert_eq!(m.cpu_count, 2);
        assert_eq!(m.disabled_cpus, 1);
        assert_eq!([m.cpus[0].apic_id, m.cpus[1].apic_id], [0, 5]);
        assert_eq!(m.local_apic_address, 0xFEE0_0000);
    }

    #[test]
    fn madt_address_override_wins() {
        let mut e5 = vec![5, 12, 0, 0];
        e5.extend_from_slice(&0x1_2345_6000u64.to_le_bytes());
        let m = parse_madt(&madt(&[&e5])).unwrap();
        assert_eq!(m.local_apic_address, 0x1_2345_6000);
    }

    #[test]
    fn madt_caps_cpus_at_max() {
        let entries: Vec<[u8; 8]> = (0..70u8).map(|i| [0, 8, i, i, 1, 0, 0, 0]).collect();
        let refs: Vec<&[u8]> = entries.iter().map(|e| &e[..]).collect();
        let m = parse_madt(&madt(&refs)).unwrap();
        assert_eq!(m.cpu_count, 64);
    }

    #[test]
    fn madt_checksum_and_signature() {
        let mut t = madt(&[&[0, 8, 0, 0, 1, 0, 0, 0]]);
        t[40] ^= 0x10;
        assert_eq!(parse_madt(&t).err(), Some(MadtError::BadChecksum));
        assert_eq!(parse_madt(b"FACP").err(), Some(MadtError::TooShort));
    }

    /// Whatever the bytes, the parser returns a value or an error: it never panics (a panic
    /// in the kernel would stop boot on a malformed firmware table).
    #[test]
    fn madt_never_panics_on_mutations() {
        let base = madt(&[&[0, 8, 0, 0, 1, 0, 0, 0], &[1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0], &[9, 16, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0]]);
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut t = base.clone();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() as usize) % t.len();
                t[i] = next() as u8;
            }
            let cut = (next() as usize) % (t.len() + 1);
            let t = if next() % 4 == 0 { &t[..cut] } else { &t[..] };
            let _ = parse_madt(t);
            // Fixing the checksum lets mutations reach the entry parser too.
            let mut fixed = t.to_vec();
            if fixed.len() > 9 {
                fixed[9] = 0;
                let sum = fixed.iter().fold(0u8, |a, &x| a.wrapping_add(x));
                fixed[9] = 0u8.wrapping_sub(sum);
            }
            let _ = parse_madt(&fixed);
        }
    }

    #[test]
    fn entry_encoding_round_trips() {
        let flags = F::PRESENT | F::WRITABLE | F::NO_EXECUTE | F::COW;
        let e = PageTableEntry::new(PhysAddr::new(0x1234_5000), flags);
        assert_eq!(e.raw(), 0x8000_0000_1234_5000 | 0x203);
        assert_eq!(e.addr(), PhysAddr::new(0x1234_5000));
        assert_eq!(e.flags(), flags);
        assert!(e.is_present() && !e.is_huge());
        // Address bits outside 12..52 never leak into the entry.
        let e = PageTableEntry::new(PhysAddr::new(0xFFF0_0000_0000_0FFF), F::PRESENT);
        assert_eq!(e.raw(), 0x0000_0000_0000_0001);
        assert!(!(F::WRITABLE).contains(F::PRESENT));
        assert_eq!((!F::WRITABLE) & (F::PRESENT | F::WRITABLE), F::PRESENT);
    }

    #[test]
    fn table_indices() {
        let v = VirtAddr::new(0xffff_ffff_8010_6000);
        assert_eq!([v.table_index(4), v.table_index(3), v.table_index(2), v.table_index(1)], [511, 510, 0, 0x106]);
        let d = VirtAddr::new(0xffff_8000_0000_0000);
        assert_eq!(d.table_index(4), 256);
        assert_eq!(VirtAddr::new(0x1fff).page_base(), VirtAddr::new(0x1000));
    }
}
