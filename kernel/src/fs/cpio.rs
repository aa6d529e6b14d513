//! The initrd: a cpio "newc" archive left in memory by QEMU (`-initrd`, PVH module), parsed
//! once into (path, mode, bytes) entries that point into it.
use alloc::string::String;
use alloc::vec::Vec;

pub struct Entry {
    /// Path without a leading "/" (e.g. "bin/init").
    pub path: String,
    pub mode: u32,
    pub data: &'static [u8],
}

pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;

#[derive(Debug, PartialEq, Eq)]
pub enum CpioError {
    Truncated,
    BadMagic(usize),
    BadHeader(usize),
}

fn hex(field: &[u8]) -> Option<u32> {
    let s = core::str::from_utf8(field).ok()?;
    u32::from_str_radix(s, 16).ok()
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Parses a newc archive up to its TRAILER!!! entry.
pub fn parse(archive: &'static [u8]) -> Result<Vec<Entry>, CpioError> {
    let mut out = Vec::new();
    let mut off = 0;
    loop {
        let h = archive.get(off..off + 110).ok_or(CpioError::Truncated)?;
        if &h[..6] != b"070701" && &h[..6] != b"070702" {
            return Err(CpioError::BadMagic(off));
        }
        let field = |i: usize| hex(&h[6 + 8 * i..14 + 8 * i]).ok_or(CpioError::BadHeader(off));
        let mode = field(1)?;
        let size = field(6)? as usize;
        let namesize = field(11)? as usize;
        let name_start = off + 110;
        let name = archive.get(name_start..name_start + namesize).ok_or(CpioError::Truncated)?;
        let name = &name[..namesize.saturating_sub(1)];
        let data_start = align4(name_start + namesize);
        let data = archive.get(data_start..data_start + size).ok_or(CpioError::Truncated)?;
        if name == b"TRAILER!!!" {
            return Ok(out);
        }
        let path = String::from_utf8_lossy(name);
        let path = path.trim_start_matches("./").trim_start_matches('/');
        if !path.is_empty() && path != "." {
            out.push(Entry { path: String::from(path), mode, data });
        }
        off = align4(data_start + size);
    }
}
