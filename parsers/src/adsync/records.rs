//! The record shapes of sync-engine runs and object-level errors, shared by every reader of run
//! history and error exports so that rules see the same provider and field names whatever file
//! the entry came from.
//!
//! A run is one [`Record`] with provider [`RUN_PROVIDER`]; an object error is one record with
//! provider [`EXPORT_ERROR_PROVIDER`], [`IMPORT_ERROR_PROVIDER`] or [`SYNC_ERROR_PROVIDER`]. Field
//! names are the `FIELD_*` constants; fields whose value the source does not give are left out.

use crate::record::{EventTime, Level, Locator, Record};
use crate::selector::{Candidate, Selector};
use crate::sink::Sink;

/// Provider of run records (one per run profile execution).
pub const RUN_PROVIDER: &str = "ADSync run history";
/// Provider of export errors (connector space to connected directory).
pub const EXPORT_ERROR_PROVIDER: &str = "ADSync export error";
/// Provider of import errors.
pub const IMPORT_ERROR_PROVIDER: &str = "ADSync import error";
/// Provider of synchronization (inbound/outbound rule) errors.
pub const SYNC_ERROR_PROVIDER: &str = "ADSync sync error";

/// Connector (management agent) name.
pub const FIELD_CONNECTOR: &str = "Connector";
/// Run profile name (`Full Import`, `Export`, ...).
pub const FIELD_RUN_PROFILE: &str = "RunProfile";
/// Run number within the connector's history.
pub const FIELD_RUN_NUMBER: &str = "RunNumber";
/// Run history id (GUID), when the source gives it.
pub const FIELD_RUN_HISTORY_ID: &str = "RunHistoryId";
/// Result status as written (`success`, `completed-export-errors`, `stopped-database-disk-full`).
pub const FIELD_RESULT: &str = "Result";
/// Start time, raw text.
pub const FIELD_START: &str = "Start";
/// End time, raw text.
pub const FIELD_END: &str = "End";
/// How the day/month order of `Start`/`End` was decided (see [`crate::culture_time`]).
pub const FIELD_DATE_ORDER: &str = "DateOrder";
/// Step number within the run.
pub const FIELD_STEP: &str = "Step";
/// Distinguished name of the object in error.
pub const FIELD_DN: &str = "DN";
/// Connector-space object id (GUID).
pub const FIELD_CS_OBJECT_ID: &str = "CsObjectId";
/// Object type (`user`, `group`, ...).
pub const FIELD_OBJECT_TYPE: &str = "ObjectType";
/// The most specific error type given: `AttributeValueMustBeUnique`, `114`, `ma-extension-error`.
pub const FIELD_ERROR_TYPE: &str = "ErrorType";
/// The engine's error category when the source gives a more specific type as well.
pub const FIELD_ERROR_CATEGORY: &str = "ErrorCategory";
/// Error code (`0x8023134a`).
pub const FIELD_ERROR_CODE: &str = "ErrorCode";
/// Error literal, whole (may span lines).
pub const FIELD_ERROR_LITERAL: &str = "ErrorLiteral";
/// Server error detail.
pub const FIELD_SERVER_ERROR_DETAIL: &str = "ServerErrorDetail";
/// When the error occurred, raw text.
pub const FIELD_TIME_OCCURRED: &str = "TimeOccurred";
/// When the error first occurred, raw text.
pub const FIELD_FIRST_OCCURRED: &str = "FirstOccurred";
/// How many exports were retried with this error.
pub const FIELD_RETRY_COUNT: &str = "RetryCount";
/// Sync server id (Sync Service Manager details only).
pub const FIELD_MACHINE_ID: &str = "MachineId";
/// Number of object errors the run lists.
pub const FIELD_ERRORS: &str = "Errors";

/// The level a run result stands for: success is information, `completed-*` with errors or
/// warnings a warning, `stopped-*`, `no-start-*` and other failures an error.
pub fn run_level(result: &str) -> Level {
    let result = result.trim().to_ascii_lowercase();
    match result.as_str() {
        "" | "success" | "completed-no-objects" | "in-progress" => Level::Information,
        r if r.starts_with("stopped-")
            || r.starts_with("no-start")
            || r.starts_with("missing-partition")
            || r.starts_with("call-failure")
            || r == "dropped-connection" =>
        {
            Level::Error
        }
        _ => Level::Warning,
    }
}

