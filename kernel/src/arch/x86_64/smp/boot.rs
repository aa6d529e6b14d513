//! AP start-up: copies the real-mode trampoline (trampoline.S) to 0x8000 and starts each AP
//! from the MADT with INIT-SIPI-SIPI, one at a time, each on its own guarded stack.
use super::{set_identity, set_state, CpuState, MAX_CPUS};
use crate::acpi::AcpiInfo;
use crate::arch::x86_64::{apic, cpu, gdt, idt, percpu, pit};
use crate::memory::layout::phys_to_virt;
use core::ptr::addr_of;
use core::sync::atomic::{AtomicU64, Ordering};

const TRAMPOLINE_PHYS: u64 = 0x8000;
const AP_STACK_PAGES: u64 = 16;
const AP_START_TIMEOUT_MS: u64 = 10_000;

/// Read by ap_entry (boot.S): the stack and CPU index of the AP being started.
#[no_mangle]
pub static AP_BOOT_STACK: AtomicU64 = AtomicU64::new(0);
#[no_mangle]
pub static AP_BOOT_CPU: AtomicU64 = AtomicU64::new(0);

extern "C" {
    static ap_trampoline_start: u8;
    static ap_trampoline_end: u8;
    static ap_trampoline_cr3: u8;
    static ap_trampoline_entry: u8;
    static boot_pml4: u8;
    fn ap_entry();
}

fn install_trampoline() {
    // SAFETY: 0x8000 is reserved low memory (never handed out by the frame allocator) and
    // reachable through the direct map; the blob's labels delimit plain bytes.
    unsafe {
        let start = addr_of!(ap_trampoline_start) as u64;
        let len = addr_of!(ap_trampoline_end) as u64 - start;
        let dst = phys_to_virt(TRAMPOLINE_PHYS);
        core::ptr::copy_nonoverlapping(start as *const u8, dst as *mut u8, len as usize);
        let cr3_off = addr_of!(ap_trampoline_cr3) as u64 - start;
        let entry_off = addr_of!(ap_trampoline_entry) as u64 - start;
        // The boot tables live in the low boot section: their link address is physical.
        core::ptr::write_unaligned((dst + cr3_off) as *mut u64, addr_of!(boot_pml4) as u64);
        core::ptr::write_unaligned((dst + entry_off) as *mut u64, ap_entry as *const () as u64);
    }
}

/// Registers the BSP (index 0) and starts every other enabled CPU of the MADT.
pub fn start_aps(acpi: &AcpiInfo) {
    let bsp_apic = apic::id();
    let madt = &acpi.madt;
    let count = madt.cpu_count.min(MAX_CPUS);
    // SAFETY: written before any AP runs; the debugger and cpu_count() read it.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(super::EXO_CPU_COUNT), count as u32) };
    set_identity(0, bsp_apic, true);
    set_state(0, CpuState::Online);
    install_trampoline();
    let mut index = 1;
    for lapic in &madt.cpus[..count] {
        if lapic.apic_id == bsp_apic {
            continue;
        }
        set_identity(index, lapic.apic_id, false);
        set_state(index, CpuState::Initializing);
        gdt::prepare_tss(index);
        let stack = crate::memory::stack::alloc_stack(AP_STACK_PAGES);
        AP_BOOT_STACK.store(stack.as_u64(), Ordering::SeqCst);
        AP_BOOT_CPU.store(index as u64, Ordering::SeqCst);
        apic::send_init(lapic.apic_id);
        pit::sleep_us(10_000);
        apic::send_startup(lapic.apic_id, (TRAMPOLINE_PHYS >> 12) as u8);
        pit::sleep_us(200);
        if super::state(index) != CpuState::Online {
            apic::send_startup(lapic.apic_id, (TRAMPOLINE_PHYS >> 12) as u8);
        }
        let deadline = pit::deadline_ms(AP_START_TIMEOUT_MS);
        while super::state(index) != CpuState::Online {
            if pit::past(deadline) {
                println!("exo: smp: CPU {} (APIC id {}) did not start", index, lapic.apic_id);
                set_state(index, CpuState::Error);
                break;
            }
            core::hint::spin_loop();
        }
        index += 1;
    }
}

/// Per-AP initialization on the AP itself (called from ap_main on its boot stack).
pub fn ap_init(index: usize) {
    percpu::init(index);
    gdt::load(index);
    gdt::load_tss();
    idt::load();
    cpu::enable_sse_state();
    apic::init_ap();
    set_state(index, CpuState::Online);
    cpu::enable_interrupts();
}
