//! The shipped sample bundles (`samples/bundles/`), analysed by the real binary: every input is
//! read, the events the generator wrote are on the timeline at their UTC times, the Connect Sync
//! dumps give their facts, the findings of issue 4 (staging mode, disabled scheduler, LocalDB limit,
//! export errors) cite the member files they come from, and a damaged EVTX chunk costs only that
//! chunk's records.

use crate::util::{Method, finding, syncsift, temp_dir, write, zip_bytes};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;
use std::path::PathBuf;
use syncsift_samples::evtx_writer::{self, Damage, level};
use syncsift_samples::scenario::{Bundle, Scenario};
use syncsift_samples::{events, shipped};

fn bundle_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples/bundles")
        .join(name)
}

fn analyse(path: &std::path::Path) -> Value {
    let output = syncsift()
        .args(["analyse", "--format", "json"])
        .arg(path)
        .output()
        .expect("run syncsift");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().expect("RFC 3339 time")
}

/// Every input is the zip (a container) or one of its members, parsed without problems (but for
/// the expected `notes`: member path suffix, its one problem), with exactly as many entries as the
/// generator wrote.
fn assert_all_parsed(report: &Value, bundle: &Bundle, zip: &str, notes: &[(&str, &str)]) {
    let inputs = report["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), bundle.files.len() + 1);
    assert_eq!(inputs[0]["disposition"], "container");
    for file in &bundle.files {
        let path = format!("{zip}!/{}", file.path);
        let input = inputs
            .iter()
            .find(|i| i["path"].as_str().is_some_and(|p| p.ends_with(&path)))
            .unwrap_or_else(|| panic!("no input {path}"));
        assert_eq!(
            input["disposition"], "parsed",
            "{path}: {}",
            input["reason"]
        );
        match notes.iter().find(|(suffix, _)| path.ends_with(suffix)) {
            Some((_, note)) => assert_eq!(input["problems"], serde_json::json!([note]), "{path}"),
            None => assert_eq!(input["problem_count"], 0, "{path}: {}", input["problems"]),
        }
        assert_eq!(input["bad"], 0, "{path}");
        if let Some(entries) = file.entries {
            assert_eq!(input["entries"].as_u64(), Some(entries as u64), "{path}");
        }
    }
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["summary"]["skipped"], 0);
}

/// Timeline entries of `provider` (and `event_id` when given).
fn entries<'a>(report: &'a Value, provider: &str, event_id: Option<u64>) -> Vec<&'a Value> {
    report["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| &e["record"])
        .filter(|r| r["provider"] == provider && event_id.is_none_or(|id| r["event_id"] == id))
        .collect()
}

/// The input path of a timeline record's entry.
fn input_of<'a>(report: &'a Value, provider: &str, time: &str) -> &'a str {
    let entry = report["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["record"]["provider"] == provider && e["record"]["time"]["utc"] == time)
        .unwrap_or_else(|| panic!("no {provider} entry at {time}"));
    let index = entry["input"].as_u64().expect("input index") as usize;
    report["inputs"][index]["path"]
        .as_str()
        .expect("input path")
}

/// The one entry of `provider`/`event_id` at `time`; checks its level and channel.
fn one_at<'a>(
    report: &'a Value,
    provider: &str,
    event_id: Option<u64>,
    time: &str,
    level: &str,
    channel: Option<&str>,
) -> &'a Value {
    let found: Vec<&Value> = entries(report, provider, event_id)
        .into_iter()
        .filter(|r| r["time"]["utc"] == time)
        .collect();
    assert_eq!(found.len(), 1, "{provider} {event_id:?} at {time}");
    let record = found[0];
    assert_eq!(record["level"], level, "{provider} {event_id:?} at {time}");
    match channel {
        Some(channel) => assert_eq!(record["channel"], channel),
        None => assert!(record["channel"].is_null()),
    }
    record
}