/// Which kind of object error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Export to the connected directory.
    Export,
    /// Import from it.
    Import,
    /// Synchronization rules (metaverse).
    Sync,
}

impl ErrorKind {
    /// The provider name of its records.
    pub fn provider(self) -> &'static str {
        match self {
            ErrorKind::Export => EXPORT_ERROR_PROVIDER,
            ErrorKind::Import => IMPORT_ERROR_PROVIDER,
            ErrorKind::Sync => SYNC_ERROR_PROVIDER,
        }
    }
}

/// One run of a run profile, as any run-history source gives it.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Connector name.
    pub connector: Option<String>,
    /// Run profile name.
    pub profile: Option<String>,
    /// Run number.
    pub number: Option<String>,
    /// Run history id.
    pub history_id: Option<String>,
    /// Result status.
    pub result: Option<String>,
    /// Start, raw.
    pub start: Option<String>,
    /// End, raw.
    pub end: Option<String>,
    /// Further fields (date order, step and error counts, counters), in order.
    pub extra: Vec<(String, String)>,
}

impl Run {
    /// The run as a record at `time`, `line` being where it starts.
    pub fn into_record(self, time: EventTime, locator: Locator) -> Record {
        let result = self.result.clone().unwrap_or_default();
        let level = run_level(&result);
        let mut message = format!(
            "Run {}\"{}\" on {}: {}",
            self.number
                .as_deref()
                .map(|n| format!("{n} of "))
                .unwrap_or_default(),
            self.profile.as_deref().unwrap_or("?"),
            self.connector.as_deref().unwrap_or("an unnamed connector"),
            if result.is_empty() {
                "no result"
            } else {
                &result
            }
        );
        if self.start.is_some() || self.end.is_some() {
            message.push_str(&format!(
                "\nFrom {} to {}",
                self.start.as_deref().unwrap_or("?"),
                self.end.as_deref().unwrap_or("?")
            ));
        }
        let mut fields = Vec::new();
        push(&mut fields, FIELD_CONNECTOR, self.connector);
        push(&mut fields, FIELD_RUN_PROFILE, self.profile);
        push(&mut fields, FIELD_RUN_NUMBER, self.number);
        push(&mut fields, FIELD_RUN_HISTORY_ID, self.history_id);
        push(&mut fields, FIELD_RESULT, self.result);
        push(&mut fields, FIELD_START, self.start);
        push(&mut fields, FIELD_END, self.end);
        fields.extend(self.extra);
        Record {
            time,
            provider: RUN_PROVIDER.to_owned(),
            event_id: None,
            level,
            channel: None,
            computer: None,
            message,
            fields,
            locator,
        }
    }
}

/// One object error, as any error source gives it.
#[derive(Debug, Clone, Default)]
pub struct ObjectError {
    /// Connector name.
    pub connector: Option<String>,
    /// Run profile name, when the error came with a run.
    pub profile: Option<String>,
    /// Run number, when the error came with a run.
    pub run_number: Option<String>,
    /// Step number, when the error came with a run.
    pub step: Option<String>,
    /// Distinguished name.
    pub dn: Option<String>,
    /// Connector-space object id.
    pub cs_object_id: Option<String>,
    /// Object type.
    pub object_type: Option<String>,
    /// Most specific error type.
    pub error_type: Option<String>,
    /// Engine category, when a more specific type is given too.
    pub category: Option<String>,
    /// Error code.
    pub code: Option<String>,
    /// Error literal.
    pub literal: Option<String>,
    /// Server error detail.
    pub server_detail: Option<String>,
    /// When it occurred, raw.
    pub occurred: Option<String>,
    /// When it first occurred, raw.
    pub first_occurred: Option<String>,
    /// Retry count.
    pub retry_count: Option<String>,
    /// Sync server id.
    pub machine_id: Option<String>,
}

