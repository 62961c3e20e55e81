//! Content-based detection of what a file is. File names are never consulted: support bundles are
//! renamed, re-zipped and hand-assembled, and a `.log` can hold anything.

use crate::adsync::{copy_details, error_csv, ps_dump, run_csv, sync_xml};
use crate::event_text;
use crate::evtx_file;
use crate::text::{TextEncoding, decode_head, detect_encoding};
use crate::trace::{agent, wizard};
use serde::Serialize;

/// How many leading bytes detection looks at.
pub const HEAD_LEN: usize = 16 * 1024;

/// What a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Format {
    /// A Windows XML event log (`ElfFile\0`).
    Evtx,
    /// A zip archive (`PK\x03\x04`, or `PK\x05\x06` when empty).
    Zip,
    /// A text format this crate parses.
    Text {
        /// The text's encoding.
        encoding: TextEncoding,
        /// Which text format.
        kind: TextKind,
    },
}

/// The text formats this crate parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextKind {
    /// Provisioning-agent .NET trace (`<source> <Level>: <id> : <message>`).
    AgentTrace,
    /// Entra Connect wizard trace (`[HH:mm:ss.fff] [tid] [LEVEL] message`).
    WizardTrace,
    /// Sync engine run history or run-step errors (`<run-history>`, `<synchronization-errors>`).
    RunHistoryXml,
    /// Connector-space export of `csexport.exe` (`<cs-objects>`).
    CsExportXml,
    /// `Get-ADSyncRunProfileResult` saved as CSV.
    RunProfileCsv,
    /// Object errors saved as CSV (DN and error columns).
    ErrorCsv,
    /// Synchronization Service Manager error details (`TimeOccurred (UTC) ...`, `ErrorType ...`).
    SyncErrorDetails,
    /// Event Viewer "copy details as text" events (`Log Name:`, `Source:`, `Event ID:`, ...).
    EventText,
    /// PowerShell `Out-File` output of list or table objects (`Name : value`).
    PsDump,
}

impl TextKind {
    /// The label used in inventories.
    pub fn label(self) -> &'static str {
        match self {
            TextKind::AgentTrace => "agent trace",
            TextKind::WizardTrace => "wizard trace",
            TextKind::RunHistoryXml => "run-history XML",
            TextKind::CsExportXml => "connector-space export XML",
            TextKind::RunProfileCsv => "run-profile CSV",
            TextKind::ErrorCsv => "error export CSV",
            TextKind::SyncErrorDetails => "sync error details",
            TextKind::EventText => "Event Viewer text",
            TextKind::PsDump => "PowerShell dump",
        }
    }
}

impl Format {
    /// The label used in inventories, e.g. `agent trace (UTF-16LE with BOM)`.
    pub fn label(&self) -> String {
        match self {
            Format::Evtx => "EVTX".to_owned(),
            Format::Zip => "zip".to_owned(),
            Format::Text { encoding, kind } => format!("{} ({})", kind.label(), encoding.label()),
        }
    }
}

/// Why a file was not recognised; becomes a "skipped" disposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecognised(pub String);

/// Decides what `head` (the first [`HEAD_LEN`] bytes, or all of a smaller file) is.
///
/// # Errors
/// [`Unrecognised`] with the reason, for empty, binary or unknown text content.
pub fn sniff(head: &[u8]) -> Result<Format, Unrecognised> {
    if head.is_empty() {
        return Err(Unrecognised("empty file".to_owned()));
    }
    if head.starts_with(evtx_file::MAGIC) {
        return Ok(Format::Evtx);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(Format::Zip);
    }
    let Some(encoding) = detect_encoding(head) else {
        return Err(Unrecognised(format!(
            "binary content of no known format (starts with {})",
            hex_prefix(head)
        )));
    };
    let text = decode_head(head, encoding);
    let kind = if let Some(kind) = text_kind(&text) {
        kind
    } else {
        return Err(Unrecognised(format!(
            "{} text of no known format (first line: {})",
            encoding.label(),
            first_line(&text)
        )));
    };
    Ok(Format::Text { encoding, kind })
}

/// The text formats, most specific first: grammars anchored on a document root, a header row or
/// the first line come before those that look for key lines anywhere in the head.
fn text_kind(text: &str) -> Option<TextKind> {
    if wizard::looks_like(text) {
        return Some(TextKind::WizardTrace);
    }
    match sync_xml::root_of(text) {
        Some(sync_xml::Root::CsObjects) => return Some(TextKind::CsExportXml),
        Some(_) => return Some(TextKind::RunHistoryXml),
        None => {}
    }
    type LooksLike = fn(&str) -> bool;
    let checks: [(LooksLike, TextKind); 6] = [
        (run_csv::looks_like, TextKind::RunProfileCsv),
        (error_csv::looks_like, TextKind::ErrorCsv),
        (event_text::looks_like, TextKind::EventText),
        (copy_details::looks_like, TextKind::SyncErrorDetails),
        (ps_dump::looks_like, TextKind::PsDump),
        (agent::looks_like, TextKind::AgentTrace),
    ];
    checks
        .iter()
        .find(|(looks_like, _)| looks_like(text))
        .map(|(_, kind)| *kind)
}

