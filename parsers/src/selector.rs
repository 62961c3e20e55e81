//! Which entries a parser turns into owned [`Record`](crate::Record)s.
//!
//! Bundles are dominated by entries nobody needs (unrelated EVTX providers, verbose trace lines). A
//! parser checks the cheap fields of each entry against a [`Selector`] first and only builds a record
//! for entries it keeps, so the miss path allocates nothing. The selector is plain data: the caller
//! (the rule catalogue and the relevance policy in the binary) decides what goes in it; this crate
//! knows nothing of rules.

use crate::line_scan::LineFinder;
use crate::record::Level;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::OnceLock;

/// The cheap fields of one entry, seen before any record is built.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Provider or trace source.
    pub provider: &'a str,
    /// EVTX channel, when known.
    pub channel: Option<&'a str>,
    /// Event id, when the source has one.
    pub event_id: Option<u32>,
    /// Normalised level.
    pub level: Level,
}

/// What a selector can say from the cheap fields alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Keep the entry whatever its text says.
    Keep,
    /// Drop it: no text could make it interesting.
    Drop,
    /// Only its text can tell (literal signatures).
    NeedText,
}

/// The character sets of value renderings the EVTX scan does not spell out (see
/// [`Selector::literal_fits`]): a literal can occur inside such a value only if it is made of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextClass {
    /// `{6b29fc40-ca47-1067-b31d-00dd010662da}`.
    Guid,
    /// `S-1-5-18` (or `S-?` when damaged).
    Sid,
    /// `2024-03-09T10:15:00.0000000Z`.
    DateTime,
    /// `1.5`, `-2e-7`, `inf`, `NaN`.
    Float,
}

impl TextClass {
    /// Every class, in discriminant order.
    pub const ALL: [TextClass; 4] = [
        TextClass::Guid,
        TextClass::Sid,
        TextClass::DateTime,
        TextClass::Float,
    ];

    /// True when `byte` (either ASCII case) can appear in a rendering of this class.
    pub fn admits(self, byte: u8) -> bool {
        let b = byte.to_ascii_lowercase();
        b.is_ascii_digit()
            || match self {
                TextClass::Guid => matches!(b, b'a'..=b'f' | b'{' | b'}' | b'-'),
                TextClass::Sid => matches!(b, b's' | b'-' | b'?'),
                TextClass::DateTime => matches!(b, b'-' | b't' | b':' | b'.' | b'z'),
                TextClass::Float => {
                    matches!(
                        b,
                        b'.' | b'-' | b'+' | b'e' | b'i' | b'n' | b'f' | b'a' | b't' | b'y'
                    )
                }
            }
    }
}

/// Keeps every entry, or those selected by level, provider, channel, event id or literal text.
#[derive(Debug, Clone)]
pub struct Selector {
    keep_all: bool,
    min_level: Option<Level>,
    providers: Vec<String>,
    channels: Vec<String>,
    event_ids: Vec<(String, u32)>,
    literals: Option<AhoCorasick>,
    global_patterns: Vec<String>,
    /// Scoped literals by provider (lowercase), as added.
    scoped_patterns: Vec<(String, Vec<String>)>,
    /// Built on first use, once all literals are in.
    line_pass: OnceLock<LinePass>,
    /// The literals encoded as UTF-16LE, to search raw EVTX record bytes without decoding them.
    literals_utf16: Option<AhoCorasick>,
    /// Per [`TextClass`]: some literal is made only of that class's characters.
    literal_fits: [bool; TextClass::ALL.len()],
    /// Some literal could cross a `name: value` separator of a built message.
    literal_spans_colon: bool,
    /// What such literals hold before the `:` they would cross (lowercase): the field name must
    /// end with one. `None` as one entry: a literal starting at the separator's space.
    colon_heads: Vec<Option<String>>,
    /// Some literal could cross a ` | ` separator between fields of a built message.
    literal_spans_bar: bool,
    /// Some literal holds a line break: line-by-line passes must treat every line as a candidate.
    literals_span_lines: bool,
    /// Literals that count only in entries of one provider (lowercase name).
    scoped: Vec<(String, AhoCorasick)>,
}

impl Default for Selector {
    fn default() -> Self {
        Selector::all()
    }
}

