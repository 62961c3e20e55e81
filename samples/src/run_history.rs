//! Sync engine run history as a Connect Sync bundle holds it: the
//! `RUNHISTORY/<COMPUTER>_Get-ADSyncRunProfileResult.csv` of support collectors (`Export-Csv
//! -NoTypeInformation`: every cell quoted, CRLF, dates in the server's culture, here en-US), the
//! `RUNHISTORY/<COMPUTER>_Get-ADSyncRunStepErrorResult.txt` dump with the run step's
//! `SyncErrorsXml` pasted in, and run-history XML (`<run-history>`, FIM/ADSync schema, UTC dates
//! `yyyy-MM-dd HH:mm:ss.fff`).

use crate::error_export::{ExportError, connect_sync_export_errors, xml_escape};
use crate::ps_dump::{AAD_CONNECTOR, AD_CONNECTOR, format_list, out_file};

/// A wall-clock time: year, month, day, hour, minute, second, millisecond.
pub type Stamp = (i32, u32, u32, u32, u32, u32, u32);

/// One run of a run profile.
#[derive(Debug, Clone)]
pub struct RunRow {
    /// Run number.
    pub number: u32,
    /// Connector name.
    pub connector: &'static str,
    /// Run profile name.
    pub profile: &'static str,
    /// Result status.
    pub result: &'static str,
    /// Start (UTC).
    pub start: Stamp,
    /// End (UTC).
    pub end: Stamp,
}

impl RunRow {
    /// A deterministic run history id.
    pub fn history_id(&self) -> String {
        format!("6c0e2f3a-0000-4000-8000-{:012}", self.number)
    }
}

/// The sample server's runs: a successful cycle, an AD import stopped because LocalDB is full, and
/// an export to Azure AD with export errors.
pub fn connect_sync_runs() -> Vec<RunRow> {
    vec![
        RunRow {
            number: 101,
            connector: AD_CONNECTOR,
            profile: "Delta Import",
            result: "success",
            start: (2024, 3, 4, 9, 30, 2, 117),
            end: (2024, 3, 4, 9, 30, 41, 503),
        },
        RunRow {
            number: 102,
            connector: AD_CONNECTOR,
            profile: "Delta Import",
            result: "stopped-database-disk-full",
            start: (2024, 3, 4, 10, 0, 5, 0),
            end: (2024, 3, 4, 10, 0, 9, 250),
        },
        RunRow {
            number: 57,
            connector: AAD_CONNECTOR,
            profile: "Export",
            result: "completed-export-errors",
            start: (2024, 3, 14, 14, 5, 11, 0),
            end: (2024, 3, 14, 14, 6, 40, 0),
        },
    ]
}

/// `M/d/yyyy h:mm:ss AM` as en-US `DateTime.ToString()` writes it.
pub fn en_us(t: Stamp) -> String {
    let (y, mo, d, h, mi, s, _) = t;
    let (hour, period) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{mo}/{d}/{y} {hour}:{mi:02}:{s:02} {period}")
}

/// `yyyy-MM-dd HH:mm:ss.fff` as run-history XML writes it.
pub fn iso(t: Stamp) -> String {
    let (y, mo, d, h, mi, s, ms) = t;
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{ms:03}")
}

/// `<COMPUTER>_Get-ADSyncRunProfileResult.csv`.
pub fn run_profile_csv(runs: &[RunRow]) -> Vec<u8> {
    let mut out = String::from(
        "\"RunNumber\",\"RunHistoryId\",\"ConnectorName\",\"RunProfileName\",\"Result\",\"StartDate\",\"EndDate\"\r\n",
    );
    for run in runs {
        out.push_str(&format!(
            "\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\"\r\n",
            run.number,
            run.history_id(),
            run.connector,
            run.profile,
            run.result,
            en_us(run.start),
            en_us(run.end)
        ));
    }
    out.into_bytes()
}

/// The same CSV without its `Result` column: malformed input for readers.
pub fn run_profile_csv_without_result(runs: &[RunRow]) -> Vec<u8> {
    let mut out =
        String::from("\"RunNumber\",\"ConnectorName\",\"RunProfileName\",\"StartDate\"\r\n");
    for run in runs {
        out.push_str(&format!(
            "\"{}\",\"{}\",\"{}\",\"{}\"\r\n",
            run.number,
            run.connector,
            run.profile,
            en_us(run.start)
        ));
    }
    out.into_bytes()
}

/// A `<synchronization-errors>` document listing `errors` as export errors.
pub fn sync_errors_xml(errors: &[ExportError]) -> String {
    let mut out = String::from("<synchronization-errors>\r\n");
    for e in errors {
        out.push_str(&format!(
            "  <export-error cs-guid=\"{}\" dn=\"{}\">\r\n    <date-occurred>{}</date-occurred>\r\n    <first-occurred>{}</first-occurred>\r\n    <retry-count>{}</retry-count>\r\n    <error-type>{}</error-type>\r\n    <cd-error>\r\n      <error-code>{}</error-code>\r\n      <error-literal>{}</error-literal>\r\n    </cd-error>\r\n  </export-error>\r\n",
            e.cs_object_id,
            xml_escape(e.dn),
            iso(e.occurred),
            iso(e.first_occurred),
            e.retry_count,
            e.error_type,
            e.code,
            xml_escape(e.literal),
        ));
    }
    out.push_str("</synchronization-errors>\r\n");
    out
}

