//! `--redact`: a bundle seeded with known personal and tenant values of every class, in UTF-8 and
//! UTF-16LE agent traces, a PowerShell dump, run history, export errors, Event Viewer text and an
//! EVTX log (its `Computer` field and `EventData`). With
//! `--redact` no seeded value appears in any output format (searched as bytes, ignoring case);
//! without it they do, so the search means something.

use crate::util::{syncsift, temp_dir, utf16le_with_bom, write};
use chrono::{TimeZone, Utc};
use std::path::Path;
use syncsift_samples::error_export::{self, ExportError};
use syncsift_samples::event_text::{self, TextEvent};
use syncsift_samples::events;
use syncsift_samples::evtx_writer::{EventData, evtx_bytes, level};
use syncsift_samples::ps_dump::{format_list, out_file};
use syncsift_samples::run_history::{self, RunRow};

const DOMAIN: &str = "tailspinx.com";
const UPN: &str = "mvelasquez@tailspinx.com";
const PROXY_LOCAL: &str = "marta.velasquez";
const CN: &str = "Velasquez";
const OU: &str = "Finance Staff";
const SERVICE_ACCOUNT: &str = "svc-sync42";
const GUID: &str = "3f2a9c1e-7b4d-4e8a-9c21-5d6e7f8a9b0c";
const ANCHOR: &str = "HJ3kq9TmPUyQ2wXv8bN4sA==";
const SID_DOMAIN: &str = "1844237615-456147621-2103448922";
const TENANT_ID: &str = "5c2e8f31-9a7b-4d6c-8e1f-2a3b4c5d6e7f";
const TENANT_NAME: &str = "tailspinxtenant";
const COMPUTER: &str = "SYNCSRV07";
const DC: &str = "TSDC02";
const IPV4: &str = "172.20.31.45";
const IPV6: &str = "fd12:3456:789a:1::2f";
const PERSON: &str = "Marta Velasquez";
// Seeded only in the EVTX log, so that its redaction is tested on its own.
const EVTX_COMPUTER: &str = "TSSYNC11";
const EVTX_UPN: &str = "jkowalski@tailspinx.com";
const EVTX_GUID: &str = "8d41b7e2-0c5a-4f93-b6d8-1e2f3a4b5c6d";
const EVTX_SID_DOMAIN: &str = "2967041183-774019562-3310457720";
const EVTX_IPV4: &str = "10.44.118.9";
const EVTX_CN: &str = "Kowalski";
const EVTX_OU: &str = "Payroll Contractors";

/// Every value that must not survive redaction.
const SEEDED: &[&str] = &[
    DOMAIN,
    // The NetBIOS domain, and the organisation's name as a word.
    "tailspinx",
    UPN,
    "mvelasquez",
    PROXY_LOCAL,
    CN,
    OU,
    SERVICE_ACCOUNT,
    GUID,
    ANCHOR,
    SID_DOMAIN,
    TENANT_ID,
    TENANT_NAME,
    COMPUTER,
    DC,
    IPV4,
    IPV6,
    PERSON,
    EVTX_COMPUTER,
    EVTX_UPN,
    "jkowalski",
    EVTX_GUID,
    EVTX_SID_DOMAIN,
    EVTX_IPV4,
    EVTX_CN,
    EVTX_OU,
];

fn agent_trace_lines() -> String {
    [
        "AADConnectProvisioningAgent.exe Information: 0 : Starting agent for tenant TenantId: 5c2e8f31-9a7b-4d6c-8e1f-2a3b4c5d6e7f (tailspinxtenant.onmicrosoft.com)",
        "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect from 172.20.31.45 to tailspinxtenant.servicebus.windows.net",
        "    ProcessId=4242",
        "    DateTime=2024-03-09T10:15:23.1234567Z",
        "AADConnectProvisioningAgent.exe Warning: 0 : Export of mvelasquez@tailspinx.com (objectGUID {3f2a9c1e-7b4d-4e8a-9c21-5d6e7f8a9b0c}) failed",
        "AADConnectProvisioningAgent.exe Error: 0 : LDAP bind to TSDC02.tailspinx.com as TAILSPINX\\svc-sync42 failed",
        "",
    ]
    .join("\r\n")
}