impl Selector {
    /// A selector that keeps every entry (`--all`).
    pub fn all() -> Selector {
        Selector {
            keep_all: true,
            min_level: None,
            providers: Vec::new(),
            channels: Vec::new(),
            event_ids: Vec::new(),
            literals: None,
            global_patterns: Vec::new(),
            scoped_patterns: Vec::new(),
            line_pass: OnceLock::new(),
            literals_utf16: None,
            literal_fits: [false; TextClass::ALL.len()],
            literal_spans_colon: false,
            colon_heads: Vec::new(),
            literal_spans_bar: false,
            literals_span_lines: false,
            scoped: Vec::new(),
        }
    }

    /// A selector that keeps nothing until criteria are added.
    pub fn none() -> Selector {
        Selector {
            keep_all: false,
            ..Selector::all()
        }
    }

    /// Also keep every entry at or above `level`.
    pub fn with_min_level(mut self, level: Level) -> Selector {
        self.min_level = Some(level);
        self
    }

    /// Also keep every entry of these providers (case-insensitive, exact names).
    pub fn with_providers<I, S>(mut self, providers: I) -> Selector
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.providers.extend(
            providers
                .into_iter()
                .map(|p| p.as_ref().to_ascii_lowercase()),
        );
        self
    }

    /// Also keep every entry of these EVTX channels (case-insensitive, exact names).
    pub fn with_channels<I, S>(mut self, channels: I) -> Selector
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.channels.extend(
            channels
                .into_iter()
                .map(|c| c.as_ref().to_ascii_lowercase()),
        );
        self
    }

    /// Also keep entries with these (provider, event id) pairs.
    pub fn with_events<I, S>(mut self, events: I) -> Selector
    where
        I: IntoIterator<Item = (S, u32)>,
        S: AsRef<str>,
    {
        self.event_ids.extend(
            events
                .into_iter()
                .map(|(p, id)| (p.as_ref().to_ascii_lowercase(), id)),
        );
        self
    }

    /// Also keep entries whose text contains any of these literals (ASCII case-insensitive).
    ///
    /// # Errors
    /// When the automaton cannot be built (pattern set too large).
    pub fn with_literals<I, S>(mut self, literals: I) -> Result<Selector, aho_corasick::BuildError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns: Vec<String> = literals
            .into_iter()
            .map(|s| s.as_ref().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if !patterns.is_empty() {
            // A DFA: it is called once per entry on short texts, where the prefilter's set-up
            // costs more than it saves.
            let automaton = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostFirst)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&patterns)?;
            self.literals = Some(automaton);
            let utf16: Vec<Vec<u8>> = patterns
                .iter()
                .map(|p| p.encode_utf16().flat_map(u16::to_le_bytes).collect())
                .collect();
            // ASCII case folding works on UTF-16LE too: every ASCII letter is one byte next to a
            // zero byte. For other characters it can only add matches, never lose one.
            // A DFA without prefilter: UTF-16 patterns are half NUL bytes, which defeats the
            // rare-byte prefilter on binary data.
            self.literals_utf16 = Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostFirst)
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .prefilter(false)
                    .build(&utf16)?,
            );
            self.literals_span_lines |= patterns.iter().any(|p| p.contains(['\n', '\r']));
            // A literal crossing a separator holds part of it: `:`/`|`, or a space at an end.
            let edge_space = |p: &String| p.starts_with(' ') || p.ends_with(' ');
            self.literal_spans_colon = patterns.iter().any(|p| p.contains(':') || edge_space(p));
            for p in &patterns {
                let lower = p.to_ascii_lowercase();
                if lower.starts_with(' ') {
                    self.colon_heads.push(None);
                }
                // Every `:` that could be the separator's: followed by a space, or last.
                for (k, _) in lower.match_indices(':') {
                    if lower[k + 1..].is_empty() || lower[k + 1..].starts_with(' ') {
                        self.colon_heads.push(Some(lower[..k].to_owned()));
                    }
                }
            }
            self.literal_spans_bar = patterns.iter().any(|p| p.contains('|') || edge_space(p));
            for (fits, class) in self.literal_fits.iter_mut().zip(TextClass::ALL) {
                *fits = patterns.iter().any(|p| p.bytes().all(|b| class.admits(b)));
            }
            // Like `literals`, replaced only by a non-empty set.
            self.global_patterns = patterns;
            self.line_pass = OnceLock::new();
        }
        Ok(self)
    }

    /// Also keep entries of `provider` whose text contains one of these literals (e.g. Service
    /// Control Manager events that name a sync service). Unlike [`Selector::with_literals`], they
    /// do not make other providers' entries candidates.
    ///
    /// # Errors
    /// When the automaton cannot be built.
    pub fn with_scoped_literals<I, S>(
        mut self,
        provider: &str,
        literals: I,
    ) -> Result<Selector, aho_corasick::BuildError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns: Vec<String> = literals
            .into_iter()
            .map(|s| s.as_ref().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if !patterns.is_empty() {
            let automaton = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostFirst)
                .build(&patterns)?;
            self.scoped.push((provider.to_ascii_lowercase(), automaton));
            self.scoped_patterns
                .push((provider.to_ascii_lowercase(), patterns));
            self.line_pass = OnceLock::new();
        }
        Ok(self)
    }

    /// True when scoped literals apply to entries of `provider`.
    pub fn scoped_applies(&self, provider: &str) -> bool {
        self.scoped
            .iter()
            .any(|(p, _)| p.eq_ignore_ascii_case(provider))
    }

    /// True when `text`, of an entry of `provider`, contains a literal (global or scoped to it).
    pub fn text_matches_for(&self, provider: &str, text: &[u8]) -> bool {
        self.text_matches(text)
            || self
                .scoped
                .iter()
                .any(|(p, ac)| p.eq_ignore_ascii_case(provider) && ac.is_match(text))
    }

    /// True when the selector keeps everything.
    pub fn keeps_all(&self) -> bool {
        self.keep_all
    }

    /// What the cheap fields alone decide.
    pub fn decide(&self, candidate: &Candidate<'_>) -> Decision {
        if self.keep_all {
            return Decision::Keep;
        }
        if self.min_level.is_some_and(|min| candidate.level >= min) {
            return Decision::Keep;
        }
        if self
            .providers
            .iter()
            .any(|p| p.eq_ignore_ascii_case(candidate.provider))
        {
            return Decision::Keep;
        }
        if let Some(channel) = candidate.channel
            && self
                .channels
                .iter()
                .any(|c| c.eq_ignore_ascii_case(channel))
        {
            return Decision::Keep;
        }
        if let Some(id) = candidate.event_id
            && self
                .event_ids
                .iter()
                .any(|(p, i)| *i == id && p.eq_ignore_ascii_case(candidate.provider))
        {
            return Decision::Keep;
        }
        if self.literals.is_some() || self.scoped_applies(candidate.provider) {
            Decision::NeedText
        } else {
            Decision::Drop
        }
    }

    /// True when `text` contains one of the literals.
    pub fn text_matches(&self, text: &[u8]) -> bool {
        self.literals.as_ref().is_some_and(|ac| ac.is_match(text))
    }

    /// Pushes the start offset of every literal match in `text` (non-overlapping, leftmost
    /// first: enough to know which lines hold at least one match, since no literal spans lines).
    pub fn literal_starts(&self, text: &[u8], out: &mut Vec<usize>) {
        if let Some(ac) = &self.literals {
            out.extend(ac.find_iter(text).map(|m| m.start()));
        }
    }

    /// Pushes, in increasing order, an offset in each line of `text` (lines end at `\n`; the
    /// offset is inside the line's bytes, not at its `\n`) that may hold a literal: every line
    /// holding a global literal, or a scoped literal of a provider the pass covers, and maybe
    /// others. [`Selector::entry_may_match`] says what an entry none of whose lines was found can
    /// still match.
    pub fn literal_lines(&self, text: &[u8], out: &mut Vec<usize>) {
        let pass = self.line_pass();
        match (&pass.finder, &pass.literals) {
            (Some(finder), Some(all)) => finder.find_lines(text, all, out),
            (None, Some(all)) => out.extend(all.find_iter(text).map(|m| m.start())),
            // No line pass (a literal holds a line break or U+FFFD, or none could be built): the
            // global literals' starts in the whole block, as before; every scoped provider is
            // then uncovered.
            _ => self.literal_starts(text, out),
        }
    }

    /// Whether an entry of `provider` needs its text searched, given whether the line pass
    /// ([`Selector::literal_lines`]) marked any of its lines; sources that do not search mark
    /// every line.
    pub fn entry_may_match(&self, provider: &str, lines_marked: bool) -> bool {
        lines_marked
            || self
                .line_pass()
                .uncovered
                .iter()
                .any(|p| p.eq_ignore_ascii_case(provider))
    }

    fn line_pass(&self) -> &LinePass {
        self.line_pass
            .get_or_init(|| LinePass::build(&self.global_patterns, &self.scoped_patterns))
    }

    /// True when a literal contains a line break, so a match could start on one line and end on
    /// the next.
    pub fn literals_span_lines(&self) -> bool {
        self.literals_span_lines
    }

    /// True when raw UTF-16LE bytes contain one of the literals (ASCII case-insensitive).
    pub fn raw_utf16_matches(&self, bytes: &[u8]) -> bool {
        self.literals_utf16
            .as_ref()
            .is_some_and(|ac| ac.is_match(bytes))
    }

    /// True when some literal is made only of `class`'s characters, so a value rendered in that
    /// form could contain it (ASCII case-insensitive).
    pub fn literal_fits(&self, class: TextClass) -> bool {
        self.literal_fits[class as usize]
    }

    /// True when a literal could match across the `: ` between a field's name and value in a
    /// message built as `name: value | …` (it holds a `:`, or starts or ends with a space).
    pub fn literal_spans_colon(&self) -> bool {
        self.literal_spans_colon
    }

    /// True when a literal could match across the `: ` after a field named `label` (its part
    /// before the `:` is a suffix of the label, or it starts at the separator's space).
    pub fn colon_span_fits(&self, label: &str) -> bool {
        self.colon_heads.iter().any(|head| match head {
            None => true,
            Some(head) => {
                label.len() >= head.len()
                    && label
                        .get(label.len() - head.len()..)
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(head))
            }
        })
    }

    /// True when a literal could match across the ` | ` between two fields of a built message.
    pub fn literal_spans_bar(&self) -> bool {
        self.literal_spans_bar
    }

    /// The full decision for an entry whose text is at hand.
    pub fn wants(&self, candidate: &Candidate<'_>, text: &[u8]) -> bool {
        match self.decide(candidate) {
            Decision::Keep => true,
            Decision::Drop => false,
            Decision::NeedText => self.text_matches_for(candidate.provider, text),
        }
    }
}

