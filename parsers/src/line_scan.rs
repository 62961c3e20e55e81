//! Finds the lines of a text block that hold one of the selector's literals, fast when few do.
//!
//! The catalogue's literal set is large (over a hundred) and ASCII case-insensitive, so no
//! prefilter of the Aho-Corasick DFA applies and the DFA then walks every byte of a trace: that
//! was most of the time spent reading one. Instead, each literal gives one rare piece (lower-cased,
//! starting at its least common 4 bytes by a byte-frequency table for log text, avoiding words
//! every sync log is full of, like "provisioning" or "object"); a packed SIMD
//! searcher (Teddy) finds the pieces in a lower-cased copy of the block, and only a line holding
//! a piece is searched with the DFA. A line holds a literal only if it holds that literal's piece,
//! so the lines found are exactly the lines in which the DFA alone finds a match. Should the
//! pieces turn out common in some text after all, a window where too many lines need the DFA
//! falls back to running the DFA over the rest of it line by line, so the cost stays close to the
//! DFA alone.

use aho_corasick::AhoCorasick;
use aho_corasick::Span;
use aho_corasick::packed::{Config, MatchKind, Searcher};

/// Bytes of a piece that Teddy's masks look at: the rare part.
const FRAGMENT: usize = 4;
/// Longest piece: the rare part plus a tail Teddy checks before reporting, so fewer lines go to
/// the DFA.
const PIECE: usize = 8;
/// Bytes lower-cased at a time (extended to the next line break), small enough to stay in cache.
const WINDOW: usize = 64 << 10;

/// A window with more candidate lines than one per this many bytes is searched with the DFA.
const FALLBACK_EVERY: usize = 2048;

/// Words so common in sync logs and traces that no piece should lie inside one (lower case).
const COMMON_WORDS: &[&str] = &[
    "aadconnectprovisioningagent",
    "provisioning",
    "synchronization",
    "information",
    "verbose",
    "warning",
    "error",
    "exception",
    "object",
    "service",
    "microsoft",
    "connector",
    "directory",
    "azure",
    "active",
    "application",
    "agent",
    "failed",
    "server",
    "request",
    "domain",
    "account",
    "user",
    "password",
    "credential",
    "certificate",
    "the",
    "and",
    "with",
    "for",
    "from",
];

/// The pieces of a literal set and their searcher.
#[derive(Debug, Clone)]
pub(crate) struct LineFinder {
    pieces: Searcher,
}

