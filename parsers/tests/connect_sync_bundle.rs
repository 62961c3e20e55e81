//! A Connect Sync support bundle laid out as the support collector writes it (research notes §7.1),
//! made by the samples generator, read through `bundle::discover` and `bundle::read`: every
//! artefact is recognised by content and yields the facts and records rules need, and the
//! malformed ones are reported per file while the rest is still read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use syncsift_parsers::bundle::{self, InputState, Limits};
use syncsift_parsers::{ParseContext, Selector, VecSink};
use syncsift_samples::{connect_sync, ps_dump};

const AAD: &str = ps_dump::AAD_CONNECTOR;

/// Writes the bundle, good and malformed artefacts, under `root`; returns the `<dt>` folder.
fn write_bundle(root: &Path) -> PathBuf {
    let dt = root.join("MECLOG-20240314-153000").join("20240314-153000");
    for (path, bytes) in connect_sync::artefacts()
        .into_iter()
        .chain(connect_sync::malformed_artefacts())
    {
        let path = dt.join(path);
        std::fs::create_dir_all(path.parent().expect("a file path has a parent"))
            .expect("temporary folder is writable");
        std::fs::write(path, bytes).expect("temporary folder is writable");
    }
    dt
}

/// What became of one input: its format label, or the reason it was skipped or failed.
struct Outcome {
    label: Result<String, String>,
    sink: VecSink,
}

fn read_all(dir: &Path) -> BTreeMap<String, Outcome> {
    let limits = Limits::default();
    let mut out = BTreeMap::new();
    for input in bundle::discover(&[dir.to_path_buf()], &limits) {
        let name = input
            .path
            .strip_prefix(&dir.display().to_string())
            .expect("inputs are under the bundle folder")
            .trim_start_matches('/')
            .to_owned();
        let mut sink = VecSink::default();
        let label = match &input.state {
            InputState::Ready { format, data } => bundle::read(
                format,
                data,
                &ParseContext::default(),
                &Selector::all(),
                &limits,
                &mut sink,
            )
            .map(|_| format.label())
            .map_err(|e| e.to_string()),
            InputState::Skipped(reason) | InputState::Failed(reason) => Err(reason.clone()),
            InputState::Container { .. } => Ok("zip".to_owned()),
        };
        out.insert(name, Outcome { label, sink });
    }
    out
}

fn fact<'a>(outcome: &'a Outcome, key: &str) -> Option<&'a str> {
    outcome
        .sink
        .facts
        .iter()
        .find(|f| f.key == key)
        .map(|f| f.value.as_str())
}

fn field<'a>(record: &'a syncsift_parsers::Record, name: &str) -> Option<&'a str> {
    record
        .fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn error_types(outcome: &Outcome) -> Vec<&str> {
    outcome
        .sink
        .records
        .iter()
        .filter(|r| r.provider == "ADSync export error")
        .filter_map(|r| field(r, "ErrorType"))
        .collect()
}

