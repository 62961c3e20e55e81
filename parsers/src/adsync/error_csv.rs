//! Object errors exported as CSV: the `analyzed_error_export_<connector>.csv` /
//! `analyzed_error_import_<connector>.csv` that support collectors make from `csexport.exe`
//! output, and hand-made exports of the Synchronization Service Manager's error list.
//!
//! The exact columns `CSExportAnalyzer` writes were not found in public material, so columns are
//! found by name: a DN column (`DN`, `Distinguished Name`, `cs-dn`, `Object DN`) and at least one
//! of error type, error code and error literal; connector, object type, object id and the three
//! time/retry columns are used when present. Each row is one [`ObjectError`] record. Which kind of
//! error (export or import) comes from an `Operation`/`Error Kind` column when there is one, else
//! export.

use crate::adsync::columns::{find, header_of, lossy};
use crate::adsync::csv_lines::LineTracker;
use crate::adsync::records::{ErrorKind, ObjectError, offer};
use crate::error::{InputError, Malformed, Problem};
use crate::record::{EventTime, Locator};
use crate::selector::Selector;
use crate::sink::{ParseContext, ParseStats, Sink};
use crate::timefmt::{SourceZone, parse_iso_prefix};
use std::io::Read;

/// Name of the format in reasons.
pub const FORMAT: &str = "error export CSV";

const DN: &[&str] = &["dn", "distinguishedname", "csdn", "objectdn"];
const ERROR_TYPE: &[&str] = &["errortype", "errorname"];
const ERROR_CODE: &[&str] = &["errorcode"];
const ERROR_LITERAL: &[&str] = &["errorliteral", "errormessage"];
const CONNECTOR: &[&str] = &["connector", "connectorname", "maname"];
const OBJECT_TYPE: &[&str] = &["objecttype", "objectclass"];
const OBJECT_ID: &[&str] = &["csobjectid", "csobjectidentifier", "csguid"];
const OCCURRED: &[&str] = &["timeoccurredutc", "timeoccurred", "dateoccurred"];
const FIRST_OCCURRED: &[&str] = &["firstoccurred"];
const RETRY_COUNT: &[&str] = &["retrycount"];
const SERVER_DETAIL: &[&str] = &["servererrordetail"];
const KIND: &[&str] = &["errorkind", "operation"];

/// True when a decoded head starts with a header that has a DN column and an error column.
pub fn looks_like(head: &str) -> bool {
    header_of(head).is_some_and(|header| has_needed(&header))
}

fn has_needed(normalised: &[String]) -> bool {
    let any = |aliases: &[&str]| normalised.iter().any(|h| aliases.contains(&h.as_str()));
    any(DN) && (any(ERROR_TYPE) || any(ERROR_CODE) || any(ERROR_LITERAL))
}

