//! The Synchronization Service Manager's "copy details" text of an export error, as users paste it
//! into tickets:
//!
//! ```text
//! TimeOccurred (UTC) 2021-10-20 23:51:28
//! MachineId 321d15e1-4ad6-49c7-918b-40a62a5140bd
//! Connector Name contoso.onmicrosoft.com - AAD
//! ErrorType 114
//! ErrorCode 0x8023134a
//! ErrorLiteral This synchronization operation, Delete, is not valid. ...
//! ServerErrorDetail N/A
//! CsObjectIdentifier {aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb}
//! Dn CN={7834...}
//! ```
//!
//! Each line is a known key, a space (or tab, or colon) and the value; a line that starts with no
//! key continues the previous value (multi-line literals). An error starts at `TimeOccurred (UTC)`
//! or at a key the current error already has, so several pasted errors in one file are split.

use crate::adsync::records::{ErrorKind, FIELD_DATE_ORDER, ObjectError, offer};
use crate::culture_time::{self, Order};
use crate::error::{InputError, Problem};
use crate::lines::Lines;
use crate::record::{EventTime, Locator};
use crate::selector::Selector;
use crate::sink::{ParseContext, ParseStats, Sink};
use crate::timefmt::{SourceZone, parse_iso_prefix};
use std::io::BufRead;

/// The keys, in the order the Synchronization Service Manager writes them.
const KEYS: [&str; 9] = [
    "TimeOccurred (UTC)",
    "MachineId",
    "Connector Name",
    "ErrorType",
    "ErrorCode",
    "ErrorLiteral",
    "ServerErrorDetail",
    "CsObjectIdentifier",
    "Dn",
];

/// Longest value kept.
const MAX_VALUE: usize = 64 * 1024;

/// The key a line starts with, and the rest of the line.
fn key_line(line: &str) -> Option<(usize, &str)> {
    KEYS.iter().enumerate().find_map(|(i, key)| {
        let head = line.get(..key.len())?;
        if !head.eq_ignore_ascii_case(key) {
            return None;
        }
        let rest = &line[key.len()..];
        let value = rest.strip_prefix(':').unwrap_or(rest);
        (rest.is_empty() || value.starts_with([' ', '\t']) || value.is_empty())
            .then(|| (i, value.trim()))
    })
}

/// True when a decoded head has at least four of the keys, an error key among them.
pub fn looks_like(head: &str) -> bool {
    let mut seen = [false; KEYS.len()];
    for line in head.lines().take(80) {
        if let Some((i, _)) = key_line(line.trim_start_matches('>').trim_start()) {
            seen[i] = true;
        }
    }
    seen.iter().filter(|s| **s).count() >= 4 && (seen[3] || seen[4] || seen[5])
}

struct Pending {
    line: u64,
    values: [Option<String>; KEYS.len()],
    last: Option<usize>,
}

/// Reads pasted error details, one export-error record per error.
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
    let mut stats = ParseStats::default();
    let mut pending: Option<Pending> = None;
    while let Some(raw) = lines
        .next_line()
        .map_err(|source| InputError::MemberData { source })?
    {
        let text = String::from_utf8_lossy(raw.bytes);
        let line = text.trim_end();
        let unquoted = line.trim_start_matches('>').trim_start();
        if let Some((key, value)) = key_line(unquoted) {
            let starts_new = key == 0 || pending.as_ref().is_some_and(|p| p.values[key].is_some());
            if starts_new && let Some(done) = pending.take() {
                finish(done, ctx, selector, sink, &mut stats);
            }
            let current = pending.get_or_insert_with(|| Pending {
                line: raw.number,
                values: Default::default(),
                last: None,
            });
            current.values[key] = Some(value.to_owned());
            current.last = Some(key);
            continue;
        }
        match &mut pending {
            Some(Pending {
                values,
                last: Some(key),
                ..
            }) => {
                if let Some(value) = &mut values[*key]
                    && value.len() + line.len() < MAX_VALUE
                {
                    value.push('\n');
                    value.push_str(line);
                }
            }
            _ if !line.trim().is_empty() => stats.bad += 1,
            _ => {}
        }
    }
    if let Some(done) = pending.take() {
        finish(done, ctx, selector, sink, &mut stats);
    }
    if stats.bad > 0 {
        sink.problem(Problem {
            at: None,
            chunk: None,
            message: format!(
                "{} lines before the first error were not error details",
                stats.bad
            ),
        });
    }
    Ok(stats)
}

