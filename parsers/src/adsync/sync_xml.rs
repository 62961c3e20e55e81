//! The sync engine's XML documents: run history (`<run-history>` of `<run-details>`, the FIM/ADSync
//! schema), run-step errors (`<synchronization-errors>`, as `Get-ADSyncRunStepResult` gives them)
//! and connector-space exports written by `csexport.exe` (`<cs-objects>`, e.g. the
//! `error_export_<connector>.xml` of support collectors).
//!
//! Each run becomes a [`Run`] record and each `<export-error>`, `<import-error>`,
//! `<synchronization-error>` or `<export-errordetail>`/`<import-errordetail>` an [`ObjectError`]
//! record. The documents are streamed: memory follows one run or one object, not the file. Values
//! are read from child elements or from attributes of the same name, so both spellings the engine
//! family uses are accepted. Dates (`yyyy-MM-dd HH:mm:ss.fff`) are UTC. A document cut short keeps
//! every entry completed before the cut and reports the cut as a problem.

use crate::adsync::records::{ErrorKind, FIELD_ERRORS, ObjectError, Run, offer};
use crate::error::{InputError, Malformed, Problem};
use crate::record::{EventTime, Locator};
use crate::selector::Selector;
use crate::sink::{ParseContext, ParseStats, Sink};
use crate::timefmt::parse_iso_prefix;
use quick_xml::events::Event;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

/// Name of the format in reasons.
pub const FORMAT: &str = "sync engine XML";

/// Longest text kept from one element.
const MAX_TEXT: usize = 1 << 20;
/// Deepest nesting followed.
const MAX_DEPTH: usize = 256;
/// Errors held for one connector-space object, and leaf values held for one error.
const MAX_HELD: usize = 256;

/// The document roots this reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `<run-history>`.
    RunHistory,
    /// `<synchronization-errors>`.
    SyncErrors,
    /// `<cs-objects>`.
    CsObjects,
}

impl Root {
    fn from_name(name: &str) -> Option<Root> {
        match name {
            "run-history" => Some(Root::RunHistory),
            "synchronization-errors" => Some(Root::SyncErrors),
            "cs-objects" => Some(Root::CsObjects),
            _ => None,
        }
    }
}

/// The root element of a document from its decoded head, skipping the declaration, comments and
/// processing instructions; `None` when the head does not start like XML.
pub fn root_of(head: &str) -> Option<Root> {
    let mut rest = head.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else {
            break;
        }
    }
    let name: String = rest
        .strip_prefix('<')?
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '/'))
        .collect();
    Root::from_name(name.rsplit(':').next().unwrap_or(&name))
}

/// Counts the lines its reader has handed out, so records can point at their line.
struct CountLines<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> Read for CountLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountLines<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        // The buffer is already filled, so this hands back the same bytes without reading.
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            self.newlines += memchr::memchr_iter(b'\n', &buf[..amt]).count() as u64;
        }
        self.inner.consume(amt);
    }
}

/// A run being read.
#[derive(Default)]
struct RunState {
    line: u64,
    run: Run,
    connector_id: Option<String>,
    step: Option<String>,
    steps: u32,
    step_results: Vec<String>,
    errors: u64,
    counters: BTreeMap<String, u64>,
}

/// An object error being read.
struct ErrorState {
    kind: ErrorKind,
    line: u64,
    /// Attributes and leaf values by name, first one wins.
    values: Vec<(String, String)>,
}

impl ErrorState {
    fn set(&mut self, name: &str, value: &str) {
        if self.values.len() < MAX_HELD && !self.values.iter().any(|(n, _)| n == name) {
            self.values.push((name.to_owned(), value.to_owned()));
        }
    }

    fn get(&self, name: &str) -> Option<String> {
        self.values
            .iter()
            .find(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
    }
}

/// A connector-space object being read.
#[derive(Default)]
struct ObjectState {
    dn: Option<String>,
    id: Option<String>,
    object_type: Option<String>,
    connector: Option<String>,
    errors: Vec<(ErrorState, u64)>,
}

struct Reading<'a> {
    ctx: &'a ParseContext,
    selector: &'a Selector,
    sink: &'a mut dyn Sink,
    stats: ParseStats,
    default_connector: Option<String>,
    run: Option<RunState>,
    error: Option<ErrorState>,
    object: Option<ObjectState>,
}