#[test]
fn cloud_sync_sample_is_read_whole_with_its_evidence() {
    let bundle = shipped::cloud_sync_scenario().build().expect("build");
    let report = analyse(&bundle_path(shipped::CLOUD_SYNC_ZIP));
    assert_all_parsed(&report, &bundle, shipped::CLOUD_SYNC_ZIP, &[]);

    let scm = "Service Control Manager";
    let r = one_at(
        &report,
        scm,
        Some(7041),
        "2024-03-09T06:58:10Z",
        "error",
        Some("System"),
    );
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("Log on as a service")
    );
    let r = one_at(
        &report,
        scm,
        Some(7000),
        "2024-03-09T06:58:11Z",
        "error",
        Some("System"),
    );
    assert_eq!(
        r["message"],
        "The Microsoft Azure AD Connect Provisioning Agent service failed to start due to the following error: The service did not start due to a logon failure. (service name: AADConnectProvisioningAgent)"
    );
    assert!(input_of(&report, scm, "2024-03-09T06:58:11Z").ends_with("-System.evtx"));

    let agent = "Microsoft-AzureADConnect-ProvisioningAgent";
    let channel = Some("Microsoft-AzureADConnect-ProvisioningAgent/Admin");
    let r = one_at(
        &report,
        agent,
        Some(2001),
        "2024-03-09T09:41:08Z",
        "error",
        channel,
    );
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("forcibly closed by the remote host")
    );
    assert!(input_of(&report, agent, "2024-03-09T09:41:08Z").ends_with("-ProvisioningAgent.evtx"));
    one_at(
        &report,
        "Azure AD Connect Provisioning Agent",
        Some(0),
        "2024-03-09T09:41:07Z",
        "error",
        Some("Application"),
    );

    // The UTF-16LE verbose trace has footers: exact times.
    let verbose = "AAD Connect Provisioning Agent";
    let r = one_at(
        &report,
        verbose,
        Some(0),
        "2024-03-09T10:12:18Z",
        "error",
        None,
    );
    assert_eq!(r["message"], shipped::AGENT_START_FAILED);
    assert_eq!(r["time"]["basis"], "recorded");
    let gmsa: Vec<&str> = entries(&report, verbose, None)
        .iter()
        .filter(|r| r["time"]["utc"] == "2024-03-09T10:12:17Z")
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(gmsa, [shipped::GMSA_KDS, shipped::GMSA_CHANGE_FAILED]);
    let r = one_at(
        &report,
        verbose,
        Some(0),
        "2024-03-09T10:13:40Z",
        "error",
        None,
    );
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains("HybridIdentityServiceNoActiveAgents")
            && message.contains(shipped::JOB_ID)
    );
    assert!(
        input_of(&report, verbose, "2024-03-09T10:13:40Z")
            .ends_with("trace-agent-verbose-20240309-101212.log")
    );

    // The UTF-8 trace has no times: its entries are bounded by the member's time.
    let plain = entries(&report, "AADConnectProvisioningAgent.exe", Some(0));
    let websocket: Vec<&&Value> = plain
        .iter()
        .filter(|r| {
            r["message"]
                .as_str()
                .unwrap()
                .starts_with("Web socket failed to connect.")
        })
        .collect();
    assert_eq!(websocket.len(), 2);
    for r in &websocket {
        assert_eq!(r["time"]["utc"], "2024-03-09T10:15:00Z");
        assert_eq!(r["time"]["basis"], "inferred_at_or_before");
        assert!(
            r["message"]
                .as_str()
                .unwrap()
                .contains("forcibly closed by the remote host")
        );
    }
    // Noise is read but stays off the default timeline.
    assert!(entries(&report, "VSS", None).is_empty());
    assert!(report["summary"]["entries"].as_u64().unwrap() > 400);
}

