//! Error numbers returned (negated) by system calls; Linux's values so user code reads familiar.
pub type Errno = i64;

pub const ENOENT: Errno = 2;
pub const ENOEXEC: Errno = 8;
pub const EBADF: Errno = 9;
pub const ECHILD: Errno = 10;
pub const EAGAIN: Errno = 11;
pub const ENOMEM: Errno = 12;
pub const EFAULT: Errno = 14;
pub const ENOTDIR: Errno = 20;
pub const EISDIR: Errno = 21;
pub const EINVAL: Errno = 22;
pub const EMFILE: Errno = 24;
pub const E2BIG: Errno = 7;
pub const ENOSYS: Errno = 38;
pub const EACCES: Errno = 13;
pub const EFBIG: Errno = 27;
