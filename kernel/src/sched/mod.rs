//! The scheduler: one run queue per CPU, preemption of user code by the LOCAL APIC timer, the
//! reschedule IPI, and context switches done at interrupt exit by swapping the saved frame and
//! SSE area (processes have no kernel threads: a blocked syscall is restarted when the process
//! runs again). Each CPU's idle loop is itself saved like a context while it runs processes.
pub mod runqueue;

use crate::arch::x86_64::interrupts::{FxArea, InterruptFrame, PAGE_FAULT};
use crate::arch::x86_64::{cpu, gdt, percpu, smp};
use crate::memory::cow;
use crate::proc::{self, addrspace, Context, ProcState, Table};
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use runqueue::RUNQ;

/// Timer ticks a process runs before it is preempted (when others are ready).
const SLICE_TICKS: u32 = 2;
const KERNEL_STACK_PAGES: u64 = 8;

/// Process slot + 1 running on each CPU (0: its idle loop).
static CURRENT: [AtomicU32; smp::MAX_CPUS] = [const { AtomicU32::new(0) }; smp::MAX_CPUS];
static SLICE: [AtomicU32; smp::MAX_CPUS] = [const { AtomicU32::new(0) }; smp::MAX_CPUS];
/// Next CPU a forked child is placed on (round robin over the online CPUs).
static NEXT_CPU: AtomicU64 = AtomicU64::new(1);
/// The interrupted idle loop of each CPU while it runs processes.
static mut IDLE_CTX: [Context; smp::MAX_CPUS] = [const { Context { fx: [0; 512], regs: proc::ZERO_FRAME } }; smp::MAX_CPUS];

/// Gives every CPU its ring-0 stack for system calls (TSS.rsp0). After SMP bring-up.
pub fn init() {
    for c in 0..smp::cpu_count() {
        let top = crate::memory::stack::alloc_stack(KERNEL_STACK_PAGES);
        gdt::set_rsp0(c, top.as_u64());
    }
}

/// Slot of the process running on this CPU.
pub fn current_slot() -> Option<usize> {
    match CURRENT[smp::current_cpu_index()].load(Ordering::SeqCst) {
        0 => None,
        s => Some(s as usize - 1),
    }
}

/// CPUs running a user process right now.
pub fn running_cpus() -> u32 {
    (0..smp::cpu_count()).filter(|&c| CURRENT[c].load(Ordering::SeqCst) != 0).count() as u32
}

/// Puts a ready process on CPU `cpu`'s queue and pokes that CPU.
pub fn enqueue(t: &mut Table, slot: usize, cpu: usize) {
    let p = t.slot(slot);
    p.state = ProcState::Ready;
    p.cpu = cpu as u32;
    RUNQ[cpu].lock().push(slot);
    if cpu != smp::current_cpu_index() {
        smp::send_ipi_to_cpu(cpu, smp::ipi::RESCHEDULE);
    }
}

/// CPU for a new process: round robin over the online CPUs.
pub fn pick_cpu() -> usize {
    let n = smp::cpu_count().max(1) as u64;
    for _ in 0..n {
        let c = (NEXT_CPU.fetch_add(1, Ordering::Relaxed) % n) as usize;
        if smp::online_mask() & (1 << c) != 0 {
            return c;
        }
    }
    smp::current_cpu_index()
}

fn save(ctx: &mut Context, frame: &InterruptFrame, fx: &FxArea) {
    ctx.regs = *frame;
    ctx.fx = *fx;
}

fn load(ctx: &Context, frame: &mut InterruptFrame, fx: &mut FxArea) {
    *frame = ctx.regs;
    *fx = ctx.fx;
}

