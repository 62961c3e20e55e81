//! Events exported or pasted as text from Event Viewer ("Copy details as text"), which people attach
//! to tickets when they cannot export EVTX:
//!
//! ```text
//! Log Name:      Application
//! Source:        Directory Synchronization
//! Date:          8/10/2020 11:00:39 AM
//! Event ID:      611
//! Task Category: None
//! Level:         Error
//! Keywords:      Classic
//! User:          N/A
//! Computer:      server1.contoso.com
//! Description:
//! Password hash synchronization failed for domain: contoso.com, ...
//! ```
//!
//! Each event becomes a record with the `Source:` value as provider and the real event id, so
//! rules match it as they match the same event read from EVTX. Labels may be quoted (`> `) as in
//! Markdown pastes. An event starts at `Log Name:`, at a label the current event already has, or,
//! inside a description, at `Source:`/`Event ID:`/`Date:` after a blank line; an `Event Xml:` part
//! is skipped. The date is local time in the culture of the machine that showed it: it is
//! converted with `--source-tz` (time basis "assumed zone"), and the day/month order of slash
//! dates is decided per file as in [`crate::culture_time`], held events waiting for the proof.

use crate::culture_time::{self, CultureDateTime, Order, OrderBasis, OrderVote, order_label};
use crate::error::{InputError, Problem};
use crate::lines::Lines;
use crate::record::{EventTime, Level, Locator, Record, TimeBasis};
use crate::selector::{Candidate, Selector};
use crate::sink::{ParseContext, ParseStats, Sink};
use std::io::BufRead;

/// Events held while the file's day/month order is open.
pub const MAX_HELD: usize = 1000;

/// Longest description kept.
const MAX_DESCRIPTION: usize = 64 * 1024;

/// Name of the raw date field.
pub const FIELD_DATE: &str = "Date";
/// Name of the field saying how the day/month order was decided.
pub const FIELD_DATE_ORDER: &str = "DateOrder";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    LogName,
    Source,
    Date,
    EventId,
    TaskCategory,
    Level,
    Opcode,
    Keywords,
    User,
    Computer,
    Description,
    EventXml,
}

const LABELS: [(&str, Label); 12] = [
    ("Log Name", Label::LogName),
    ("Source", Label::Source),
    ("Date", Label::Date),
    ("Event ID", Label::EventId),
    ("Task Category", Label::TaskCategory),
    ("Level", Label::Level),
    ("OpCode", Label::Opcode),
    ("Keywords", Label::Keywords),
    ("User", Label::User),
    ("Computer", Label::Computer),
    ("Description", Label::Description),
    ("Event Xml", Label::EventXml),
];

/// The label a line starts with (after an optional `>` quote) and its value.
fn label_line(line: &str) -> Option<(Label, &str)> {
    let line = line.trim_start().trim_start_matches('>').trim_start();
    let (name, value) = line.split_once(':')?;
    let label = LABELS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, l)| *l)?;
    Some((label, value.trim()))
}

/// True when a decoded head has `Source:` and `Event ID:` lines and one of `Log Name:`, `Level:`,
/// `Date:`, `Description:`.
pub fn looks_like(head: &str) -> bool {
    let labels: Vec<Label> = head
        .lines()
        .take(100)
        .filter_map(|l| label_line(l).map(|(label, _)| label))
        .collect();
    let has = |l: Label| labels.contains(&l);
    has(Label::Source)
        && has(Label::EventId)
        && [
            Label::LogName,
            Label::Level,
            Label::Date,
            Label::Description,
        ]
        .into_iter()
        .any(has)
}

#[derive(Default)]
struct Event {
    line: u64,
    header: Vec<(Label, String)>,
    description: Option<String>,
    in_xml: bool,
    after_blank: bool,
}

impl Event {
    fn get(&self, label: Label) -> Option<&str> {
        self.header
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn is_empty(&self) -> bool {
        self.header.is_empty() && self.description.is_none()
    }
}

struct Reading<'a> {
    ctx: &'a ParseContext,
    selector: &'a Selector,
    sink: &'a mut dyn Sink,
    stats: ParseStats,
    vote: OrderVote,
    held: Vec<(Event, CultureDateTime)>,
    unreadable_date: Option<(u64, String)>,
}

