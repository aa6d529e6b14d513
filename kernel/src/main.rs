//! Exo-OS kernel entry: brings up serial, memory, interrupts and SMP, then idles (or, in the
//! `test-runner` build, runs the in-QEMU tests and exits QEMU through isa-debug-exit).
#![no_std]
#![no_main]
#![allow(clippy::missing_safety_doc)]

extern crate alloc;

#[macro_use]
pub mod serial;
pub mod acpi;
pub mod arch;
pub mod fs;
pub mod loader;
pub mod log;
pub mod memory;
pub mod proc;
pub mod sched;
pub mod sync;
pub mod syscall;
#[cfg(feature = "test-runner")]
pub mod tests;

use arch::x86_64::{apic, cpu, gdt, idt, ioapic, percpu, pvh, smp};
use core::sync::atomic::{AtomicBool, Ordering};

/// Written once by kmain after SMP is up; the debugger's data-breakpoint tests watch it.
#[no_mangle]
pub static mut EXO_PROBE_COUNTER: u64 = 0;

/// Set when kmain finished bring-up (all CPUs online).
pub static KERNEL_READY: AtomicBool = AtomicBool::new(false);

/// Rust entry of the bootstrap CPU, called by `kernel_entry` (boot.S) with the physical
/// address of the PVH start_info.
#[no_mangle]
pub extern "C" fn kmain(start_info_phys: u64) -> ! {
    percpu::init(0);
    serial::init();
    println!("exo: booting Exo-OS on CPU {}", smp::current_cpu_index()); // #BP:kmain
    let boot = pvh::parse(start_info_phys);
    println!("exo: pvh: {} memory map entries, rsdp {:#x}", boot.memmap_len, boot.rsdp);

    let probe = debug_probe(0x1234, 7); // #BP:probe_call
    println!("exo: probe: {:#x}", probe); // #BP:probe_after

    cpu::enable_sse_state();
    gdt::load(0);
    memory::init(&boot);
    gdt::prepare_tss(0);
    gdt::load_tss();
    idt::init();
    let acpi = acpi::init(boot.rsdp);
    ioapic::init(&acpi.madt);
    apic::init_bsp(&acpi);
    cpu::enable_interrupts();
    smp::start_aps(&acpi);
    println!("exo: smp: {} CPUs online", smp::online_count()); // #BP:smp_online
    // SAFETY: written by this CPU only, once; readers (the debugger) only read it.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(EXO_PROBE_COUNTER), probe) }; // #BP:probe_write
    KERNEL_READY.store(true, Ordering::Release);
    crash_on_request(pvh::cmdline());
    sched::init();
    start_init(&boot);

    #[cfg(feature = "test-runner")]
    tests::run_all();

    smp::idle_loop()
}

/// With an initrd (`qemu -initrd`), mounts it and starts /bin/init on CPU 0 (it runs once this
/// CPU idles). Without one the kernel just idles, as in part 1.
fn start_init(boot: &pvh::BootInfo) {
    let Some((phys, len)) = boot.initrd else { return };
    match fs::init(phys, len) {
        Ok(n) => println!("exo: initrd: {} entries ({} bytes at {:#x})", n, len, phys),
        Err(e) => {
            println!("exo: initrd: not a cpio newc archive: {:?}", e);
            return;
        }
    }
    if cfg!(feature = "test-runner") {
        return; // the in-QEMU tests run instead
    }
    match syscall::exec::spawn("/bin/init", &["init"], 0) {
        Ok(pid) => println!("exo: started /bin/init as pid {}", pid),
        Err(e) => println!("exo: cannot start /bin/init: error {}", e),
    }
}

/// A small, never-inlined function with parameters and locals for the debugger's stepping and
/// variables tests.
#[inline(never)]
#[no_mangle]
pub fn debug_probe(a: u64, b: u32) -> u64 {
    let doubled = a * 2; // #BP:probe_entry
    let mixed = doubled ^ (b as u64);
    let shifted = mixed << (b % 8);
    shifted + 1
}

/// `exo.crash=pf`, `exo.crash=ud` or `exo.crash=stack` on the command line makes the BSP fault on purpose after
/// bring-up, to show (and test) the exception report; the other CPUs keep running.
fn crash_on_request(cmdline: &str) {
    for word in cmdline.split(' ') {
        match word {
            "exo.crash=pf" => {
                let addr = memory::layout::TEST_AREA + 0xdead_b000;
                // SAFETY: none: this read faults on purpose (nothing is mapped there).
                let v = unsafe { core::ptr::read_volatile(addr as *const u64) };
                println!("exo: crash: read {:#x} did not fault ({:#x})", addr, v);
            }
            // SAFETY: ud2 raises #UD on purpose.
            "exo.crash=ud" => unsafe { core::arch::asm!("ud2") },
            "exo.crash=stack" => {
                let depth = overflow_stack(0);
                println!("exo: crash: recursion returned {}", depth);
            }
            _ => {}
        }
    }
}

/// Recurses until the boot stack runs into its guard page (the `exo.crash=stack` demo).
#[inline(never)]
#[allow(unconditional_recursion)]
fn overflow_stack(depth: u64) -> u64 {
    let frame = [depth; 32];
    core::hint::black_box(&frame);
    overflow_stack(depth + 1) + frame[1]
}

/// Rust entry of each application processor, called by `ap_entry` (boot.S) on its own stack.
#[no_mangle]
pub extern "C" fn ap_main(cpu_index: u64) -> ! {
    let index = cpu_index as usize; // #BP:ap_main
    smp::ap_init(index);
    smp::idle_loop()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    cpu::disable_interrupts();
    smp::ipi::broadcast_panic();
    serial::emergency_println(format_args!("exo: PANIC on CPU {}: {}", smp::current_cpu_index(), info));
    if cfg!(feature = "test-runner") {
        exit_qemu_failure();
    }
    cpu::halt_forever()
}

/// Ends QEMU with the failure code in the test build (no-op otherwise).
pub fn exit_qemu_failure() {
    #[cfg(feature = "test-runner")]
    tests::exit_qemu(false);
}

/// core is built with unwinding; panic=abort never calls this, but the symbol must exist.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// Referenced by alloc's landing pads; with panic=abort nothing unwinds, so it cannot run.
#[no_mangle]
pub extern "C" fn _Unwind_Resume() -> ! {
    cpu::halt_forever()
}