/// Picks what this CPU runs next and rewrites the interrupt frame for it. `requeue`: the
/// current process stays runnable (preemption, yield); otherwise its state was already set
/// (blocked, zombie). Called at interrupt exit with interrupts off.
pub fn schedule(frame: &mut InterruptFrame, fx: &mut FxArea, requeue: bool) {
    let me = smp::current_cpu_index();
    let mut t = proc::lock();
    let cur = current_slot();
    if cur.is_none() && !percpu::current().in_idle.load(Ordering::Relaxed) {
        return; // kernel code that is not the idle loop's hlt: never switched away from
    }
    let next = RUNQ[me].lock().pop();
    let Some(n) = next else {
        if let Some(c) = cur {
            if requeue {
                return; // nothing else to run: keep going
            }
            save(&mut t.slot(c).context, frame, fx);
            CURRENT[me].store(0, Ordering::SeqCst);
            addrspace::activate_kernel();
            // SAFETY: this CPU's own slot, saved when it left the idle loop.
            load(unsafe { &*addr_of_mut!(IDLE_CTX[me]) }, frame, fx);
            smp::this_cpu_info().context_switches.fetch_add(1, Ordering::Relaxed);
        }
        return;
    };
    match cur {
        Some(c) => {
            save(&mut t.slot(c).context, frame, fx);
            if requeue {
                t.slot(c).state = ProcState::Ready;
                RUNQ[me].lock().push(c);
            }
        }
        // SAFETY: this CPU's own slot.
        None => save(unsafe { &mut *addr_of_mut!(IDLE_CTX[me]) }, frame, fx),
    }
    let p = t.slot(n);
    p.state = ProcState::Running;
    p.cpu = me as u32;
    let space = p.space();
    load(&p.context, frame, fx);
    space.activate();
    CURRENT[me].store(n as u32 + 1, Ordering::SeqCst);
    SLICE[me].store(0, Ordering::Relaxed);
    percpu::set_idle(false);
    if cur != Some(n) {
        smp::this_cpu_info().context_switches.fetch_add(1, Ordering::Relaxed);
    }
}

/// LAPIC timer: preempt user code at the end of its slice, start work on an idle CPU.
pub fn on_tick(frame: &mut InterruptFrame, fx: &mut FxArea) {
    let me = smp::current_cpu_index();
    if frame.cs & 3 == 3 {
        if SLICE[me].fetch_add(1, Ordering::Relaxed) + 1 >= SLICE_TICKS && !RUNQ[me].lock().is_empty() {
            schedule(frame, fx, true);
        }
    } else if current_slot().is_none() && !RUNQ[me].lock().is_empty() {
        schedule(frame, fx, true);
    }
}

/// Reschedule IPI: another CPU queued work here.
pub fn on_resched(frame: &mut InterruptFrame, fx: &mut FxArea) {
    let me = smp::current_cpu_index();
    if (frame.cs & 3 == 3 || current_slot().is_none()) && !RUNQ[me].lock().is_empty() {
        schedule(frame, fx, true);
    }
}

/// An exception in ring 3: a write to a COW page is resolved; anything else ends the process.
pub fn user_exception(frame: &mut InterruptFrame, fx: &mut FxArea) {
    let Some(slot) = current_slot() else {
        panic!("user-mode exception {} with no current process", frame.vector);
    };
    let (pid, space) = {
        let mut t = proc::lock();
        let p = t.slot(slot);
        (p.pid, p.space())
    };
    if frame.vector == PAGE_FAULT && frame.error_code & 0b11 == 0b11 {
        // Present + write: maybe COW. Interrupts on while resolving (TLB shootdown waits).
        cpu::enable_interrupts();
        let r = cow::resolve(&space, cpu::read_cr2(), pid, frame.rip);
        cpu::disable_interrupts();
        if r.is_ok() {
            return;
        }
    }
    println!(
        "exo: pid {} killed: exception {} error {:#x} rip {:#x} cr2 {:#x}",
        pid,
        frame.vector,
        frame.error_code,
        frame.rip,
        cpu::read_cr2()
    );
    proc::exit_current(-(frame.vector as i32) - 128);
    schedule(frame, fx, false);
}

/// Whether process slot `slot` is still the current one of some CPU (an exiting process until
/// its CPU has switched away).
pub fn is_current_anywhere(slot: usize) -> bool {
    (0..smp::cpu_count()).any(|c| CURRENT[c].load(Ordering::SeqCst) == slot as u32 + 1)
}
