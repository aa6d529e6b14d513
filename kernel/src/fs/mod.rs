//! The VFS: one namespace over the cpio initrd (read-only), an in-memory file system for new
//! files (ramfs) and `/dev/console` (the serial port). Open files are shared `Arc<OpenFile>`s,
//! so fork's copies of an fd table share offsets like POSIX.
pub mod cpio;

use crate::sync::SpinLock;
use crate::syscall::errno::{Errno, EBADF, EINVAL, EISDIR, ENOENT, ENOTDIR};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

pub const O_ACCMODE: u64 = 3;
pub const O_WRONLY: u64 = 1;
pub const O_RDWR: u64 = 2;
pub const O_CREAT: u64 = 0o100;
pub const O_TRUNC: u64 = 0o1000;

type RamData = Arc<SpinLock<Vec<u8>>>;

/// Largest ramfs file (the kernel heap is small).
const MAX_RAM_FILE: usize = 256 * 1024;

pub enum Node {
    Initrd(&'static [u8]),
    Ram(RamData),
    Console,
    /// A directory: its path without leading/trailing "/" ("" = root).
    Dir(String),
}

pub struct OpenFile {
    pub node: Node,
    pub offset: SpinLock<u64>,
    pub writable: bool,
    pub readable: bool,
}

static INITRD: SpinLock<Vec<cpio::Entry>> = SpinLock::new(Vec::new());
static RAMFS: SpinLock<Vec<(String, RamData)>> = SpinLock::new(Vec::new());

/// Mounts the initrd at `phys` (`len` bytes, reserved from the frame allocator).
pub fn init(phys: u64, len: u64) -> Result<usize, cpio::CpioError> {
    // SAFETY: QEMU loaded the module there; its frames are never handed out, so the bytes live
    // (unchanged) for the kernel's lifetime, reached through the direct map.
    let bytes: &'static [u8] =
        unsafe { core::slice::from_raw_parts(crate::memory::layout::phys_to_virt(phys) as *const u8, len as usize) };
    let entries = cpio::parse(bytes)?;
    let n = entries.len();
    *INITRD.lock() = entries;
    Ok(n)
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

fn is_dir(path: &str) -> bool {
    if path.is_empty() || path == "dev" {
        return true;
    }
    let prefix = alloc::format!("{}/", path);
    INITRD.lock().iter().any(|e| e.path == path && e.mode & cpio::S_IFMT == cpio::S_IFDIR || e.path.starts_with(&prefix))
        || RAMFS.lock().iter().any(|(p, _)| p.starts_with(&prefix))
}

/// open(2): `flags` as Linux (O_RDONLY/O_WRONLY/O_RDWR, O_CREAT, O_TRUNC).
pub fn open(path: &str, flags: u64) -> Result<Arc<OpenFile>, Errno> {
    if !path.starts_with('/') {
        return Err(EINVAL);
    }
    let p = normalize(path);
    let acc = flags & O_ACCMODE;
    let readable = acc != O_WRONLY;
    let writable = acc == O_WRONLY || acc == O_RDWR;
    let make = |node| Ok(Arc::new(OpenFile { node, offset: SpinLock::new(0), writable, readable }));
    if p == "dev/console" {
        return make(Node::Console);
    }
    if let Some((_, d)) = RAMFS.lock().iter().find(|(n, _)| *n == p) {
        if flags & O_TRUNC != 0 && writable {
            d.lock().clear();
        }
        return make(Node::Ram(d.clone()));
    }
    let initrd_file = INITRD.lock().iter().find(|e| e.path == p && e.mode & cpio::S_IFMT != cpio::S_IFDIR).map(|e| e.data);
    if let Some(data) = initrd_file {
        if writable {
            return Err(crate::syscall::errno::EACCES);
        }
        return make(Node::Initrd(data));
    }
    if is_dir(&p) {
        if writable {
            return Err(EISDIR);
        }
        return make(Node::Dir(p));
    }
    if flags & O_CREAT != 0 {
        let parent = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        if INITRD.lock().iter().any(|e| e.path == parent && e.mode & cpio::S_IFMT != cpio::S_IFDIR) {
            return Err(ENOTDIR);
        }
        let d: RamData = Arc::new(SpinLock::new(Vec::new()));
        RAMFS.lock().push((p, d.clone()));
        return make(Node::Ram(d));
    }
    Err(ENOENT)
}

/// The whole contents of a regular file (exec).
pub fn read_all(path: &str) -> Result<alloc::borrow::Cow<'static, [u8]>, Errno> {
    let f = open(path, 0)?;
    match &f.node {
        Node::Initrd(d) => Ok(alloc::borrow::Cow::Borrowed(d)),
        Node::Ram(d) => Ok(alloc::borrow::Cow::Owned(d.lock().clone())),
        Node::Dir(_) => Err(EISDIR),
        Node::Console => Err(crate::syscall::errno::EACCES),
    }
}

impl OpenFile {
    pub fn read(&self, out: &mut [u8]) -> Result<usize, Errno> {
        if !self.readable {
            return Err(EBADF);
        }
        let mut off = self.offset.lock();
        let n = match &self.node {
            Node::Initrd(d) => copy_at(d, *off, out),
            Node::Ram(d) => copy_at(&d.lock(), *off, out),
            Node::Console => return Ok(0), // no input device yet: end of file
            Node::Dir(_) => return Err(EISDIR),
        };
        *off += n as u64;
        Ok(n)
    }

    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        if !self.writable && !matches!(self.node, Node::Console) {
            return Err(EBADF);
        }
        match &self.node {
            Node::Console => {
                crate::serial::write_bytes(data);
                Ok(data.len())
            }
            Node::Ram(d) => {
                let mut off = self.offset.lock();
                let mut v = d.lock();
                let end = (*off as usize).saturating_add(data.len());
                if end > MAX_RAM_FILE {
                    return Err(crate::syscall::errno::EFBIG);
                }
                if v.len() < end {
                    v.resize(end, 0);
                }
                v[*off as usize..end].copy_from_slice(data);
                *off = end as u64;
                Ok(data.len())
            }
            Node::Initrd(_) | Node::Dir(_) => Err(EBADF),
        }
    }