impl LineFinder {
    /// `None` when the fast path cannot serve these literals (one shorter than 3 bytes or holding a
    /// line break, or no SIMD searcher on this CPU); the caller then runs the DFA over the block.
    pub(crate) fn new<S: AsRef<str>>(literals: &[S]) -> Option<LineFinder> {
        let mut folded: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.as_ref().as_bytes().to_ascii_lowercase())
            .collect();
        if folded.iter().any(|l| l.len() < 3 || l.contains(&b'\n')) {
            return None;
        }
        // Shortest first: a literal that holds a piece already chosen needs none of its own (every
        // occurrence of it holds that piece), and fewer pieces make Teddy's buckets tighter.
        folded.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        folded.dedup();
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        for literal in &folded {
            if !pieces
                .iter()
                .any(|p| memchr::memmem::find(literal, p).is_some())
            {
                pieces.push(rare_piece(literal).to_vec());
            }
        }
        if pieces.is_empty() {
            return None;
        }
        let pieces = order_for_buckets(pieces);
        // More than 64 patterns is past Teddy's default limit, but the pieces are chosen rare and
        // grouped, which keeps its verification step cheap (the catalogue gives 86).
        let mut builder = Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .only_teddy(true)
            .heuristic_pattern_limits(false)
            .builder();
        builder.extend(&pieces);
        Some(LineFinder {
            pieces: builder.build()?,
        })
    }

    /// Pushes, in increasing order, the start of each line of `text` in which `confirm` (the DFA
    /// of the same literals, ASCII case-insensitive) finds a match (such a line is not empty).
    pub(crate) fn find_lines(&self, text: &[u8], confirm: &AhoCorasick, out: &mut Vec<usize>) {
        self.find_lines_in_windows(text, confirm, out, WINDOW);
    }

    /// [`LineFinder::find_lines`] with windows of `window` bytes (smaller in tests).
    fn find_lines_in_windows(
        &self,
        text: &[u8],
        confirm: &AhoCorasick,
        out: &mut Vec<usize>,
        window_len: usize,
    ) {
        let mut folded = Vec::with_capacity(window_len.min(text.len()) + 256);
        let mut start = 0;
        while start < text.len() {
            // Windows end at a line break, so no piece spans two of them.
            let end = match text
                .get(start + window_len..)
                .and_then(|t| memchr::memchr(b'\n', t))
            {
                Some(i) => start + window_len + i + 1,
                None => text.len(),
            };
            let window = &text[start..end];
            folded.clear();
            folded.extend_from_slice(window);
            folded.make_ascii_lowercase();
            let mut at = 0;
            let mut budget = window.len() / FALLBACK_EVERY + 1;
            while at < folded.len()
                && let Some(piece) = self.pieces.find_in(&folded, Span::from(at..folded.len()))
            {
                if budget == 0 {
                    // Pieces are everywhere here: search the rest line by line with the DFA,
                    // which stops at a line's first match (`at` is a line start).
                    let mut line_start = at;
                    for line in window[at..].split(|&b| b == b'\n') {
                        if confirm.is_match(line) {
                            out.push(start + line_start);
                        }
                        line_start += line.len() + 1;
                    }
                    break;
                }
                budget -= 1;
                let line_start =
                    memchr::memrchr(b'\n', &window[..piece.start()]).map_or(0, |i| i + 1);
                let line_end = memchr::memchr(b'\n', &window[piece.start()..])
                    .map_or(window.len(), |i| piece.start() + i);
                if confirm.is_match(&window[line_start..line_end]) {
                    out.push(start + line_start);
                }
                // The whole line is decided: go on from the next one.
                at = line_end + 1;
            }
            start = end;
        }
    }
}

/// Buckets of the packed searcher (fat Teddy); it puts pattern `i` in bucket `i % 16` (unless
/// an earlier pattern has the same low nibbles).
const BUCKETS: usize = 16;

