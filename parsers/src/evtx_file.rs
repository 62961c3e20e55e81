//! EVTX files through the `evtx` crate: each record's System fields and EventData become a
//! [`Record`]; damaged chunks and records become [`Problem`]s and the file goes on.
//!
//! The file is read from a byte slice (a memory map or a decompressed member). Checksums are not
//! enforced, as Windows itself and `evtx_dump` do not: a log copied from a live system routinely has a
//! dirty last chunk, and refusing it would hide exactly the newest events.

use crate::error::{InputError, Problem};
use crate::evtx_scan;
use crate::record::{EventTime, Level, Locator, Record};
use crate::scm_messages;
use crate::selector::{Candidate, Decision, Selector};
use crate::sink::{ParseStats, Sink};
use ::evtx::{EvtxParser, ParserSettings};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde_json::Value;
use std::io::Cursor;
use std::sync::Arc;

/// The EVTX file signature.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";

/// Where chunk `n` starts: after the file header, in 64 KiB steps (as the evtx crate reads them).
const FILE_HEADER_SIZE: usize = 4096;
const CHUNK_SIZE: usize = 65536;

/// Provider names that Service Control Manager events carry.
const SCM: &str = "Service Control Manager";

/// Which way records are chosen for rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Read System fields from substitution values first ([`evtx_scan`]); render only records that
    /// may be kept, skip chunks that hold none.
    Fast,
    /// Render every record, then ask the selector. The reference the fast path is tested against.
    Full,
}

/// Reads every record of an EVTX file, pushing those the selector keeps.
///
/// # Errors
/// When the file header cannot be read at all; damage after it is reported as problems.
pub fn parse(
    bytes: &[u8],
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    parse_with(bytes, selector, sink, Path::Fast)
}