    /// lseek: whence 0 = SET, 1 = CUR, 2 = END.
    pub fn seek(&self, off: i64, whence: u64) -> Result<u64, Errno> {
        let size = match &self.node {
            Node::Initrd(d) => d.len() as i64,
            Node::Ram(d) => d.lock().len() as i64,
            _ => 0,
        };
        let mut cur = self.offset.lock();
        let base = match whence {
            0 => 0,
            1 => *cur as i64,
            2 => size,
            _ => return Err(EINVAL),
        };
        let new = base.checked_add(off).filter(|&v| v >= 0).ok_or(EINVAL)?;
        *cur = new as u64;
        Ok(new as u64)
    }

    /// Names of the directory's entries (one level), in a stable order.
    pub fn list(&self) -> Result<Vec<(String, bool)>, Errno> {
        let Node::Dir(dir) = &self.node else { return Err(ENOTDIR) };
        let prefix = if dir.is_empty() { String::new() } else { alloc::format!("{}/", dir) };
        let mut names: Vec<(String, bool)> = Vec::new();
        let mut add = |path: &str, is_dir: bool| {
            if let Some(rest) = path.strip_prefix(prefix.as_str()) {
                let (first, deeper) = match rest.split_once('/') {
                    Some((f, _)) => (f, true),
                    None => (rest, is_dir),
                };
                if !first.is_empty() && !names.iter().any(|(n, _)| n == first) {
                    names.push((String::from(first), deeper));
                }
            }
        };
        for e in INITRD.lock().iter() {
            add(&e.path, e.mode & cpio::S_IFMT == cpio::S_IFDIR);
        }
        for (p, _) in RAMFS.lock().iter() {
            add(p, false);
        }
        if dir.is_empty() {
            add("dev", true);
        } else if dir == "dev" {
            add("dev/console", false);
        }
        Ok(names)
    }
}

fn copy_at(src: &[u8], off: u64, out: &mut [u8]) -> usize {
    let off = (off as usize).min(src.len());
    let n = out.len().min(src.len() - off);
    out[..n].copy_from_slice(&src[off..off + n]);
    n
}
