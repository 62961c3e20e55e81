//! `Get-ADSyncRunProfileResult` saved with `Export-Csv` (the `<COMPUTER>_Get-ADSyncRunProfileResult.csv`
//! of support collectors): one row per run with `RunNumber`, `RunHistoryId`, `ConnectorName`,
//! `RunProfileName`, `Result`, `StartDate`, `EndDate`.
//!
//! `Export-Csv` writes dates with the server's culture, so they are read with
//! [`crate::culture_time`]: the day/month order of slash dates is decided for the whole file from
//! the first date that proves it, rows waiting for that proof are held (up to [`MAX_HELD`]), and
//! month first is assumed when nothing proves it; each such row says how in its `DateOrder` field.
//! The dates are taken as UTC, as the engine keeps run history (research notes §9.3). Columns are
//! found by name; a header without the needed columns makes the file unusable.

use crate::adsync::columns::{find, lossy, normalize};
use crate::adsync::csv_lines::LineTracker;
use crate::adsync::records::{FIELD_DATE_ORDER, Run, offer};
use crate::culture_time::{self, CultureDateTime, Order, OrderBasis, OrderVote, order_label};
use crate::error::{InputError, Malformed, Problem};
use crate::record::{EventTime, Locator};
use crate::selector::Selector;
use crate::sink::{ParseContext, ParseStats, Sink};
use crate::timefmt::parse_iso_prefix;
use chrono::NaiveDateTime;
use std::io::Read;

/// Name of the format in reasons.
pub const FORMAT: &str = "run-profile CSV";

/// Rows held while the day/month order of the file's dates is open.
pub const MAX_HELD: usize = 1000;

/// Columns a run needs, as written by `Get-ADSyncRunProfileResult`.
const REQUIRED: [&str; 4] = ["ConnectorName", "RunProfileName", "Result", "StartDate"];

/// True when a decoded head starts with a run-profile result header (three of its columns).
pub fn looks_like(head: &str) -> bool {
    let Some(header) = crate::adsync::columns::header_of(head) else {
        return false;
    };
    let known = [
        "runnumber",
        "runhistoryid",
        "connectorname",
        "runprofilename",
        "result",
        "startdate",
        "enddate",
    ];
    header
        .iter()
        .filter(|h| known.contains(&h.as_str()))
        .count()
        >= 3
}

/// A date cell: ISO (unambiguous) or culture-formatted.
#[derive(Clone, Copy)]
enum DateCell {
    Iso(NaiveDateTime),
    Culture(CultureDateTime),
    Unreadable,
    Empty,
}

fn date_cell(text: &str) -> DateCell {
    let text = text.trim();
    if text.is_empty() {
        return DateCell::Empty;
    }
    if let Some((time, used)) = parse_iso_prefix(text)
        && used == text.len()
    {
        return DateCell::Iso(time.local);
    }
    culture_time::parse(text).map_or(DateCell::Unreadable, DateCell::Culture)
}

struct Row {
    run: Run,
    start: DateCell,
    end: DateCell,
    line: u64,
}

impl Row {
    fn ambiguous(&self) -> bool {
        [self.start, self.end]
            .iter()
            .any(|c| matches!(c, DateCell::Culture(d) if d.is_ambiguous()))
    }
}

struct Columns {
    connector: usize,
    profile: usize,
    result: usize,
    start: usize,
    number: Option<usize>,
    history_id: Option<usize>,
    end: Option<usize>,
    width: usize,
}

fn columns(header: &[String]) -> Result<Columns, InputError> {
    let names = header;
    let position = |name: &str| find(names, &[normalize(name).as_str()]);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|name| position(name).is_none())
        .collect();
    match REQUIRED.map(position) {
        [Some(connector), Some(profile), Some(result), Some(start)] => Ok(Columns {
            connector,
            profile,
            result,
            start,
            number: position("RunNumber"),
            history_id: position("RunHistoryId"),
            end: position("EndDate"),
            width: names.len(),
        }),
        _ => Err(InputError::Malformed {
            format: FORMAT,
            reason: Malformed::MissingColumns {
                missing: missing.join(", "),
                found: names.join(", "),
            },
        }),
    }
}

