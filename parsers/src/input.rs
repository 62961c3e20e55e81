//! Bytes of a file on disk, memory-mapped where that works and read into memory where it does not.
//!
//! This is the only module of the workspace with `unsafe` code: the memory map. Everything above it
//! sees a `&[u8]`. A range of the bytes can be shared between threads ([`SharedBytes`]) so that zip
//! members stored without compression are read in place, never copied.

use crate::error::InputError;
use std::fs::File;
use std::io::Read;
use std::ops::{Deref, Range};
use std::path::Path;
use std::sync::Arc;

/// Files smaller than this are read rather than mapped: a map costs more than it saves there.
const MAP_THRESHOLD: u64 = 64 * 1024;

/// The whole content of a file or of a decompressed archive member.
#[derive(Debug)]
pub enum Bytes {
    /// A read-only memory map of a file.
    Mapped(memmap2::Mmap),
    /// Bytes read or decompressed into memory.
    Owned(Vec<u8>),
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Owned(vec) => vec,
        }
    }
}

impl Bytes {
    /// Maps `path` read-only, or reads it when mapping fails or the file is small.
    ///
    /// # Errors
    /// When the file cannot be opened or read.
    pub fn open(path: &Path) -> Result<Bytes, InputError> {
        let io_err = |source| InputError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        if len >= MAP_THRESHOLD
            && let Some(map) = map_file(&file)
        {
            return Ok(Bytes::Mapped(map));
        }
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.read_to_end(&mut buf).map_err(io_err)?;
        Ok(Bytes::Owned(buf))
    }
}

#[allow(unsafe_code)]
fn map_file(file: &File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is read-only and syncsift never writes its inputs. Another process truncating
    // the file while it is mapped could still fault (SIGBUS); that is the accepted cost of maps, as in
    // other log scanners, and the reason small files are read instead.
    let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
    #[cfg(unix)]
    {
        // Advice only: a failure changes nothing but read-ahead.
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    Some(map)
}

/// A cheaply clonable view of part of a [`Bytes`], for reading archives and their members from several
/// threads without copying.
#[derive(Debug, Clone)]
pub struct SharedBytes {
    bytes: Arc<Bytes>,
    range: Range<usize>,
}

impl SharedBytes {
    /// The whole of `bytes`.
    pub fn new(bytes: Bytes) -> SharedBytes {
        let len = bytes.len();
        SharedBytes {
            bytes: Arc::new(bytes),
            range: 0..len,
        }
    }

    /// A sub-range, relative to this view. `None` when it does not fit.
    pub fn slice(&self, range: Range<usize>) -> Option<SharedBytes> {
        let start = self.range.start.checked_add(range.start)?;
        let end = self.range.start.checked_add(range.end)?;
        if start > end || end > self.range.end {
            return None;
        }
        Some(SharedBytes {
            bytes: Arc::clone(&self.bytes),
            range: start..end,
        })
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        // The range was checked against the buffer when it was made.
        self.bytes.get(self.range.clone()).unwrap_or_default()
    }
}

impl Deref for SharedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_nest_and_refuse_out_of_range() {
        let shared = SharedBytes::new(Bytes::Owned(b"0123456789".to_vec()));
        let inner = shared.slice(2..8).unwrap();
        assert_eq!(&*inner, b"234567");
        assert_eq!(&*inner.slice(1..3).unwrap(), b"34");
        assert!(inner.slice(0..7).is_none());
    }
}