/// The search that marks the lines of a block that may hold a literal.
#[derive(Debug, Clone)]
struct LinePass {
    /// The global literals and the scoped ones of covered providers; `None` when a literal
    /// contains a line break or U+FFFD, where a search line by line could disagree with a search
    /// of the entry's text (the global literals' DFA then searches the whole block, as it did).
    literals: Option<AhoCorasick>,
    /// Finds the same lines as `literals` without running it over every byte.
    finder: Option<LineFinder>,
    /// Providers (lowercase) whose scoped literals the pass leaves out, because one of them is
    /// made of words common in logs (e.g. a service's name, in every line of its own trace):
    /// their entries are searched whatever the pass says.
    uncovered: Vec<String>,
}

impl LinePass {
    fn build(global: &[String], scoped: &[(String, Vec<String>)]) -> LinePass {
        let mut pass = LinePass {
            literals: None,
            finder: None,
            uncovered: scoped.iter().map(|(p, _)| p.clone()).collect(),
        };
        pass.uncovered.sort();
        pass.uncovered.dedup();
        let all = global.iter().chain(scoped.iter().flat_map(|(_, l)| l));
        if all.clone().any(|p| p.contains(['\n', '\u{FFFD}'])) {
            return pass;
        }
        let covered = |provider: &str| {
            scoped
                .iter()
                .filter(|(p, _)| p == provider)
                .flat_map(|(_, l)| l)
                .all(|l| crate::line_scan::has_rare_piece(l))
        };
        let uncovered: Vec<String> = pass
            .uncovered
            .iter()
            .filter(|p| !covered(p))
            .cloned()
            .collect();
        let patterns: Vec<&str> = global
            .iter()
            .chain(
                scoped
                    .iter()
                    .filter(|(p, _)| !uncovered.contains(p))
                    .flat_map(|(_, l)| l),
            )
            .map(String::as_str)
            .collect();
        if patterns.is_empty() {
            return pass;
        }
        // A pattern set too large for a DFA: keep the old pass (global literals, block search).
        let Ok(literals) = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
        else {
            return pass;
        };
        pass.literals = Some(literals);
        pass.finder = LineFinder::new(&patterns);
        pass.uncovered = uncovered;
        pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(provider: &str, level: Level) -> Candidate<'_> {
        Candidate {
            provider,
            channel: Some("Application"),
            event_id: Some(1),
            level,
        }
    }