/// Orders the pieces so that each of Teddy's buckets holds pieces with similar bytes.
///
/// Teddy flags a position for a bucket when each of the next 4 bytes has a low and a high nibble
/// that some piece of the bucket has at that place; a bucket of unlike pieces flags a large share
/// of all positions, and each flag costs a verification. Pieces are put, rarest last, in the
/// bucket where they add the least to the expected flag rate (by the byte-frequency table); the
/// order only affects speed, never which lines are found.
fn order_for_buckets(mut pieces: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    if pieces.len() <= BUCKETS {
        return pieces;
    }
    let weight: Vec<f64> = (0..=255u8)
        .map(|b| f64::from(commonness(b)).exp2() / 1024.0)
        .collect();
    // Per bucket and position: the low and high nibbles seen, as bit sets.
    type Masks = [(u16, u16); FRAGMENT];
    let rate = |masks: &Masks| -> f64 {
        masks
            .iter()
            .map(|&(lo, hi)| {
                (0..=255u8)
                    .filter(|b| lo & (1 << (b & 15)) != 0 && hi & (1 << (b >> 4)) != 0)
                    .map(|b| weight[usize::from(b)])
                    .sum::<f64>()
            })
            .product()
    };
    let with = |masks: &Masks, piece: &[u8]| -> Masks {
        let mut out = *masks;
        for (slot, &b) in out.iter_mut().zip(piece) {
            slot.0 |= 1 << (b & 15);
            slot.1 |= 1 << (b >> 4);
        }
        out
    };
    // Bucket `b` gets pattern ids b, b + 16, ...: the first `len % 16` buckets one more.
    let n = pieces.len();
    let capacity = |b: usize| n / BUCKETS + usize::from(b < n % BUCKETS);
    let mut buckets: Vec<(Masks, Vec<Vec<u8>>)> = vec![([(0, 0); FRAGMENT], Vec::new()); BUCKETS];
    pieces.sort_by_key(|p| {
        std::cmp::Reverse(p.iter().take(FRAGMENT).map(|&b| commonness(b)).sum::<u32>())
    });
    for piece in pieces {
        let mut best: Option<(f64, usize)> = None;
        for (b, (masks, members)) in buckets.iter().enumerate() {
            if members.len() >= capacity(b) {
                continue;
            }
            let added = rate(&with(masks, &piece)) - rate(masks);
            if best.is_none_or(|(cost, _)| added < cost) {
                best = Some((added, b));
            }
        }
        // Capacities add up to the number of pieces, so there is always room; never drop one.
        let b = best.map_or(0, |(_, b)| b);
        let bucket = &mut buckets[b];
        bucket.0 = with(&bucket.0, &piece);
        bucket.1.push(piece);
    }
    let mut ordered = Vec::with_capacity(n);
    for round in 0.. {
        let before = ordered.len();
        ordered.extend(buckets.iter().filter_map(|(_, m)| m.get(round).cloned()));
        if ordered.len() == before {
            break;
        }
    }
    ordered
}

/// True when `literal` has a piece outside the common words, so that searching for it does not
/// send most lines of a log to the DFA.
pub(crate) fn has_rare_piece(literal: &str) -> bool {
    let folded = literal.as_bytes().to_ascii_lowercase();
    if folded.len() < 3 {
        return false;
    }
    let piece = rare_piece(&folded);
    !in_common_word(&piece[..FRAGMENT.min(piece.len())])
}

/// The part of a lower-cased literal that starts at its least common `FRAGMENT` bytes.
fn rare_piece(folded: &[u8]) -> &[u8] {
    let width = FRAGMENT.min(folded.len());
    if width == 0 {
        return folded;
    }
    let mut best = (u32::MAX, 0);
    for (i, window) in folded.windows(width).enumerate() {
        let mut score: u32 = window.iter().map(|&b| commonness(b)).sum();
        if in_common_word(window) {
            score += 1000;
        }
        if score < best.0 {
            best = (score, i);
        }
    }
    let from = best.1;
    &folded[from..folded.len().min(from + PIECE)]
}

/// True when the letters of `window` (punctuation and spaces around them dropped) are part of a
/// common word.
fn in_common_word(window: &[u8]) -> bool {
    let core = window.trim_ascii();
    let start = core
        .iter()
        .position(u8::is_ascii_alphanumeric)
        .unwrap_or(core.len());
    let end = core
        .iter()
        .rposition(u8::is_ascii_alphanumeric)
        .map_or(start, |i| i + 1);
    let core = &core[start..end.max(start)];
    core.len() >= 3
        && COMMON_WORDS
            .iter()
            .any(|w| w.as_bytes().windows(core.len()).any(|x| x == core))
}

