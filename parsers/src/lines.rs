//! Line-by-line reading of UTF-8 text with bounded memory.
//!
//! Every text format in a bundle is line-oriented. Lines end in LF or CRLF; a line longer than the
//! cap is cut (the rest is skipped up to the next newline) and reported, so a 100 MB file without a
//! newline costs no more memory than the cap. Streams are read through one reused buffer
//! ([`Lines`]); text already in memory (a mapped file, a stored zip member) is read in place
//! ([`SliceLines`]), which is the fast path for large traces.

use crate::selector::Selector;
use std::io::{self, BufRead, Read};

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
    /// False only when a source that searched for the selector's literals (global or scoped, see
    /// [`Selector::literal_lines`]) found none in this line; sources that do not search say true.
    pub hit: bool,
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
            hit: true,
        }))
    }
}

/// Anything that yields lines: a stream ([`Lines`]) or a slice ([`SliceLines`]).
pub trait LineSource {
    /// The next line, or `None` at the end of input.
    ///
    /// # Errors
    /// When the underlying reader fails.
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>>;
}

impl<R: BufRead> LineSource for Lines<R> {
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        Lines::next_line(self)
    }
}

/// Where the selector's literals start in a block of text, found in one pass over the block (a
/// whole mapped file, or a large block of a stream), so that lines can say whether they hold one
/// without a search per line.
struct Hits {
    starts: Vec<usize>,
    next: usize,
    /// Literals that could span lines (they contain a line break) make every line a hit.
    everywhere: bool,
}

impl Hits {
    fn find(text: &[u8], selector: Option<&Selector>) -> Hits {
        let mut hits = Hits {
            starts: Vec::new(),
            next: 0,
            everywhere: false,
        };
        match selector {
            None => hits.everywhere = true,
            Some(selector) if selector.literals_span_lines() => hits.everywhere = true,
            Some(selector) => selector.literal_lines(text, &mut hits.starts),
        }
        hits
    }

    /// Whether a hit starts in `range`; ranges must be asked in increasing order.
    fn any_in(&mut self, range: std::ops::Range<usize>) -> bool {
        if self.everywhere {
            return true;
        }
        while self.starts.get(self.next).is_some_and(|&s| s < range.start) {
            self.next += 1;
        }
        self.starts.get(self.next).is_some_and(|&s| s < range.end)
    }
}

/// Lines of UTF-8 text already in memory, borrowed without copying.
pub struct SliceLines<'a> {
    text: &'a [u8],
    pos: usize,
    number: u64,
    hits: Hits,
}

impl<'a> SliceLines<'a> {
    /// Starts at line 1 of `text` (a UTF-8 BOM, if any, must already be removed). Every line is
    /// marked as a possible literal hit.
    pub fn new(text: &'a [u8]) -> SliceLines<'a> {
        SliceLines::searching(text, None)
    }

    /// Like [`SliceLines::new`], marking only lines where one of the selector's literals starts.
    pub fn searching(text: &'a [u8], selector: Option<&Selector>) -> SliceLines<'a> {
        SliceLines {
            text,
            pos: 0,
            number: 0,
            hits: Hits::find(text, selector),
        }
    }
}

impl LineSource for SliceLines<'_> {
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let rest = &self.text[self.pos..];
        if rest.is_empty() {
            return Ok(None);
        }
        let start = self.pos;
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        self.pos += (len + 1).min(rest.len());
        let line = &rest[..len];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.number += 1;
        let truncated = line.len() > MAX_LINE;
        Ok(Some(Line {
            number: self.number,
            bytes: &line[..line.len().min(MAX_LINE)],
            truncated,
            hit: self.hits.any_in(start..start + len),
        }))
    }
}

/// Lines of a stream, read in large blocks that end at a line break; each block is searched for
/// the selector's literals in one pass, like a slice. Lines longer than [`MAX_LINE`] are cut.
pub struct BlockLines<'s, R> {
    reader: R,
    selector: Option<&'s Selector>,
    buf: Vec<u8>,
    /// Next unread byte of the current block.
    pos: usize,
    /// End of the current block: just after a line break, or the end of input.
    block_end: usize,
    /// Bytes of `buf` holding data.
    filled: usize,
    eof: bool,
    /// The rest of an overlong line is to be dropped.
    skip_rest: bool,
    number: u64,
    hits: Hits,
    /// Size of the blocks: [`BLOCK`], smaller in tests to cross many block boundaries.
    block: usize,
}

/// Size of the blocks a stream is read in.
const BLOCK: usize = 1 << 20;

