//! Bytes of a file on disk, memory-mapped where that works and read into memory where it does not.
//!
//! This is the only module of the workspace with `unsafe` code: the memory map. Everything above it
//! sees a `&[u8]`. A range of the bytes can be shared between threads ([`SharedBytes`]) so that zip
//! members stored without compression are read in place, never copied.

use crate::error::InputError;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
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

impl Bytes {
    /// Lets the operating system drop the resident pages of `range` of a memory map (they are
    /// read again from the file if touched later). Reading a large mapped archive member by
    /// member then keeps only the member being read resident, not the whole archive. Does nothing
    /// for bytes in memory or where the advice is not supported.
    pub fn release(&self, range: Range<usize>) {
        #[cfg(unix)]
        if let Bytes::Mapped(map) = self
            && range.start < range.end
            && range.end <= map.len()
        {
            release_pages(map, range);
        }
        #[cfg(not(unix))]
        let _ = range;
    }
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn release_pages(map: &memmap2::Mmap, range: Range<usize>) {
    // SAFETY: the map is shared and read-only; MADV_DONTNEED only drops this process's copy of the
    // pages, and a later read faults them in again from the file with the same content. Advice only:
    // a failure changes nothing.
    let _ = unsafe {
        map.unchecked_advise_range(
            memmap2::UncheckedAdvice::DontNeed,
            range.start,
            range.end - range.start,
        )
    };
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

    /// [`Bytes::release`] for a sub-range of this view (relative to it); out-of-range parts are
    /// ignored.
    pub fn release(&self, range: Range<usize>) {
        let start = self.range.start.saturating_add(range.start);
        let end = self
            .range
            .start
            .saturating_add(range.end)
            .min(self.range.end);
        if start < end {
            self.bytes.release(start..end);
        }
    }

    /// Length of this view.
    pub fn view_len(&self) -> usize {
        self.range.len()
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

/// Pages a [`SharedCursor`] reads past are released once this many bytes are behind it.
const RELEASE_BEHIND: usize = 16 << 20;

/// A `Read + Seek` cursor over [`SharedBytes`] that, reading forward through a memory map, releases
/// the pages it has left behind ([`Bytes::release`]): streaming a large compressed member keeps only
/// a window of the archive resident, not all of it.
#[derive(Debug, Clone)]
pub struct SharedCursor {
    bytes: SharedBytes,
    pos: usize,
    /// Start of what this cursor read and has not released yet.
    kept_from: usize,
}

impl SharedCursor {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: SharedBytes) -> SharedCursor {
        SharedCursor {
            bytes,
            pos: 0,
            kept_from: 0,
        }
    }

    /// The bytes read.
    pub fn bytes(&self) -> &SharedBytes {
        &self.bytes
    }

    /// The current position.
    pub fn position(&self) -> u64 {
        self.pos as u64
    }
}

impl Read for SharedCursor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let data: &[u8] = &self.bytes;
        let rest = data.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        if self.pos - self.kept_from > 2 * RELEASE_BEHIND {
            let until = self.pos - RELEASE_BEHIND;
            self.bytes.release(self.kept_from..until);
            self.kept_from = until;
        }
        Ok(n)
    }
}

impl Seek for SharedCursor {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let len = self.bytes.view_len() as i128;
        let target = match to {
            SeekFrom::Start(n) => i128::from(n),
            SeekFrom::End(d) => len + i128::from(d),
            SeekFrom::Current(d) => self.pos as i128 + i128::from(d),
        };
        let target = usize::try_from(target)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = target;
        self.kept_from = target;
        Ok(target as u64)
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

    #[test]
    fn shared_cursor_reads_and_seeks_like_a_cursor() {
        let shared = SharedBytes::new(Bytes::Owned(b"0123456789".to_vec()));
        let mut cursor = SharedCursor::new(shared.slice(2..10).unwrap());
        let mut buf = [0; 3];
        assert_eq!(cursor.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf, b"234");
        assert_eq!(cursor.seek(SeekFrom::End(-2)).unwrap(), 6);
        let mut rest = Vec::new();
        cursor.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"89");
        assert_eq!(cursor.seek(SeekFrom::Current(5)).unwrap(), 13);
        assert_eq!(cursor.read(&mut buf).unwrap(), 0);
        assert!(cursor.seek(SeekFrom::Current(-20)).is_err());
    }
}