    #[test]
    fn level_provider_and_literals_select() {
        let selector = Selector::none()
            .with_min_level(Level::Warning)
            .with_providers(["Directory Synchronization"])
            .with_literals(["ADSync"])
            .unwrap();
        assert!(selector.wants(&candidate("Other", Level::Error), b""));
        assert!(selector.wants(
            &candidate("directory synchronization", Level::Information),
            b""
        ));
        assert!(selector.wants(
            &candidate("Service Control Manager", Level::Information),
            b"The adsync service entered the running state."
        ));
        assert!(!selector.wants(&candidate("Other", Level::Information), b"nothing"));
    }

    #[test]
    fn literal_fits_only_value_alphabets() {
        let selector = Selector::none()
            .with_literals(["S-1-5-18", "ADSync"])
            .unwrap();
        assert!(selector.literal_fits(TextClass::Sid));
        assert!(!selector.literal_fits(TextClass::Guid));
        assert!(!selector.literal_fits(TextClass::DateTime));
        let selector = Selector::none().with_literals(["{DEAD-beef}"]).unwrap();
        assert!(selector.literal_fits(TextClass::Guid));
        let selector = Selector::none().with_literals(["2024-03-09T"]).unwrap();
        assert!(selector.literal_fits(TextClass::DateTime));
        assert!(!Selector::none().literal_fits(TextClass::Float));
    }