fn hex_prefix(head: &[u8]) -> String {
    head.iter()
        .take(8)
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first non-blank line, cut to 60 characters, with control characters escaped.
fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out: String = line
        .trim()
        .chars()
        .take(60)
        .flat_map(char::escape_default)
        .collect();
    if line.trim().chars().count() > 60 {
        out.push('…');
    }
    format!("\"{out}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_by_content() {
        assert_eq!(sniff(b"ElfFile\0rest"), Ok(Format::Evtx));
        assert_eq!(sniff(b"PK\x03\x04rest"), Ok(Format::Zip));
        assert_eq!(
            sniff(b"AADConnectProvisioningAgent.exe Error: 0 : x\n"),
            Ok(Format::Text {
                encoding: TextEncoding::Utf8,
                kind: TextKind::AgentTrace
            })
        );
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(TextEncoding::Utf16Le { bom: true }.encode(
            "[12:19:58.919] [ 1] [INFO ]\r\n[12:19:59.136] [ 1] [INFO ] Application starting\r\n",
        ));
        assert_eq!(
            sniff(&utf16),
            Ok(Format::Text {
                encoding: TextEncoding::Utf16Le { bom: true },
                kind: TextKind::WizardTrace
            })
        );
    }

    fn kind(text: &str) -> Result<TextKind, Unrecognised> {
        sniff(text.as_bytes()).map(|f| match f {
            Format::Text { kind, .. } => kind,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn recognises_connect_sync_artefacts_by_content() {
        let cases = [
            (
                "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<run-history>\r\n<run-details>",
                TextKind::RunHistoryXml,
            ),
            (
                "<synchronization-errors><export-error dn=\"CN=x\">",
                TextKind::RunHistoryXml,
            ),
            (
                "<?xml version=\"1.0\"?>\n<!-- csexport -->\n<cs-objects>\n",
                TextKind::CsExportXml,
            ),
            (
                "\"RunNumber\",\"RunHistoryId\",\"ConnectorName\",\"RunProfileName\",\"Result\",\"StartDate\",\"EndDate\"\r\n",
                TextKind::RunProfileCsv,
            ),
            (
                "\"DN\",\"ErrorType\",\"ErrorCode\",\"ErrorLiteral\"\r\n",
                TextKind::ErrorCsv,
            ),
            (
                "TimeOccurred (UTC) 2021-10-20 23:51:28\nMachineId 1\nConnector Name c\nErrorType 114\nErrorCode 0x8023134a\n",
                TextKind::SyncErrorDetails,
            ),
            (
                "Log Name:      Application\r\nSource:        ADSync\r\nEvent ID:      6323\r\n",
                TextKind::EventText,
            ),
            (
                "\r\n\r\nSyncCycleEnabled   : False\r\nStagingModeEnabled : True\r\n",
                TextKind::PsDump,
            ),
            (
                "\r\nName   Value\r\n----   -----\r\nx      1\r\n",
                TextKind::PsDump,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(kind(text), Ok(expected), "{text}");
        }
        // PowerShell's UTF-16LE Out-File output, BOM and all.
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(
            TextEncoding::Utf16Le { bom: true }
                .encode("\r\nSyncCycleEnabled   : False\r\nStagingModeEnabled : True\r\n"),
        );
        assert_eq!(
            sniff(&utf16),
            Ok(Format::Text {
                encoding: TextEncoding::Utf16Le { bom: true },
                kind: TextKind::PsDump
            })
        );
        assert_eq!(
            kind("<?xml version=\"1.0\"?>\n<Events/>").unwrap_err().0,
            "UTF-8 text of no known format (first line: \"<?xml version=\\\"1.0\\\"?>\")"
        );
    }

    #[test]
    fn explains_what_it_skips() {
        assert_eq!(sniff(b""), Err(Unrecognised("empty file".to_owned())));
        let binary = sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00").unwrap_err();
        assert_eq!(
            binary.0,
            "binary content of no known format (starts with 4D 5A 90 00 03 00 00 00)"
        );
        let text = sniff(b"hello\nworld\n").unwrap_err();
        assert_eq!(
            text.0,
            "UTF-8 text of no known format (first line: \"hello\")"
        );
    }
}