impl<'s, R: Read> BlockLines<'s, R> {
    /// Reads `reader` from line 1, searching each block for the selector's literals (every line is
    /// a possible hit without a selector).
    pub fn new(reader: R, selector: Option<&'s Selector>) -> BlockLines<'s, R> {
        BlockLines::with_block(reader, selector, BLOCK)
    }

    /// [`BlockLines::new`] with blocks of about `block` bytes.
    #[cfg(test)]
    pub(crate) fn small_blocks(
        reader: R,
        selector: Option<&'s Selector>,
        block: usize,
    ) -> BlockLines<'s, R> {
        BlockLines::with_block(reader, selector, block.max(1))
    }

    fn with_block(reader: R, selector: Option<&'s Selector>, block: usize) -> BlockLines<'s, R> {
        BlockLines {
            reader,
            selector,
            buf: Vec::new(),
            pos: 0,
            block_end: 0,
            filled: 0,
            eof: false,
            skip_rest: false,
            number: 0,
            hits: Hits::find(&[], None),
            block,
        }
    }

    fn read_more(&mut self) -> io::Result<()> {
        if self.buf.len() < self.filled + self.block {
            self.buf.resize(self.filled + self.block, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.eof = n == 0;
        self.filled += n;
        Ok(())
    }

    /// Makes the next block current; false at the end of input.
    fn load(&mut self) -> io::Result<bool> {
        self.buf.copy_within(self.block_end..self.filled, 0);
        self.filled -= self.block_end;
        self.pos = 0;
        self.block_end = 0;
        loop {
            if self.skip_rest {
                match memchr::memchr(b'\n', &self.buf[..self.filled]) {
                    Some(i) => {
                        self.buf.copy_within(i + 1..self.filled, 0);
                        self.filled -= i + 1;
                        self.skip_rest = false;
                    }
                    None => self.filled = 0,
                }
            }
            if !self.skip_rest {
                let last = memchr::memrchr(b'\n', &self.buf[..self.filled]);
                match last {
                    Some(last) if self.filled >= self.block || self.eof => {
                        self.block_end = last + 1;
                        break;
                    }
                    None if self.filled > MAX_LINE => {
                        // An overlong line with no end in sight: emit its start, drop the rest.
                        self.block_end = self.filled;
                        break;
                    }
                    _ if self.eof => {
                        self.block_end = self.filled;
                        break;
                    }
                    _ => {}
                }
            } else if self.eof {
                break;
            }
            self.read_more()?;
        }
        self.hits = Hits::find(&self.buf[..self.block_end], self.selector);
        Ok(self.block_end > 0)
    }
}

impl<R: Read> LineSource for BlockLines<'_, R> {
    fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        if self.pos >= self.block_end && !self.load()? {
            return Ok(None);
        }
        let start = self.pos;
        let rest = &self.buf[start..self.block_end];
        let (len, ended) = match memchr::memchr(b'\n', rest) {
            Some(i) => (i, true),
            None => (rest.len(), false),
        };
        self.pos += if ended { len + 1 } else { len };
        if !ended && !self.eof {
            self.skip_rest = true;
        }
        let line = &self.buf[start..start + len];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.number += 1;
        Ok(Some(Line {
            number: self.number,
            bytes: &line[..line.len().min(MAX_LINE)],
            truncated: line.len() > MAX_LINE,
            hit: self.hits.any_in(start..start + len),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

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

    fn collect_slice(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        let mut lines = SliceLines::new(input);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push((line.number, line.bytes.to_vec(), line.truncated));
        }
        out
    }

    fn collect_blocks(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        // One byte per read, the worst case for block boundaries.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(7919);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut lines = BlockLines::new(Trickle(input), None);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push((line.number, line.bytes.to_vec(), line.truncated));
        }
        out
    }

    #[test]
    fn slices_and_streams_give_the_same_lines() {
        let mut long = vec![b'y'; MAX_LINE + 3];
        long.extend_from_slice(b"\r\nz");
        for input in [&b"a\r\nb\n\nc"[..], b"", b"\n", b"x\r", b"\r\n\r\n", &long] {
            assert_eq!(
                collect_slice(input),
                collect(input),
                "{:?}",
                String::from_utf8_lossy(&input[..input.len().min(20)])
            );
            assert_eq!(
                collect_blocks(input),
                collect(input),
                "{:?}",
                String::from_utf8_lossy(&input[..input.len().min(20)])
            );
        }
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

    proptest::proptest! {
        /// Streams read in blocks, slices read in place and the reference reader agree on every
        /// input, whatever the line ends and read sizes.
        #[test]
        fn all_line_sources_agree(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[a-z :]{0,12}").unwrap().prop_map(String::into_bytes),
                    proptest::strategy::Just(b"\r\n".to_vec()),
                    proptest::strategy::Just(b"\n".to_vec()),
                    proptest::strategy::Just(b"\r".to_vec()),
                ],
                0..60,
            )
        ) {
            let input: Vec<u8> = parts.concat();
            proptest::prop_assert_eq!(collect_slice(&input), collect(&input));
            proptest::prop_assert_eq!(collect_blocks(&input), collect(&input));
        }
    }
}
