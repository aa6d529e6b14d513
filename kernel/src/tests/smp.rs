//! SMP tests: all CPUs online, timer ticks on each, IST on every gate, an IPI round trip, a
//! TLB shootdown observed from another CPU, and the log ring.
use super::{check, TestResult};
use crate::arch::x86_64::smp::{self, ipi, CpuState};
use crate::arch::x86_64::{gdt, idt, pit};
use crate::memory::addr::{VirtAddr, PAGE_SIZE};
use crate::memory::layout::TEST_AREA;
use crate::memory::paging::{self, PageTableFlags as F};
use crate::memory::{frame, probe};
use alloc::format;
use core::sync::atomic::{AtomicU64, Ordering};

const RUN_TIMEOUT_MS: u64 = 10_000;

pub fn all_gates_use_ist() -> TestResult {
    let stubs_ok = |v: usize| {
        let (ist, addr, present) = idt::gate(v);
        (ist, addr, present)
    };
    let first = stubs_ok(0).1;
    for v in 0..256 {
        let (ist, addr, present) = stubs_ok(v);
        check!(present, "vector {} not present", v);
        // The syscall gate is entered from ring 3 only, onto TSS.rsp0 (no red zone there).
        check!(ist != 0 || v == idt::SYSCALL_VECTOR, "vector {} runs on the interrupted stack (red zone!)", v);
        check!(addr == first + 16 * v as u64, "vector {} handler {:#x}", v, addr);
    }
    for cpu in 0..smp::cpu_count() {
        let tops = gdt::ist_tops(cpu);
        for (i, top) in tops.iter().take(4).enumerate() {
            check!(*top != 0 && paging::is_page_present(VirtAddr::new(top - 8)), "CPU {} IST{} stack {:#x}", cpu, i + 1, top);
        }
    }
    Ok(())
}

pub fn all_cpus_online() -> TestResult {
    let n = smp::cpu_count();
    check!(n >= 1, "no CPUs in EXO_CPU_COUNT");
    check!(smp::online_count() as usize == n, "{} of {} CPUs online", smp::online_count(), n);
    let mut apic_ids = alloc::vec::Vec::new();
    for i in 0..n {
        let info = smp::cpu_info(i);
        check!(smp::state(i) == CpuState::Online, "CPU {} state {:?}", i, smp::state(i));
        check!(info.id as usize == i, "CPU {} id {}", i, info.id);
        check!(info.is_bsp == (i == 0), "CPU {} is_bsp {}", i, info.is_bsp);
        check!(!apic_ids.contains(&info.apic_id), "APIC id {} twice", info.apic_id);
        apic_ids.push(info.apic_id);
    }
    Ok(())
}

pub fn timer_ticks_everywhere() -> TestResult {
    let n = smp::cpu_count();
    let before: alloc::vec::Vec<u64> = (0..n).map(|i| smp::cpu_info(i).timer_ticks.load(Ordering::SeqCst)).collect();
    let deadline = pit::deadline_ms(10_000);
    loop {
        let behind = (0..n).filter(|&i| smp::cpu_info(i).timer_ticks.load(Ordering::SeqCst) < before[i] + 3).count();
        if behind == 0 {
            break;
        }
        check!(!pit::past(deadline), "{} CPUs got fewer than 3 timer ticks in 10 s", behind);
        crate::arch::x86_64::cpu::wait_for_interrupt();
    }
    for i in 0..n {
        let c = smp::cpu_info(i);
        let total = c.idle_time_ns.load(Ordering::SeqCst) + c.busy_time_ns.load(Ordering::SeqCst);
        check!(total > 0, "CPU {} has no idle/busy time", i);
    }
    Ok(())
}

fn send_back_to_bsp() {
    smp::send_ipi_to_cpu(0, ipi::RESCHEDULE);
}

pub fn ipi_round_trip() -> TestResult {
    for target in 1..smp::cpu_count() {
        let got = smp::cpu_info(target).ipis_received.load(Ordering::SeqCst);
        let mine = smp::cpu_info(0).ipis_received.load(Ordering::SeqCst);
        // The RESCHEDULE IPI wakes the target, which answers with an IPI back to the BSP.
        smp::run_on_cpu(target, send_back_to_bsp, RUN_TIMEOUT_MS).map_err(|e| format!("CPU {}: {:?}", target, e))?;
        check!(smp::cpu_info(target).ipis_received.load(Ordering::SeqCst) > got, "CPU {} saw no IPI", target);
        let deadline = pit::deadline_ms(RUN_TIMEOUT_MS);
        while smp::cpu_info(0).ipis_received.load(Ordering::SeqCst) == mine {
            check!(!pit::past(deadline), "no IPI back from CPU {}", target);
            core::hint::spin_loop();
        }
    }
    Ok(())
}

static SHOOT_VALUE: AtomicU64 = AtomicU64::new(0);
static SHOOT_FAULTED: AtomicU64 = AtomicU64::new(0);
const SHOOT_PAGE: u64 = TEST_AREA + 0x800_0000;

/// Runs on the observing CPU: reads the test page (filling its TLB).
fn observe() {
    match probe::read_u64(SHOOT_PAGE) {
        Ok(v) => {
            SHOOT_VALUE.store(v, Ordering::SeqCst);
            SHOOT_FAULTED.store(0, Ordering::SeqCst);
        }
        Err(_) => SHOOT_FAULTED.store(1, Ordering::SeqCst),
    }
}