/// How common a lower-cased byte is in trace text (rough ranks, higher is more common): spaces,
/// English letters, and the digits, hex and punctuation of ids, times and paths.
fn commonness(b: u8) -> u32 {
    match b {
        b' ' => 100,
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 90,
        b'0'..=b'9' => 80,
        // Hex digits of GUIDs and correlation ids as well as letters.
        b'c' | b'd' | b'f' | b'b' => 75,
        b'h' | b'l' | b'u' | b'm' => 70,
        b'p' | b'g' | b'w' | b'y' => 50,
        b'.' | b':' | b'-' | b'=' | b'\r' | b',' | b'/' | b'\\' => 50,
        b'v' | b'k' => 35,
        b'[' | b']' | b'(' | b')' | b'_' | b';' | b'\'' | b'"' => 25,
        b'x' | b'j' | b'q' | b'z' => 15,
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pieces_start_at_rare_bytes() {
        assert_eq!(rare_piece(b"quarantine"), b"quaranti");
        assert_eq!(rare_piece(b"0x54b"), b"x54b");
        assert_eq!(rare_piece(b"abc"), b"abc");
        assert_eq!(rare_piece(b""), b"");
        assert!(!has_rare_piece(""));
        // Not " obj": objects are everywhere in sync logs.
        assert_eq!(rare_piece(b"there is no such object"), b"such obj");
        assert!(has_rare_piece("Provisioning Agent"));
        assert!(!has_rare_piece("AADConnectProvisioningAgent"));
    }

    /// Random text: literals (and parts of them) in random case among words, digits,
    /// punctuation and line ends.
    fn text_with_literals(literals: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
        let token = prop_oneof![
            3 => (proptest::sample::select(literals), proptest::collection::vec(any::<bool>(), 64))
                .prop_map(|(l, upper)| random_case(l, &upper)),
            2 => (proptest::sample::select(literals), 0usize..64, 0usize..64, proptest::collection::vec(any::<bool>(), 64))
                .prop_map(|(l, a, b, upper)| {
                    let (a, b) = (a % (l.len() + 1), b % (l.len() + 1));
                    random_case(&l[a.min(b)..a.max(b)], &upper)
                }),
            4 => "[a-zA-Z0-9 '_.:-]{0,12}".prop_map(String::into_bytes),
            2 => prop_oneof![Just(b"\n".to_vec()), Just(b"\r\n".to_vec()), Just(b"\r".to_vec())],
        ];
        proptest::collection::vec(token, 0..120).prop_map(|t| t.concat())
    }

    fn random_case(text: &str, upper: &[bool]) -> Vec<u8> {
        text.bytes()
            .zip(upper.iter().cycle())
            .map(|(b, &u)| {
                if u {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                }
            })
            .collect()
    }

    const LITERALS: &[&str] = &[
        "ServiceBusClientWebSocket was expecting more bytes",
        "timeout",
        "timed out",
        "0x54b",
        "Web socket failed",
        "certificate isn't valid",
        "no-start-",
        "AADSTS50034",
        "quarantine",
        "SSPR_009",
        "RPC Error 1722",
        "RPC Error 1726",
    ];

    /// The lines (by index) holding a literal, by searching each line on its own.
    fn lines_by_line(text: &[u8], dfa: &AhoCorasick) -> Vec<usize> {
        text.split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| dfa.is_match(*line))
            .map(|(i, _)| i)
            .collect()
    }

    fn line_of(text: &[u8], offsets: &[usize]) -> Vec<usize> {
        let mut lines: Vec<usize> = offsets
            .iter()
            .map(|&o| memchr::memchr_iter(b'\n', &text[..o]).count())
            .collect();
        lines.dedup();
        lines
    }

    proptest! {
        /// The pieces and the DFA around them find exactly the lines a search of each line finds,
        /// whatever the window size (windows end at line breaks; the fallback to the DFA alone
        /// kicks in when lines with pieces are dense).
        #[test]
        fn finds_exactly_the_lines_a_per_line_search_finds(
            text in text_with_literals(LITERALS),
            window in 0usize..300,
        ) {
            let dfa = aho_corasick::AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(LITERALS)
                .unwrap();
            let Some(finder) = LineFinder::new(LITERALS) else {
                // No SIMD searcher on this CPU: nothing to compare.
                return Ok(());
            };
            let mut found = Vec::new();
            finder.find_lines_in_windows(&text, &dfa, &mut found, window);
            prop_assert!(found.windows(2).all(|w| w[0] <= w[1]));
            prop_assert_eq!(line_of(&text, &found), lines_by_line(&text, &dfa));
        }
    }
}
