//! System calls through `int 0x80` (gate DPL 3, on the CPU's rsp0 stack): rax = number (Linux's
//! numbers), rdi/rsi/rdx = arguments, rax = result (negative errno on failure). Handlers run
//! with interrupts on; blocking calls put the process to sleep and restart the `int 0x80`
//! when it runs again.
pub mod errno;
pub mod exec;
mod files;

use crate::arch::x86_64::interrupts::{FxArea, InterruptFrame};
use crate::arch::x86_64::{cpu, smp};
use crate::memory::addr::{PhysAddr, PAGE_SIZE};
use crate::memory::paging::PageTableFlags;
use crate::memory::{cow, frame};
use crate::proc::{self, ProcState, WaitResult};
use crate::sched;
use errno::*;

pub const SYS_READ: u64 = 0;
pub const SYS_WRITE: u64 = 1;
pub const SYS_OPEN: u64 = 2;
pub const SYS_CLOSE: u64 = 3;
pub const SYS_LSEEK: u64 = 8;
pub const SYS_BRK: u64 = 12;
pub const SYS_SCHED_YIELD: u64 = 24;
pub const SYS_PAUSE: u64 = 34;
pub const SYS_GETPID: u64 = 39;
pub const SYS_FORK: u64 = 57;
pub const SYS_EXECVE: u64 = 59;
pub const SYS_EXIT: u64 = 60;
pub const SYS_WAIT: u64 = 61;
pub const SYS_GETDENTS: u64 = 217;
/// Exo-OS introspection for init's self-checks.
pub const SYS_EXO_COW_TOTAL: u64 = 500;
pub const SYS_EXO_REFCOUNT: u64 = 501;
pub const SYS_EXO_FREE_FRAMES: u64 = 502;
pub const SYS_EXO_CPU: u64 = 503;
pub const SYS_EXO_RUNNING: u64 = 504;

/// Length of `int 0x80` (rewinding rip restarts the call).
const INT80_LEN: u64 = 2;

/// What happens to the caller after a system call.
enum Action {
    Return(i64),
    /// The caller's state is set (waiting, paused); restart the call when it runs again.
    Block,
    /// Try again after others ran (keeps the caller runnable).
    Retry,
    Yield,
    /// The caller is gone (exit).
    Switch,
    /// The frame already holds the new program (execve).
    Replaced,
}

fn ret(r: Result<i64, Errno>) -> Action {
    Action::Return(r.unwrap_or_else(|e| -e))
}

#[no_mangle]
pub fn dispatch(frame: &mut InterruptFrame, fx: &mut FxArea) {
    let Some(slot) = sched::current_slot() else {
        frame.rax = (-ENOSYS) as u64;
        return;
    };
    let nr = frame.rax; // #BP:syscall
    cpu::enable_interrupts();
    let (a, b, c) = (frame.rdi, frame.rsi, frame.rdx);
    let action = match nr {
        SYS_READ => ret(files::read(slot, a, b, c, frame.rip)),
        SYS_WRITE => ret(files::write(slot, a, b, c)),
        SYS_OPEN => ret(files::open(slot, a, b)),
        SYS_CLOSE => ret(files::close(slot, a)),
        SYS_LSEEK => ret(files::lseek(slot, a, b as i64, c)),
        SYS_GETDENTS => ret(files::getdents(slot, a, b, c, frame.rip)),
        SYS_BRK => ret(brk(slot, a)),
        SYS_SCHED_YIELD => Action::Yield,
        SYS_PAUSE => {
            proc::lock().slot(slot).state = ProcState::Paused;
            Action::Block
        }
        SYS_GETPID => Action::Return(proc::lock().slot(slot).pid as i64),
        SYS_FORK => ret(proc::fork(frame, fx).map(|p| p as i64)),
        SYS_EXECVE => match exec::execve(slot, frame, fx) {
            Ok(()) => Action::Replaced,
            Err(e) => Action::Return(-e),
        },
        SYS_EXIT => {
            proc::exit_current(a as i32);
            Action::Switch
        }
        SYS_WAIT => wait(slot, b, frame.rip),
        SYS_EXO_COW_TOTAL => Action::Return(cow::total() as i64),
        SYS_EXO_REFCOUNT => ret(refcount(slot, a)),
        SYS_EXO_FREE_FRAMES => Action::Return(frame::stats().0 as i64),
        SYS_EXO_CPU => Action::Return(smp::current_cpu_index() as i64),
        SYS_EXO_RUNNING => Action::Return(sched::running_cpus() as i64),
        _ => Action::Return(-ENOSYS),
    };
    cpu::disable_interrupts();
    match action {
        Action::Return(v) => frame.rax = v as u64,
        Action::Replaced => {}
        Action::Block => {
            frame.rip -= INT80_LEN;
            sched::schedule(frame, fx, false);
        }
        Action::Retry => {
            frame.rip -= INT80_LEN;
            sched::schedule(frame, fx, true);
        }
        Action::Yield => {
            frame.rax = 0;
            sched::schedule(frame, fx, true);
        }
        Action::Switch => sched::schedule(frame, fx, false),
    }
}

fn wait(slot: usize, status_ptr: u64, rip: u64) -> Action {
    match proc::reap_or_block() {
        Err(e) => Action::Return(-e),
        Ok(WaitResult::Blocked) => Action::Block,
        Ok(WaitResult::Retry) => Action::Retry,
        Ok(WaitResult::Reaped(pid, code)) => {
            if status_ptr != 0 {
                let (space, me) = {
                    let mut t = proc::lock();
                    (t.slot(slot).space(), t.slot(slot).pid)
                };
                if space.write(status_ptr, &code.to_le_bytes(), me, rip).is_err() {
                    return Action::Return(-EFAULT);
                }
            }
            Action::Return(pid as i64)
        }
    }
}

/// brk(addr): 0 (or below the start) queries; otherwise grows (maps zeroed pages) or shrinks.
fn brk(slot: usize, addr: u64) -> Result<i64, Errno> {
    let (space, start, cur) = {
        let mut t = proc::lock();
        let p = t.slot(slot);
        (p.space(), p.brk_start, p.brk)
    };
    if addr < start || addr >= crate::loader::stack::STACK_TOP - crate::loader::stack::STACK_PAGES * PAGE_SIZE {
        return Ok(cur as i64);
    }
    let old_end = cur.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    let new_end = addr.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    let mut page = old_end;
    while page < new_end {
        if space.map_new(page, PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE).is_err() {
            return Ok(cur as i64);
        }
        page += PAGE_SIZE;
    }
    let mut page = new_end;
    while page < old_end {
        if let Ok(e) = space.pte(page, false) {
            // SAFETY: `e` is in our live table; only this process changes it.
            unsafe {
                if (*e).is_present() {
                    let f = (*e).addr();
                    *e = crate::memory::paging::PageTableEntry::empty();
                    space.flush(page, 1);
                    let _ = frame::dec_ref(f);
                }
            }
        }
        page += PAGE_SIZE;
    }
    proc::lock().slot(slot).brk = addr;
    Ok(addr as i64)
}

/// Reference count of the frame mapped at user address `va`.
fn refcount(slot: usize, va: u64) -> Result<i64, Errno> {
    let space = proc::lock().slot(slot).space();
    let (f, _): (PhysAddr, _) = space.translate(va).ok_or(EFAULT)?;
    frame::refcount(f).map(|r| r as i64).map_err(|_| EFAULT)
}
