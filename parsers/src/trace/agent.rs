//! Provisioning-agent (Cloud Sync) trace logs: the .NET `TraceListener` text layout.
//!
//! An entry starts with `<source> <EventType>: <id> : <message>` (for example
//! `AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.`), continues with any
//! line that is not a header (stack frames, inner exceptions), and may end with indented footer lines
//! (`DateTime=...`, `ThreadId=...`, `ProcessId=...`) when the listener's output options ask for them.
//! Lines carry no timestamp by default; the entry's time then comes from its footer, from a time
//! written in its message, or from the file's own time evidence, in that order.

use crate::error::Problem;
use crate::lines::{LineSource, Lines};
use crate::record::{EventTime, Level, Locator, Record, TimeBasis};
use crate::selector::{Candidate, Decision, Selector};
use crate::sink::{ParseContext, ParseStats, Sink};
use crate::timefmt::{TextTime, find_iso, parse_iso_prefix};
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit1};
use nom::combinator::{eof, opt, recognize};
use nom::sequence::{pair, terminated};
use nom::{IResult, Parser};
use std::io::{self, BufRead};

/// Longest entry text kept; the rest of a longer entry is dropped and marked.
const MAX_ENTRY: usize = 64 * 1024;

/// The .NET `TraceEventType` names, as the listener writes them.
const EVENT_TYPES: [&str; 10] = [
    "Critical",
    "Error",
    "Warning",
    "Information",
    "Verbose",
    "Start",
    "Stop",
    "Suspend",
    "Resume",
    "Transfer",
];

/// The parts of an entry's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// Trace source (process name or `TraceSource` name; may contain spaces).
    pub source: &'a str,
    /// The event type word as written.
    pub event_type: &'a str,
    /// The trace event id.
    pub id: i64,
    /// The message on the first line.
    pub message: &'a str,
}

/// `<int> : ` or `<int> :` at the end of the line.
fn id_then_separator(input: &str) -> IResult<&str, &str> {
    terminated(
        recognize(pair(opt(char('-')), digit1)),
        alt((tag(" : "), terminated(tag(" :"), eof))),
    )
    .parse(input)
}

/// Parses an entry's first line; `None` for continuation lines.
///
/// This runs on every line of traces that can be hundreds of megabytes, so it looks only at the
/// colons of the line: a header has `<EventType>: ` right after a space, then the id.
pub fn parse_header(line: &str) -> Option<Header<'_>> {
    let bytes = line.as_bytes();
    if bytes.first().is_none_or(u8::is_ascii_whitespace) {
        return None;
    }
    for colon in memchr::memchr_iter(b':', bytes) {
        if bytes.get(colon + 1) != Some(&b' ') {
            continue;
        }
        let before = &bytes[..colon];
        let Some(event_type) = EVENT_TYPES
            .iter()
            .find(|t| before.ends_with(t.as_bytes()) && before.len() > t.len())
        else {
            continue;
        };
        let space = colon - event_type.len() - 1;
        if bytes[space] != b' ' {
            continue;
        }
        // `space` and `colon` sit on ASCII bytes, so these are char boundaries.
        let source = &line[..space];
        if source.trim().is_empty() {
            continue;
        }
        let Ok((rest, id)) = id_then_separator(&line[colon + 2..]) else {
            continue;
        };
        let Ok(id) = id.parse::<i64>() else {
            continue;
        };
        return Some(Header {
            source,
            event_type,
            id,
            message: rest,
        });
    }
    None
}

/// The level of a .NET event type word.
fn event_type_level(event_type: &str) -> Level {
    match event_type {
        "Critical" => Level::Critical,
        "Error" => Level::Error,
        "Warning" => Level::Warning,
        "Verbose" => Level::Verbose,
        _ => Level::Information,
    }
}

/// A footer line's key and value (`    DateTime=2024-03-09T10:15:23.1234567Z`).
fn parse_footer(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let (key, value) = line.trim_start().split_once('=')?;
    matches!(
        key,
        "ProcessId" | "LogicalOperationStack" | "ThreadId" | "DateTime" | "Timestamp" | "Callstack"
    )
    .then_some((key, value))
}

/// True when `head` (the decoded start of a file) has at least one agent trace header line among its
/// first lines.
pub fn looks_like(head: &str) -> bool {
    head.lines().take(200).any(|l| parse_header(l).is_some())
}