#[test]
fn every_artefact_is_read_and_malformed_ones_are_explained() {
    let root = std::env::temp_dir().join(format!("syncsift-connect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = write_bundle(&root);
    let all = read_all(&dir);
    std::fs::remove_dir_all(&root).unwrap();

    let labels: BTreeMap<&str, Result<&str, &str>> = all
        .iter()
        .map(|(k, o)| (k.as_str(), o.label.as_deref().map_err(String::as_str)))
        .collect();
    let expected: BTreeMap<&str, Result<&str, &str>> = [
        ("EVENTLOG/AADCONNECT01_Application_events.txt", Ok("Event Viewer text (UTF-8)")),
        ("CSEXPORT/error_details_114.txt", Ok("sync error details (UTF-8)")),
        (
            "CONFIG/GENERAL/notes.txt",
            Err("UTF-8 text of no known format (first line: \"Customer says sync stopped on Monday.\")"),
        ),
        ("CONFIG/MEC/Get-ADSyncAADCompanyFeature.txt", Ok("PowerShell dump (UTF-16LE with BOM)")),
        (
            "CONFIG/MEC/Get-ADSyncAADPasswordSyncConfiguration.txt",
            Ok("PowerShell dump (UTF-16LE with BOM)"),
        ),
        ("CONFIG/MEC/Get-ADSyncConnector.txt", Ok("PowerShell dump (UTF-16LE with BOM)")),
        ("CONFIG/MEC/Get-ADSyncGlobalSettings.txt", Ok("PowerShell dump (UTF-16LE with BOM)")),
        ("CONFIG/MEC/Get-ADSyncScheduler.txt", Ok("PowerShell dump (UTF-16LE with BOM)")),
        (
            "CONFIG/MEC/Get-ADSyncScheduler-empty.txt",
            Err("PowerShell dump: 3 keys and not one value (was the command's output empty?)"),
        ),
        (
            "CSEXPORT/analyzed_error_export_contoso.onmicrosoft.com_-_AAD.csv",
            Ok("error export CSV (UTF-8)"),
        ),
        (
            "CSEXPORT/error_export_contoso.onmicrosoft.com_-_AAD.xml",
            Ok("connector-space export XML (UTF-16LE with BOM)"),
        ),
        (
            "RUNHISTORY/AADCONNECT01_Get-ADSyncRunProfileResult.csv",
            Ok("run-profile CSV (UTF-8)"),
        ),
        (
            "RUNHISTORY/AADCONNECT01_Get-ADSyncRunStepErrorResult.txt",
            Ok("PowerShell dump (UTF-16LE with BOM)"),
        ),
        ("RUNHISTORY/AADCONNECT01_RunHistory-truncated.xml", Ok("run-history XML (UTF-16LE with BOM)")),
        ("RUNHISTORY/AADCONNECT01_RunHistory.xml", Ok("run-history XML (UTF-16LE with BOM)")),
        (
            "RUNHISTORY/AADCONNECT01_Get-ADSyncRunProfileResult-no-result.csv",
            Err("run-profile CSV: header lacks column Result (it has RunNumber, ConnectorName, RunProfileName, StartDate)"),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(labels, expected);

    // Staging mode and a disabled scheduler, as facts with their lines; the culture date kept raw.
    let scheduler = &all["CONFIG/MEC/Get-ADSyncScheduler.txt"];
    assert_eq!(fact(scheduler, "StagingModeEnabled"), Some("True"));
    assert_eq!(fact(scheduler, "SyncCycleEnabled"), Some("False"));
    assert_eq!(
        fact(scheduler, "NextSyncCycleStartTimeInUTC"),
        Some("05.01.2023 20:28:37")
    );
    let staging = scheduler
        .sink
        .facts
        .iter()
        .find(|f| f.key == "StagingModeEnabled")
        .unwrap();
    assert_eq!((staging.section.as_deref(), staging.line), (None, 10));
    assert_eq!(
        fact(
            &all["CONFIG/MEC/Get-ADSyncGlobalSettings.txt"],
            "Microsoft.Synchronize.StagingMode"
        ),
        Some("True")
    );
    let connectors = &all["CONFIG/MEC/Get-ADSyncConnector.txt"];
    assert!(connectors.sink.facts.iter().any(|f| f.section.as_deref()
        == Some("Connector Summary / contoso.onmicrosoft.com - AAD")
        && f.key == "Type"
        && f.value == "Extensible2"));

    // The LocalDB-full run, from the CSV and from the XML.
    for file in [
        "RUNHISTORY/AADCONNECT01_Get-ADSyncRunProfileResult.csv",
        "RUNHISTORY/AADCONNECT01_RunHistory.xml",
    ] {
        let full = all[file]
            .sink
            .records
            .iter()
            .find(|r| field(r, "Result") == Some("stopped-database-disk-full"))
            .unwrap_or_else(|| panic!("{file}"));
        assert_eq!(full.provider, "ADSync run history");
        assert_eq!(field(full, "Connector"), Some("contoso.com"));
        assert_eq!(
            full.time.utc.unwrap().to_rfc3339(),
            "2024-03-04T10:00:05+00:00",
            "{file}"
        );
    }

    // Export errors of three kinds from every source that lists them.
    let kinds = ["AttributeValueMustBeUnique", "InvalidSoftMatch", "114"];
    for file in [
        "CSEXPORT/error_export_contoso.onmicrosoft.com_-_AAD.xml",
        "CSEXPORT/analyzed_error_export_contoso.onmicrosoft.com_-_AAD.csv",
        "RUNHISTORY/AADCONNECT01_Get-ADSyncRunStepErrorResult.txt",
        "RUNHISTORY/AADCONNECT01_RunHistory.xml",
    ] {
        assert_eq!(error_types(&all[file]), kinds, "{file}");
    }
    assert_eq!(error_types(&all["CSEXPORT/error_details_114.txt"]), ["114"]);
    let step = &all["RUNHISTORY/AADCONNECT01_Get-ADSyncRunStepErrorResult.txt"];
    assert!(
        step.sink
            .records
            .iter()
            .all(|r| field(r, "Connector") == Some(AAD))
    );
    assert_eq!(fact(step, "StepResult"), Some("completed-export-errors"));
    let unique = all["CSEXPORT/error_export_contoso.onmicrosoft.com_-_AAD.xml"]
        .sink
        .records
        .iter()
        .find(|r| field(r, "ErrorType") == Some("AttributeValueMustBeUnique"))
        .unwrap();
    assert_eq!(field(unique, "Connector"), Some(AAD));
    assert!(
        field(unique, "ErrorLiteral")
            .unwrap()
            .contains("local directory.\nA synchronized")
    );

    // Event Viewer text keeps the real source and id.
    let events = &all["EVENTLOG/AADCONNECT01_Application_events.txt"]
        .sink
        .records;
    let ids: Vec<(&str, Option<u32>)> = events
        .iter()
        .map(|r| (r.provider.as_str(), r.event_id))
        .collect();
    assert_eq!(
        ids,
        [
            ("ADSync", Some(6323)),
            ("Directory Synchronization", Some(611)),
            ("Service Control Manager", Some(7000)),
        ]
    );

    // The truncated run history keeps the runs before the cut and says where it was cut.
    let cut = &all["RUNHISTORY/AADCONNECT01_RunHistory-truncated.xml"].sink;
    assert_eq!(
        cut.records
            .iter()
            .filter(|r| r.provider == "ADSync run history")
            .count(),
        2
    );
    assert!(
        cut.problems[0]
            .message
            .starts_with("XML ends inside <run-history/run-details/step-details> (truncated?)"),
        "{}",
        cut.problems[0].message
    );
}