#[test]
fn connect_sync_sample_shows_password_sync_service_and_configuration_evidence() {
    let bundle = shipped::connect_sync_scenario().build().expect("build");
    let report = analyse(&bundle_path(shipped::CONNECT_SYNC_ZIP));
    // The Event Viewer text export repeats two EVTX events (a 611 and the 7000): they count once.
    assert_all_parsed(
        &report,
        &bundle,
        shipped::CONNECT_SYNC_ZIP,
        &[(
            "AADCONNECT01_Application_events.txt",
            "2 of 3 event(s) are also in AADCONNECT01_Application.evtx, \
             AADCONNECT01_SystemEvent.evtx and are taken from there (exact times)",
        )],
    );

    let ds = "Directory Synchronization";
    let app = Some("Application");
    let r = one_at(&report, ds, Some(611), "2024-03-14T12:40:39Z", "error", app);
    let message = r["message"].as_str().unwrap();
    assert!(message.starts_with("Password hash synchronization failed for domain: contoso.com,"));
    assert!(message.contains("RPC Error 1722 : The RPC server is unavailable."));
    assert!(
        input_of(&report, ds, "2024-03-14T12:40:39Z")
            .ends_with("EVENTLOG/AADCONNECT01_Application.evtx")
    );
    // Older builds log 611 at Information level; it is still on the timeline.
    let r = one_at(
        &report,
        ds,
        Some(611),
        "2024-03-14T11:31:04Z",
        "information",
        app,
    );
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("ChildDomain.Contoso.Com")
    );
    let r = one_at(&report, ds, Some(652), "2024-03-14T13:02:11Z", "error", app);
    assert!(r["message"].as_str().unwrap().contains("Error Code: 81."));
    let r = one_at(&report, ds, Some(655), "2024-03-14T13:30:05Z", "error", app);
    assert!(r["message"].as_str().unwrap().contains("Error Code: 90."));
    one_at(&report, ds, Some(0), "2024-03-14T13:45:00Z", "error", app);
    let r = one_at(
        &report,
        "ADSync",
        Some(6323),
        "2024-03-04T10:00:09Z",
        "error",
        app,
    );
    assert_eq!(r["message"], shipped::DB_FULL_6323);
    one_at(
        &report,
        "ADSync",
        Some(6100),
        "2024-03-14T14:06:40Z",
        "warning",
        app,
    );

    // Heartbeats every 30 minutes, the last at 11:00, then 4.5 hours without one.
    let heartbeats: Vec<DateTime<Utc>> = entries(&report, ds, Some(654))
        .iter()
        .map(|r| utc(r["time"]["utc"].as_str().unwrap()))
        .collect();
    assert_eq!(heartbeats.len(), 47);
    assert_eq!(heartbeats.last().copied(), Some(shipped::last_heartbeat()));
    assert!(
        heartbeats
            .windows(2)
            .all(|w| w[1] - w[0] == Duration::minutes(30))
    );
    let end = utc(report["summary"]["last"].as_str().unwrap());
    assert!(end - shipped::last_heartbeat() > Duration::hours(3));

    let scm = "Service Control Manager";
    let r = one_at(
        &report,
        scm,
        Some(7038),
        "2024-03-14T15:20:01Z",
        "error",
        Some("System"),
    );
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("The user name or password is incorrect.")
    );
    assert!(
        input_of(&report, scm, "2024-03-14T15:20:01Z")
            .ends_with("EVENTLOG/AADCONNECT01_SystemEvent.evtx")
    );
    // 7000 is in System.evtx and, pasted as text, in the Event Viewer export: only the EVTX copy
    // is on the timeline.
    let sync_7000: Vec<&Value> = entries(&report, scm, Some(7000));
    assert_eq!(sync_7000[0]["locator"]["kind"], "evtx_record");
    assert_eq!(sync_7000.len(), 1);
    assert_eq!(sync_7000[0]["time"]["utc"], "2024-03-14T15:20:02Z");
    assert!(
        sync_7000[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("The Microsoft Azure AD Sync service failed to start")
    );

    // Wizard trace: local time with the date and offset from its header.
    let wizard = "Entra Connect wizard";
    let r = one_at(&report, wizard, None, "2024-03-14T14:17:19Z", "error", None);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("The specified domain either does not exist or could not be contacted.")
    );

    // Configuration facts.
    let facts = report["facts"].as_array().expect("facts");
    let fact = |key: &str| -> Vec<(&str, &str)> {
        facts
            .iter()
            .filter(|f| f["key"] == key)
            .map(|f| (f["value"].as_str().unwrap(), f["source"].as_str().unwrap()))
            .collect()
    };
    let staging = fact("StagingModeEnabled");
    assert!(
        staging
            .iter()
            .any(|(v, s)| *v == "True" && s.contains("CONFIG/MEC/Get-ADSyncScheduler.txt:"))
    );
    let cycle = fact("SyncCycleEnabled");
    assert!(!cycle.is_empty());
    assert!(cycle.iter().all(|(v, _)| *v == "False"), "{cycle:?}");
    assert!(
        cycle
            .iter()
            .any(|(_, s)| s.contains("CONFIG/MEC/Get-ADSyncScheduler.txt:"))
    );

    // Run history and export errors are timeline entries.
    let disk_full: Vec<&Value> = entries(&report, "ADSync run history", None)
        .into_iter()
        .filter(|r| {
            r["message"]
                .as_str()
                .unwrap()
                .contains("stopped-database-disk-full")
        })
        .collect();
    assert!(!disk_full.is_empty());
    assert!(
        disk_full
            .iter()
            .all(|r| r["time"]["utc"] == "2024-03-04T10:00:05Z")
    );
    let export_errors: Vec<&str> = entries(&report, "ADSync export error", None)
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    for kind in ["InvalidSoftMatch", "AttributeValueMustBeUnique"] {
        assert!(
            export_errors
                .iter()
                .any(|m| m.starts_with(&format!("Export error {kind} "))),
            "{kind}"
        );
    }
}