struct Pending {
    active: bool,
    line: u64,
    source: String,
    level: Level,
    id: Option<u32>,
    text: String,
    cut: bool,
    footer_time: Option<TextTime>,
    fields: Vec<(String, String)>,
    /// A selector literal may occur in the entry's lines (see [`crate::lines::Line::hit`]).
    maybe_literal: bool,
}

impl Pending {
    fn new() -> Pending {
        Pending {
            active: false,
            line: 0,
            source: String::new(),
            level: Level::Information,
            id: None,
            text: String::new(),
            cut: false,
            footer_time: None,
            fields: Vec::new(),
            maybe_literal: false,
        }
    }

    fn start(&mut self, line: u64, header: &Header<'_>) {
        self.active = true;
        self.line = line;
        self.source.clear();
        self.source.push_str(header.source);
        self.level = event_type_level(header.event_type);
        self.id = u32::try_from(header.id).ok();
        self.text.clear();
        self.cut = false;
        self.footer_time = None;
        self.fields.clear();
        self.maybe_literal = false;
        self.push_text(header.message);
    }

    fn start_orphan(&mut self, line: u64) {
        self.active = true;
        self.line = line;
        self.source.clear();
        self.level = Level::Information;
        self.id = None;
        self.text.clear();
        self.cut = false;
        self.footer_time = None;
        self.fields.clear();
        self.maybe_literal = false;
    }

    fn push_text(&mut self, text: &str) {
        if self.text.len() + text.len() + 1 > MAX_ENTRY {
            self.cut = true;
            return;
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(text);
    }
}

/// Reads an agent trace, pushing the entries the selector keeps.
///
/// # Errors
/// Only when the underlying reader fails; malformed lines are part of the text, never errors.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> io::Result<ParseStats> {
    parse_lines(Lines::new(reader), ctx, selector, sink)
}