fn agent_trace_utf16() -> String {
    [
        "AADConnectProvisioningAgent.exe Error: 0 : Object CN=Velasquez\\, Marta,OU=Finance Staff,DC=tailspinx,DC=com has sourceAnchor HJ3kq9TmPUyQ2wXv8bN4sA==",
        "AADConnectProvisioningAgent.exe Error: 0 : Domain controller fd12:3456:789a:1::2f refused SID S-1-5-21-1844237615-456147621-2103448922-1107",
        "",
    ]
    .join("\r\n")
}

fn user_dump() -> Vec<u8> {
    out_file(&format_list(&[
        ("UserPrincipalName", UPN),
        ("DisplayName", PERSON),
        ("SamAccountName", "mvelasquez"),
        ("ObjectGUID", GUID),
        ("ImmutableId", ANCHOR),
        ("ObjectSid", "S-1-5-21-1844237615-456147621-2103448922-1107"),
        (
            "DistinguishedName",
            "CN=Velasquez\\, Marta,OU=Finance Staff,DC=tailspinx,DC=com",
        ),
        (
            "ProxyAddresses",
            "{SMTP:marta.velasquez@tailspinx.com, smtp:mvelasquez@tailspinxtenant.onmicrosoft.com}",
        ),
        ("Server", "TSDC02.tailspinx.com"),
    ]))
}

fn export_errors() -> Vec<ExportError> {
    vec![ExportError {
        dn: "CN=Velasquez\\, Marta,OU=Finance Staff,DC=tailspinx,DC=com",
        cs_object_id: "{3F2A9C1E-7B4D-4E8A-9C21-5D6E7F8A9B0C}",
        object_type: "user",
        error_type: "AttributeValueMustBeUnique",
        code: "0x80230703",
        literal: "A synchronized object with the same proxy address already exists in your Microsoft Online Services directory. [ProxyAddresses SMTP:marta.velasquez@tailspinx.com;]",
        occurred: (2024, 3, 14, 14, 6, 2, 6),
        first_occurred: (2024, 3, 11, 8, 0, 16, 987),
        retry_count: 3,
    }]
}

fn runs() -> Vec<RunRow> {
    vec![RunRow {
        number: 57,
        connector: "tailspinxtenant.onmicrosoft.com - AAD",
        profile: "Export",
        result: "completed-export-errors",
        start: (2024, 3, 14, 14, 5, 11, 0),
        end: (2024, 3, 14, 14, 6, 40, 0),
    }]
}

fn text_events() -> Vec<TextEvent> {
    vec![TextEvent {
        log: "Application",
        source: "Directory Synchronization",
        date: "3/14/2024 3:12:40 PM",
        id: 611,
        task: "None",
        level: "Error",
        computer: "SYNCSRV07.tailspinx.com",
        description: "Password hash synchronization failed for domain: tailspinx.com, domain controller hostname: TSDC02.tailspinx.com, domain controller IP address: 172.20.31.45.",
    }]
}