fn error_kind(name: &str) -> Option<ErrorKind> {
    match name {
        "export-error" | "export-errordetail" => Some(ErrorKind::Export),
        "import-error" | "import-errordetail" => Some(ErrorKind::Import),
        "synchronization-error" => Some(ErrorKind::Sync),
        _ => None,
    }
}

/// A UTC time written `yyyy-MM-dd HH:mm:ss.fff`.
fn utc(text: Option<&str>) -> Option<EventTime> {
    let (time, _) = parse_iso_prefix(text?.trim())?;
    let (utc, _) = time.to_utc(crate::timefmt::SourceZone::Utc)?;
    Some(EventTime::recorded(utc))
}

impl Reading<'_> {
    fn start(&mut self, name: &str, attributes: &[(String, String)], line: u64, parent: &str) {
        if self.error.is_none()
            && let Some(kind) = error_kind(name)
            && (parent == "synchronization-errors" || parent == "cs-object")
        {
            let mut error = ErrorState {
                kind,
                line,
                values: Vec::new(),
            };
            for (key, value) in attributes {
                error.set(key, value);
            }
            self.error = Some(error);
            return;
        }
        if let Some(error) = &mut self.error {
            for (key, value) in attributes {
                error.set(key, value);
            }
            return;
        }
        let attribute = |key: &str| {
            attributes
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        match name {
            "run-details" => {
                self.run = Some(RunState {
                    line,
                    run: Run {
                        connector: self.default_connector.clone(),
                        ..Run::default()
                    },
                    ..RunState::default()
                });
            }
            "step-details" => {
                if let Some(run) = &mut self.run {
                    run.steps += 1;
                    run.step = attribute("step-number");
                }
            }
            "cs-object" => {
                self.object = Some(ObjectState {
                    dn: attribute("cs-dn"),
                    id: attribute("id"),
                    object_type: attribute("object-type"),
                    connector: self.default_connector.clone(),
                    errors: Vec::new(),
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str, text: &str, parent: &str) {
        if let Some(error) = &mut self.error {
            if error_kind(name).is_some()
                && (parent == "synchronization-errors" || parent == "cs-object")
            {
                if let Some(error) = self.error.take() {
                    self.finish_error(error);
                }
            } else if !text.is_empty() {
                error.set(name, text);
            }
            return;
        }
        if let Some(run) = &mut self.run {
            let value = || Some(text.to_owned()).filter(|t| !t.is_empty());
            match (name, parent) {
                ("run-details", _) => {
                    if let Some(run) = self.run.take() {
                        self.finish_run(run);
                    }
                }
                ("ma-name", "run-details") => {
                    run.run.connector = value().or(run.run.connector.take())
                }
                ("ma-id", "run-details") => run.connector_id = value(),
                ("run-number", "run-details") => run.run.number = value(),
                ("run-profile-name", "run-details") => run.run.profile = value(),
                ("start-date", "step-details") if run.run.start.is_none() => {
                    run.run.start = value();
                }
                ("end-date", "step-details") => run.run.end = value().or(run.run.end.take()),
                ("step-result", "step-details")
                    if !text.is_empty() && run.step_results.len() < MAX_HELD =>
                {
                    run.step_results.push(text.to_owned());
                }
                (_, p) if p.ends_with("-counters") => {
                    if let Ok(n) = text.parse::<u64>()
                        && n > 0
                        && (run.counters.len() < MAX_HELD || run.counters.contains_key(name))
                    {
                        *run.counters.entry(name.to_owned()).or_insert(0) += n;
                    }
                }
                _ => {}
            }
            return;
        }
        if let Some(object) = &mut self.object {
            match (name, parent) {
                ("cs-object", _) => {
                    if let Some(object) = self.object.take() {
                        self.finish_object(object);
                    }
                }
                ("ma-name", "cs-object") if !text.is_empty() => {
                    object.connector = Some(text.to_owned());
                }
                _ => {}
            }
        }
    }

    fn finish_run(&mut self, state: RunState) {
        self.stats.entries += 1;
        let mut run = state.run;
        run.result = state
            .step_results
            .iter()
            .find(|r| !r.eq_ignore_ascii_case("success"))
            .or(state.step_results.last())
            .cloned();
        if let Some(id) = state.connector_id {
            run.extra.push(("ConnectorId".to_owned(), id));
        }
        run.extra
            .push(("Steps".to_owned(), state.steps.to_string()));
        run.extra
            .push((FIELD_ERRORS.to_owned(), state.errors.to_string()));
        run.extra.extend(
            state
                .counters
                .into_iter()
                .map(|(name, n)| (name, n.to_string())),
        );
        let time = utc(run.start.as_deref())
            .or_else(|| utc(run.end.as_deref()))
            .unwrap_or_else(|| self.ctx.fallback_time());
        offer(
            run.into_record(time, Locator::Line(state.line)),
            self.selector,
            self.sink,
        );
    }

    fn finish_error(&mut self, error: ErrorState) {
        if let Some(object) = &mut self.object {
            if object.errors.len() < MAX_HELD {
                let line = error.line;
                object.errors.push((error, line));
            } else {
                self.stats.bad += 1;
            }
            return;
        }
        let mut out = base_error(&error);
        if let Some(run) = &mut self.run {
            run.errors += 1;
            out.connector.clone_from(&run.run.connector);
            out.profile.clone_from(&run.run.profile);
            out.run_number.clone_from(&run.run.number);
            out.step.clone_from(&run.step);
        } else {
            out.connector.clone_from(&self.default_connector);
        }
        self.emit_error(out, error.kind, error.line);
    }

    fn finish_object(&mut self, object: ObjectState) {
        for (error, line) in object.errors {
            let mut out = base_error(&error);
            out.connector.clone_from(&object.connector);
            out.dn = out.dn.or_else(|| object.dn.clone());
            out.cs_object_id = out.cs_object_id.or_else(|| object.id.clone());
            out.object_type.clone_from(&object.object_type);
            self.emit_error(out, error.kind, line);
        }
    }

    fn emit_error(&mut self, error: ObjectError, kind: ErrorKind, line: u64) {
        self.stats.entries += 1;
        let time = utc(error.occurred.as_deref()).unwrap_or_else(|| self.ctx.fallback_time());
        offer(
            error.into_record(kind, time, Locator::Line(line)),
            self.selector,
            self.sink,
        );
    }
}

/// The common part of an error from its values: `error-name` is the specific type when present,
/// with the engine's `error-type` kept as the category.
fn base_error(error: &ErrorState) -> ObjectError {
    let name = error.get("error-name");
    let engine_type = error.get("error-type");
    let (error_type, category) = match (name, engine_type) {
        (Some(name), Some(t)) if name != t => (Some(name), Some(t)),
        (Some(name), _) => (Some(name), None),
        (None, t) => (t, None),
    };
    ObjectError {
        dn: error.get("dn"),
        cs_object_id: error.get("cs-guid"),
        error_type,
        category,
        code: error.get("error-code"),
        literal: error.get("error-literal"),
        server_detail: error.get("server-error-detail"),
        occurred: error.get("date-occurred"),
        first_occurred: error.get("first-occurred"),
        retry_count: error.get("retry-count"),
        ..ObjectError::default()
    }
}

/// Reads a run-history, synchronization-errors or connector-space export document.
///
/// # Errors
/// [`InputError::Malformed`] when the document is not XML or its root is unknown; damage after
/// the root is reported as a problem and what was read before it is kept.
pub fn parse<R: BufRead>(
    reader: R,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    read_document(reader, 0, None, ctx, selector, sink)
}

/// Reads a `<synchronization-errors>` document found inside another file, starting at line
/// `first_line` of it; errors it lists belong to `connector` when the document does not say.
/// Problems are reported, never returned.
pub fn parse_embedded(
    doc: &str,
    first_line: u64,
    connector: Option<String>,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> ParseStats {
    match read_document(
        doc.as_bytes(),
        first_line.saturating_sub(1),
        connector,
        ctx,
        selector,
        sink,
    ) {
        Ok(stats) => stats,
        Err(e) => {
            sink.problem(Problem {
                at: Some(Locator::Line(first_line)),
                chunk: None,
                message: format!("embedded XML not read: {e}"),
            });
            ParseStats { entries: 0, bad: 1 }
        }
    }
}

fn read_document<R: BufRead>(
    reader: R,
    line_offset: u64,
    connector: Option<String>,
    ctx: &ParseContext,
    selector: &Selector,
    sink: &mut dyn Sink,
) -> Result<ParseStats, InputError> {
    let mut xml = quick_xml::Reader::from_reader(CountLines {
        inner: reader,
        newlines: 0,
    });
    let mut reading = Reading {
        ctx,
        selector,
        sink,
        stats: ParseStats::default(),
        default_connector: connector,
        run: None,
        error: None,
        object: None,
    };
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut root: Option<Root> = None;
    loop {
        let line = line_offset + xml.get_ref().newlines + 1;
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                let at = xml.error_position();
                if root.is_none() {
                    return Err(malformed(Malformed::Xml {
                        at,
                        detail: e.to_string(),
                    }));
                }
                reading.stats.bad += 1;
                reading.sink.problem(Problem {
                    at: Some(Locator::Line(line_offset + xml.get_ref().newlines + 1)),
                    chunk: None,
                    message: format!(
                        "XML is not well-formed at byte {at}: {e}; {} entries were read before it, the rest was not",
                        reading.stats.entries
                    ),
                });
                return Ok(reading.stats);
            }
        };
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().into_inner().to_owned();
                if root.is_none() {
                    root =
                        Some(Root::from_name(&name).ok_or_else(|| {
                            malformed(Malformed::UnknownRoot { root: name.clone() })
                        })?);
                }
                if stack.len() >= MAX_DEPTH {
                    reading.stats.bad += 1;
                    reading.sink.problem(Problem {
                        at: Some(Locator::Line(line)),
                        chunk: None,
                        message: format!(
                            "XML nested deeper than {MAX_DEPTH} elements; the rest was not read"
                        ),
                    });
                    return Ok(reading.stats);
                }
                // Only these elements' attributes are read; holograms' are skipped unallocated.
                let wanted = reading.error.is_some()
                    || error_kind(&name).is_some()
                    || matches!(name.as_str(), "step-details" | "cs-object");
                let attributes: Vec<(String, String)> = e
                    .attributes()
                    .filter(|_| wanted)
                    .flatten()
                    .map(|a| {
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map(|v| v.into_owned())
                            .unwrap_or_else(|_| a.value.clone().into_owned());
                        (a.key.local_name().into_inner().to_owned(), value)
                    })
                    .collect();
                let parent = stack.last().map_or("", String::as_str);
                reading.start(&name, &attributes, line, parent);
                text.clear();
                if empty {
                    reading.end(&name, "", parent);
                } else {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let parent = stack.last().map_or("", String::as_str);
                reading.end(&name, text.trim(), parent);
                text.clear();
            }
            Event::Text(t) => push_text(&mut text, &t.xml10_content()),
            Event::CData(c) => push_text(&mut text, &c),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(ch)) => push_text(&mut text, ch.encode_utf8(&mut [0; 4])),
                _ => match quick_xml::escape::resolve_xml_entity(&r) {
                    Some(s) => push_text(&mut text, s),
                    None => push_text(&mut text, &format!("&{};", &*r)),
                },
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if root.is_none() {
        return Err(malformed(Malformed::Xml {
            at: xml.buffer_position(),
            detail: "no root element".to_owned(),
        }));
    }
    if !stack.is_empty() {
        let dropped = if reading.error.is_some() {
            "; the error being read was dropped"
        } else if reading.run.is_some() {
            "; the run being read was dropped"
        } else if reading.object.is_some() {
            "; the object being read was dropped"
        } else {
            ""
        };
        reading.stats.bad += 1;
        reading.sink.problem(Problem {
            at: Some(Locator::Line(line_offset + xml.get_ref().newlines + 1)),
            chunk: None,
            message: format!(
                "XML ends inside <{}> (truncated?): {} entries were read before the cut{dropped}",
                stack.join("/"),
                reading.stats.entries,
            ),
        });
    }
    Ok(reading.stats)
}

fn push_text(text: &mut String, more: &str) {
    if text.len() + more.len() <= MAX_TEXT {
        text.push_str(more);
    }
}

fn malformed(reason: Malformed) -> InputError {
    InputError::Malformed {
        format: FORMAT,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Level, TimeBasis};
    use crate::sink::VecSink;

    const RUN_HISTORY: &str = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<run-history>\r\n <run-details>\r\n  <ma-id>{FB0D00E1-4E0B-44DA-AF5F-62D4D99B2FBC}</ma-id>\r\n  <ma-name>contoso.onmicrosoft.com - AAD</ma-name>\r\n  <run-number>2590</run-number>\r\n  <run-profile-name>Export</run-profile-name>\r\n  <step-details step-number=\"1\" step-id=\"{E0446E50-FF59-4691-9EC0-F9BD3D564F4A}\">\r\n   <start-date>2017-01-04 23:05:05.367</start-date>\r\n   <end-date>2017-01-04 23:06:06.677</end-date>\r\n   <step-result>completed-export-errors</step-result>\r\n   <synchronization-errors><export-error cs-guid=\"{AB}\" dn=\"CN={7834}\">\r\n     <date-occurred>2017-01-04 23:06:02.006</date-occurred>\r\n     <first-occurred>2016-09-26 12:02:16.987</first-occurred>\r\n     <retry-count>77</retry-count>\r\n     <error-type>AttributeValueMustBeUnique</error-type>\r\n     <cd-error>\r\n      <error-code>0x80230703</error-code><error-literal>Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [ProxyAddresses SMTP:a@contoso.com;].\r\nCorrect or remove the duplicate values in your local directory.</error-literal>\r\n     </cd-error>\r\n   </export-error></synchronization-errors>\r\n   <export-counters> <export-add detail=\"true\">3</export-add> <export-update>0</export-update> <export-failure detail=\"true\">1</export-failure> </export-counters>\r\n  </step-details>\r\n </run-details>\r\n</run-history>\r\n";

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

    fn field<'a>(record: &'a crate::Record, name: &str) -> Option<&'a str> {
        record
            .fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn runs_and_their_errors() {
        assert_eq!(root_of(RUN_HISTORY), Some(Root::RunHistory));
        let (result, sink) = read(RUN_HISTORY);
        assert_eq!(result.unwrap(), ParseStats { entries: 2, bad: 0 });
        assert!(sink.problems.is_empty(), "{:?}", sink.problems);
        let error = &sink.records[0];
        assert_eq!(error.provider, "ADSync export error");
        assert_eq!(error.level, Level::Error);
        assert_eq!(error.locator, Locator::Line(12));
        assert_eq!(
            error.time.utc.unwrap().to_rfc3339(),
            "2017-01-04T23:06:02.006+00:00"
        );
        assert_eq!(error.time.basis, TimeBasis::Recorded);
        assert_eq!(
            error.fields,
            [
                ("Connector", "contoso.onmicrosoft.com - AAD"),
                ("RunProfile", "Export"),
                ("RunNumber", "2590"),
                ("Step", "1"),
                ("DN", "CN={7834}"),
                ("CsObjectId", "{AB}"),
                ("ErrorType", "AttributeValueMustBeUnique"),
                ("ErrorCode", "0x80230703"),
                (
                    "ErrorLiteral",
                    "Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [ProxyAddresses SMTP:a@contoso.com;].\nCorrect or remove the duplicate values in your local directory."
                ),
                ("TimeOccurred", "2017-01-04 23:06:02.006"),
                ("FirstOccurred", "2016-09-26 12:02:16.987"),
                ("RetryCount", "77"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let run = &sink.records[1];
        assert_eq!(run.provider, "ADSync run history");
        assert_eq!(run.level, Level::Warning);
        assert_eq!(run.locator, Locator::Line(3));
        assert_eq!(
            run.time.utc.unwrap().to_rfc3339(),
            "2017-01-04T23:05:05.367+00:00"
        );
        assert_eq!(
            run.message,
            "Run 2590 of \"Export\" on contoso.onmicrosoft.com - AAD: completed-export-errors\nFrom 2017-01-04 23:05:05.367 to 2017-01-04 23:06:06.677"
        );
        assert_eq!(
            run.fields,
            [
                ("Connector", "contoso.onmicrosoft.com - AAD"),
                ("RunProfile", "Export"),
                ("RunNumber", "2590"),
                ("Result", "completed-export-errors"),
                ("Start", "2017-01-04 23:05:05.367"),
                ("End", "2017-01-04 23:06:06.677"),
                ("ConnectorId", "{FB0D00E1-4E0B-44DA-AF5F-62D4D99B2FBC}"),
                ("Steps", "1"),
                ("Errors", "1"),
                ("export-add", "3"),
                ("export-failure", "1"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn cs_export_errors_take_the_object_dn() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<cs-objects>\n<cs-object cs-dn=\"CN={4A4B}\" id=\"{11}\" object-type=\"user\">\n  <export-errordetail first-occurred=\"2024-03-14 08:00:01.000\" retry-count=\"2\" date-occurred=\"2024-03-14 09:30:00.000\" error-type=\"ma-extension-error\">\n    <export-status><cd-error>\n      <error-name>InvalidSoftMatch</error-name>\n      <error-code>0x80230713</error-code>\n      <error-literal>Unable to update this object because a soft match &amp; &#x41; failed.</error-literal>\n    </cd-error></export-status>\n  </export-errordetail>\n  <ma-name>contoso.onmicrosoft.com - AAD</ma-name>\n</cs-object>\n</cs-objects>\n";
        assert_eq!(root_of(doc), Some(Root::CsObjects));
        let (result, sink) = read(doc);
        assert_eq!(result.unwrap().entries, 1);
        let error = &sink.records[0];
        assert_eq!(field(error, "ErrorType"), Some("InvalidSoftMatch"));
        assert_eq!(field(error, "ErrorCategory"), Some("ma-extension-error"));
        assert_eq!(field(error, "DN"), Some("CN={4A4B}"));
        assert_eq!(field(error, "ObjectType"), Some("user"));
        assert_eq!(
            field(error, "Connector"),
            Some("contoso.onmicrosoft.com - AAD")
        );
        assert_eq!(
            field(error, "ErrorLiteral"),
            Some("Unable to update this object because a soft match & A failed.")
        );
        assert_eq!(error.locator, Locator::Line(4));
    }

    #[test]
    fn truncated_documents_keep_what_was_complete() {
        let cut = &RUN_HISTORY[..RUN_HISTORY.find("<export-counters>").unwrap()];
        let (result, sink) = read(cut);
        assert_eq!(result.unwrap(), ParseStats { entries: 1, bad: 1 });
        assert_eq!(sink.records.len(), 1);
        assert_eq!(sink.records[0].provider, "ADSync export error");
        assert_eq!(
            sink.problems[0].message,
            "XML ends inside <run-history/run-details/step-details> (truncated?): 1 entries were read before the cut; the run being read was dropped"
        );
    }

    #[test]
    fn broken_and_foreign_documents_are_refused() {
        let (result, _) = read("<?xml version=\"1.0\"?>\n<Events><Event/></Events>");
        assert_eq!(
            result.unwrap_err().to_string(),
            "sync engine XML: root element <Events> is not run history, synchronization errors or a connector-space export"
        );
        let (result, _) = read("");
        assert_eq!(
            result.unwrap_err().to_string(),
            "sync engine XML: not well-formed XML at byte 0: no root element"
        );
        let (result, sink) = read("<run-history><run-details></ma-name></run-history>");
        assert_eq!(result.unwrap(), ParseStats { entries: 0, bad: 1 });
        assert!(
            sink.problems[0]
                .message
                .starts_with("XML is not well-formed at byte"),
            "{}",
            sink.problems[0].message
        );
    }
}
