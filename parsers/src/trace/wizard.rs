//! Entra Connect (Azure AD Connect) wizard traces, `%ProgramData%\AADConnect\trace-*.log`.
//!
//! Lines look like `[12:19:59.136] [ 1] [INFO ] message`: a local time of day with no date, a thread
//! id and a padded level. The date, and the offset of local time from UTC, come only from the
//! `Start Time (Local): ...` and `Start Time (UTC): ...` header lines that each wizard session writes.
//! Entries read before those headers are held back until the date is known (at most
//! [`MAX_HELD`] of them); later entries roll over to the next day when the time of day goes back.

use crate::error::Problem;
use crate::lines::{LineSource, Lines};
use crate::record::{EventTime, Level, Locator, Record, TimeBasis};
use crate::selector::{Candidate, Decision, Selector};
use crate::sink::{ParseContext, ParseStats, Sink};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime};
use nom::bytes::complete::{take_till, take_while_m_n};
use nom::character::complete::{char, digit1, space0};
use nom::combinator::{map_res, opt};
use nom::sequence::delimited;
use nom::{IResult, Parser};
use std::io::{self, BufRead};

/// Provider name given to wizard entries.
pub const PROVIDER: &str = "Entra Connect wizard";

/// Entries held while waiting for the session's date header.
pub const MAX_HELD: usize = 1000;

/// Longest entry text kept.
const MAX_ENTRY: usize = 64 * 1024;

/// The parts of a wizard line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizardLine<'a> {
    /// Local time of day.
    pub time: NaiveTime,
    /// Thread id.
    pub thread: u32,
    /// Level word, trimmed (`INFO`, `WARN`, `ERROR`, `VERB`).
    pub level: &'a str,
    /// The message.
    pub message: &'a str,
}

fn two_digits(input: &str) -> IResult<&str, u32> {
    map_res(
        take_while_m_n(2, 2, |c: char| c.is_ascii_digit()),
        str::parse,
    )
    .parse(input)
}

fn time_of_day(input: &str) -> IResult<&str, NaiveTime> {
    let (input, h) = two_digits(input)?;
    let (input, _) = char(':').parse(input)?;
    let (input, m) = two_digits(input)?;
    let (input, _) = char(':').parse(input)?;
    let (input, s) = two_digits(input)?;
    let (input, _) = char('.').parse(input)?;
    let (input, ms) = map_res(
        take_while_m_n(3, 3, |c: char| c.is_ascii_digit()),
        str::parse::<u32>,
    )
    .parse(input)?;
    match NaiveTime::from_hms_milli_opt(h, m, s, ms) {
        Some(t) => Ok((input, t)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

fn line(input: &str) -> IResult<&str, WizardLine<'_>> {
    let (input, time) = delimited(char('['), time_of_day, char(']')).parse(input)?;
    let (input, _) = char(' ').parse(input)?;
    let (input, thread) = delimited(
        (char('['), space0),
        map_res(digit1, str::parse::<u32>),
        char(']'),
    )
    .parse(input)?;
    let (input, _) = char(' ').parse(input)?;
    let (input, level) = delimited(char('['), take_till(|c| c == ']'), char(']')).parse(input)?;
    let (message, _) = opt(char(' ')).parse(input)?;
    Ok((
        "",
        WizardLine {
            time,
            thread,
            level: level.trim(),
            message,
        },
    ))
}

/// Parses one wizard line; `None` for continuation lines.
pub fn parse_line(text: &str) -> Option<WizardLine<'_>> {
    line(text).ok().map(|(_, l)| l)
}

/// True when the decoded head of a file starts (after blank lines) with wizard lines.
pub fn looks_like(head: &str) -> bool {
    let mut lines = head.lines().filter(|l| !l.trim().is_empty()).take(20);
    let first_ok = lines.next().is_some_and(|l| parse_line(l).is_some());
    first_ok && lines.filter(|l| parse_line(l).is_some()).count() >= 1
}

/// `Start Time (UTC): Fri, 01 Jul 2016 09:19:59 GMT` → the wall-clock time written there.
fn header_time(message: &str, label: &str) -> Option<chrono::NaiveDateTime> {
    let value = message.strip_prefix(label)?.trim();
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|t| t.naive_local())
}

struct Entry {
    line: u64,
    tod: NaiveTime,
    thread: u32,
    level: Level,
    text: String,
    cut: bool,
    /// The day this entry belongs to, when known.
    date: Option<NaiveDate>,
    /// A selector literal may occur in the entry's lines.
    maybe_literal: bool,
}