#[test]
fn a_damaged_evtx_chunk_in_a_zip_costs_only_that_chunk() {
    let t = |h, m| Utc.with_ymd_and_hms(2024, 3, 9, h, m, 0).unwrap();
    let bundle = Scenario::cloud_sync()
        .with_noise(4000)
        .with_event(events::dirsync(
            611,
            level::ERROR,
            t(4, 16),
            "Password hash synchronization failed for domain: first.contoso.com",
        ))
        .with_event(events::dirsync(
            611,
            level::ERROR,
            t(10, 13),
            "Password hash synchronization failed for domain: last.contoso.com",
        ))
        .build()
        .expect("build");
    let name = "AADCloudProvisioningDiagnostics-20240309-101500-Application.evtx";
    let evtx = bundle.file(name).expect("Application.evtx");
    let chunks = (evtx.len() - evtx_writer::FILE_HEADER_SIZE) / evtx_writer::CHUNK_SIZE;
    assert!(chunks >= 3, "{chunks} chunks");
    let chunk1 = evtx_writer::FILE_HEADER_SIZE + evtx_writer::CHUNK_SIZE;
    let id = |at: usize| u64::from_le_bytes(evtx[at..at + 8].try_into().unwrap());
    let lost = id(chunk1 + 32) - id(chunk1 + 24) + 1;
    let damaged = evtx_writer::damaged_copy(evtx, 1, Damage::BadChunkMagic).expect("chunk 1");
    let total = bundle.files[0].entries.expect("count") as u64;

    let dir = temp_dir();
    let zip = zip_bytes(&[
        (name, &damaged, Method::Deflated),
        (
            "trace.log",
            b"AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.\r\n",
            Method::Stored,
        ),
    ]);
    let path = write(dir.path(), "damaged.zip", &zip);
    let output = syncsift()
        .args(["analyse", "--format", "json"])
        .arg(&path)
        .output()
        .expect("run syncsift");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let input = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with(name))
        .expect("the EVTX input");
    assert_eq!(input["disposition"], "parsed");
    assert_eq!(input["entries"].as_u64(), Some(total - lost));
    assert_eq!(input["bad"], 1);
    let problems = input["problems"].to_string();
    // The problem names the chunk (by the parser's words or the pipeline's prefix).
    assert!(
        problems.contains("chunk number 1") || problems.contains("chunk 1:"),
        "{problems}"
    );
    let domains: Vec<&str> = entries(&report, "Directory Synchronization", Some(611))
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        domains,
        [
            "Password hash synchronization failed for domain: first.contoso.com",
            "Password hash synchronization failed for domain: last.contoso.com"
        ]
    );
    assert_eq!(
        entries(&report, "AADConnectProvisioningAgent.exe", Some(0)).len(),
        1
    );
}