fn finish(
    pending: Pending,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
    stats: &mut ParseStats,
) {
    stats.entries += 1;
    let [
        occurred,
        machine,
        connector,
        error_type,
        code,
        literal,
        detail,
        id,
        dn,
    ] = pending
        .values
        .map(|v| v.map(|v| v.trim_end().to_owned()).filter(|v| !v.is_empty()));
    let mut date_order = None;
    let time = occurred.as_deref().and_then(|t| {
        if let Some((iso, used)) = parse_iso_prefix(t)
            && used == t.len()
        {
            return iso.to_utc(SourceZone::Utc).map(|(utc, _)| utc);
        }
        let culture = culture_time::parse(t)?;
        if culture.is_ambiguous() {
            date_order = Some("month-first (assumed)");
        }
        culture.resolve(Order::MonthFirst).map(|t| t.and_utc())
    });
    let time = time.map_or_else(|| ctx.fallback_time(), EventTime::recorded);
    let error = ObjectError {
        connector,
        dn,
        cs_object_id: id,
        error_type,
        code,
        literal,
        server_detail: detail,
        occurred,
        machine_id: machine,
        ..ObjectError::default()
    };
    let mut record = error.into_record(ErrorKind::Export, time, Locator::Line(pending.line));
    if let Some(order) = date_order {
        record
            .fields
            .push((FIELD_DATE_ORDER.to_owned(), order.to_owned()));
    }
    offer(record, selector, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Level, TimeBasis};
    use crate::sink::VecSink;

    const DETAILS: &str = "TimeOccurred (UTC) 2021-10-20 23:51:28\r\nMachineId 321d15e1-4ad6-49c7-918b-40a62a5140bd\r\nConnector Name contoso.onmicrosoft.com - AAD\r\nErrorType 114\r\nErrorCode 0x8023134a\r\nErrorLiteral This synchronization operation, Delete, is not valid. Contact Technical Support.\r\nTracking Id: 09fb1e9b-3ff7-4163-9731-581785e347e5\r\nServerErrorDetail N/A\r\nCsObjectIdentifier {aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb}\r\nDn CN={783456306961654236304B58786A66746377643748773D3D}\r\n\r\nTimeOccurred (UTC) 2021-10-21 08:00:00\r\nErrorType InvalidSoftMatch\r\nDn CN={AB}\r\n";

    #[test]
    fn errors_split_and_literals_span_lines() {
        assert!(looks_like(DETAILS));
        let mut sink = VecSink::default();
        let stats = parse(
            DETAILS.as_bytes(),
            &ParseContext::default(),
            &Selector::all(),
            &mut sink,
        )
        .unwrap();
        assert_eq!(stats, ParseStats { entries: 2, bad: 0 });
        let first = &sink.records[0];
        assert_eq!(first.provider, "ADSync export error");
        assert_eq!(first.level, Level::Error);
        assert_eq!(first.time.basis, TimeBasis::Recorded);
        assert_eq!(
            first.time.utc.unwrap().to_rfc3339(),
            "2021-10-20T23:51:28+00:00"
        );
        assert_eq!(
            first.fields,
            [
                ("Connector", "contoso.onmicrosoft.com - AAD"),
                ("DN", "CN={783456306961654236304B58786A66746377643748773D3D}"),
                ("CsObjectId", "{aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb}"),
                ("ErrorType", "114"),
                ("ErrorCode", "0x8023134a"),
                (
                    "ErrorLiteral",
                    "This synchronization operation, Delete, is not valid. Contact Technical Support.\nTracking Id: 09fb1e9b-3ff7-4163-9731-581785e347e5"
                ),
                ("ServerErrorDetail", "N/A"),
                ("TimeOccurred", "2021-10-20 23:51:28"),
                ("MachineId", "321d15e1-4ad6-49c7-918b-40a62a5140bd"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(sink.records[1].locator, Locator::Line(12));
        assert!(sink.problems.is_empty());
    }

    #[test]
    fn other_text_is_not_details() {
        assert!(!looks_like("ErrorType 114\nsome text\n"));
        assert!(!looks_like("Log Name: Application\nSource: ADSync\n"));
    }
}
