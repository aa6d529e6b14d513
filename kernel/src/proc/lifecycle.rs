//! Process life cycle: fork (COW address space, inherited fds, child on another CPU's queue),
//! exit (teardown, children to init, wake the parent) and wait (reap or block).
use super::{lock, Context, ProcState, MAX_PROCS};
use crate::arch::x86_64::interrupts::{FxArea, InterruptFrame};
use crate::sched;
use crate::syscall::errno::{Errno, ECHILD, EAGAIN, ENOMEM};

/// fork for the process running here, whose saved user state is `frame` / `fx`. Returns the
/// child's pid.
pub fn fork(frame: &InterruptFrame, fx: &FxArea) -> Result<u32, Errno> {
    let slot = sched::current_slot().ok_or(EAGAIN)?;
    let space = lock().slot(slot).space();
    let child_space = space.clone_cow().map_err(|_| ENOMEM)?; // #BP:fork
    // The parent's writable pages just became read-only: drop stale writable translations.
    space.flush(0, 1 << 20);
    let mut t = lock();
    let Some(c) = t.alloc() else {
        drop(t);
        child_space.destroy();
        return Err(EAGAIN);
    };
    let (pid, name, name_len, brk_start, brk, fds) = {
        let p = t.slot(slot);
        (p.pid, p.name, p.name_len, p.brk_start, p.brk, p.fds.clone())
    };
    let child = t.slot(c);
    child.parent = pid;
    child.cr3 = child_space.pml4.as_u64();
    child.name = name;
    child.name_len = name_len;
    child.brk_start = brk_start;
    child.brk = brk;
    child.fds = fds;
    let mut ctx = Context { fx: *fx, regs: *frame };
    ctx.regs.rax = 0; // fork returns 0 in the child
    child.context = ctx;
    let child_pid = child.pid;
    sched::enqueue(&mut t, c, sched::pick_cpu());
    Ok(child_pid)
}

/// Ends the process running here: its address space and fds go, its children go to init, and
/// a waiting parent is woken. The caller then schedules away (the slot stays current until
/// then, and wait() does not reap it before).
pub fn exit_current(code: i32) {
    let Some(slot) = sched::current_slot() else { return };
    let mut t = lock();
    let (pid, parent, space) = {
        let p = t.slot(slot);
        p.state = ProcState::Zombie;
        p.exit_code = code;
        for f in p.fds.iter_mut() {
            *f = None;
        }
        (p.pid, p.parent, p.space())
    };
    let mut init_has_zombie = false;
    for i in 0..MAX_PROCS {
        let q = t.slot(i);
        if q.pid != 0 && q.parent == pid {
            q.parent = 1;
            init_has_zombie |= q.state == ProcState::Zombie;
        }
    }
    for (target, wake) in [(parent, true), (1, init_has_zombie)] {
        if !wake {
            continue;
        }
        if let Some(i) = t.find(target) {
            if t.slot(i).state == ProcState::Waiting {
                let cpu = t.slot(i).cpu as usize;
                sched::enqueue(&mut t, i, cpu);
            }
        }
    }
    t.slot(slot).cr3 = 0;
    drop(t);
    super::addrspace::activate_kernel();
    space.destroy();
}

pub enum WaitResult {
    /// A child was reaped: (pid, exit code).
    Reaped(u32, i32),
    /// Children exist but none has exited: the caller is now Waiting.
    Blocked,
    /// A child is exiting right now on another CPU: try again shortly.
    Retry,
}

/// wait() for the process running here.
pub fn reap_or_block() -> Result<WaitResult, Errno> {
    let slot = sched::current_slot().ok_or(ECHILD)?;
    let mut t = lock();
    let me = t.slot(slot).pid;
    let mut any = false;
    for i in 0..MAX_PROCS {
        let (pid, parent, state, code) = {
            let q = t.slot(i);
            (q.pid, q.parent, q.state, q.exit_code)
        };
        if pid == 0 || parent != me {
            continue;
        }
        any = true;
        if state == ProcState::Zombie {
            if sched::is_current_anywhere(i) {
                return Ok(WaitResult::Retry);
            }
            let q = t.slot(i);
            q.pid = 0;
            q.state = ProcState::Unused;
            q.name_len = 0;
            return Ok(WaitResult::Reaped(pid, code));
        }
    }
    if !any {
        return Err(ECHILD);
    }
    t.slot(slot).state = ProcState::Waiting;
    Ok(WaitResult::Blocked)
}
