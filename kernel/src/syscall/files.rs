//! File system calls: fds index the process's table of shared open files (inherited by fork).
use super::errno::*;
use crate::fs::OpenFile;
use crate::proc::{self, MAX_FDS};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

/// Largest single transfer (bigger requests are served partially, like a short read/write).
const MAX_IO: u64 = 64 * 1024;

fn file(slot: usize, fd: u64) -> Result<Arc<OpenFile>, Errno> {
    let mut t = proc::lock();
    t.slot(slot).fds.get(fd as usize).and_then(|f| f.clone()).ok_or(EBADF)
}

fn space_pid(slot: usize) -> (crate::proc::addrspace::AddressSpace, u32) {
    let mut t = proc::lock();
    let p = t.slot(slot);
    (p.space(), p.pid)
}

pub fn read(slot: usize, fd: u64, buf: u64, len: u64, rip: u64) -> Result<i64, Errno> {
    let f = file(slot, fd)?;
    let mut data = vec![0u8; len.min(MAX_IO) as usize];
    let n = f.read(&mut data)?;
    let (space, pid) = space_pid(slot);
    space.write(buf, &data[..n], pid, rip).map_err(|_| EFAULT)?;
    Ok(n as i64)
}

pub fn write(slot: usize, fd: u64, buf: u64, len: u64) -> Result<i64, Errno> {
    let f = file(slot, fd)?;
    let mut data = vec![0u8; len.min(MAX_IO) as usize];
    space_pid(slot).0.read(buf, &mut data).map_err(|_| EFAULT)?;
    Ok(f.write(&data)? as i64)
}

pub fn open(slot: usize, path: u64, flags: u64) -> Result<i64, Errno> {
    let path = space_pid(slot).0.read_cstr(path, 256).map_err(|_| EFAULT)?;
    let path = core::str::from_utf8(&path).map_err(|_| ENOENT)?;
    let f = crate::fs::open(path, flags)?;
    let mut t = proc::lock();
    let fds = &mut t.slot(slot).fds;
    let fd = (0..MAX_FDS).find(|&i| fds[i].is_none()).ok_or(EMFILE)?;
    fds[fd] = Some(f);
    Ok(fd as i64)
}

pub fn close(slot: usize, fd: u64) -> Result<i64, Errno> {
    let f = {
        let mut t = proc::lock();
        t.slot(slot).fds.get_mut(fd as usize).and_then(|f| f.take()).ok_or(EBADF)?
    };
    drop(f); // outside the table lock
    Ok(0)
}

pub fn lseek(slot: usize, fd: u64, off: i64, whence: u64) -> Result<i64, Errno> {
    Ok(file(slot, fd)?.seek(off, whence)? as i64)
}

/// getdents64: linux_dirent64 records (ino, off, reclen, type, name) for the entries from the
/// fd's offset (an entry index) on, as many as fit.
pub fn getdents(slot: usize, fd: u64, buf: u64, len: u64, rip: u64) -> Result<i64, Errno> {
    let f = file(slot, fd)?;
    let names = f.list()?;
    let mut out: Vec<u8> = Vec::new();
    let mut idx = *f.offset.lock() as usize;
    while idx < names.len() {
        let (name, is_dir) = &names[idx];
        let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
        if (out.len() + reclen) as u64 > len.min(MAX_IO) {
            break;
        }
        let start = out.len();
        out.extend_from_slice(&(idx as u64 + 1).to_le_bytes());
        out.extend_from_slice(&(idx as u64 + 1).to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(if *is_dir { 4 } else { 8 });
        out.extend_from_slice(name.as_bytes());
        out.resize(start + reclen, 0);
        idx += 1;
    }
    if out.is_empty() && idx < names.len() {
        return Err(EINVAL);
    }
    let (space, pid) = space_pid(slot);
    space.write(buf, &out, pid, rip).map_err(|_| EFAULT)?;
    *f.offset.lock() = idx as u64;
    Ok(out.len() as i64)
}
