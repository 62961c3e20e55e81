//! Text encodings of bundle files: detection from the first bytes, and a reader that turns any of
//! them into UTF-8 lines.
//!
//! PowerShell 5.1 writes UTF-16LE with a BOM, .NET trace listeners UTF-8 without one, and files pass
//! through editors that add or drop BOMs. Detection looks at the BOM first, then at the pattern of
//! NUL bytes, so a UTF-16 file without a BOM is still read.

use encoding_rs::{Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE};
use serde::Serialize;
use std::io::{self, BufRead, Read};

/// How a text file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    /// UTF-8 (or ASCII) without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-16 little-endian; `bom` tells whether a byte-order mark is present.
    Utf16Le {
        /// Whether the file starts with `FF FE`.
        bom: bool,
    },
    /// UTF-16 big-endian; `bom` tells whether a byte-order mark is present.
    Utf16Be {
        /// Whether the file starts with `FE FF`.
        bom: bool,
    },
}

impl TextEncoding {
    /// The label used in inventories.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16Le { bom: true } => "UTF-16LE with BOM",
            TextEncoding::Utf16Le { bom: false } => "UTF-16LE",
            TextEncoding::Utf16Be { bom: true } => "UTF-16BE with BOM",
            TextEncoding::Utf16Be { bom: false } => "UTF-16BE",
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => UTF_8,
            TextEncoding::Utf16Le { .. } => UTF_16LE,
            TextEncoding::Utf16Be { .. } => UTF_16BE,
        }
    }

    fn bom_len(self) -> usize {
        match self {
            TextEncoding::Utf8Bom => 3,
            TextEncoding::Utf16Le { bom: true } | TextEncoding::Utf16Be { bom: true } => 2,
            _ => 0,
        }
    }

    /// Encodes `text` the way a file in this encoding would hold it (no BOM). Used to search raw
    /// UTF-16 bytes without decoding them.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => text.as_bytes().to_vec(),
            TextEncoding::Utf16Le { .. } => {
                text.encode_utf16().flat_map(u16::to_le_bytes).collect()
            }
            TextEncoding::Utf16Be { .. } => {
                text.encode_utf16().flat_map(u16::to_be_bytes).collect()
            }
        }
    }
}

/// What the first bytes of a file say about its text encoding: `None` when it does not look like text.
pub fn detect_encoding(head: &[u8]) -> Option<TextEncoding> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Some(TextEncoding::Utf8Bom);
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some(TextEncoding::Utf16Le { bom: true });
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some(TextEncoding::Utf16Be { bom: true });
    }
    let sample = &head[..head.len().min(4096)];
    if sample.is_empty() {
        return None;
    }
    let pairs = sample.len() / 2;
    if pairs >= 2 {
        let (mut zero_odd, mut zero_even) = (0usize, 0usize);
        for pair in sample.chunks_exact(2) {
            zero_even += usize::from(pair[0] == 0);
            zero_odd += usize::from(pair[1] == 0);
        }
        // ASCII-range text in UTF-16 has a NUL in every other byte; binary data has NULs anywhere.
        if zero_odd * 10 >= pairs * 9 && zero_even * 10 <= pairs {
            return Some(TextEncoding::Utf16Le { bom: false });
        }
        if zero_even * 10 >= pairs * 9 && zero_odd * 10 <= pairs {
            return Some(TextEncoding::Utf16Be { bom: false });
        }
    }
    if looks_like_utf8_text(sample) {
        Some(TextEncoding::Utf8)
    } else {
        None
    }
}

/// True for bytes with no NUL, few control characters and valid UTF-8 (allowing a sequence cut off at
/// the end of the sample).
fn looks_like_utf8_text(sample: &[u8]) -> bool {
    if memchr::memchr(0, sample).is_some() {
        return false;
    }
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if controls * 100 > sample.len() {
        return false;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    }
}

/// Decodes the first bytes of a file to UTF-8 (lossily) for content sniffing.
pub fn decode_head(head: &[u8], encoding: TextEncoding) -> String {
    let body = head.get(encoding.bom_len()..).unwrap_or_default();
    let (text, _) = encoding.encoding().decode_without_bom_handling(body);
    text.into_owned()
}

/// A [`BufRead`] of UTF-8 over a reader in any [`TextEncoding`]. The BOM is removed; malformed
/// sequences become U+FFFD, so one bad byte never stops a file.
pub struct Utf8Reader<R> {
    inner: R,
    decoder: Option<Decoder>,
    skip_bom: usize,
    raw: Vec<u8>,
    raw_len: usize,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    eof: bool,
    finished: bool,
}

const RAW_BLOCK: usize = 64 * 1024;

