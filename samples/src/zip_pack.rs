//! Zips written deterministically: fixed member times (the bundle's creation time, as the zip's
//! DOS local time), members in the order given, stored or deflated, zips inside zips. Either a
//! whole zip in memory or a zip streamed to a file member by member (bounded memory).

use std::io::{self, Seek, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// How a member is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Stored as is.
    Stored,
    /// Deflated.
    Deflated,
}

/// A member's local time of modification as a zip stores it (no zone, 2-second resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipTime {
    /// Year (1980..).
    pub year: u16,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
    /// Hour.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second (even).
    pub second: u8,
}

/// One member of a zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Path inside the zip, `/`-separated.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// Storage method.
    pub method: Method,
}

/// Errors of zip writing.
#[derive(Debug, thiserror::Error)]
pub enum ZipPackError {
    /// The zip library refused.
    #[error("cannot write the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// The output failed.
    #[error("cannot write the zip: {0}")]
    Io(#[from] io::Error),
    /// The member time is not a valid zip time.
    #[error("invalid zip member time {0:?}")]
    Time(ZipTime),
}

fn options(method: Method, time: ZipTime) -> Result<SimpleFileOptions, ZipPackError> {
    let stamp = zip::DateTime::from_date_and_time(
        time.year,
        time.month,
        time.day,
        time.hour,
        time.minute,
        time.second,
    )
    .map_err(|_| ZipPackError::Time(time))?;
    let options = SimpleFileOptions::default()
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    Ok(match method {
        Method::Stored => options.compression_method(CompressionMethod::Stored),
        Method::Deflated => options
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6)),
    })
}

/// A zip streamed to `out` one member at a time.
pub struct ZipStream<W: Write + Seek> {
    writer: ZipWriter<W>,
    time: ZipTime,
}

impl<W: Write + Seek> ZipStream<W> {
    /// Starts a zip whose members all get `time`.
    pub fn new(out: W, time: ZipTime) -> Self {
        Self {
            writer: ZipWriter::new(out),
            time,
        }
    }

    /// Starts a member; write its content through [`ZipStream::writer`] or [`ZipStream::write`].
    ///
    /// # Errors
    /// When the zip cannot be written.
    pub fn start(&mut self, path: &str, method: Method, large: bool) -> Result<(), ZipPackError> {
        let options = options(method, self.time)?.large_file(large);
        self.writer.start_file(path, options)?;
        Ok(())
    }

    /// Content of the current member.
    ///
    /// # Errors
    /// When the zip cannot be written.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), ZipPackError> {
        self.writer.write_all(bytes)?;
        Ok(())
    }

    /// The current member as a `Write`.
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.writer
    }

    /// A whole member.
    ///
    /// # Errors
    /// When the zip cannot be written.
    pub fn member(&mut self, member: &Member) -> Result<(), ZipPackError> {
        self.start(&member.path, member.method, false)?;
        self.write(&member.bytes)
    }

    /// Writes the central directory; returns the output.
    ///
    /// # Errors
    /// When the zip cannot be written.
    pub fn finish(self) -> Result<W, ZipPackError> {
        Ok(self.writer.finish()?)
    }
}

/// A whole zip in memory.
///
/// # Errors
/// When the time is invalid.
pub fn zip_bytes(members: &[Member], time: ZipTime) -> Result<Vec<u8>, ZipPackError> {
    let mut zip = ZipStream::new(io::Cursor::new(Vec::new()), time);
    for member in members {
        zip.member(member)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_deterministic_and_readable() {
        let time = ZipTime {
            year: 2024,
            month: 3,
            day: 9,
            hour: 10,
            minute: 15,
            second: 0,
        };
        let inner = zip_bytes(
            &[Member {
                path: "a.txt".into(),
                bytes: b"inner".to_vec(),
                method: Method::Deflated,
            }],
            time,
        )
        .unwrap();
        let members = [
            Member {
                path: "dir/s.txt".into(),
                bytes: b"stored".to_vec(),
                method: Method::Stored,
            },
            Member {
                path: "nested.zip".into(),
                bytes: inner,
                method: Method::Stored,
            },
        ];
        let a = zip_bytes(&members, time).unwrap();
        assert_eq!(a, zip_bytes(&members, time).unwrap());
        let mut archive = zip::ZipArchive::new(io::Cursor::new(a)).unwrap();
        assert_eq!(archive.len(), 2);
        let first = archive.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "dir/s.txt");
        assert_eq!(first.compression(), CompressionMethod::Stored);
        let stamp = first.last_modified().unwrap();
        assert_eq!((stamp.year(), stamp.hour(), stamp.minute()), (2024, 10, 15));
    }
}
