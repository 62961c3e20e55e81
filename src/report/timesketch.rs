//! `--format jsonl` and `--format csv`: the timeline as rows for Timesketch and other timeline tools,
//! one row per timeline entry, in timeline order.
//!
//! Columns: Timesketch's required `message`, `datetime` (RFC 3339 with the display zone's offset,
//! microseconds) and `timestamp_desc`, then `timestamp` (microseconds since the Unix epoch, UTC),
//! `source` (input path), `provider`, `event_id`, `level`, `channel`, `computer`, `provenance`,
//! `time_basis` and `findings` (ids of the findings the entry supports; JSON array in JSONL,
//! `;`-separated in CSV).
//!
//! Entries with no time at all keep their place at the end with an empty `datetime` and
//! `timestamp` (JSON `null`) and `timestamp_desc` "No time recorded": nothing read is dropped, and
//! Timesketch's importer will refuse those rows, which is the honest outcome. Bounded times (agent
//! trace entries bounded by their file's modification time) carry the bound, with `timestamp_desc`
//! saying so.
//!
//! Messages keep their line breaks; other control characters (ANSI escapes, NUL) are made inert.
//! In CSV a cell that starts with `=`, `+`, `-` or `@` gets a leading `'` so spreadsheets do not run
//! it as a formula (the JSONL keeps the text as it is).

use crate::report::Report;
use crate::report::view::View;
use crate::sanitize::{inert, inert_lines};
use crate::timeline::Entry;
use serde::Serialize;
use std::io::{self, Write};
use syncsift_parsers::TimeBasis;

/// The column names, in CSV order.
pub const COLUMNS: [&str; 14] = [
    "message",
    "datetime",
    "timestamp_desc",
    "timestamp",
    "source",
    "provider",
    "event_id",
    "level",
    "channel",
    "computer",
    "provenance",
    "time_basis",
    "findings",
    "source_zone",
];

/// One timeline row.
#[derive(Debug, Serialize)]
pub struct Row {
    /// The entry's text.
    pub message: String,
    /// RFC 3339 with offset, in the display zone; `None` for entries with no time.
    pub datetime: Option<String>,
    /// What the time means.
    pub timestamp_desc: String,
    /// Microseconds since the Unix epoch.
    pub timestamp: Option<i64>,
    /// Input path.
    pub source: String,
    /// Event provider / trace source.
    pub provider: String,
    /// Event id.
    pub event_id: Option<u32>,
    /// Normalised level.
    pub level: &'static str,
    /// EVTX channel.
    pub channel: Option<String>,
    /// Computer name.
    pub computer: Option<String>,
    /// `path:line` or `path#record N`.
    pub provenance: String,
    /// How the time was obtained (`recorded`, `assumed_zone`, `inferred_at_or_before`, ...).
    pub time_basis: &'static str,
    /// Ids of the findings this entry supports.
    pub findings: Vec<String>,
    /// Zone assumed for zone-less source times (`--source-tz`).
    pub source_zone: String,
}

fn basis_name(basis: TimeBasis) -> &'static str {
    match basis {
        TimeBasis::Recorded => "recorded",
        TimeBasis::LocalWithStatedOffset => "local_with_stated_offset",
        TimeBasis::AssumedZone => "assumed_zone",
        TimeBasis::InferredAtOrBefore => "inferred_at_or_before",
        TimeBasis::InferredAtOrAfter => "inferred_at_or_after",
        TimeBasis::Unknown => "unknown",
    }
}

fn timestamp_desc(entry: &Entry, report: &Report) -> String {
    if entry.record.time.utc.is_none() {
        return "No time recorded".to_owned();
    }
    match entry.record.time.basis {
        TimeBasis::Recorded => "Event Recorded".to_owned(),
        TimeBasis::LocalWithStatedOffset => {
            "Event Recorded (local time, offset from file header)".to_owned()
        }
        TimeBasis::AssumedZone => format!(
            "Event Recorded (zone assumed: {})",
            report.settings.source_zone
        ),
        TimeBasis::InferredAtOrBefore => "At or before (file modification time)".to_owned(),
        TimeBasis::InferredAtOrAfter => "At or after (bound from the file)".to_owned(),
        TimeBasis::Unknown => "No time recorded".to_owned(),
    }
}