/// [`parse`] over any line source (a slice read in place, or a stream).
///
/// # Errors
/// Only when the underlying reader fails.
pub fn parse_lines<L: LineSource>(
    mut lines: L,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> io::Result<ParseStats> {
    let mut stats = ParseStats::default();
    let mut pending = Pending::new();
    let mut last = LastDecision::default();
    while let Some(line) = lines.next_line()? {
        // Validating is much faster than the lossy conversion, which is only needed for bad bytes.
        let text = match std::str::from_utf8(line.bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(line.bytes),
        };
        if line.truncated {
            sink.problem(Problem {
                at: Some(Locator::Line(line.number)),
                chunk: None,
                message: format!("line longer than {} bytes, cut", crate::lines::MAX_LINE),
            });
        }
        let hit = line.hit;
        if let Some(header) = parse_header(&text) {
            flush(&mut pending, ctx, selector, sink, &mut stats, &mut last);
            pending.start(line.number, &header);
            pending.maybe_literal = hit;
        } else if pending.active
            && let Some((key, value)) = parse_footer(&text)
        {
            if key == "DateTime" {
                pending.footer_time = parse_iso_prefix(value.trim()).map(|(t, _)| t);
            }
            if matches!(key, "ThreadId" | "ProcessId") {
                pending
                    .fields
                    .push((key.to_owned(), value.trim().to_owned()));
            }
        } else {
            if !pending.active {
                if text.trim().is_empty() {
                    continue;
                }
                pending.start_orphan(line.number);
                pending.maybe_literal = hit;
                pending.push_text(&text);
                continue;
            }
            pending.maybe_literal |= hit;
            pending.push_text(&text);
        }
    }
    flush(&mut pending, ctx, selector, sink, &mut stats, &mut last);
    Ok(stats)
}

/// The selector's verdicts on recent entries' cheap fields: a trace repeats a few sources,
/// levels and ids on most lines, and deciding walks the selector's provider and event lists.
#[derive(Default)]
struct LastDecision {
    /// Most recent last.
    recent: Vec<(String, Level, Option<u32>, Verdict)>,
}

/// The decision, and whether the entry's text is searched even if none of its lines was marked.
type Verdict = (Decision, bool);

/// Verdicts kept: enough for a trace alternating Information and Verbose lines of two sources.
const RECENT: usize = 4;

impl LastDecision {
    fn get(&mut self, selector: &Selector, pending: &Pending) -> Verdict {
        if let Some((_, _, _, verdict)) = self.recent.iter().rev().find(|(source, level, id, _)| {
            *level == pending.level && *id == pending.id && *source == pending.source
        }) {
            return *verdict;
        }
        let candidate = Candidate {
            provider: &pending.source,
            channel: None,
            event_id: pending.id,
            level: pending.level,
        };
        let verdict = (
            selector.decide(&candidate),
            selector.entry_may_match(&pending.source, false),
        );
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent
            .push((pending.source.clone(), pending.level, pending.id, verdict));
        verdict
    }
}

fn flush(
    pending: &mut Pending,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
    stats: &mut ParseStats,
    last: &mut LastDecision,
) {
    if !pending.active {
        return;
    }
    pending.active = false;
    stats.entries += 1;
    let (decision, searched_anyway) = last.get(selector, pending);
    let keep = match decision {
        Decision::Keep => true,
        Decision::Drop => false,
        // An entry none of whose lines holds a literal cannot match one.
        Decision::NeedText => {
            (pending.maybe_literal || searched_anyway)
                && selector.text_matches_for(&pending.source, pending.text.as_bytes())
        }
    };
    if !keep {
        return;
    }
    let mut message = pending.text.trim_end().to_owned();
    if pending.cut {
        message.push_str("\n[entry cut: longer than 64 KiB]");
    }
    sink.record(Record {
        time: entry_time(pending, ctx),
        provider: pending.source.clone(),
        event_id: pending.id,
        level: pending.level,
        channel: None,
        computer: None,
        message,
        fields: std::mem::take(&mut pending.fields),
        locator: Locator::Line(pending.line),
    });
}

/// Footer time first, then a time written in the first line of the message, then the file's own.
fn entry_time(pending: &Pending, ctx: &ParseContext) -> EventTime {
    let first_line = pending.text.lines().next().unwrap_or_default();
    let stated = pending
        .footer_time
        .or_else(|| find_iso(first_line).map(|(t, _)| t));
    if let Some(time) = stated
        && let Some((utc, own_offset)) = time.to_utc(ctx.zone)
    {
        let basis = if own_offset {
            TimeBasis::Recorded
        } else {
            TimeBasis::AssumedZone
        };
        return EventTime {
            utc: Some(utc),
            basis,
        };
    }
    ctx.fallback_time()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{TimeBound, VecSink};
    use chrono::{TimeZone, Utc};

    /// Reads `lines` with the default context: the stats and the records kept.
    fn read_lines<L: LineSource>(lines: L, selector: &Selector) -> (ParseStats, Vec<Record>) {
        let mut sink = VecSink::default();
        let stats = parse_lines(lines, &ParseContext::default(), selector, &mut sink).unwrap();
        (stats, sink.records)
    }

    #[test]
    fn header_grammar() {
        let h = parse_header(
            "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.",
        )
        .unwrap();
        assert_eq!(h.source, "AADConnectProvisioningAgent.exe");
        assert_eq!(h.event_type, "Error");
        assert_eq!(h.id, 0);
        assert_eq!(h.message, "Web socket failed to connect.");
        let h = parse_header("AAD Connect Provisioning Agent Information: 12 : Starting: x: y : z")
            .unwrap();
        assert_eq!(h.source, "AAD Connect Provisioning Agent");
        assert_eq!(h.id, 12);
        assert_eq!(h.message, "Starting: x: y : z");
        let h = parse_header("Agent Warning: -3 :").unwrap();
        assert_eq!((h.id, h.message), (-3, ""));
        assert!(parse_header("  at Microsoft.Foo.Bar()").is_none());
        assert!(parse_header("Error: 0 : no source").is_none());
        assert!(parse_header("Something Error: x : not an id").is_none());
        assert!(
            parse_header("Retryable Operation is rethrowing error after failed with Exception:")
                .is_none()
        );
    }

    #[test]
    fn entries_collect_continuations_and_footers() {
        let text = "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.\r\n  at Microsoft.ApplicationProxy.Connector.Listeners.ConnectorSignalingWebSocket.Connect()\r\n    ThreadId=17\r\n    DateTime=2024-03-09T10:15:23.1234567Z\r\nAADConnectProvisioningAgent.exe Information: 0 : Heartbeat\r\n";
        let mut sink = VecSink::default();
        let ctx = ParseContext::default();
        let stats = parse(text.as_bytes(), &ctx, &Selector::all(), &mut sink).unwrap();
        assert_eq!(stats.entries, 2);
        let first = &sink.records[0];
        assert_eq!(first.level, Level::Error);
        assert_eq!(
            first.message,
            "Web socket failed to connect.\n  at Microsoft.ApplicationProxy.Connector.Listeners.ConnectorSignalingWebSocket.Connect()"
        );
        assert_eq!(first.time.basis, TimeBasis::Recorded);
        assert_eq!(
            first.time.utc.unwrap().to_rfc3339(),
            "2024-03-09T10:15:23.123456700+00:00"
        );
        assert_eq!(first.fields, vec![("ThreadId".to_owned(), "17".to_owned())]);
        assert_eq!(sink.records[1].locator, Locator::Line(5));
        assert_eq!(sink.records[1].time.basis, TimeBasis::Unknown);
    }

    #[test]
    fn entries_without_time_take_the_file_bound() {
        let bound = Utc.with_ymd_and_hms(2024, 3, 9, 10, 15, 0).unwrap();
        let ctx = ParseContext {
            bound: Some(TimeBound {
                utc: bound,
                basis: TimeBasis::InferredAtOrBefore,
            }),
            ..ParseContext::default()
        };
        let mut sink = VecSink::default();
        parse(
            &b"Src Warning: 0 : no time here\n"[..],
            &ctx,
            &Selector::all(),
            &mut sink,
        )
        .unwrap();
        assert_eq!(sink.records[0].time.basis, TimeBasis::InferredAtOrBefore);
        assert_eq!(sink.records[0].time.utc, Some(bound));
    }

    #[test]
    fn selector_drops_uninteresting_entries_but_counts_them() {
        let text = "S Information: 0 : routine\nS Information: 0 : ServiceBus error seen\nS Error: 0 : bad\n";
        let selector = Selector::none()
            .with_min_level(Level::Warning)
            .with_literals(["servicebus"])
            .unwrap();
        let mut sink = VecSink::default();
        let stats = parse(
            text.as_bytes(),
            &ParseContext::default(),
            &selector,
            &mut sink,
        )
        .unwrap();
        assert_eq!(stats.entries, 3);
        let kept: Vec<_> = sink.records.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(kept, ["ServiceBus error seen", "bad"]);
    }

    /// Reading in place with literal hits marked, in blocks, or line by line: same records.
    #[test]
    fn every_line_source_keeps_the_same_entries() {
        use crate::lines::{BlockLines, SliceLines};
        let mut text = String::new();
        for i in 0..3000 {
            match i % 7 {
                0 => text.push_str(&format!("Agent Information: {i} : routine {i}\r\n")),
                1 => text.push_str("   at Frame.Method()\r\n    ThreadId=3\r\n"),
                2 => text.push_str(&format!(
                    "Agent Information: 0 : the ServiceBus said {i}\r\n"
                )),
                3 => text.push_str("continuation mentioning servicebus\n"),
                4 => text.push_str(&format!("Agent Warning: 0 : warned {i}\r\n")),
                _ => text.push_str(&format!("Agent Verbose: 0 : quiet {i}\n")),
            }
        }
        let selector = Selector::none()
            .with_min_level(Level::Warning)
            .with_literals(["servicebus", "quiet 69"])
            .unwrap();
        let ctx = ParseContext::default();
        let mut reference = VecSink::default();
        let stats = parse(text.as_bytes(), &ctx, &selector, &mut reference).unwrap();
        let (slice_stats, slice) = read_lines(
            SliceLines::searching(text.as_bytes(), Some(&selector)),
            &selector,
        );
        let (block_stats, blocks) =
            read_lines(BlockLines::new(text.as_bytes(), Some(&selector)), &selector);
        assert!(reference.records.len() > 500, "{}", reference.records.len());
        assert_eq!((slice_stats, &slice), (stats, &reference.records));
        assert_eq!((block_stats, &blocks), (stats, &reference.records));
    }

    const LITERALS: &[&str] = &[
        "ServiceBus",
        "timed out",
        "0x54b",
        "isn't valid",
        "no-start-",
    ];
    /// Scoped to the agent's source, with rare pieces: covered by the line pass.
    const AGENT_SCOPED: &[&str] = &["quarantine", "AADSTS50034"];
    /// Scoped to Service Control Manager; the agent's name is in every agent line, so the line
    /// pass leaves these out and such entries are always searched.
    const SCM_SCOPED: &[&str] = &["AADConnectProvisioningAgent", "Agent Updater"];

    fn property_selector() -> Selector {
        Selector::none()
            .with_min_level(Level::Warning)
            .with_literals(LITERALS)
            .unwrap()
            .with_scoped_literals("AADConnectProvisioningAgent.exe", AGENT_SCOPED)
            .unwrap()
            .with_scoped_literals("Service Control Manager", SCM_SCOPED)
            .unwrap()
    }

    fn random_case(text: &str, upper: &[bool]) -> String {
        text.chars()
            .zip(upper.iter().cycle())
            .map(|(c, &u)| {
                if u {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    /// Lines of an agent trace: headers of several sources and levels, continuations and footers,
    /// with literals (global and scoped, in random case) embedded anywhere.
    fn trace_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let all: Vec<&'static str> = LITERALS
            .iter()
            .chain(AGENT_SCOPED)
            .chain(SCM_SCOPED)
            .copied()
            .collect();
        let words = "[a-zA-Z0-9 '_.:-]{0,20}";
        let literal = (
            proptest::sample::select(all),
            proptest::collection::vec(any::<bool>(), 32),
        )
            .prop_map(|(l, upper)| random_case(l, &upper));
        let message = (words, proptest::option::of(literal), words)
            .prop_map(|(a, l, b)| format!("{a}{}{b}", l.unwrap_or_default()));
        let source = proptest::sample::select(vec![
            "AADConnectProvisioningAgent.exe",
            "Service Control Manager",
            "Other Source",
        ]);
        let level = proptest::sample::select(vec!["Information", "Verbose", "Warning", "Error"]);
        let end = proptest::sample::select(vec!["\n", "\r\n"]);
        prop_oneof![
            3 => (source, level, message.clone(), end.clone())
                .prop_map(|(s, l, m, e)| format!("{s} {l}: 0 : {m}{e}")),
            2 => (message, end.clone()).prop_map(|(m, e)| format!("   {m}{e}")),
            1 => end.clone().prop_map(|e| format!("    ThreadId=7{e}")),
            1 => end.prop_map(|e| format!("    DateTime=2024-03-09T10:15:23.1234567Z{e}")),
        ]
    }

    proptest::proptest! {
        /// The line pass (rare pieces, DFA on candidate lines) keeps exactly the records that a
        /// search of every entry's text keeps: read in place, in small blocks (many block
        /// boundaries), and as UTF-16LE through the decoder.
        #[test]
        fn line_pass_keeps_what_searching_every_entry_keeps(
            lines in proptest::collection::vec(trace_line(), 0..80),
            block in 1usize..400,
        ) {
            use crate::lines::{BlockLines, SliceLines};
            use crate::text::{TextEncoding, Utf8Reader};
            let text = lines.concat();
            let selector = property_selector();
            let ctx = ParseContext::default();
            // Reference: a plain stream marks every line, so every entry's text is searched.
            let mut reference = VecSink::default();
            let stats = parse(text.as_bytes(), &ctx, &selector, &mut reference).unwrap();
            let (slice_stats, slice) =
                read_lines(SliceLines::searching(text.as_bytes(), Some(&selector)), &selector);
            proptest::prop_assert_eq!((slice_stats, &slice), (stats, &reference.records));
            let (block_stats, blocks) = read_lines(
                BlockLines::small_blocks(text.as_bytes(), Some(&selector), block),
                &selector,
            );
            proptest::prop_assert_eq!((block_stats, &blocks), (stats, &reference.records));
            let encoding = TextEncoding::Utf16Le { bom: true };
            let mut utf16 = vec![0xFF, 0xFE];
            utf16.extend(encoding.encode(&text));
            let utf16_lines = Utf8Reader::new(&utf16[..], encoding);
            let (decoded_stats, decoded) = read_lines(
                BlockLines::small_blocks(utf16_lines, Some(&selector), block),
                &selector,
            );
            proptest::prop_assert_eq!((decoded_stats, &decoded), (stats, &reference.records));
        }
    }
}