impl<R: Read> Utf8Reader<R> {
    /// Wraps `inner`, whose content is in `encoding`.
    pub fn new(inner: R, encoding: TextEncoding) -> Utf8Reader<R> {
        let decoder = match encoding {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => None,
            other => Some(other.encoding().new_decoder_without_bom_handling()),
        };
        Utf8Reader {
            inner,
            decoder,
            skip_bom: encoding.bom_len(),
            raw: vec![0; RAW_BLOCK],
            raw_len: 0,
            out: vec![0; RAW_BLOCK * 3 / 2 + 16],
            out_pos: 0,
            out_len: 0,
            eof: false,
            finished: false,
        }
    }

    /// Produces the next block of UTF-8 into `out`; leaves it empty only at the end of input.
    fn refill(&mut self) -> io::Result<()> {
        self.out_pos = 0;
        self.out_len = 0;
        loop {
            if !self.eof && self.raw_len < self.raw.len() {
                let n = read_some(&mut self.inner, &mut self.raw[self.raw_len..])?;
                self.eof = n == 0;
                self.raw_len += n;
            }
            if self.skip_bom > 0 {
                if self.raw_len < self.skip_bom && !self.eof {
                    continue;
                }
                let skip = self.skip_bom.min(self.raw_len);
                self.raw.copy_within(skip..self.raw_len, 0);
                self.raw_len -= skip;
                self.skip_bom = 0;
            }
            match &mut self.decoder {
                None => {
                    if self.raw_len == 0 {
                        if self.eof {
                            return Ok(());
                        }
                        continue;
                    }
                    // UTF-8 passes through unchanged; invalid bytes are dealt with when a record is
                    // built, so the bytes of a line stay exactly as written.
                    std::mem::swap(&mut self.raw, &mut self.out);
                    self.out_len = self.raw_len;
                    self.raw_len = 0;
                    return Ok(());
                }
                Some(decoder) => {
                    if self.finished {
                        return Ok(());
                    }
                    let (_, read, written, _) =
                        decoder.decode_to_utf8(&self.raw[..self.raw_len], &mut self.out, self.eof);
                    self.raw.copy_within(read..self.raw_len, 0);
                    self.raw_len -= read;
                    self.out_len = written;
                    if self.eof && self.raw_len == 0 {
                        self.finished = true;
                    }
                    if written > 0 || self.finished {
                        return Ok(());
                    }
                }
            }
        }
    }
}

fn read_some<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Utf8Reader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.out_pos >= self.out_len {
            self.refill()?;
        }
        Ok(&self.out[self.out_pos.min(self.out_len)..self.out_len])
    }

    fn consume(&mut self, amt: usize) {
        self.out_pos = (self.out_pos + amt).min(self.out_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], encoding: TextEncoding) -> String {
        let mut out = String::new();
        Utf8Reader::new(bytes, encoding)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn detects_boms_and_nul_patterns() {
        assert_eq!(
            detect_encoding(b"\xEF\xBB\xBFabc"),
            Some(TextEncoding::Utf8Bom)
        );
        assert_eq!(
            detect_encoding(b"\xFF\xFEa\0b\0"),
            Some(TextEncoding::Utf16Le { bom: true })
        );
        assert_eq!(
            detect_encoding(&TextEncoding::Utf16Le { bom: false }.encode("hello world")),
            Some(TextEncoding::Utf16Le { bom: false })
        );
        assert_eq!(
            detect_encoding(&TextEncoding::Utf16Be { bom: false }.encode("hello world")),
            Some(TextEncoding::Utf16Be { bom: false })
        );
        assert_eq!(detect_encoding(b"plain text\r\n"), Some(TextEncoding::Utf8));
        assert_eq!(
            detect_encoding(b"\x00\x01\x02\x03\x7fELF\x00\x00\x10"),
            None
        );
    }

    #[test]
    fn decodes_utf16_across_block_boundaries() {
        let text: String = (0..50_000).map(|i| format!("line {i} é\r\n")).collect();
        let mut le = vec![0xFF, 0xFE];
        le.extend(TextEncoding::Utf16Le { bom: true }.encode(&text));
        assert_eq!(read_all(&le, TextEncoding::Utf16Le { bom: true }), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(TextEncoding::Utf16Be { bom: true }.encode(&text));
        assert_eq!(read_all(&be, TextEncoding::Utf16Be { bom: true }), text);
    }

    #[test]
    fn strips_utf8_bom_and_keeps_odd_utf16_tail() {
        assert_eq!(read_all(b"\xEF\xBB\xBFabc", TextEncoding::Utf8Bom), "abc");
        // An odd byte count leaves half a code unit: it becomes U+FFFD, not an error.
        let mut odd = TextEncoding::Utf16Le { bom: false }.encode("ab");
        odd.push(b'c');
        assert_eq!(
            read_all(&odd, TextEncoding::Utf16Le { bom: false }),
            "ab\u{FFFD}"
        );
    }
}
