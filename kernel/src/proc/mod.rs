//! Processes: the static process table the debugger reads (`EXO_PROCS`), pid allocation,
//! fork, exit and wait. One lock (`TABLE`) guards the table; it is always taken with
//! interrupts off (the timer's scheduler takes it too) and never held across a TLB shootdown.
pub mod addrspace;
mod lifecycle;

pub use lifecycle::{exit_current, fork, reap_or_block, WaitResult};

use crate::arch::x86_64::cpu::InterruptGuard;
use crate::arch::x86_64::interrupts::InterruptFrame;
use crate::fs::OpenFile;
use crate::sync::{SpinLock, SpinLockGuard};
use addrspace::AddressSpace;
use alloc::sync::Arc;
use core::ptr::addr_of_mut;

pub const MAX_PROCS: usize = 64;
pub const MAX_FDS: usize = 16;
pub const NAME_LEN: usize = 16;

#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Unused = 0,
    /// In a CPU's run queue.
    Ready = 1,
    Running = 2,
    /// Blocked in wait() until a child exits.
    Waiting = 3,
    /// Exited, not yet reaped by its parent.
    Zombie = 4,
    /// Blocked for good (pause()).
    Paused = 5,
}

/// Saved user state of a process that is not running: the interrupt frame isr_common pushed
/// and the fxsave area (SSE state).
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct Context {
    pub fx: [u8; 512],
    pub regs: InterruptFrame,
}

#[repr(C)]
pub struct Process {
    pub pid: u32,
    /// Parent pid (0 for init).
    pub parent: u32,
    pub state: ProcState,
    /// CPU it runs on, or last ran on (its run queue).
    pub cpu: u32,
    /// Physical address of its PML4.
    pub cr3: u64,
    /// Program name (basename of the exec'd path), `name_len` bytes valid.
    pub name: [u8; NAME_LEN],
    pub name_len: u32,
    pub exit_code: i32,
    /// Program break: start (end of the loaded image) and current value.
    pub brk_start: u64,
    pub brk: u64,
    pub context: Context,
    pub fds: [Option<Arc<OpenFile>>; MAX_FDS],
}

pub const ZERO_FRAME: InterruptFrame = InterruptFrame {
    r15: 0, r14: 0, r13: 0, r12: 0, r11: 0, r10: 0, r9: 0, r8: 0, rbp: 0, rdi: 0, rsi: 0, rdx: 0, rcx: 0, rbx: 0,
    rax: 0, vector: 0, error_code: 0, rip: 0, cs: 0, rflags: 0, rsp: 0, ss: 0,
};

impl Process {
    const EMPTY: Process = Process {
        pid: 0,
        parent: 0,
        state: ProcState::Unused,
        cpu: 0,
        cr3: 0,
        name: [0; NAME_LEN],
        name_len: 0,
        exit_code: 0,
        brk_start: 0,
        brk: 0,
        context: Context { fx: [0; 512], regs: ZERO_FRAME },
        fds: [const { None }; MAX_FDS],
    };

    pub fn space(&self) -> AddressSpace {
        AddressSpace { pml4: crate::memory::addr::PhysAddr::new(self.cr3) }
    }

    pub fn set_name(&mut self, name: &[u8]) {
        let n = name.len().min(NAME_LEN);
        self.name = [0; NAME_LEN];
        self.name[..n].copy_from_slice(&name[..n]);
        self.name_len = n as u32;
    }
}

/// The process table (slots; `pid` 0 = free slot).
#[no_mangle]
pub static mut EXO_PROCS: [Process; MAX_PROCS] = [Process::EMPTY; MAX_PROCS];

static TABLE: SpinLock<u32> = SpinLock::new(0); // the value: last pid handed out

/// The locked process table (interrupts stay off while the guard lives).
pub struct Table {
    // Field order = drop order: unlock first, then restore interrupts.
    guard: SpinLockGuard<'static, u32>,
    _irq: InterruptGuard,
}

pub fn lock() -> Table {
    let irq = InterruptGuard::new();
    Table { guard: TABLE.lock(), _irq: irq }
}

impl Table {
    pub fn slot(&mut self, i: usize) -> &mut Process {
        // SAFETY: the table lock is held.
        unsafe { &mut *addr_of_mut!(EXO_PROCS[i]) }
    }

    pub fn find(&mut self, pid: u32) -> Option<usize> {
        (0..MAX_PROCS).find(|&i| pid != 0 && self.slot(i).pid == pid)
    }

    /// A free slot with a fresh pid, state Unused until the caller fills it.
    pub fn alloc(&mut self) -> Option<usize> {
        let i = (0..MAX_PROCS).find(|&i| self.slot(i).pid == 0)?;
        *self.guard += 1;
        let pid = *self.guard;
        let p = self.slot(i);
        *p = Process::EMPTY;
        p.pid = pid;
        Some(i)
    }
}

/// A fresh user context: ring 3 at `entry` with stack `rsp`, interrupts on, default SSE state.
pub fn user_context(entry: u64, rsp: u64) -> Context {
    let mut c = Context { fx: [0; 512], regs: ZERO_FRAME };
    c.regs.rip = entry;
    c.regs.rsp = rsp;
    c.regs.cs = crate::arch::x86_64::gdt::USER_CS as u64;
    c.regs.ss = crate::arch::x86_64::gdt::USER_DS as u64;
    c.regs.rflags = 0x202;
    c.fx[0..2].copy_from_slice(&0x037Fu16.to_le_bytes()); // x87 control word
    c.fx[24..28].copy_from_slice(&0x1F80u32.to_le_bytes()); // MXCSR: all exceptions masked
    c
}