pub fn tlb_shootdown() -> TestResult {
    if smp::cpu_count() < 2 {
        // One CPU: nothing to shoot down; the local paths are covered by the paging tests.
        return Ok(());
    }
    let v = VirtAddr::new(SHOOT_PAGE);
    let (a, b) = (frame::alloc_frame().ok_or("out of frames")?, frame::alloc_frame().ok_or("out of frames")?);
    // SAFETY: tagging our own frames through the direct map.
    unsafe {
        (a.to_virt().as_u64() as *mut u64).write_volatile(0xAAAA);
        (b.to_virt().as_u64() as *mut u64).write_volatile(0xBBBB);
    }
    let rw = F::PRESENT | F::WRITABLE | F::NO_EXECUTE;
    for target in 1..smp::cpu_count() {
        paging::map_page(v, a, rw).map_err(|e| format!("map: {:?}", e))?;
        smp::run_on_cpu(target, observe, RUN_TIMEOUT_MS).map_err(|e| format!("{:?}", e))?;
        check!(SHOOT_FAULTED.load(Ordering::SeqCst) == 0 && SHOOT_VALUE.load(Ordering::SeqCst) == 0xAAAA, "CPU {} first read", target);
        let shot = smp::cpu_info(target).tlb_shootdowns.load(Ordering::SeqCst);
        // Remap to B: unmap_page shoots the old translation down on every other CPU.
        paging::unmap_page(v).map_err(|e| format!("unmap: {:?}", e))?;
        check!(smp::cpu_info(target).tlb_shootdowns.load(Ordering::SeqCst) > shot, "CPU {} got no shootdown", target);
        smp::run_on_cpu(target, observe, RUN_TIMEOUT_MS).map_err(|e| format!("{:?}", e))?;
        check!(SHOOT_FAULTED.load(Ordering::SeqCst) == 1, "CPU {} still reads the unmapped page: {:#x}", target, SHOOT_VALUE.load(Ordering::SeqCst));
        paging::map_page(v, b, rw).map_err(|e| format!("map: {:?}", e))?;
        smp::run_on_cpu(target, observe, RUN_TIMEOUT_MS).map_err(|e| format!("{:?}", e))?;
        check!(SHOOT_VALUE.load(Ordering::SeqCst) == 0xBBBB, "CPU {} reads {:#x} after remap", target, SHOOT_VALUE.load(Ordering::SeqCst));
        paging::unmap_page(v).map_err(|e| format!("unmap: {:?}", e))?;
    }
    frame::free_frame(a).map_err(|e| format!("{:?}", e))?;
    frame::free_frame(b).map_err(|e| format!("{:?}", e))?;
    let _ = PAGE_SIZE;
    Ok(())
}

/// Loads all 16 xmm registers, raises an interrupt whose handler overwrites them all, and
/// checks that they come back intact (isr_common's fxsave/fxrstor).
pub fn sse_saved_across_interrupts() -> TestResult {
    let input: [u64; 32] = core::array::from_fn(|i| 0x0101_0101_0101_0101u64.wrapping_mul(i as u64 + 1) ^ 0x5A5A);
    let mut output = [0u64; 32];
    // SAFETY: loads/stores 16-byte slots of the two arrays; `int 0x81` runs clobber_sse,
    // which only touches xmm registers (declared clobbered here too).
    unsafe {
        core::arch::asm!(
            "movdqu xmm0, [{i}]", "movdqu xmm1, [{i} + 16]", "movdqu xmm2, [{i} + 32]", "movdqu xmm3, [{i} + 48]",
            "movdqu xmm4, [{i} + 64]", "movdqu xmm5, [{i} + 80]", "movdqu xmm6, [{i} + 96]", "movdqu xmm7, [{i} + 112]",
            "movdqu xmm8, [{i} + 128]", "movdqu xmm9, [{i} + 144]", "movdqu xmm10, [{i} + 160]", "movdqu xmm11, [{i} + 176]",
            "movdqu xmm12, [{i} + 192]", "movdqu xmm13, [{i} + 208]", "movdqu xmm14, [{i} + 224]", "movdqu xmm15, [{i} + 240]",
            "int 0x81",
            "movdqu [{o}], xmm0", "movdqu [{o} + 16], xmm1", "movdqu [{o} + 32], xmm2", "movdqu [{o} + 48], xmm3",
            "movdqu [{o} + 64], xmm4", "movdqu [{o} + 80], xmm5", "movdqu [{o} + 96], xmm6", "movdqu [{o} + 112], xmm7",
            "movdqu [{o} + 128], xmm8", "movdqu [{o} + 144], xmm9", "movdqu [{o} + 160], xmm10", "movdqu [{o} + 176], xmm11",
            "movdqu [{o} + 192], xmm12", "movdqu [{o} + 208], xmm13", "movdqu [{o} + 224], xmm14", "movdqu [{o} + 240], xmm15",
            i = in(reg) input.as_ptr(),
            o = in(reg) output.as_mut_ptr(),
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _, out("xmm5") _,
            out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
        );
    }
    let bad: alloc::vec::Vec<usize> = (0..16).filter(|&r| output[2 * r..2 * r + 2] != input[2 * r..2 * r + 2]).collect();
    check!(bad.is_empty(), "xmm registers changed across an interrupt: {:?}", bad);
    Ok(())
}

pub fn log_ring_has_output() -> TestResult {
    let mut buf = [0u8; 4096];
    let n = crate::log::tail(&mut buf);
    let text = core::str::from_utf8(&buf[..n]).unwrap_or("");
    check!(text.contains("CPUs online"), "log ring lacks the SMP line");
    check!(text.contains("exo-test: running"), "log ring lacks the runner's first line");
    Ok(())
}