impl Reading<'_> {
    fn finish(&mut self, event: Event) {
        if event.is_empty() {
            return;
        }
        self.stats.entries += 1;
        let date = event.get(Label::Date).and_then(culture_time::parse);
        if let Some(date) = &date {
            self.vote.observe(date);
        } else if let Some(raw) = event.get(Label::Date)
            && self.unreadable_date.is_none()
        {
            self.unreadable_date = Some((event.line, raw.to_owned()));
        }
        match date {
            Some(date) if date.is_ambiguous() && self.vote.decided().is_none() => {
                if self.held.len() < MAX_HELD {
                    self.held.push((event, date));
                    return;
                }
                let order = self.vote.settle();
                self.release(order);
                self.emit(event, Some(date), order);
            }
            date => {
                let order = self
                    .vote
                    .decided()
                    .unwrap_or((Order::MonthFirst, OrderBasis::Assumed));
                if let Some(order) = self.vote.decided() {
                    self.release(order);
                }
                self.emit(event, date, order);
            }
        }
    }

    fn release(&mut self, order: (Order, OrderBasis)) {
        for (event, date) in std::mem::take(&mut self.held) {
            self.emit(event, Some(date), order);
        }
    }

    fn emit(&mut self, event: Event, date: Option<CultureDateTime>, order: (Order, OrderBasis)) {
        let provider = event.get(Label::Source).unwrap_or_default().to_owned();
        let level = event
            .get(Label::Level)
            .and_then(Level::from_word)
            .unwrap_or(Level::Information);
        let event_id = event.get(Label::EventId).and_then(|id| id.parse().ok());
        let channel = event.get(Label::LogName).map(str::to_owned);
        let message = event
            .description
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let candidate = Candidate {
            provider: &provider,
            channel: channel.as_deref(),
            event_id,
            level,
        };
        if !self.selector.wants(&candidate, message.as_bytes()) {
            return;
        }
        let mut fields = Vec::new();
        if let Some(raw) = event.get(Label::Date) {
            fields.push((FIELD_DATE.to_owned(), raw.to_owned()));
        }
        let time = date
            .and_then(|d| {
                let open = d.resolve(Order::DayFirst) != d.resolve(Order::MonthFirst);
                if open {
                    let label = match d.evidence() {
                        Some(own) => order_label(own, OrderBasis::Evidence),
                        None => order_label(order.0, order.1),
                    };
                    fields.push((FIELD_DATE_ORDER.to_owned(), label.to_owned()));
                }
                self.ctx.zone.to_utc(d.resolve(order.0)?)
            })
            .map_or_else(
                || self.ctx.fallback_time(),
                |utc| EventTime {
                    utc: Some(utc),
                    basis: TimeBasis::AssumedZone,
                },
            );
        for (label, name) in [
            (Label::TaskCategory, "TaskCategory"),
            (Label::Opcode, "Opcode"),
            (Label::Keywords, "Keywords"),
            (Label::User, "User"),
        ] {
            if let Some(value) = event.get(label) {
                fields.push((name.to_owned(), value.to_owned()));
            }
        }
        self.sink.record(Record {
            time,
            provider,
            event_id,
            level,
            channel,
            computer: event.get(Label::Computer).map(str::to_owned),
            message,
            fields,
            locator: Locator::Line(event.line),
        });
    }
}