/// Reads an error CSV, one error record per row.
///
/// # Errors
/// [`InputError::Malformed`] when the header lacks the DN column or every error column.
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
    let header: Vec<String> = loop {
        match csv
            .read_byte_record(&mut raw)
            .map(|more| more.then(|| lossy(&raw)))
        {
            Ok(Some(record)) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(Some(record)) => break record,
            Err(_) | Ok(None) => break Vec::new(),
        }
    };
    let normalised: Vec<String> = header
        .iter()
        .map(|h| crate::adsync::columns::normalize(h))
        .collect();
    if !has_needed(&normalised) {
        return Err(InputError::Malformed {
            format: FORMAT,
            reason: Malformed::MissingColumns {
                missing: "DN and one of ErrorType, ErrorCode, ErrorLiteral".to_owned(),
                found: header.join(", "),
            },
        });
    }
    let col = |aliases: &[&str]| find(&header, aliases);
    let (dn, kind) = (col(DN), col(KIND));
    let columns = [
        col(CONNECTOR),
        col(OBJECT_TYPE),
        col(OBJECT_ID),
        col(ERROR_TYPE),
        col(ERROR_CODE),
        col(ERROR_LITERAL),
        col(SERVER_DETAIL),
        col(OCCURRED),
        col(FIRST_OCCURRED),
        col(RETRY_COUNT),
    ];
    let mut stats = ParseStats::default();
    loop {
        match csv.read_byte_record(&mut raw) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                stats.bad += 1;
                sink.problem(Problem {
                    at: e
                        .position()
                        .map(|p| Locator::Line(csv.get_mut().line_at(p.byte()))),
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
        if record.len() < header.len() {
            stats.bad += 1;
            sink.problem(Problem {
                at: Some(Locator::Line(line)),
                chunk: None,
                message: format!(
                    "row has {} cells where the header has {}; row skipped",
                    record.len(),
                    header.len()
                ),
            });
            continue;
        }
        stats.entries += 1;
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                // Quoted cells keep the file's CRLF; records use plain line breaks.
                .map(|c| c.replace("\r\n", "\n"))
        };
        let [
            connector,
            object_type,
            id,
            error_type,
            code,
            literal,
            detail,
            occurred,
            first,
            retry,
        ] = columns.map(cell);
        let error_kind = match cell(kind).map(|k| k.to_ascii_lowercase()) {
            Some(k) if k.contains("import") => ErrorKind::Import,
            Some(k) if k.contains("sync") => ErrorKind::Sync,
            _ => ErrorKind::Export,
        };
        let error = ObjectError {
            connector,
            dn: cell(dn),
            cs_object_id: id,
            object_type,
            error_type,
            code,
            literal,
            server_detail: detail,
            occurred,
            first_occurred: first,
            retry_count: retry,
            ..ObjectError::default()
        };
        let time = error
            .occurred
            .as_deref()
            .and_then(|t| parse_iso_prefix(t.trim()))
            .and_then(|(t, _)| t.to_utc(SourceZone::Utc))
            .map_or_else(|| ctx.fallback_time(), |(utc, _)| EventTime::recorded(utc));
        offer(
            error.into_record(error_kind, time, Locator::Line(line)),
            selector,
            sink,
        );
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::VecSink;

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
    fn rows_become_errors_with_multi_line_literals() {
        let text = "\"DN\",\"ObjectType\",\"ErrorType\",\"ErrorCode\",\"ErrorLiteral\",\"DateOccurred\"\r\n\"CN={4A4B}\",\"user\",\"AttributeValueMustBeUnique\",\"0x80230703\",\"Unable to update this object.\r\nDuplicate: [ProxyAddresses SMTP:a@contoso.com;]\",\"2024-03-14 09:30:00.000\"\r\n";
        assert!(looks_like(text));
        let (result, sink) = read(text);
        assert_eq!(result.unwrap(), ParseStats { entries: 1, bad: 0 });
        let record = &sink.records[0];
        assert_eq!(record.provider, "ADSync export error");
        assert_eq!(
            record.fields,
            [
                ("DN", "CN={4A4B}"),
                ("ObjectType", "user"),
                ("ErrorType", "AttributeValueMustBeUnique"),
                ("ErrorCode", "0x80230703"),
                (
                    "ErrorLiteral",
                    "Unable to update this object.\nDuplicate: [ProxyAddresses SMTP:a@contoso.com;]"
                ),
                ("TimeOccurred", "2024-03-14 09:30:00.000"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(
            record.time.utc.unwrap().to_rfc3339(),
            "2024-03-14T09:30:00+00:00"
        );
    }

    #[test]
    fn ansi_bytes_do_not_stop_the_file() {
        let mut bytes = b"DN,ErrorType\r\nCN=M".to_vec();
        bytes.push(0xFC); // 'ü' in Windows-1252
        bytes.extend_from_slice(b"ller,InvalidSoftMatch\r\n");
        let mut sink = VecSink::default();
        let stats = parse(
            &bytes[..],
            &ParseContext::default(),
            &Selector::all(),
            &mut sink,
        )
        .unwrap();
        assert_eq!(stats, ParseStats { entries: 1, bad: 0 });
        assert_eq!(sink.records[0].fields[0].1, "CN=M\u{FFFD}ller");
    }

    #[test]
    fn a_header_without_error_columns_is_not_this_format() {
        assert!(!looks_like("\"DN\",\"OMODT\",\"Attribute\"\r\n"));
        let (result, _) = read("\"DN\",\"OMODT\"\r\n\"CN=x\",\"add\"\r\n");
        assert_eq!(
            result.unwrap_err().to_string(),
            "error export CSV: header lacks column DN and one of ErrorType, ErrorCode, ErrorLiteral (it has DN, OMODT)"
        );
    }
}