impl ObjectError {
    /// The error as a record.
    pub fn into_record(self, kind: ErrorKind, time: EventTime, locator: Locator) -> Record {
        let literal = self.literal.as_deref().map(str::trim).unwrap_or_default();
        let first_line = literal.lines().next().unwrap_or_default();
        let mut message = format!(
            "{} {}{} on {}",
            match kind {
                ErrorKind::Export => "Export error",
                ErrorKind::Import => "Import error",
                ErrorKind::Sync => "Sync error",
            },
            self.error_type.as_deref().unwrap_or("of unknown type"),
            self.code
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            self.dn.as_deref().unwrap_or("an unnamed object"),
        );
        if let Some(connector) = &self.connector {
            message.push_str(&format!(" in {connector}"));
        }
        if !first_line.is_empty() {
            message.push_str(": ");
            message.push_str(first_line);
        }
        if literal.contains('\n') {
            message.push('\n');
            message.push_str(literal);
        }
        let mut fields = Vec::new();
        push(&mut fields, FIELD_CONNECTOR, self.connector);
        push(&mut fields, FIELD_RUN_PROFILE, self.profile);
        push(&mut fields, FIELD_RUN_NUMBER, self.run_number);
        push(&mut fields, FIELD_STEP, self.step);
        push(&mut fields, FIELD_DN, self.dn);
        push(&mut fields, FIELD_CS_OBJECT_ID, self.cs_object_id);
        push(&mut fields, FIELD_OBJECT_TYPE, self.object_type);
        push(&mut fields, FIELD_ERROR_TYPE, self.error_type);
        push(&mut fields, FIELD_ERROR_CATEGORY, self.category);
        push(&mut fields, FIELD_ERROR_CODE, self.code);
        push(&mut fields, FIELD_ERROR_LITERAL, self.literal);
        push(&mut fields, FIELD_SERVER_ERROR_DETAIL, self.server_detail);
        push(&mut fields, FIELD_TIME_OCCURRED, self.occurred);
        push(&mut fields, FIELD_FIRST_OCCURRED, self.first_occurred);
        push(&mut fields, FIELD_RETRY_COUNT, self.retry_count);
        push(&mut fields, FIELD_MACHINE_ID, self.machine_id);
        Record {
            time,
            provider: kind.provider().to_owned(),
            event_id: None,
            level: Level::Error,
            channel: None,
            computer: None,
            message,
            fields,
            locator,
        }
    }
}

fn push(fields: &mut Vec<(String, String)>, name: &str, value: Option<String>) {
    if let Some(value) = value
        && !value.trim().is_empty()
    {
        fields.push((name.to_owned(), value));
    }
}

/// Pushes `record` when the selector wants it.
pub fn offer(record: Record, selector: &Selector, sink: &mut dyn Sink) {
    let candidate = Candidate {
        provider: &record.provider,
        channel: record.channel.as_deref(),
        event_id: record.event_id,
        level: record.level,
    };
    // The message holds the type, code, DN and literal, so literal signatures see them all.
    let keep = selector.wants(&candidate, record.message.as_bytes());
    if keep {
        sink.record(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_status_vocabulary() {
        assert_eq!(run_level("success"), Level::Information);
        assert_eq!(run_level("completed-export-errors"), Level::Warning);
        assert_eq!(run_level("completed-sync-errors"), Level::Warning);
        assert_eq!(run_level("stopped-database-disk-full"), Level::Error);
        assert_eq!(run_level("no-start-ma"), Level::Error);
        assert_eq!(run_level("missing-partition-for-run-step"), Level::Error);
        assert_eq!(run_level("something-new"), Level::Warning);
    }

    #[test]
    fn error_message_names_type_object_and_first_literal_line() {
        let error = ObjectError {
            connector: Some("contoso.onmicrosoft.com - AAD".into()),
            dn: Some("CN={AB}".into()),
            error_type: Some("114".into()),
            code: Some("0x8023134a".into()),
            literal: Some("Line one.\nLine two.".into()),
            ..ObjectError::default()
        };
        let record = error.into_record(ErrorKind::Export, EventTime::unknown(), Locator::Line(1));
        assert_eq!(
            record.message,
            "Export error 114 (0x8023134a) on CN={AB} in contoso.onmicrosoft.com - AAD: Line one.\nLine one.\nLine two."
        );
        assert_eq!(record.provider, "ADSync export error");
        assert_eq!(record.level, Level::Error);
        let names: Vec<&str> = record.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["Connector", "DN", "ErrorType", "ErrorCode", "ErrorLiteral"]
        );
    }
}