/// The session's calendar: date and UTC offset from the headers, and rollover tracking.
#[derive(Default)]
struct Session {
    local_start: Option<chrono::NaiveDateTime>,
    utc_start: Option<chrono::NaiveDateTime>,
    date: Option<NaiveDate>,
    last_tod: Option<NaiveTime>,
}

impl Session {
    fn place(&mut self, tod: NaiveTime) -> Option<NaiveDate> {
        let date = self.date?;
        if let Some(last) = self.last_tod
            && last.signed_duration_since(tod) > Duration::hours(1)
        {
            self.date = date.succ_opt();
        }
        self.last_tod = Some(tod);
        self.date
    }

    fn offset(&self) -> Option<Duration> {
        Some(self.local_start? - self.utc_start?)
    }
}

/// Reads a wizard trace, pushing the entries the selector keeps.
///
/// # Errors
/// Only when the underlying reader fails.
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
    let mut session = Session::default();
    let mut held: Vec<Entry> = Vec::new();
    let mut current: Option<Entry> = None;
    while let Some(raw) = lines.next_line()? {
        let text = match std::str::from_utf8(raw.bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(raw.bytes),
        };
        if raw.truncated {
            sink.problem(Problem {
                at: Some(Locator::Line(raw.number)),
                chunk: None,
                message: format!("line longer than {} bytes, cut", crate::lines::MAX_LINE),
            });
        }
        let Some(parsed) = parse_line(&text) else {
            match current.as_mut() {
                Some(entry) => {
                    entry.maybe_literal |= raw.hit;
                    push_text(entry, &text);
                }
                None if !text.trim().is_empty() => stats.bad += 1,
                None => {}
            }
            continue;
        };
        if let Some(entry) = current.take() {
            finish(entry, &mut held, &session, ctx, selector, sink, &mut stats);
        }
        if parsed.message.starts_with("Application starting") {
            // A new session in the same file: its own headers follow.
            session = Session::default();
        }
        if let Some(local) = header_time(parsed.message, "Start Time (Local):") {
            session.local_start = Some(local);
        }
        if let Some(utc) = header_time(parsed.message, "Start Time (UTC):") {
            session.utc_start = Some(utc);
            if session.date.is_none() {
                session.date = Some(session.local_start.unwrap_or(utc).date());
            }
        }
        let date = session.place(parsed.time);
        let level = Level::from_word(parsed.level).unwrap_or(Level::Information);
        let mut entry = Entry {
            line: raw.number,
            tod: parsed.time,
            thread: parsed.thread,
            level,
            text: String::new(),
            cut: false,
            date,
            maybe_literal: raw.hit,
        };
        push_text(&mut entry, parsed.message);
        current = Some(entry);
        if session.date.is_some() && !held.is_empty() {
            release_held(&mut held, &session, ctx, sink);
        }
    }
    if let Some(entry) = current.take() {
        finish(entry, &mut held, &session, ctx, selector, sink, &mut stats);
    }
    release_held(&mut held, &session, ctx, sink);
    Ok(stats)
}

fn push_text(entry: &mut Entry, text: &str) {
    if entry.text.len() + text.len() + 1 > MAX_ENTRY {
        entry.cut = true;
        return;
    }
    if !entry.text.is_empty() {
        entry.text.push('\n');
    }
    entry.text.push_str(text);
}

fn finish(
    entry: Entry,
    held: &mut Vec<Entry>,
    session: &Session,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
    stats: &mut ParseStats,
) {
    stats.entries += 1;
    let candidate = Candidate {
        provider: PROVIDER,
        channel: None,
        event_id: None,
        level: entry.level,
    };
    let keep = match selector.decide(&candidate) {
        Decision::Keep => true,
        Decision::Drop => false,
        Decision::NeedText => {
            selector.entry_may_match(PROVIDER, entry.maybe_literal)
                && selector.text_matches_for(PROVIDER, entry.text.as_bytes())
        }
    };
    if !keep {
        return;
    }
    if entry.date.is_none() && session.date.is_none() && held.len() < MAX_HELD {
        held.push(entry);
        return;
    }
    emit(entry, session, ctx, sink);
}