/// An Application log of the sync server: `Directory Synchronization` events (kept by the
/// analysis) whose `Computer` and `EventData` carry values seeded nowhere else.
fn application_evtx() -> Vec<u8> {
    let time = |minute| {
        Utc.with_ymd_and_hms(2024, 3, 14, 15, minute, 0)
            .single()
            .expect("valid time")
    };
    let mut failure = events::dirsync(611, level::ERROR, time(20), "");
    failure.data = EventData::Unnamed(vec![
        "Password hash synchronization failed for domain: tailspinx.com, domain controller hostname: TSDC02.tailspinx.com, domain controller IP address: 10.44.118.9.".to_owned(),
        "User: jkowalski@tailspinx.com, objectGUID {8d41b7e2-0c5a-4f93-b6d8-1e2f3a4b5c6d}, objectSid S-1-5-21-2967041183-774019562-3310457720-2214, DN CN=Kowalski\\, Jan,OU=Payroll Contractors,DC=tailspinx,DC=com".to_owned(),
    ]);
    // Named data, as manifest-based providers write it.
    let mut ping = events::dirsync(654, level::INFORMATION, time(22), events::PING_END);
    ping.data = EventData::Named(vec![
        ("UserPrincipalName".to_owned(), EVTX_UPN.to_owned()),
        ("ObjectGuid".to_owned(), EVTX_GUID.to_owned()),
        ("ClientAddress".to_owned(), EVTX_IPV4.to_owned()),
    ]);
    let computer = format!("{EVTX_COMPUTER}.tailspinx.com");
    let mut log = [failure, ping];
    for event in &mut log {
        event.computer.clone_from(&computer);
    }
    evtx_bytes(&log).expect("EVTX written")
}

/// The bundle, laid out as a support collector does (the computer's name is in file names).
fn seeded_bundle(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("bundle");
    write(&root, "Trace/agent.log", agent_trace_lines().as_bytes());
    write(
        &root,
        "Trace/agent-utf16.log",
        &utf16le_with_bom(&agent_trace_utf16()),
    );
    write(&root, "CONFIG/Get-ADUser.txt", &user_dump());
    let (runs, errors) = (runs(), export_errors());
    write(
        &root,
        &format!("RUNHISTORY/{COMPUTER}_Get-ADSyncRunProfileResult.csv"),
        &run_history::run_profile_csv(&runs),
    );
    write(
        &root,
        &format!("RUNHISTORY/{COMPUTER}_Get-ADSyncRunStepErrorResult.txt"),
        &run_history::run_step_error_result(&runs[0], &errors),
    );
    write(
        &root,
        &format!("RUNHISTORY/{COMPUTER}_RunHistory.xml"),
        &run_history::run_history_xml(&runs, &errors),
    );
    write(
        &root,
        "CSEXPORT/error_export.xml",
        &error_export::cs_export_xml(runs[0].connector, &errors),
    );
    write(
        &root,
        "CSEXPORT/analyzed_error_export.csv",
        &error_export::analyzed_error_csv(&errors),
    );
    write(
        &root,
        "CSEXPORT/error_details.txt",
        &error_export::copy_details(runs[0].connector, &errors[0]),
    );
    write(
        &root,
        &format!("EVENTLOG/{COMPUTER}_Application_events.txt"),
        &event_text::event_text(&text_events()),
    );
    write(
        &root,
        &format!("EVENTLOG/{COMPUTER}_Application.evtx"),
        &application_evtx(),
    );
    root
}