/// Reads a run-profile result CSV, one run record per row.
///
/// # Errors
/// [`InputError::Malformed`] when the header lacks a needed column; rows with missing cells are
/// problems.
pub fn parse<R: Read>(
    reader: R,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(LineTracker::new(reader));
    let mut raw = csv::ByteRecord::new();
    let header = loop {
        match csv
            .read_byte_record(&mut raw)
            .map(|more| more.then(|| lossy(&raw)))
        {
            Ok(Some(record)) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(Some(record)) => break record,
            Err(e) => return Err(csv_error(e)),
            Ok(None) => {
                return Err(InputError::Malformed {
                    format: FORMAT,
                    reason: Malformed::MissingColumns {
                        missing: REQUIRED.join(", "),
                        found: String::new(),
                    },
                });
            }
        }
    };
    let cols = columns(&header)?;
    let mut stats = ParseStats::default();
    let mut vote = OrderVote::default();
    let mut held: Vec<Row> = Vec::new();
    let mut unreadable_reported = false;
    loop {
        match csv.read_byte_record(&mut raw) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                stats.bad += 1;
                let line = e.position().map(|p| csv.get_mut().line_at(p.byte()));
                sink.problem(Problem {
                    at: line.map(Locator::Line),
                    chunk: None,
                    message: format!("CSV cannot be read further: {e}"),
                });
                break;
            }
        }
        let record = lossy(&raw);
        let line = raw
            .position()
            .map_or(0, |p| csv.get_mut().line_at(p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() < cols.width {
            stats.bad += 1;
            sink.problem(Problem {
                at: Some(Locator::Line(line)),
                chunk: None,
                message: format!(
                    "row has {} cells where the header has {}; row skipped",
                    record.len(),
                    cols.width
                ),
            });
            continue;
        }
        stats.entries += 1;
        let cell = |i: usize| {
            record
                .get(i)
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
        };
        let run = Run {
            connector: cell(cols.connector),
            profile: cell(cols.profile),
            number: cols.number.and_then(cell),
            history_id: cols.history_id.and_then(cell),
            result: cell(cols.result),
            start: cell(cols.start),
            end: cols.end.and_then(cell),
            extra: Vec::new(),
        };
        let row = Row {
            start: date_cell(run.start.as_deref().unwrap_or_default()),
            end: date_cell(run.end.as_deref().unwrap_or_default()),
            run,
            line,
        };
        if matches!(row.start, DateCell::Unreadable) && !unreadable_reported {
            unreadable_reported = true;
            sink.problem(Problem {
                at: Some(Locator::Line(line)),
                chunk: None,
                message: format!(
                    "start date {:?} is in no form this reader knows; such runs are placed by the file's time",
                    row.run.start.as_deref().unwrap_or_default()
                ),
            });
        }
        for cell in [row.start, row.end] {
            if let DateCell::Culture(date) = cell {
                vote.observe(&date);
            }
        }
        let decided = vote.decided();
        if decided.is_none() && row.ambiguous() && held.len() < MAX_HELD {
            held.push(row);
            continue;
        }
        let order = match decided {
            Some(order) => order,
            None => vote.settle(),
        };
        for held_row in held.drain(..) {
            emit(held_row, order, ctx, selector, sink);
        }
        emit(row, order, ctx, selector, sink);
    }
    if !held.is_empty() {
        let order = vote.settle();
        for row in held.drain(..) {
            emit(row, order, ctx, selector, sink);
        }
    }
    Ok(stats)
}

fn emit(
    mut row: Row,
    (order, basis): (Order, OrderBasis),
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) {
    let slash_dates: Vec<CultureDateTime> = [row.start, row.end]
        .iter()
        .filter_map(|c| match c {
            DateCell::Culture(d) if d.resolve(Order::DayFirst) != d.resolve(Order::MonthFirst) => {
                Some(*d)
            }
            _ => None,
        })
        .collect();
    if !slash_dates.is_empty() {
        // A row whose own date proves the order says so as evidence, whatever the file assumed.
        let own = slash_dates.iter().find_map(CultureDateTime::evidence);
        let label = match own {
            Some(own) => order_label(own, OrderBasis::Evidence),
            None => order_label(order, basis),
        };
        row.run
            .extra
            .push((FIELD_DATE_ORDER.to_owned(), label.to_owned()));
    }
    let naive = |cell: DateCell| match cell {
        DateCell::Iso(t) => Some(t),
        DateCell::Culture(d) => d.resolve(order),
        DateCell::Unreadable | DateCell::Empty => None,
    };
    let time = naive(row.start)
        .or_else(|| naive(row.end))
        .map_or_else(|| ctx.fallback_time(), |t| EventTime::recorded(t.and_utc()));
    offer(
        row.run.into_record(time, Locator::Line(row.line)),
        selector,
        sink,
    );
}

