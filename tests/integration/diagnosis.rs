//! Diagnosis through the real binary: inputs written by the test (Event Viewer text, agent traces,
//! PowerShell dumps, run history, export errors), one test per cause family with a near miss, a
//! multi-cause bundle for ranking, and the `rules` / `explain` subcommands.

use crate::util::{finding, finding_ids, syncsift, temp_dir, write};
use serde_json::Value;
use std::path::Path;
use syncsift_samples::error_export::{self, ExportError};
use syncsift_samples::event_text::{self, TextEvent};
use syncsift_samples::run_history::{self, RunRow};
use syncsift_samples::{connect_sync, ps_dump};

/// The JSON report of `analyse` on `path` (plus `extra` flags).
fn analyse(path: &Path, extra: &[&str]) -> Value {
    let output = syncsift()
        .args(["analyse", "--format", "json"])
        .args(extra)
        .arg(path)
        .output()
        .expect("run syncsift");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

fn details(finding: &Value, name: &str) -> Vec<String> {
    finding["details"][name]
        .as_array()
        .map(|values| {
            values
                .iter()
                .map(|v| v.as_str().expect("detail").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn text_event(
    log: &'static str,
    source: &'static str,
    date: &'static str,
    id: u32,
    level: &'static str,
    description: &'static str,
) -> TextEvent {
    TextEvent {
        log,
        source,
        date,
        id,
        task: "None",
        level,
        computer: "AADCONNECT01.contoso.com",
        description,
    }
}

/// A `'static` copy of a generated string (the samples' event type holds `&'static str`).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[test]
fn service_start_failures_rank_the_missing_right_first() {
    let dir = temp_dir();
    let events = [
        text_event(
            "System",
            "Service Control Manager",
            "3/14/2024 3:20:02 PM",
            7000,
            "Error",
            "The Microsoft Azure AD Sync service failed to start due to the following error: \nThe service did not start due to a logon failure.",
        ),
        text_event(
            "System",
            "Service Control Manager",
            "3/14/2024 3:19:58 PM",
            7041,
            "Error",
            "The ADSync service was unable to log on as CONTOSO\\svc-adsync with the currently configured password due to the following error: \nLogon failure: the user has not been granted the requested logon type at this computer.\n\nService: ADSync\nDomain and account: CONTOSO\\svc-adsync\n\nThis service account does not have the required user right \"Log on as a service.\"",
        ),
        // Near miss: another service's logon failure.
        text_event(
            "System",
            "Service Control Manager",
            "3/14/2024 3:21:00 PM",
            7000,
            "Error",
            "The Print Spooler service failed to start due to the following error: \nThe service did not start due to a logon failure.",
        ),
    ];
    let path = write(
        dir.path(),
        "System_events.txt",
        &event_text::event_text(&events),
    );
    let report = analyse(&path, &[]);
    assert_eq!(
        finding_ids(&report),
        [
            "sync-service-logon-right-missing",
            "sync-service-logon-failure"
        ]
    );
    let right = finding(&report, "sync-service-logon-right-missing");
    assert_eq!(details(right, "account"), ["CONTOSO\\svc-adsync"]);
    assert_eq!(right["first_seen"], "2024-03-14T15:19:58+00:00");
    assert_eq!(right["severity"], "critical");
    let logon = finding(&report, "sync-service-logon-failure");
    assert_eq!(details(logon, "service"), ["Microsoft Azure AD Sync"]);
    assert_eq!(logon["count"], 1);
    assert_eq!(
        logon["evidence"][0]["provenance"],
        format!("{}:1", path.display())
    );
    // The entries are tagged; the Print Spooler one is not evidence.
    let tagged: Vec<&Value> = report["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| !e["findings"].as_array().expect("findings").is_empty())
        .collect();
    assert_eq!(tagged.len(), 2);
}

#[test]
fn password_sync_failure_names_domain_and_rpc_error() {
    let dir = temp_dir();
    let events = [
        text_event(
            "Application",
            "Directory Synchronization",
            "8/10/2020 11:00:39 AM",
            611,
            "Error",
            "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>.\nDetails:       Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: contoso.com. Error: There was an error establishing a connection to the directory replication service. Domain controller hostname: server1.contoso.com, domain controller IP address: 10.0.0.202 ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException: RPC Error 1722 : The RPC server is unavailable. Error creating the RPC binding handle",
        ),
        // Near miss: the same id and text from another source.
        text_event(
            "Application",
            "MyBackupTool",
            "8/10/2020 11:05:00 AM",
            611,
            "Information",
            "Password synchronization failed for domain: fabrikam.com.",
        ),
    ];
    let path = write(dir.path(), "app.txt", &event_text::event_text(&events));
    let report = analyse(&path, &[]);
    assert_eq!(
        finding_ids(&report),
        ["ad-rpc-unavailable", "phs-connectivity"]
    );
    let rpc = finding(&report, "ad-rpc-unavailable");
    assert_eq!(details(rpc, "rpc_error"), ["1722"]);
    assert_eq!(details(rpc, "domain"), ["contoso.com"]);
    assert_eq!(details(rpc, "domain_controller"), ["server1.contoso.com"]);
    assert_eq!(rpc["first_seen"], "2020-08-10T11:00:39+00:00");
    assert_eq!(
        details(finding(&report, "phs-connectivity"), "domain"),
        ["contoso.com"]
    );
}

/// Heartbeats (654) every `every` minutes from 08:00 for `count` pings, then one 611 at `end`.
fn heartbeat_events(every: u32, count: u32, end: &'static str) -> Vec<TextEvent> {
    let mut events: Vec<TextEvent> = (0..count)
        .map(|n| {
            let minutes = 8 * 60 + n * every;
            let (h, m) = (minutes / 60, minutes % 60);
            let (hour, period) = if h >= 12 {
                (if h == 12 { 12 } else { h - 12 }, "PM")
            } else {
                (h, "AM")
            };
            text_event(
                "Application",
                "Directory Synchronization",
                leak(format!("3/14/2024 {hour}:{m:02}:00 {period}")),
                654,
                "Information",
                "Provision credentials ping end.",
            )
        })
        .collect();
    events.push(text_event(
        "Application",
        "ADSync",
        end,
        6946,
        "Information",
        "Run profile objects summary.",
    ));
    events
}

#[test]
fn heartbeat_absence_is_reported_with_its_window() {
    let dir = temp_dir();
    // Pings 08:00-10:00, then nothing until the last entry at 15:00.
    let events = heartbeat_events(30, 5, "3/14/2024 3:00:00 PM");
    let path = write(dir.path(), "app.txt", &event_text::event_text(&events));
    let report = analyse(&path, &[]);
    assert_eq!(finding_ids(&report), ["phs-no-heartbeat"]);
    let f = finding(&report, "phs-no-heartbeat");
    assert_eq!(f["confidence"], "medium");
    assert_eq!(
        f["gaps"],
        serde_json::json!([{
            "from": "2024-03-14T10:00:00+00:00",
            "to": "2024-03-14T15:00:00+00:00",
            "minutes": 300
        }])
    );
    assert_eq!(f["first_seen"], "2024-03-14T10:00:00+00:00");
}

#[test]
fn heartbeat_every_25_minutes_is_not_a_gap() {
    let dir = temp_dir();
    // 20 pings 25 minutes apart: 08:00-15:55, last entry at 16:00.
    let events = heartbeat_events(25, 20, "3/14/2024 4:00:00 PM");
    let path = write(dir.path(), "app.txt", &event_text::event_text(&events));
    let report = analyse(&path, &[]);
    assert!(
        finding_ids(&report).is_empty(),
        "{:?}",
        finding_ids(&report)
    );
}

fn export_error(error_type: &'static str, literal: &'static str) -> ExportError {
    ExportError {
        dn: "CN={11112222333344445555666677778888}",
        cs_object_id: "{0D4C5B6A-1111-4222-8333-944455566699}",
        object_type: "user",
        error_type,
        code: "0x80230701",
        literal,
        occurred: (2024, 3, 14, 14, 6, 2, 0),
        first_occurred: (2024, 3, 12, 9, 0, 0, 0),
        retry_count: 3,
    }
}

#[test]
fn export_errors_name_the_object_and_attribute() {
    let dir = temp_dir();
    let errors = [
        export_error(
            "LargeObject",
            "The provisioned object is too large. Trim the number of attribute values on this object. userCertificate has 17 values.",
        ),
        export_error(
            "ObjectTypeMismatch",
            "Unable to update this object because of a conflict with an object of another type.",
        ),
    ];
    let aad = ps_dump::AAD_CONNECTOR;
    write(
        dir.path(),
        "CSEXPORT/error_export.xml",
        &error_export::cs_export_xml(aad, &errors),
    );
    // Near miss: the type name in a message of an unrelated source is not an export error.
    write(
        dir.path(),
        "EVENTLOG/app.txt",
        &event_text::event_text(&[text_event(
            "Application",
            "MyHelpdeskTool",
            "3/14/2024 3:00:00 PM",
            1,
            "Warning",
            "Ticket mentions ObjectTypeMismatch",
        )]),
    );
    let report = analyse(dir.path(), &[]);
    assert_eq!(
        finding_ids(&report),
        ["export-large-object", "export-object-type-mismatch"]
    );
    let large = finding(&report, "export-large-object");
    assert_eq!(
        details(large, "object"),
        ["CN={11112222333344445555666677778888}"]
    );
    assert_eq!(details(large, "attribute"), ["userCertificate"]);
    assert_eq!(details(large, "connector"), [aad]);
    assert_eq!(large["first_seen"], "2024-03-14T14:06:02+00:00");
    let mismatch = finding(&report, "export-object-type-mismatch");
    assert_eq!(mismatch["count"], 1);
}

#[test]
fn scheduler_dump_shows_staging_and_disabled_scheduler() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "Get-ADSyncScheduler.txt",
        &ps_dump::scheduler(true, false),
    );
    let report = analyse(&path, &[]);
    assert_eq!(finding_ids(&report), ["staging-mode", "scheduler-disabled"]);
    let staging = finding(&report, "staging-mode");
    assert_eq!(details(staging, "StagingModeEnabled"), ["True"]);
    assert_eq!(
        staging["evidence"][0]["provenance"],
        format!("{}:10", path.display())
    );
    assert_eq!(staging["first_seen"], Value::Null);

    // Near miss: an active server with its scheduler on.
    let path = write(
        dir.path(),
        "active/Get-ADSyncScheduler.txt",
        &ps_dump::scheduler(false, true),
    );
    assert!(finding_ids(&analyse(&path, &[])).is_empty());
}

#[test]
fn run_history_statuses_give_their_causes() {
    let dir = temp_dir();
    let runs = [
        RunRow {
            number: 7,
            connector: ps_dump::AAD_CONNECTOR,
            profile: "Export",
            result: "stopped-deletion-threshold-exceeded",
            start: (2024, 3, 14, 9, 0, 0, 0),
            end: (2024, 3, 14, 9, 0, 30, 0),
        },
        RunRow {
            number: 8,
            connector: ps_dump::AD_CONNECTOR,
            profile: "Delta Import",
            result: "success",
            start: (2024, 3, 14, 9, 30, 0, 0),
            end: (2024, 3, 14, 9, 30, 30, 0),
        },
    ];
    let path = write(
        dir.path(),
        "RunProfileResult.csv",
        &run_history::run_profile_csv(&runs),
    );
    let report = analyse(&path, &[]);
    assert_eq!(
        finding_ids(&report),
        ["accidental-delete-threshold", "run-profile-errors"]
    );
    let deletes = finding(&report, "accidental-delete-threshold");
    assert_eq!(details(deletes, "connector"), [ps_dump::AAD_CONNECTOR]);
    assert_eq!(deletes["first_seen"], "2024-03-14T09:00:00+00:00");
    let runs = finding(&report, "run-profile-errors");
    assert_eq!(
        details(runs, "status"),
        ["stopped-deletion-threshold-exceeded"]
    );
    assert_eq!(runs["count"], 1);
}

/// Agent trace lines (.NET TraceListener layout, footers with the entry's time).
const AGENT_TRACE: &[&str] = &[
    "AzureADConnectProvisioningAgent Information: 0 : Starting agent",
    "AzureADConnectProvisioningAgent Error: 0 : Web socket failed to connect.",
    "   at Microsoft.ApplicationProxy.Connector.Listeners.ConnectorSignalingWebSocket.Connect()",
    "    DateTime=2024-03-09T10:15:23.0000000Z",
    "AzureADConnectProvisioningAgent Error: 0 : Job AD2AADProvisioning.30b500eaf9c643b2b78804e80c1421fe.5c291d3c-d29f-4570-9d6b-f0c2fa3d5926 is in quarantine: AzureActiveDirectoryExpiredCredentials. CredentialsExpired AADSTS50055: The password is expired.",
    "    DateTime=2024-03-09T10:20:00.0000000Z",
    "AzureADConnectProvisioningAgent Warning: 0 : ServiceBusClientWebSocket was expecting more bytes",
    "    DateTime=2024-03-09T10:25:00.0000000Z",
];

#[test]
fn agent_trace_shows_blocked_outbound_and_an_expired_account() {
    let dir = temp_dir();
    let trace = AGENT_TRACE.join("\r\n") + "\r\n";
    let path = write(
        dir.path(),
        "Trace/AzureADConnectProvisioningAgent_1.log",
        trace.as_bytes(),
    );
    let report = analyse(&path, &[]);
    assert_eq!(
        finding_ids(&report),
        [
            "cloud-sync-account-invalid",
            "agent-outbound-blocked",
            "cloud-sync-quarantine"
        ]
    );
    let account = finding(&report, "cloud-sync-account-invalid");
    assert_eq!(
        details(account, "quarantine_code"),
        ["AzureActiveDirectoryExpiredCredentials"]
    );
    assert_eq!(details(account, "aadsts"), ["AADSTS50055"]);
    assert_eq!(account["first_seen"], "2024-03-09T10:20:00+00:00");
    let outbound = finding(&report, "agent-outbound-blocked");
    assert_eq!(outbound["count"], 2);
    assert_eq!(outbound["first_seen"], "2024-03-09T10:15:23+00:00");
    assert_eq!(outbound["last_seen"], "2024-03-09T10:25:00+00:00");
    assert_eq!(
        details(finding(&report, "cloud-sync-quarantine"), "quarantine_code"),
        ["AzureActiveDirectoryExpiredCredentials"]
    );
}

#[test]
fn generic_connection_errors_outside_the_agent_are_not_agent_findings() {
    let dir = temp_dir();
    let events = [text_event(
        "Application",
        "Application Error",
        "3/9/2024 10:00:00 AM",
        1000,
        "Error",
        "An existing connection was forcibly closed by the remote host. ServiceBusClientWebSocket was expecting more bytes",
    )];
    let path = write(dir.path(), "app.txt", &event_text::event_text(&events));
    assert!(finding_ids(&analyse(&path, &[])).is_empty());
}

#[test]
fn a_bundle_with_several_causes_lists_each_once_ranked() {
    let dir = temp_dir();
    for (path, bytes) in connect_sync::artefacts() {
        write(dir.path(), &path, &bytes);
    }
    let report = analyse(dir.path(), &[]);
    assert_eq!(
        finding_ids(&report),
        [
            "localdb-size-limit",
            "sync-service-logon-failure",
            "export-attribute-value-must-be-unique",
            "export-invalid-soft-match",
            "export-cloud-only-object-violation",
            "phs-connectivity",
            "staging-mode",
            "phs-no-heartbeat",
            "scheduler-disabled",
            "run-profile-errors",
        ]
    );
    // The same run and the same export errors are read from several files: counted once.
    let localdb = finding(&report, "localdb-size-limit");
    assert_eq!(localdb["count"], 2);
    assert_eq!(localdb["first_seen"], "2024-03-04T10:00:05+00:00");
    assert_eq!(localdb["last_seen"], "2024-03-04T11:00:07+00:00");
    let unique = finding(&report, "export-attribute-value-must-be-unique");
    assert_eq!(unique["count"], 1);
    assert_eq!(details(unique, "attribute"), ["ProxyAddresses"]);
    assert_eq!(details(unique, "value"), ["SMTP:jdoe@contoso.com"]);
    let runs = finding(&report, "run-profile-errors");
    assert_eq!(runs["count"], 2);
    assert_eq!(runs["first_seen"], "2024-03-04T10:00:05+00:00");
    assert_eq!(runs["last_seen"], "2024-03-14T14:05:11+00:00");

    // The terminal view lists the findings before the inputs.
    let output = syncsift().arg(dir.path()).output().expect("run");
    let text = String::from_utf8_lossy(&output.stdout);
    let findings_at = text.find("FINDINGS  10 causes").expect("findings section");
    let inputs_at = text.find("\nINPUTS").expect("inputs section");
    assert!(findings_at < inputs_at);
    assert!(text.contains("  1. CRITICAL localdb-size-limit"));
}

#[test]
fn rules_check_passes_on_the_shipped_catalogue_and_names_problems() {
    syncsift()
        .args(["rules", "check"])
        .assert()
        .success()
        .stdout(predicates::str::contains("40 rules OK"));
    let dir = temp_dir();
    write(
        dir.path(),
        "broken.toml",
        b"[[rule]]\nid = \"mine\"\ntitle = \"Mine\"\nproduct = \"both\"\nseverity = \"error\"\nexplanation = \"e\"\nremediation = [\"r\"]\n[[rule.match]]\nkind = \"signature\"\nliterals = [\"x\"]\nregex = '(oops'\n",
    );
    let output = syncsift()
        .args(["rules", "check"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.toml:11: match.regex: the regex does not compile"),
        "{stderr}"
    );
    // analyse refuses a broken rule folder too, as a usage error.
    syncsift()
        .args(["analyse", "--rules"])
        .arg(dir.path())
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("broken.toml:11: match.regex"));
}

#[test]
fn a_user_rule_adds_a_cause_that_fires() {
    let dir = temp_dir();
    let rules = dir.path().join("rules");
    write(
        &rules,
        "site.toml",
        b"[[rule]]\nid = \"site-disk-alert\"\ntitle = \"Our monitoring saw a full disk\"\nproduct = \"both\"\nseverity = \"warning\"\nexplanation = \"Site rule.\"\nremediation = [\"Call storage.\"]\n[[rule.match]]\nkind = \"signature\"\nliterals = [\"disk is full\"]\nregex = 'volume (?P<volume>[A-Z]:)'\n",
    );
    let events = [text_event(
        "Application",
        "SiteMonitor",
        "3/9/2024 10:00:00 AM",
        42,
        "Information",
        "The disk is full on volume D:",
    )];
    let path = write(dir.path(), "app.txt", &event_text::event_text(&events));
    assert!(finding_ids(&analyse(&path, &[])).is_empty());
    let rules_flag = rules.display().to_string();
    let report = analyse(&path, &["--rules", &rules_flag]);
    assert_eq!(finding_ids(&report), ["site-disk-alert"]);
    assert_eq!(
        details(finding(&report, "site-disk-alert"), "volume"),
        ["D:"]
    );
    syncsift()
        .args(["rules", "list"])
        .arg(&rules)
        .assert()
        .success()
        .stdout(predicates::str::contains("site-disk-alert"))
        .stdout(predicates::str::contains("41 rules"));
}

#[test]
fn explain_prints_the_cause_offline_and_suggests_close_ids() {
    syncsift()
        .args(["explain", "phs-no-heartbeat"])
        .assert()
        .success()
        .stdout(predicates::str::contains("No password hash sync heartbeat"))
        .stdout(predicates::str::contains("WHAT TO DO"))
        .stdout(predicates::str::contains(
            "https://learn.microsoft.com/azure/active-directory/hybrid/tshoot-connect-password-hash-synchronization",
        ));
    syncsift()
        .args(["explain", "phs-no-hearbeat"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean: phs-no-heartbeat"));
}