/// The row for one entry.
pub fn row(report: &Report, view: &View, entry: &Entry) -> Row {
    let utc = entry.record.time.utc;
    let path = report
        .inputs
        .get(entry.input)
        .map_or("?", |i| i.path.as_str());
    Row {
        message: inert_lines(entry.record.message.trim_end()),
        datetime: utc.map(|t| view.rfc3339(t)),
        timestamp_desc: timestamp_desc(entry, report),
        timestamp: utc.map(|t| t.timestamp_micros()),
        source: inert(path).into_owned(),
        provider: inert(&entry.record.provider).into_owned(),
        event_id: entry.record.event_id,
        level: entry.record.level.as_str(),
        channel: entry
            .record
            .channel
            .as_deref()
            .map(|c| inert(c).into_owned()),
        computer: entry
            .record
            .computer
            .as_deref()
            .map(|c| inert(c).into_owned()),
        provenance: inert(&report.provenance(entry)).into_owned(),
        time_basis: basis_name(entry.record.time.basis),
        findings: entry.findings.clone(),
        source_zone: report.settings.source_zone.clone(),
    }
}

/// Writes one JSON object per line.
///
/// # Errors
/// When writing fails.
pub fn render_jsonl(report: &Report, view: &View, out: &mut dyn Write) -> io::Result<()> {
    for entry in report.timeline.entries() {
        serde_json::to_writer(&mut *out, &row(report, view, entry))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Keeps spreadsheets from evaluating a cell as a formula.
fn defuse_formula(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Writes RFC 4180 CSV (CRLF line ends, quoted where needed) with a header row.
///
/// # Errors
/// When writing fails.
pub fn render_csv(report: &Report, view: &View, out: &mut dyn Write) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    for entry in report.timeline.entries() {
        let row = row(report, view, entry);
        let optional = |value: Option<String>| value.unwrap_or_default();
        writer.write_record([
            defuse_formula(row.message),
            optional(row.datetime),
            row.timestamp_desc,
            row.timestamp.map(|t| t.to_string()).unwrap_or_default(),
            defuse_formula(row.source),
            defuse_formula(row.provider),
            row.event_id.map(|id| id.to_string()).unwrap_or_default(),
            row.level.to_owned(),
            defuse_formula(optional(row.channel)),
            defuse_formula(optional(row.computer)),
            defuse_formula(row.provenance),
            row.time_basis.to_owned(),
            row.findings.join(";"),
            row.source_zone,
        ])?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_report;

    fn jsonl(view: &View) -> String {
        let mut out = Vec::new();
        render_jsonl(&sample_report(), view, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn csv_text(view: &View) -> String {
        let mut out = Vec::new();
        render_csv(&sample_report(), view, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn jsonl_snapshot() {
        insta::assert_snapshot!(jsonl(&View::default()));
    }

    #[test]
    fn csv_snapshot() {
        insta::assert_snapshot!(csv_text(&View::default()));
    }

    #[test]
    fn jsonl_rows_have_timesketch_columns_and_rfc3339_times() {
        let report = sample_report();
        let text = jsonl(&View::default());
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), report.timeline.len());
        for (row, entry) in rows.iter().zip(report.timeline.entries()) {
            for column in COLUMNS {
                assert!(row.get(column).is_some(), "{column} missing in {row}");
            }
            match entry.record.time.utc {
                Some(utc) => {
                    let datetime = row["datetime"].as_str().unwrap();
                    let parsed = chrono::DateTime::parse_from_rfc3339(datetime).unwrap();
                    assert_eq!(parsed, utc);
                    assert_eq!(row["timestamp"].as_i64(), Some(utc.timestamp_micros()));
                }
                None => {
                    assert!(row["datetime"].is_null());
                    assert_eq!(row["timestamp_desc"], "No time recorded");
                }
            }
        }
        assert!(!text.contains('\u{1b}') && !text.contains("\\u0000"));
    }

    #[test]
    fn csv_round_trips_through_a_csv_reader() {
        let report = sample_report();
        let view = View {
            zone: "Europe/Berlin".parse().unwrap(),
            window: None,
        };
        let text = csv_text(&view);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(headers, COLUMNS);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), report.timeline.len());
        for (record, entry) in records.iter().zip(report.timeline.entries()) {
            let expected = row(&report, &view, entry);
            assert_eq!(record.len(), COLUMNS.len());
            assert_eq!(&record[0], defuse_formula(expected.message.clone()));
            assert_eq!(&record[12], expected.findings.join(";"));
            if let Some(utc) = entry.record.time.utc {
                assert!(record[1].ends_with("+01:00"), "{}", &record[1]);
                assert_eq!(
                    chrono::DateTime::parse_from_rfc3339(&record[1]).unwrap(),
                    utc
                );
                assert_eq!(record[3].parse::<i64>().unwrap(), utc.timestamp_micros());
            } else {
                assert_eq!(&record[1], "");
            }
        }
        // The hostile message keeps its pipes, quotes and line breaks but no raw controls.
        let hostile = &records[4][0];
        assert!(hostile.contains("a|b") && hostile.contains("\"q\"") && hostile.contains('\n'));
        assert!(!hostile.contains('\u{1b}') && !hostile.contains('\0'));
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse_formula("=cmd()".into()), "'=cmd()");
        assert_eq!(defuse_formula("plain".into()), "plain");
    }
}
