//! Line numbers for CSV records. The `csv` crate's own count is off by one after CRLF line ends
//! and skips line breaks inside quoted cells, so the lines are counted here from the bytes the
//! reader hands the parser, up to each record's start.

use std::io::{self, Read};

/// A reader that keeps the bytes read since the last record start, to count their line breaks.
pub struct LineTracker<R> {
    inner: R,
    /// Bytes read but not yet counted; `window[0]` is at offset `window_start`.
    window: Vec<u8>,
    window_start: u64,
    /// Line breaks before `window_start`.
    newlines: u64,
}

impl<R: Read> LineTracker<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> LineTracker<R> {
        LineTracker {
            inner,
            window: Vec::new(),
            window_start: 0,
            newlines: 0,
        }
    }

    /// The 1-based line of the record starting at byte `start`. Starts must not go backwards.
    /// A record that starts on the `\n` of a CRLF is on the line after it.
    pub fn line_at(&mut self, start: u64) -> u64 {
        let upto = start.saturating_sub(self.window_start);
        let upto = usize::try_from(upto)
            .unwrap_or(usize::MAX)
            .min(self.window.len());
        self.newlines += memchr::memchr_iter(b'\n', &self.window[..upto]).count() as u64;
        self.window.drain(..upto);
        self.window_start += upto as u64;
        let on_newline = u64::from(self.window.first() == Some(&b'\n'));
        self.newlines + on_newline + 1
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.window.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_crlf_and_quoted_breaks() {
        let text = "\"a\",\"b\"\r\n\"1\",\"two\r\nlines\"\r\n\"3\",\"4\"\r\n";
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(LineTracker::new(text.as_bytes()));
        let mut record = csv::StringRecord::new();
        let mut lines = Vec::new();
        while csv.read_record(&mut record).unwrap() {
            let start = record.position().unwrap().byte();
            lines.push(csv.get_mut().line_at(start));
        }
        assert_eq!(lines, [1, 2, 4]);
    }
}