/// The provenance of each piece of a finding's evidence; for evidence from the timeline, checks
/// that the entry it names supports the finding and was read from the input the provenance names.
fn provenances<'a>(report: &'a Value, finding: &'a Value) -> Vec<&'a str> {
    let id = &finding["id"];
    finding["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|evidence| {
            let provenance = evidence["provenance"].as_str().expect("provenance");
            if let Some(index) = evidence["entry"].as_u64() {
                let entry = &report["timeline"][index as usize];
                assert!(
                    entry["findings"]
                        .as_array()
                        .expect("entry findings")
                        .contains(id),
                    "entry {index} supports {id}"
                );
                let input =
                    report["inputs"][entry["input"].as_u64().expect("input") as usize]["path"]
                        .as_str()
                        .expect("input path");
                assert!(provenance.starts_with(input), "{provenance} is in {input}");
            }
            provenance
        })
        .collect()
}

#[test]
fn connect_sync_sample_findings_point_into_their_member_files() {
    let report = analyse(&bundle_path(shipped::CONNECT_SYNC_ZIP));
    let member = |path: &str| {
        format!(
            "{}!/MECLOG-20240314-153000/20240314-153000/{path}",
            shipped::CONNECT_SYNC_ZIP
        )
    };
    let points_into = |provenance: &str, path: &str| {
        provenance
            .split_once(&member(path))
            .is_some_and(|(_, locator)| locator.starts_with(':') || locator.starts_with('#'))
    };
    let scheduler = "CONFIG/MEC/Get-ADSyncScheduler.txt";

    let staging = finding(&report, "staging-mode");
    assert_eq!(staging["severity"], "warning");
    let staging_evidence = &staging["evidence"];
    assert!(
        provenances(&report, staging)
            .iter()
            .zip(staging_evidence.as_array().expect("evidence"))
            .any(|(p, e)| points_into(p, scheduler) && e["text"] == "StagingModeEnabled : True"),
        "{staging_evidence}"
    );

    let disabled = finding(&report, "scheduler-disabled");
    let disabled_evidence = &disabled["evidence"];
    assert!(
        provenances(&report, disabled)
            .iter()
            .zip(disabled_evidence.as_array().expect("evidence"))
            .any(|(p, e)| points_into(p, scheduler) && e["text"] == "SyncCycleEnabled : False"),
        "{disabled_evidence}"
    );

    // The LocalDB limit: the stopped-database-disk-full run in the run history, and ADSync 6323
    // in the Application log.
    let localdb = finding(&report, "localdb-size-limit");
    assert_eq!(localdb["severity"], "critical");
    let localdb_evidence = localdb["evidence"].as_array().expect("evidence");
    let localdb_provenance = provenances(&report, localdb);
    assert!(
        localdb_provenance
            .iter()
            .zip(localdb_evidence)
            .any(
                |(p, e)| points_into(p, "RUNHISTORY/AADCONNECT01_Get-ADSyncRunProfileResult.csv")
                    && e["text"]
                        .as_str()
                        .is_some_and(|t| t.contains("stopped-database-disk-full"))
            ),
        "{localdb_evidence:?}"
    );
    assert!(
        localdb_provenance
            .iter()
            .zip(localdb_evidence)
            .any(
                |(p, e)| points_into(p, "EVENTLOG/AADCONNECT01_Application.evtx")
                    && e["text"] == shipped::DB_FULL_6323
            ),
        "{localdb_evidence:?}"
    );

    // Two causes of export errors, each from the run step error results of the export run.
    for (id, error_type) in [
        ("export-invalid-soft-match", "InvalidSoftMatch"),
        (
            "export-attribute-value-must-be-unique",
            "AttributeValueMustBeUnique",
        ),
    ] {
        let export = finding(&report, id);
        let evidence = export["evidence"].as_array().expect("evidence");
        assert!(
            provenances(&report, export)
                .iter()
                .zip(evidence)
                .any(|(p, e)| points_into(
                    p,
                    "RUNHISTORY/AADCONNECT01_Get-ADSyncRunStepErrorResult.txt"
                ) && e["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(&format!("Export error {error_type} ")))),
            "{id}: {evidence:?}"
        );
    }
}