/// [`parse`], choosing the path.
///
/// # Errors
/// As [`parse`].
pub fn parse_with(
    bytes: &[u8],
    selector: &Selector,
    sink: &mut dyn Sink,
    path: Path,
) -> Result<ParseStats, InputError> {
    check_header(bytes, sink);
    let settings = ParserSettings::default()
        .validate_checksums(false)
        .separate_json_attributes(false)
        .indent(false);
    let mut parser = EvtxParser::from_read_seek(Cursor::new(bytes))
        .map_err(|e| InputError::Evtx {
            detail: e.to_string(),
        })?
        .with_configuration(settings.clone());
    let settings = Arc::new(settings);
    let mut stats = ParseStats::default();
    let prefilter = path == Path::Fast && !selector.keeps_all();
    // The scan is most of the fast path's work and chunks are independent: scan them all in
    // parallel first (on the caller's rayon pool); rendering below stays serial, in file order.
    let scans: Vec<Option<evtx_scan::ChunkScan>> = if prefilter {
        bytes
            .get(FILE_HEADER_SIZE..)
            .unwrap_or_default()
            .par_chunks_exact(CHUNK_SIZE)
            .map_init(evtx_scan::ScanMemo::default, |memo, chunk| {
                evtx_scan::scan_chunk_with(chunk, selector, memo)
            })
            .collect()
    } else {
        Vec::new()
    };
    for chunk in parser.chunks() {
        let mut chunk_data = match chunk {
            Ok(data) => data,
            Err(e) => {
                stats.bad += 1;
                sink.problem(Problem {
                    at: None,
                    chunk: None,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let chunk_number = chunk_data.number;
        let scanned = chunk_number
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| scans.get(n));
        let rescanned;
        let scan = match scanned {
            Some(scan) => scan.as_ref(),
            None if prefilter => {
                rescanned = evtx_scan::scan_chunk(&chunk_data.data, selector);
                rescanned.as_ref()
            }
            None => None,
        };
        if let Some(scan) = scan
            && scan.wanted.is_empty()
        {
            stats.entries += scan.records;
            continue;
        }
        let mut chunk = match chunk_data.parse(Arc::clone(&settings)) {
            Ok(chunk) => chunk,
            Err(e) => {
                stats.bad += 1;
                sink.problem(Problem {
                    at: None,
                    chunk: chunk_number,
                    message: format!("chunk cannot be parsed: {e}"),
                });
                continue;
            }
        };
        for record in chunk.iter() {
            let record = match record {
                Ok(record) => record,
                Err(e) => {
                    stats.bad += 1;
                    sink.problem(Problem {
                        at: None,
                        chunk: chunk_number,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let record_id = record.event_record_id;
            if let Some(scan) = scan
                && !scan.wanted.contains(&record_id)
            {
                stats.entries += 1;
                continue;
            }
            let time = to_chrono(record.timestamp);
            let json = match record.into_json_value() {
                Ok(serialized) => serialized.data,
                Err(e) => {
                    stats.bad += 1;
                    sink.problem(Problem {
                        at: Some(Locator::EvtxRecord(record_id)),
                        chunk: chunk_number,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            stats.entries += 1;
            if let Some(record) = build(&json, record_id, time, selector) {
                sink.record(record);
            }
        }
    }
    Ok(stats)
}

/// Header flags (offset 0x78): the log was not closed cleanly / checksums are not kept.
const FLAG_DIRTY: u32 = 0x1;
const FLAG_NO_CRC32: u32 = 0x4;

/// Reports what the file header says about damage; the evtx crate reads on regardless (as Windows
/// does), so these are problems, not failures.
fn check_header(bytes: &[u8], sink: &mut dyn Sink) {
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let (Some(flags), Some(stored_crc), Some(covered)) =
        (word(0x78), word(0x7C), bytes.get(..0x78))
    else {
        return;
    };
    let mut problem = |message: &str| {
        sink.problem(Problem {
            at: None,
            chunk: None,
            message: message.to_owned(),
        });
    };
    if flags & FLAG_NO_CRC32 == 0 && crc32fast::hash(covered) != stored_crc {
        problem("file header checksum does not match: the header is damaged; chunks read anyway");
    }
    if flags & FLAG_DIRTY != 0 {
        problem(
            "file header is flagged dirty (the log was copied while open): the newest records may \
             be missing or incomplete",
        );
    }
}

/// The one conversion from the evtx crate's time type to chrono.
fn to_chrono(ts: ::evtx::Timestamp) -> Option<DateTime<Utc>> {
    let nanos = ts.as_nanosecond();
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    let sub = u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?;
    DateTime::from_timestamp(secs, sub)
}

/// A JSON value as text: strings as they are, numbers and booleans printed, `null` as empty.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// `{"#text": x}` or `x`.
fn text_of(value: &Value) -> Option<&Value> {
    match value {
        Value::Object(map) => map.get("#text"),
        other => Some(other),
    }
}

fn build(
    json: &Value,
    record_id: u64,
    time: Option<DateTime<Utc>>,
    selector: &Selector,
) -> Option<Record> {
    let event = json.get("Event")?;
    let system = event.get("System")?;
    let provider_attrs = system.get("Provider").and_then(|p| p.get("#attributes"));
    let provider = provider_attrs
        .and_then(|a| a.get("Name").or_else(|| a.get("EventSourceName")))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let event_id = system
        .get("EventID")
        .and_then(text_of)
        .and_then(Value::as_u64)
        .and_then(|id| u32::try_from(id).ok());
    let level = system
        .get("Level")
        .and_then(Value::as_u64)
        .and_then(|l| u8::try_from(l).ok())
        .map_or(Level::Information, Level::from_evtx);
    let channel = system.get("Channel").and_then(Value::as_str);
    let candidate = Candidate {
        provider,
        channel,
        event_id,
        level,
    };
    let decision = selector.decide(&candidate);
    if decision == Decision::Drop {
        return None;
    }
    let fields = event_fields(event);
    let message = message(provider, event_id, &fields);
    if decision == Decision::NeedText
        && !selector.text_matches_for(provider, message.as_bytes())
        && !selector.text_matches(provider.as_bytes())
    {
        return None;
    }
    Some(Record {
        time: time.map_or_else(EventTime::unknown, EventTime::recorded),
        provider: provider.to_owned(),
        event_id,
        level,
        channel: channel.map(str::to_owned),
        computer: system
            .get("Computer")
            .and_then(Value::as_str)
            .map(str::to_owned),
        message,
        fields,
        locator: Locator::EvtxRecord(record_id),
    })
}

/// EventData (or UserData) as ordered (name, value) pairs. Unnamed `<Data>` elements are all named
/// `Data`; `Binary` is kept only where it is decoded (see [`message`]).
fn event_fields(event: &Value) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    if let Some(Value::Object(data)) = event.get("EventData") {
        for (name, value) in data {
            if name == "#attributes" {
                continue;
            }
            if name == "Data" {
                match text_of(value) {
                    Some(Value::Array(items)) => {
                        for item in items {
                            fields.push(("Data".to_owned(), scalar_text(item).unwrap_or_default()));
                        }
                    }
                    Some(item) => {
                        fields.push(("Data".to_owned(), scalar_text(item).unwrap_or_default()));
                    }
                    None => {}
                }
                continue;
            }
            match text_of(value) {
                Some(Value::Array(items)) => {
                    for item in items {
                        fields.push((name.clone(), scalar_text(item).unwrap_or_default()));
                    }
                }
                Some(item) => {
                    if let Some(text) = scalar_text(item) {
                        fields.push((name.clone(), text));
                    }
                }
                None => {}
            }
        }
    }
    if let Some(user_data) = event.get("UserData") {
        flatten(user_data, "", &mut fields);
    }
    fields
}

/// Leaf values of a nested UserData object as `Outer.Inner` names.
fn flatten(value: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "#attributes" {
                    continue;
                }
                let name = if prefix.is_empty() {
                    key.clone()
                } else if key == "#text" {
                    prefix.to_owned()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(inner, &name, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                flatten(item, prefix, out);
            }
        }
        other => {
            if let Some(text) = scalar_text(other) {
                out.push((prefix.to_owned(), text));
            }
        }
    }
}

/// The record's text: a rebuilt sentence for known SCM events, otherwise the insertion strings
/// (classic sources such as Directory Synchronization put the whole message in one string).
pub(crate) fn message(
    provider: &str,
    event_id: Option<u32>,
    fields: &[(String, String)],
) -> String {
    let values: Vec<&str> = fields
        .iter()
        .filter(|(name, _)| name != "Binary")
        .map(|(_, value)| value.as_str())
        .collect();
    if provider.eq_ignore_ascii_case(SCM)
        && let Some(id) = event_id
        && let Some(mut text) = scm_messages::render(id, &values)
    {
        if let Some(service) = fields
            .iter()
            .find(|(name, _)| name == "Binary")
            .and_then(|(_, hex)| decode_utf16_hex(hex))
        {
            text.push_str(" (service name: ");
            text.push_str(&service);
            text.push(')');
        }
        return text;
    }
    let named = fields
        .iter()
        .any(|(name, _)| name != "Data" && name != "Binary");
    if named {
        fields
            .iter()
            .filter(|(name, _)| name != "Binary")
            .map(|(name, value)| format!("{name}: {value}"))
            .collect::<Vec<_>>()
            .join(" | ")
    } else {
        let present: Vec<&str> = values
            .into_iter()
            .filter(|v| !v.trim().is_empty())
            .collect();
        present.join(" | ")
    }
}

/// SCM events put the service's key name in `Binary` as hex-encoded UTF-16LE.
fn decode_utf16_hex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(4) || hex.is_empty() || hex.len() > 512 {
        return None;
    }
    let units: Option<Vec<u16>> = hex
        .as_bytes()
        .chunks_exact(4)
        .map(|quad| {
            let text = std::str::from_utf8(quad).ok()?;
            let lo = u8::from_str_radix(&text[..2], 16).ok()?;
            let hi = u8::from_str_radix(&text[2..], 16).ok()?;
            Some(u16::from_le_bytes([lo, hi]))
        })
        .collect();
    let units = units?;
    let text: String = char::decode_utf16(units.into_iter().take_while(|&u| u != 0))
        .collect::<Result<_, _>>()
        .ok()?;
    let printable = !text.is_empty() && text.chars().all(|c| !c.is_control());
    printable.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_scm_service_names() {
        assert_eq!(
            decode_utf16_hex("43006C00640046006C0074000000").as_deref(),
            Some("CldFlt")
        );
        assert_eq!(decode_utf16_hex("0100"), None);
        assert_eq!(decode_utf16_hex("zz00"), None);
    }

    #[test]
    fn builds_messages_from_event_data() {
        let json: Value = serde_json::from_str(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Service Control Manager"}},"EventID":{"#attributes":{"Qualifiers":49152},"#text":7000},"Level":2,"Channel":"System","Computer":"SYNC01"},"EventData":{"param1":"Microsoft Azure AD Sync","param2":"%%1069","Binary":"410044005300790006E0063000000"}}}"##,
        )
        .unwrap();
        let record = build(&json, 7, None, &Selector::all()).unwrap();
        assert_eq!(record.event_id, Some(7000));
        assert_eq!(record.level, Level::Error);
        assert_eq!(record.channel.as_deref(), Some("System"));
        assert_eq!(
            record.message,
            "The Microsoft Azure AD Sync service failed to start due to the following error: The service did not start due to a logon failure."
        );
        let json: Value = serde_json::from_str(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Directory Synchronization"}},"EventID":611,"Level":4},"EventData":{"Data":{"#text":"Password synchronization failed for domain: contoso.com."}}}}"##,
        )
        .unwrap();
        let record = build(&json, 8, None, &Selector::all()).unwrap();
        assert_eq!(
            record.message,
            "Password synchronization failed for domain: contoso.com."
        );
        assert_eq!(record.fields.len(), 1);
    }
}