/// Run-history XML for `runs`, the errors listed under every run that completed with export
/// errors; UTF-16LE with a BOM, as the engine's `encoding="utf-16"` declaration says.
pub fn run_history_xml(runs: &[RunRow], errors: &[ExportError]) -> Vec<u8> {
    out_file(&run_history_text(runs, errors))
}

fn run_history_text(runs: &[RunRow], errors: &[ExportError]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<run-history>\r\n");
    for run in runs {
        let listed: &[ExportError] = if run.result == "completed-export-errors" {
            errors
        } else {
            &[]
        };
        out.push_str(&format!(
            " <run-details>\r\n  <ma-id>{{{}}}</ma-id>\r\n  <ma-name>{}</ma-name>\r\n  <run-number>{}</run-number>\r\n  <run-profile-name>{}</run-profile-name>\r\n  <security-id>CONTOSO\\ADSyncMSA1a2b3$</security-id>\r\n  <step-details step-number=\"1\" step-id=\"{{{}}}\">\r\n   <start-date>{}</start-date>\r\n   <end-date>{}</end-date>\r\n   <step-result>{}</step-result>\r\n",
            if run.connector == AD_CONNECTOR {
                "B891884F-051E-4A83-95AF-2544101C9083"
            } else {
                "6E4B6E2A-4E37-4D4D-9C3F-0B3C8D57A0A1"
            },
            xml_escape(run.connector),
            run.number,
            run.profile,
            run.history_id().to_uppercase(),
            iso(run.start),
            iso(run.end),
            run.result,
        ));
        if !listed.is_empty() {
            for line in sync_errors_xml(listed).lines() {
                out.push_str(&format!("   {line}\r\n"));
            }
        }
        out.push_str(&format!(
            "   <export-counters>\r\n    <export-add detail=\"true\">0</export-add>\r\n    <export-update detail=\"true\">12</export-update>\r\n    <export-failure detail=\"true\">{}</export-failure>\r\n   </export-counters>\r\n  </step-details>\r\n </run-details>\r\n",
            listed.len()
        ));
    }
    out.push_str("</run-history>\r\n");
    out
}

/// Run-history XML cut in the middle of its last run: malformed input for readers.
pub fn truncated_run_history_xml(runs: &[RunRow], errors: &[ExportError]) -> Vec<u8> {
    let text = run_history_text(runs, errors);
    let cut = text.rfind("<export-counters>").unwrap_or(text.len() / 2);
    out_file(&text[..cut])
}

/// `<COMPUTER>_Get-ADSyncRunStepErrorResult.txt`: for the run with export errors, the step result
/// object, then the `## SyncErrors` heading and its `SyncErrorsXml`.
pub fn run_step_error_result(run: &RunRow, errors: &[ExportError]) -> Vec<u8> {
    let mut text = String::from("## ErrorStepResultAll\r\n");
    let number = run.number.to_string();
    let history_id = run.history_id();
    let start = en_us(run.start);
    let end = en_us(run.end);
    let failures = errors.len().to_string();
    text.push_str(&format_list(&[
        ("RunHistoryId", &history_id),
        ("ConnectorName", run.connector),
        ("RunNumber", &number),
        ("StepNumber", "1"),
        ("StepResult", run.result),
        ("StartDate", &start),
        ("EndDate", &end),
        ("ExportFailure", &failures),
    ]));
    text.push_str("## ConnectorDiscoveryErrors\r\n## MvRetryErrors\r\n## SyncErrors\r\n");
    text.push_str(&sync_errors_xml(errors));
    out_file(&text)
}

/// The run with export errors of [`connect_sync_runs`] and its errors, for
/// [`run_step_error_result`].
pub fn connect_sync_error_run() -> (RunRow, Vec<ExportError>) {
    let run = connect_sync_runs()
        .into_iter()
        .find(|r| r.result == "completed-export-errors")
        .unwrap_or_else(|| connect_sync_runs().remove(0));
    (run, connect_sync_export_errors())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_quoted_crlf_with_en_us_dates() {
        let csv = String::from_utf8(run_profile_csv(&connect_sync_runs())).unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[2],
            "\"102\",\"6c0e2f3a-0000-4000-8000-000000000102\",\"contoso.com\",\"Delta Import\",\"stopped-database-disk-full\",\"3/4/2024 10:00:05 AM\",\"3/4/2024 10:00:09 AM\""
        );
        assert!(lines[3].contains("\"3/14/2024 2:05:11 PM\""));
        assert_eq!(en_us((2024, 1, 2, 0, 5, 0, 0)), "1/2/2024 12:05:00 AM");
    }

    #[test]
    fn run_history_lists_errors_under_the_failing_run() {
        let (run, errors) = connect_sync_error_run();
        let xml = run_history_text(&[run], &errors);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<run-history>"));
        assert_eq!(xml.matches("<export-error ").count(), errors.len());
        assert!(xml.contains("<step-result>completed-export-errors</step-result>"));
        let cut = truncated_run_history_xml(&connect_sync_runs(), &errors);
        assert!(cut.len() < run_history_xml(&connect_sync_runs(), &errors).len());
    }
}
