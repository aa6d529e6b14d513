//! Interrupt dispatch (called by isr_common in isr.S with the saved frame): exceptions print
//! vector, error code, RIP (and CR2 for #PF) and halt that CPU; the timer, IPIs and spurious
//! interrupts are handled here.
use super::{apic, cpu, percpu, smp};
use crate::memory::paging::tlb;
use core::sync::atomic::Ordering;

/// What isr_common pushed, lowest address first.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct InterruptFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

const EXCEPTION_NAMES: [&str; 32] = [
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection", "page fault", "reserved", "x87 FP", "alignment check",
    "machine check", "SIMD FP", "virtualization", "control protection", "reserved", "reserved",
    "reserved", "reserved", "reserved", "reserved", "hypervisor injection", "VMM communication",
    "security", "reserved",
];

pub const PAGE_FAULT: u64 = 14;

/// The fxsave image isr_common keeps below the frame (SSE state of the interrupted code).
pub type FxArea = [u8; 512];
/// Software-only vector whose handler clobbers every xmm register: the test runner raises it
/// with `int` to check that isr_common saves and restores the SSE state.
pub const SSE_CLOBBER_VECTOR: u8 = 0x81;

extern "C" {
    static probe_read_insn: u8;
    static probe_write_insn: u8;
    static probe_fixup: u8;
}

#[no_mangle]
extern "C" fn interrupt_dispatch(frame: &mut InterruptFrame, fx: *mut FxArea) {
    // SAFETY: isr_common passes its 16-byte aligned 512-byte fxsave area, live until we return.
    let fx = unsafe { &mut *fx };
    let vector = frame.vector;
    if vector == PAGE_FAULT && try_probe_fixup(frame) {
        return;
    }
    if vector < 32 && frame.cs & 3 == 3 {
        // From a user process: COW faults are resolved, anything else ends the process.
        crate::sched::user_exception(frame, fx);
        return;
    }
    match vector {
        0..=31 => exception(frame),
        v if v == apic::TIMER_VECTOR as u64 => {
            timer_tick(frame);
            apic::eoi();
            crate::sched::on_tick(frame, fx);
        }
        v if v == super::idt::SYSCALL_VECTOR as u64 => crate::syscall::dispatch(frame, fx),
        v if v == smp::ipi::TLB_SHOOTDOWN as u64 => {
            tlb::handle_shootdown_ipi();
            smp::this_cpu_info().ipis_received.fetch_add(1, Ordering::Relaxed);
            apic::eoi();
        }
        v if v == smp::ipi::RESCHEDULE as u64 => {
            // Wakes the idle loop, which runs any work queued for this CPU, or the scheduler.
            smp::this_cpu_info().ipis_received.fetch_add(1, Ordering::Relaxed);
            apic::eoi();
            crate::sched::on_resched(frame, fx);
        }
        v if v == smp::ipi::PANIC as u64 => {
            smp::mark_offline();
            cpu::halt_forever();
        }
        v if v == SSE_CLOBBER_VECTOR as u64 => clobber_sse(),
        v if v == apic::SPURIOUS_VECTOR as u64 => {} // no EOI for spurious interrupts
        v if (apic::PIC_BASE_VECTOR as u64..apic::PIC_BASE_VECTOR as u64 + 16).contains(&v) => {} // masked 8259
        v => {
            println!("exo: unexpected interrupt vector {:#x} on CPU {}", v, smp::current_cpu_index());
            apic::eoi();
        }
    }
}

/// Page faults at the probe instructions (probe.S) resume at probe_fixup instead.
fn try_probe_fixup(frame: &mut InterruptFrame) -> bool {
    // SAFETY: only the addresses of the probe labels are taken.
    let (r, w, fix) = unsafe {
        (
            &probe_read_insn as *const u8 as u64,
            &probe_write_insn as *const u8 as u64,
            &probe_fixup as *const u8 as u64,
        )
    };
    if frame.rip == r || frame.rip == w {
        crate::memory::probe::record_fault(cpu::read_cr2(), frame.error_code);
        frame.rip = fix;
        return true;
    }
    false
}

fn exception(frame: &InterruptFrame) -> ! {
    let v = frame.vector as usize;
    let cpu_index = smp::current_cpu_index();
    if frame.vector == PAGE_FAULT {
        println!(
            "exo: EXCEPTION {} ({}) on CPU {}: error {:#x} rip {:#x} cr2 {:#x}",
            v, EXCEPTION_NAMES[v], cpu_index, frame.error_code, frame.rip, cpu::read_cr2()
        );
    } else {
        println!(
            "exo: EXCEPTION {} ({}) on CPU {}: error {:#x} rip {:#x} rsp {:#x}",
            v, EXCEPTION_NAMES[v], cpu_index, frame.error_code, frame.rip, frame.rsp
        );
    }
    crate::exit_qemu_failure();
    smp::mark_offline();
    println!("exo: CPU {} halted", cpu_index);
    cpu::halt_forever()
}

fn clobber_sse() {
    // SAFETY: only xmm registers change, which isr_common restores.
    unsafe {
        core::arch::asm!(
            "pcmpeqd xmm0, xmm0", "pcmpeqd xmm1, xmm1", "pcmpeqd xmm2, xmm2", "pcmpeqd xmm3, xmm3",
            "pcmpeqd xmm4, xmm4", "pcmpeqd xmm5, xmm5", "pcmpeqd xmm6, xmm6", "pcmpeqd xmm7, xmm7",
            "pcmpeqd xmm8, xmm8", "pcmpeqd xmm9, xmm9", "pcmpeqd xmm10, xmm10", "pcmpeqd xmm11, xmm11",
            "pcmpeqd xmm12, xmm12", "pcmpeqd xmm13, xmm13", "pcmpeqd xmm14, xmm14", "pcmpeqd xmm15, xmm15",
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _, out("xmm5") _,
            out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
            options(nomem, nostack),
        );
    }
}

fn timer_tick(_frame: &InterruptFrame) {
    let info = smp::this_cpu_info();
    let ticks = info.timer_ticks.fetch_add(1, Ordering::Relaxed); // #BP:timer_tick
    if percpu::current().in_idle.load(Ordering::Relaxed) {
        info.idle_time_ns.fetch_add(apic::TICK_NS, Ordering::Relaxed);
    } else {
        info.busy_time_ns.fetch_add(apic::TICK_NS, Ordering::Relaxed);
    }
    let _ = ticks;
}