/// Entries read before the session's date header take the header's date.
fn release_held(held: &mut Vec<Entry>, session: &Session, ctx: &ParseContext, sink: &mut dyn Sink) {
    for mut entry in held.drain(..) {
        entry.date = session.date;
        emit(entry, session, ctx, sink);
    }
}

fn emit(entry: Entry, session: &Session, ctx: &ParseContext, sink: &mut dyn Sink) {
    let time = match entry.date.or(session.date) {
        Some(date) => {
            let local = date.and_time(entry.tod);
            match session.offset() {
                Some(offset) => EventTime {
                    utc: Some((local - offset).and_utc()),
                    basis: TimeBasis::LocalWithStatedOffset,
                },
                None => match ctx.zone.to_utc(local) {
                    Some(utc) => EventTime {
                        utc: Some(utc),
                        basis: TimeBasis::AssumedZone,
                    },
                    None => ctx.fallback_time(),
                },
            }
        }
        None => ctx.fallback_time(),
    };
    let mut message = entry.text.trim_end().to_owned();
    if entry.cut {
        message.push_str("\n[entry cut: longer than 64 KiB]");
    }
    sink.record(Record {
        time,
        provider: PROVIDER.to_owned(),
        event_id: None,
        level: entry.level,
        channel: None,
        computer: None,
        message,
        fields: vec![("ThreadId".to_owned(), entry.thread.to_string())],
        locator: Locator::Line(entry.line),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::VecSink;

    const SAMPLE: &str = "[23:59:58.919] [ 1] [INFO ]\r\n[23:59:59.136] [ 1] [INFO ] Application starting\r\n[23:59:59.136] [ 1] [INFO ] Start Time (Local): Fri, 01 Jul 2016 23:59:59 GMT\r\n[23:59:59.136] [ 1] [INFO ] Start Time (UTC): Fri, 01 Jul 2016 20:59:59 GMT\r\n[23:59:59.172] [ 1] [INFO ] Application Version: 1.1.189.0\r\n[00:00:01.500] [12] [ERROR] GetServiceAccount: the retry time limit has been exceeded.\r\nException Data (Raw): Microsoft.Foo: Unable ---> Inner\r\n";

    #[test]
    fn line_grammar() {
        let l = parse_line("[12:19:59.136] [ 1] [INFO ] Application starting").unwrap();
        assert_eq!(
            l.time,
            NaiveTime::from_hms_milli_opt(12, 19, 59, 136).unwrap()
        );
        assert_eq!(
            (l.thread, l.level, l.message),
            (1, "INFO", "Application starting")
        );
        let l = parse_line("[12:19:58.919] [ 1] [INFO ]").unwrap();
        assert_eq!(l.message, "");
        assert!(parse_line("Exception Data (Raw): x").is_none());
        assert!(parse_line("[25:19:58.919] [ 1] [INFO ] bad hour").is_none());
    }

    #[test]
    fn dates_offsets_rollover_and_continuations() {
        let mut sink = VecSink::default();
        let stats = parse(
            SAMPLE.as_bytes(),
            &ParseContext::default(),
            &Selector::all(),
            &mut sink,
        )
        .unwrap();
        assert_eq!(stats.entries, 6);
        let times: Vec<String> = sink
            .records
            .iter()
            .map(|r| {
                r.time
                    .utc
                    .unwrap()
                    .format("%Y-%m-%d %H:%M:%S%.3f")
                    .to_string()
            })
            .collect();
        // Local is UTC+3; the first line precedes the header and takes its date; the last rolls over.
        assert_eq!(
            times,
            [
                "2016-07-01 20:59:58.919",
                "2016-07-01 20:59:59.136",
                "2016-07-01 20:59:59.136",
                "2016-07-01 20:59:59.136",
                "2016-07-01 20:59:59.172",
                "2016-07-01 21:00:01.500",
            ]
        );
        let last = sink.records.last().unwrap();
        assert_eq!(last.level, Level::Error);
        assert_eq!(
            last.message,
            "GetServiceAccount: the retry time limit has been exceeded.\nException Data (Raw): Microsoft.Foo: Unable ---> Inner"
        );
        assert_eq!(last.time.basis, TimeBasis::LocalWithStatedOffset);
        assert_eq!(last.locator, Locator::Line(6));
    }

    #[test]
    fn looks_like_needs_wizard_lines() {
        assert!(looks_like(SAMPLE));
        assert!(!looks_like("Log Name: Application\nSource: ADSync\n"));
    }
}