fn run(bundle: &Path, extra: &[&str]) -> Vec<u8> {
    let output = syncsift()
        .arg("analyse")
        .arg(bundle)
        .args(["--all", "-q"])
        .args(extra)
        .env_remove("SYNCSIFT_REDACT_KEY")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn contains_ignoring_case(haystack: &[u8], needle: &str) -> bool {
    let haystack = haystack.to_ascii_lowercase();
    let needle = needle.as_bytes().to_ascii_lowercase();
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn found(output: &[u8]) -> Vec<&'static str> {
    SEEDED
        .iter()
        .copied()
        .filter(|v| contains_ignoring_case(output, v))
        .collect()
}

fn finding_ids(json: &[u8]) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(json).expect("JSON report");
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Output formats of `--format`, as clap lists them for a bad value, so that a format added later
/// is tested without editing this file.
fn formats() -> Vec<String> {
    let output = syncsift()
        .args(["analyse", "x", "--format", "no-such-format"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    let listed = text
        .split_once("[possible values: ")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(values, _)| values.to_owned())
        .unwrap_or_default();
    listed.split(", ").map(str::to_owned).collect()
}

#[test]
fn no_seeded_value_survives_in_any_format() {
    let dir = temp_dir();
    let bundle = seeded_bundle(dir.path());

    let plain = run(&bundle, &["--format", "json"]);
    assert_eq!(
        found(&plain),
        SEEDED,
        "without --redact every seeded value is in the report (else the test proves nothing)"
    );

    let formats = formats();
    assert!(formats.iter().any(|f| f == "json") && formats.iter().any(|f| f == "terminal"));
    for format in &formats {
        let redacted = run(&bundle, &["--redact", "--format", format]);
        assert!(
            found(&redacted).is_empty(),
            "--format {format} --redact leaks {:?}:\n{}",
            found(&redacted),
            String::from_utf8_lossy(&redacted)
        );
    }

    let redacted = run(&bundle, &["--redact", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&redacted).expect("JSON");
    let replaced = &report["redaction"]["replaced"];
    for class in [
        "upn",
        "proxy_address",
        "dn_component",
        "dn_domain",
        "account",
        "guid",
        "anchor",
        "sid",
        "tenant",
        "domain",
        "host",
        "ipv4",
        "ipv6",
        "person",
    ] {
        assert!(
            replaced[class].as_u64().unwrap_or(0) > 0,
            "no {class} counted: {replaced}"
        );
    }
    assert_eq!(report["redaction"]["key"], "random");
    assert_eq!(finding_ids(&redacted), finding_ids(&plain));

    let terminal = run(&bundle, &["--redact"]);
    assert!(String::from_utf8_lossy(&terminal).contains("REDACTED: personal and tenant data"));
}

#[test]
fn same_key_same_pseudonyms_and_the_map_reverses_them() {
    let dir = temp_dir();
    let bundle = seeded_bundle(dir.path());
    let map = dir.path().join("map.json");
    let first = run(
        &bundle,
        &[
            "--redact",
            "--redact-key",
            "case-4711",
            "--redact-map",
            map.to_str().expect("utf-8 path"),
            "--format",
            "json",
        ],
    );
    let second = syncsift()
        .arg("analyse")
        .arg(&bundle)
        .args(["--all", "-q", "--redact", "--format", "json"])
        .env("SYNCSIFT_REDACT_KEY", "case-4711")
        .output()
        .expect("runs");
    assert_eq!(first, second.stdout, "same key, same report");
    let other = run(
        &bundle,
        &["--redact", "--redact-key", "other", "--format", "json"],
    );
    assert_ne!(first, other);

    let mapping: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&map).expect("map written")).expect("map JSON");
    let values = mapping["values"].as_array().expect("values");
    let upn = values
        .iter()
        .find(|v| v["class"] == "upn" && v["original"].as_str() == Some(UPN))
        .expect("the UPN is in the map");
    let pseudonym = upn["pseudonym"].as_str().expect("pseudonym");
    assert!(pseudonym.starts_with("user-") && pseudonym.ends_with(".example"));
    let report = String::from_utf8_lossy(&first);
    assert!(report.contains(pseudonym));
    assert!(
        !report.contains("LOCAL ONLY"),
        "the map is not in the report"
    );
    assert!(
        report.matches(pseudonym).count() >= 2,
        "the UPN is replaced by one pseudonym wherever it occurs"
    );

    // Across formats: the terminal view of the same key shows the same pseudonym.
    let terminal = run(&bundle, &["--redact", "--redact-key", "case-4711"]);
    assert!(String::from_utf8_lossy(&terminal).contains(pseudonym));

    // The map is never overwritten.
    let again = syncsift()
        .arg("analyse")
        .arg(&bundle)
        .args(["-q", "--redact", "--redact-map"])
        .arg(&map)
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwritten"));
    let empty_key = syncsift()
        .arg("analyse")
        .arg(&bundle)
        .args(["-q", "--redact", "--redact-key", ""])
        .output()
        .expect("runs");
    assert_eq!(empty_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty_key.stderr).contains("key is empty"));
}
