//! execve (and the boot-time start of init): resolve the path through the VFS, load the ELF
//! into a fresh address space with the argument stack, then swap it in and free the old one.
//! Any failure leaves the caller untouched and returns an error code.
use super::errno::{Errno, E2BIG, EFAULT, ENOEXEC, ENOMEM};
use crate::arch::x86_64::interrupts::{FxArea, InterruptFrame};
use crate::loader::{elf, stack};
use crate::proc::addrspace::AddressSpace;
use crate::proc::{self, user_context};
use crate::sched;
use alloc::vec::Vec;

const MAX_ARGS: usize = 64;
const MAX_ARG_LEN: usize = 4096;

/// A loaded program not yet owned by any process.
pub struct Loaded {
    pub space: AddressSpace,
    pub entry: u64,
    pub rsp: u64,
    pub brk: u64,
}

/// Loads `path` with `argv`/`envp` into a new address space.
pub fn load_program(path: &str, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<Loaded, Errno> {
    let bytes = crate::fs::read_all(path)?;
    let space = AddressSpace::new().map_err(|_| ENOMEM)?;
    let img = match elf::load(&space, &bytes) {
        Ok(i) => i,
        Err(e) => {
            println!("exo: exec {}: not a loadable program: {:?}", path, e);
            space.destroy();
            return Err(if e == elf::ElfError::OutOfMemory { ENOMEM } else { ENOEXEC });
        }
    };
    match stack::build(&space, &img, argv, envp) {
        Ok(rsp) => Ok(Loaded { space, entry: img.entry, rsp, brk: img.brk }),
        Err(_) => {
            space.destroy();
            Err(E2BIG)
        }
    }
}

fn basename(path: &str) -> &[u8] {
    path.rsplit('/').next().unwrap_or(path).as_bytes()
}

/// Creates a process running `path` on CPU `cpu` (init at boot). Returns its pid.
pub fn spawn(path: &str, argv: &[&str], cpu: usize) -> Result<u32, Errno> {
    let args: Vec<Vec<u8>> = argv.iter().map(|a| a.as_bytes().to_vec()).collect();
    let l = load_program(path, &args, &[])?;
    let mut t = proc::lock();
    let Some(slot) = t.alloc() else {
        drop(t);
        l.space.destroy();
        return Err(ENOMEM);
    };
    let p = t.slot(slot);
    p.cr3 = l.space.pml4.as_u64();
    p.set_name(basename(path));
    p.brk_start = l.brk;
    p.brk = l.brk;
    p.context = user_context(l.entry, l.rsp);
    for fd in 0..3 {
        p.fds[fd] = crate::fs::open("/dev/console", 2).ok();
    }
    let pid = p.pid;
    sched::enqueue(&mut t, slot, cpu);
    Ok(pid)
}

/// Reads a NULL-terminated array of user string pointers.
fn read_strings(space: &AddressSpace, mut va: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut v = Vec::new();
    if va == 0 {
        return Ok(v);
    }
    loop {
        let p = space.read_u64(va).map_err(|_| EFAULT)?;
        if p == 0 {
            return Ok(v);
        }
        if v.len() >= MAX_ARGS {
            return Err(E2BIG);
        }
        v.push(space.read_cstr(p, MAX_ARG_LEN).map_err(|_| EFAULT)?);
        va += 8;
    }
}

/// execve for the process in `slot`; on success `frame`/`fx` start the new program.
pub fn execve(slot: usize, frame: &mut InterruptFrame, fx: &mut FxArea) -> Result<(), Errno> {
    let old = proc::lock().slot(slot).space();
    let path = old.read_cstr(frame.rdi, 256).map_err(|_| EFAULT)?;
    let path = core::str::from_utf8(&path).map_err(|_| ENOEXEC)?;
    let argv = read_strings(&old, frame.rsi)?;
    let envp = read_strings(&old, frame.rdx)?;
    let l = load_program(path, &argv, &envp)?; // #BP:exec
    {
        let mut t = proc::lock();
        let p = t.slot(slot);
        p.cr3 = l.space.pml4.as_u64();
        p.set_name(basename(path));
        p.brk_start = l.brk;
        p.brk = l.brk;
        l.space.activate();
    }
    // Only this CPU had the old space loaded (processes are single-threaded).
    old.destroy();
    let ctx = user_context(l.entry, l.rsp);
    *frame = ctx.regs;
    *fx = ctx.fx;
    Ok(())
}