/// Reads Event Viewer text, one record per event.
///
/// # Errors
/// Only when the underlying reader fails.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    let mut lines = Lines::new(reader);
    let mut reading = Reading {
        ctx,
        selector,
        sink,
        stats: ParseStats::default(),
        vote: OrderVote::default(),
        held: Vec::new(),
        unreadable_date: None,
    };
    let mut event = Event::default();
    while let Some(raw) = lines
        .next_line()
        .map_err(|source| InputError::MemberData { source })?
    {
        let text = String::from_utf8_lossy(raw.bytes);
        let line = text.trim_end();
        let label = label_line(line);
        let in_description = event.description.is_some();
        let starts_new = match label {
            Some((Label::LogName, _)) => true,
            Some((Label::Source | Label::EventId | Label::Date, _)) if in_description => {
                event.after_blank
            }
            Some((Label::Description | Label::EventXml, _)) => false,
            Some((l, _)) if !in_description => event.get(l).is_some(),
            _ => false,
        };
        if starts_new {
            reading.finish(std::mem::take(&mut event));
        }
        if event.is_empty() {
            event.line = raw.number;
        }
        let in_description = event.description.is_some();
        match label {
            Some((Label::EventXml, _)) if in_description => event.in_xml = true,
            _ if event.in_xml => {}
            Some((Label::Description, value)) if !in_description => {
                event.description = Some(value.to_owned());
            }
            Some((l, value)) if !in_description => {
                event.header.push((l, value.to_owned()));
            }
            _ => match &mut event.description {
                Some(description) if description.len() + line.len() < MAX_DESCRIPTION => {
                    if !description.is_empty() {
                        description.push('\n');
                    }
                    description.push_str(line.trim_start_matches('>').trim_start());
                }
                Some(_) => {}
                None if !line.trim().is_empty() => reading.stats.bad += 1,
                None => {}
            },
        }
        event.after_blank = line.trim().is_empty();
    }
    reading.finish(event);
    let order = reading.vote.settle();
    reading.release(order);
    if let Some((line, raw)) = reading.unreadable_date.take() {
        reading.sink.problem(Problem {
            at: Some(Locator::Line(line)),
            chunk: None,
            message: format!(
                "date {raw:?} is in no form this reader knows; such events are placed by the file's time"
            ),
        });
    }
    Ok(reading.stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::VecSink;
    use crate::timefmt::SourceZone;

    const TWO_EVENTS: &str = "Log Name:      Application\r\nSource:        Directory Synchronization\r\nDate:          8/10/2020 11:00:39 AM\r\nEvent ID:      611\r\nTask Category: None\r\nLevel:         Error\r\nKeywords:      Classic\r\nUser:          N/A\r\nComputer:      server1.contoso.com\r\nDescription:   Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>.\r\nDetails:       Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: contoso.com.\r\nEvent Xml:\r\n<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n</Event>\r\n\r\nLog Name:      Application\r\nSource:        ADSync\r\nDate:          8/14/2020 7:07:20 PM\r\nEvent ID:      6323\r\nTask Category: Server\r\nLevel:         Error\r\nKeywords:      Classic\r\nUser:          N/A\r\nComputer:      server1.contoso.com\r\nDescription:\r\nThe server encountered an error because SQL Server is out of disk space.\r\n";

    fn read(text: &str, zone: SourceZone) -> VecSink {
        let mut sink = VecSink::default();
        let ctx = ParseContext { zone, bound: None };
        parse(text.as_bytes(), &ctx, &Selector::all(), &mut sink).unwrap();
        sink
    }

    #[test]
    fn events_keep_source_id_and_assumed_local_time() {
        assert!(looks_like(TWO_EVENTS));
        let sink = read(TWO_EVENTS, "Europe/Berlin".parse().unwrap());
        assert_eq!(sink.records.len(), 2);
        let first = &sink.records[0];
        assert_eq!(first.provider, "Directory Synchronization");
        assert_eq!(first.event_id, Some(611));
        assert_eq!(first.level, Level::Error);
        assert_eq!(first.channel.as_deref(), Some("Application"));
        assert_eq!(first.computer.as_deref(), Some("server1.contoso.com"));
        assert_eq!(first.locator, Locator::Line(1));
        assert_eq!(
            first.message,
            "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>.\nDetails:       Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: contoso.com."
        );
        // Held until the second event's 14 proved month-first; Berlin was UTC+2 in August.
        assert_eq!(
            first.time.utc.unwrap().to_rfc3339(),
            "2020-08-10T09:00:39+00:00"
        );
        assert_eq!(first.time.basis, TimeBasis::AssumedZone);
        assert_eq!(
            first.fields,
            [
                ("Date", "8/10/2020 11:00:39 AM"),
                ("DateOrder", "month-first"),
                ("TaskCategory", "None"),
                ("Keywords", "Classic"),
                ("User", "N/A"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let second = &sink.records[1];
        assert_eq!(
            (second.provider.as_str(), second.event_id),
            ("ADSync", Some(6323))
        );
        assert_eq!(
            second.message,
            "The server encountered an error because SQL Server is out of disk space."
        );
        assert_eq!(second.locator, Locator::Line(16));
    }

    #[test]
    fn pasted_quoted_events_without_log_name() {
        let text = "> Event ID: 611  \n> Level: Information  \n> Source: Directory Synchronization  \n> Description:  \nPassword synchronization failed for domain: `ChildDomain.Contoso.Com`. Details:\n\n> Event ID: 654\n> Source: Directory Synchronization\n> Description: Provision credentials ping end.\n";
        assert!(looks_like(text));
        let sink = read(text, SourceZone::Utc);
        assert_eq!(sink.records.len(), 2);
        assert_eq!(sink.records[0].event_id, Some(611));
        assert_eq!(sink.records[0].level, Level::Information);
        assert_eq!(
            sink.records[0].message,
            "Password synchronization failed for domain: `ChildDomain.Contoso.Com`. Details:"
        );
        assert_eq!(sink.records[1].event_id, Some(654));
        assert_eq!(sink.records[1].message, "Provision credentials ping end.");
        assert_eq!(sink.records[1].time.basis, TimeBasis::Unknown);
    }

    #[test]
    fn ambiguous_dates_are_assumed_month_first_and_say_so() {
        let text = "Log Name: System\nSource: Service Control Manager\nDate: 3/4/2024 10:00:00\nEvent ID: 7000\nLevel: Error\nDescription: The Microsoft Azure AD Sync service failed to start due to the following error: The service did not start due to a logon failure.\n";
        let sink = read(text, SourceZone::Utc);
        let record = &sink.records[0];
        assert_eq!(
            record.time.utc.unwrap().to_rfc3339(),
            "2024-03-04T10:00:00+00:00"
        );
        assert_eq!(
            record.fields[1],
            ("DateOrder".to_owned(), "month-first (assumed)".to_owned())
        );
    }

    #[test]
    fn other_text_is_not_events() {
        assert!(!looks_like("Source: a blog\nThe event id was 611.\n"));
    }
}
