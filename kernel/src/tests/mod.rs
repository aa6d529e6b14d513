//! In-QEMU test runner (feature `test-runner`): runs every test after bring-up, prints
//! `exo-test: <name> ok|FAILED` and `exo-test: N passed, M failed`, then ends QEMU through
//! isa-debug-exit (iobase 0xf4): exit status 33 when all passed, 35 otherwise.
mod acpi;
mod frames;
mod paging;
mod procs;
mod smp;

use crate::arch::x86_64::cpu::{self, outl};
use alloc::string::String;

pub type TestResult = Result<(), String>;

/// Fails the test with a formatted message unless `cond` holds.
macro_rules! check {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(alloc::format!("{} ({}:{})", alloc::format!($($arg)*), file!(), line!()));
        }
    };
}
pub(crate) use check;

const TESTS: &[(&str, fn() -> TestResult)] = &[
    ("frame_alloc_unique_and_zeroed", frames::alloc_unique_and_zeroed),
    ("frame_refcounts", frames::refcounts),
    ("frame_free_reuses", frames::free_reuses),
    ("heap_alloc_free", frames::heap_alloc_free),
    ("paging_kernel_wx", paging::kernel_wx),
    ("paging_walk_direct_map", paging::walk_direct_map),
    ("paging_map_visible", paging::map_visible),
    ("paging_unmap_faults", paging::unmap_faults),
    ("paging_protect_rejects_writes", paging::protect_rejects_writes),
    ("paging_ranges", paging::ranges),
    ("paging_errors", paging::errors),
    ("tlb_range_flush", paging::tlb_range_flush),
    ("idt_all_gates_use_ist", smp::all_gates_use_ist),
    ("sse_saved_across_interrupts", smp::sse_saved_across_interrupts),
    ("madt_fixture", acpi::madt_fixture),
    ("madt_rejects_bad_tables", acpi::madt_rejects_bad),
    ("madt_firmware", acpi::madt_firmware),
    ("rsdp_scan", acpi::rsdp_scan),
    ("ioapic_all_masked", acpi::ioapic_all_masked),
    ("smp_all_cpus_online", smp::all_cpus_online),
    ("smp_timer_ticks_everywhere", smp::timer_ticks_everywhere),
    ("smp_ipi_round_trip", smp::ipi_round_trip),
    ("smp_tlb_shootdown", smp::tlb_shootdown),
    ("log_ring_has_output", smp::log_ring_has_output),
    ("cow_copy_then_reuse", procs::cow_copy_then_reuse),
    ("cow_shootdown_other_cpu", procs::cow_shootdown_other_cpu),
    ("elf_loader_rejects_malformed", procs::elf_loader_rejects_malformed),
    ("cpio_newc_parse", procs::cpio_newc_parse),
    ("runner_self_check", runner_self_check),
];

/// Fails on purpose when the command line says `exo.test.fail`, so the host-side test can
/// check that a failure reaches the summary and the exit status.
fn runner_self_check() -> TestResult {
    let cmdline = crate::arch::x86_64::pvh::cmdline();
    check!(!cmdline.split(' ').any(|w| w == "exo.test.fail"), "failing on request (cmdline {:?})", cmdline);
    Ok(())
}

pub fn run_all() {
    println!("exo-test: running {} tests on {} CPUs", TESTS.len(), crate::arch::x86_64::smp::online_count());
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in TESTS {
        match test() {
            Ok(()) => {
                passed += 1;
                println!("exo-test: {} ok", name);
            }
            Err(why) => {
                failed += 1;
                println!("exo-test: {} FAILED: {}", name, why);
            }
        }
    }
    println!("exo-test: {} passed, {} failed", passed, failed);
    exit_qemu(failed == 0);
}

/// Ends QEMU through isa-debug-exit: the process exits with (code << 1) | 1.
pub fn exit_qemu(success: bool) -> ! {
    // SAFETY: port 0xf4 is QEMU's isa-debug-exit device in the test command line; without
    // it the write is ignored and the CPU halts below.
    unsafe { outl(0xf4, if success { 0x10 } else { 0x11 }) };
    cpu::halt_forever()
}