fn csv_error(e: csv::Error) -> InputError {
    InputError::Malformed {
        format: FORMAT,
        reason: Malformed::MissingColumns {
            missing: REQUIRED.join(", "),
            found: format!("an unreadable header: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Level, TimeBasis};
    use crate::sink::VecSink;

    const CSV: &str = "\"RunNumber\",\"RunHistoryId\",\"ConnectorName\",\"RunProfileName\",\"Result\",\"StartDate\",\"EndDate\"\r\n\"12\",\"6c0e2f3a-0000-4000-8000-000000000012\",\"contoso.com\",\"Delta Import\",\"stopped-database-disk-full\",\"3/4/2024 10:00:05 AM\",\"3/4/2024 10:00:09 AM\"\r\n\"13\",\"6c0e2f3a-0000-4000-8000-000000000013\",\"contoso.onmicrosoft.com - AAD\",\"Export\",\"completed-export-errors\",\"3/14/2024 2:05:11 PM\",\"3/14/2024 2:06:40 PM\"\r\n";

    fn read(text: &str) -> (Result<ParseStats, InputError>, VecSink) {
        let mut sink = VecSink::default();
        let result = parse(
            text.as_bytes(),
            &ParseContext::default(),
            &Selector::all(),
            &mut sink,
        );
        (result, sink)
    }

    #[test]
    fn rows_become_runs_and_the_file_decides_the_date_order() {
        assert!(looks_like(CSV));
        let (result, sink) = read(CSV);
        assert_eq!(result.unwrap(), ParseStats { entries: 2, bad: 0 });
        let first = &sink.records[0];
        assert_eq!(first.provider, "ADSync run history");
        assert_eq!(first.level, Level::Error);
        assert_eq!(first.locator, Locator::Line(2));
        // Held until row 3 proved month-first (14 cannot be a month).
        assert_eq!(
            first.time.utc.unwrap().to_rfc3339(),
            "2024-03-04T10:00:05+00:00"
        );
        assert_eq!(first.time.basis, TimeBasis::Recorded);
        assert_eq!(
            first.fields,
            [
                ("Connector", "contoso.com"),
                ("RunProfile", "Delta Import"),
                ("RunNumber", "12"),
                ("RunHistoryId", "6c0e2f3a-0000-4000-8000-000000000012"),
                ("Result", "stopped-database-disk-full"),
                ("Start", "3/4/2024 10:00:05 AM"),
                ("End", "3/4/2024 10:00:09 AM"),
                ("DateOrder", "month-first"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let second = &sink.records[1];
        assert_eq!(second.level, Level::Warning);
        assert_eq!(
            second.time.utc.unwrap().to_rfc3339(),
            "2024-03-14T14:05:11+00:00"
        );
    }

    #[test]
    fn without_proof_month_first_is_assumed_and_said() {
        let one_row = CSV.lines().take(2).collect::<Vec<_>>().join("\r\n");
        let (_, sink) = read(&one_row);
        let record = &sink.records[0];
        assert_eq!(
            record.fields.last().unwrap(),
            &("DateOrder".to_owned(), "month-first (assumed)".to_owned())
        );
        assert_eq!(
            record.time.utc.unwrap().to_rfc3339(),
            "2024-03-04T10:00:05+00:00"
        );
    }

    #[test]
    fn a_missing_column_or_cell_is_reported() {
        let no_result = "\"RunNumber\",\"ConnectorName\",\"RunProfileName\",\"StartDate\"\r\n\"1\",\"a\",\"b\",\"2024-03-04 10:00:05\"\r\n";
        assert!(looks_like(no_result));
        let (result, _) = read(no_result);
        assert_eq!(
            result.unwrap_err().to_string(),
            "run-profile CSV: header lacks column Result (it has RunNumber, ConnectorName, RunProfileName, StartDate)"
        );
        let short_row = format!(
            "{}\"14\",\"x\",\"contoso.com\",\"Full Import\",\"success\"\r\n",
            CSV
        );
        let (result, sink) = read(&short_row);
        assert_eq!(result.unwrap(), ParseStats { entries: 2, bad: 1 });
        assert_eq!(sink.problems[0].at, Some(Locator::Line(4)));
        assert_eq!(
            sink.problems[0].message,
            "row has 5 cells where the header has 7; row skipped"
        );
    }
}