    #[test]
    fn a_literal_with_a_line_break_makes_every_line_a_candidate() {
        let one_line = Selector::none().with_literals(["Web socket"]).unwrap();
        assert!(!one_line.literals_span_lines());
        let two_lines = Selector::none()
            .with_literals(["failed.\r\n   at"])
            .unwrap();
        assert!(two_lines.literals_span_lines());
    }

    #[test]
    fn without_literals_the_header_decides() {
        let selector = Selector::none().with_events([("Service Control Manager", 7036)]);
        let mut c = candidate("Service Control Manager", Level::Information);
        assert_eq!(selector.decide(&c), Decision::Drop);
        c.event_id = Some(7036);
        assert_eq!(selector.decide(&c), Decision::Keep);
    }

    /// Lines marked by the line pass, as line indices.
    fn marked(selector: &Selector, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        selector.literal_lines(text.as_bytes(), &mut out);
        let mut lines: Vec<usize> = out
            .iter()
            .map(|&o| text.as_bytes()[..o].iter().filter(|&&b| b == b'\n').count())
            .collect();
        lines.dedup();
        lines
    }

    #[test]
    fn line_pass_marks_global_and_covered_scoped_literals() {
        let selector = Selector::none()
            .with_literals(["ServiceBus"])
            .unwrap()
            // An empty set keeps the literals already there, in the line pass too.
            .with_literals(Vec::<String>::new())
            .unwrap()
            .with_scoped_literals("Agent", ["quarantine"])
            .unwrap()
            .with_scoped_literals("Service Control Manager", ["AADConnectProvisioningAgent"])
            .unwrap();
        let text = "a SERVICEBUS b\nnothing\nin Quarantine\nAADConnectProvisioningAgent.exe x\n";
        assert_eq!(marked(&selector, text), [0, 2]);
        // The service name is in every agent line, so its provider is left to the text search.
        assert!(selector.entry_may_match("service control manager", false));
        assert!(!selector.entry_may_match("Agent", false));
        assert!(selector.entry_may_match("Agent", true));
    }
}
