//! Line-by-line reading of UTF-8 text with bounded memory.
//!
//! Every text format in a bundle is line-oriented. Lines end in LF or CRLF; a line longer than the
//! cap is cut (the rest is skipped up to the next newline) and reported, so a 100 MB file without a
//! newline costs no more memory than the cap.

use std::io::{self, BufRead};

/// Longest line kept whole; longer lines are truncated to this many bytes.
pub const MAX_LINE: usize = 1 << 20;

/// Reads lines from a [`BufRead`] into one reused buffer.
pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    number: u64,
    truncated: bool,
}

/// One line: its 1-based number, its bytes without the line ending, and whether it was cut.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// Content without `\n` / `\r\n`.
    pub bytes: &'a [u8],
    /// True when the line was longer than [`MAX_LINE`] and was cut.
    pub truncated: bool,
}

impl<R: BufRead> Lines<R> {
    /// Starts reading at line 1.
    pub fn new(reader: R) -> Lines<R> {
        Lines {
            reader,
            buf: Vec::with_capacity(256),
            number: 0,
            truncated: false,
        }
    }

    /// The next line, or `None` at the end of input.
    ///
    /// # Errors
    /// When the underlying reader fails (e.g. damaged compressed data).
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        self.truncated = false;
        let mut saw_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            saw_any = true;
            let (chunk, found_newline) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            let room = MAX_LINE.saturating_sub(self.buf.len());
            if chunk.len() > room {
                self.truncated = true;
            }
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = found_newline.unwrap_or(available.len());
            self.reader.consume(used);
            if found_newline.is_some() {
                break;
            }
        }
        if !saw_any {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        self.number += 1;
        Ok(Some(Line {
            number: self.number,
            bytes: &self.buf,
            truncated: self.truncated,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push((line.number, line.bytes.to_vec(), line.truncated));
        }
        out
    }

    #[test]
    fn splits_lf_and_crlf_and_keeps_last_partial_line() {
        let got = collect(b"a\r\nb\n\nc");
        let expected: Vec<(u64, Vec<u8>, bool)> = vec![
            (1, b"a".to_vec(), false),
            (2, b"b".to_vec(), false),
            (3, b"".to_vec(), false),
            (4, b"c".to_vec(), false),
        ];
        assert_eq!(got, expected);
        assert!(collect(b"").is_empty());
    }

    #[test]
    fn cuts_overlong_lines() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nnext\n");
        let got = collect(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1.len(), MAX_LINE);
        assert!(got[0].2);
        assert_eq!(got[1].1, b"next");
    }
}
