//! SMP: the per-CPU table the debugger reads (`EXO_CPUS`, `EXO_CPU_COUNT`), CPU states, the
//! online mask, the idle loop, and (in boot.rs / ipi.rs) AP start-up and inter-processor
//! interrupts.
pub mod boot;
pub mod ipi;

pub use boot::{ap_init, start_aps};
pub use ipi::{run_on_cpu, send_ipi, send_ipi_to_cpu};

use super::{cpu, percpu};
use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{AtomicU64, Ordering};

pub const MAX_CPUS: usize = 64;

#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CpuState {
    NotInitialized = 0,
    Initializing = 1,
    Online = 2,
    Offline = 3,
    Error = 4,
}

/// One CPU as the debugger sees it (one cache line).
#[repr(C, align(64))]
pub struct CpuInfo {
    /// Kernel CPU index (0 = BSP), also the index in EXO_CPUS.
    pub id: u32,
    pub state: CpuState,
    pub is_bsp: bool,
    pub apic_id: u32,
    /// Stays 0 until part 2 brings the scheduler.
    pub context_switches: AtomicU64,
    pub idle_time_ns: AtomicU64,
    pub busy_time_ns: AtomicU64,
    pub timer_ticks: AtomicU64,
    pub ipis_received: AtomicU64,
    pub tlb_shootdowns: AtomicU64,
}

impl CpuInfo {
    const EMPTY: CpuInfo = CpuInfo {
        id: 0,
        state: CpuState::NotInitialized,
        is_bsp: false,
        apic_id: 0,
        context_switches: AtomicU64::new(0),
        idle_time_ns: AtomicU64::new(0),
        busy_time_ns: AtomicU64::new(0),
        timer_ticks: AtomicU64::new(0),
        ipis_received: AtomicU64::new(0),
        tlb_shootdowns: AtomicU64::new(0),
    };
}

/// The per-CPU table (entries [0, EXO_CPU_COUNT) are the CPUs from the MADT).
#[no_mangle]
pub static mut EXO_CPUS: [CpuInfo; MAX_CPUS] = [CpuInfo::EMPTY; MAX_CPUS];

/// Number of CPUs the MADT lists as enabled (valid entries of EXO_CPUS).
#[no_mangle]
pub static mut EXO_CPU_COUNT: u32 = 0;

/// Bit i set: CPU i is online (answers IPIs, takes TLB shootdowns).
static ONLINE_MASK: AtomicU64 = AtomicU64::new(0);

pub fn cpu_info(index: usize) -> &'static CpuInfo {
    // SAFETY: entries are never moved; mutable fields are atomics or written volatile.
    unsafe { &*addr_of!(EXO_CPUS[index]) }
}

pub fn this_cpu_info() -> &'static CpuInfo {
    cpu_info(current_cpu_index())
}

pub fn cpu_count() -> usize {
    // SAFETY: written once by the BSP before the APs start.
    unsafe { core::ptr::read_volatile(addr_of!(EXO_CPU_COUNT)) as usize }
}

pub fn state(index: usize) -> CpuState {
    // SAFETY: a plain aligned read of a field written only through set_state.
    unsafe { core::ptr::read_volatile(addr_of!(EXO_CPUS[index].state)) }
}

pub fn set_state(index: usize, state: CpuState) {
    // SAFETY: aligned volatile write of a u32-sized enum.
    unsafe { core::ptr::write_volatile(addr_of_mut!(EXO_CPUS[index].state), state) };
    if state == CpuState::Online {
        ONLINE_MASK.fetch_or(1 << index, Ordering::SeqCst);
    } else {
        ONLINE_MASK.fetch_and(!(1u64 << index), Ordering::SeqCst);
    }
}

/// Records the static identity of CPU `index`.
pub fn set_identity(index: usize, apic_id: u32, is_bsp: bool) {
    // SAFETY: the slot's CPU is not running yet (or is the caller).
    unsafe {
        let p = addr_of_mut!(EXO_CPUS[index]);
        core::ptr::write_volatile(addr_of_mut!((*p).id), index as u32);
        core::ptr::write_volatile(addr_of_mut!((*p).apic_id), apic_id);
        core::ptr::write_volatile(addr_of_mut!((*p).is_bsp), is_bsp);
    }
}

pub fn online_mask() -> u64 {
    ONLINE_MASK.load(Ordering::SeqCst)
}

pub fn online_count() -> u32 {
    online_mask().count_ones()
}

pub fn current_cpu_index() -> usize {
    percpu::current_index()
}

/// The seed's name for `current_cpu_index`.
pub fn current_cpu_id() -> usize {
    current_cpu_index()
}

/// Takes the calling CPU out of the online set (before it halts for good).
pub fn mark_offline() {
    set_state(current_cpu_index(), CpuState::Offline);
}

/// Every CPU ends here: run queued work, otherwise sleep until the next interrupt.
pub fn idle_loop() -> ! {
    loop {
        ipi::run_pending_work();
        // Check for work with interrupts off so a wake-up IPI cannot slip in before the hlt.
        cpu::disable_interrupts();
        if ipi::has_pending_work() {
            cpu::enable_interrupts();
            continue;
        }
        percpu::set_idle(true);
        cpu::wait_for_interrupt();
        percpu::set_idle(false);
    }
}
