//! Unit tests of the catalogue and the engine on hand-made records, facts and rule files.

use super::*;
use crate::report::{
    Confidence, Disposition, FactReport, InputReport, Report, RunSettings, Severity, Summary, Tool,
};
use crate::timeline::Timeline;
use chrono::{Duration, TimeZone, Utc};
use syncsift_parsers::{EventTime, Level, Locator, Record};

/// Every cause id of shared/causes.md, in its order (one list for the unit and integration tests).
fn cause_ids() -> Vec<&'static str> {
    include_str!("../../tests/data/cause-ids.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
}

fn at(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 14, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn event(minutes: i64, provider: &str, id: Option<u32>, message: &str) -> Record {
    Record {
        time: EventTime::recorded(at(minutes)),
        provider: provider.into(),
        event_id: id,
        level: Level::Information,
        channel: Some("Application".into()),
        computer: None,
        message: message.into(),
        fields: Vec::new(),
        locator: Locator::EvtxRecord(minutes as u64),
    }
}

fn report(records: Vec<Record>, facts: Vec<(&str, &str)>) -> Report {
    report_of_inputs(vec![records], facts)
}

/// A report whose inputs hold these records (input i is `input-i.txt`).
fn report_of_inputs(per_input: Vec<Vec<Record>>, facts: Vec<(&str, &str)>) -> Report {
    let count = per_input.len();
    let timeline = Timeline::merge(per_input.into_iter().enumerate().collect());
    Report {
        schema_version: 1,
        tool: Tool::default(),
        settings: RunSettings {
            source_zone: "UTC".into(),
            selection: "relevant",
        },
        summary: Summary::default(),
        inputs: (0..count)
            .map(|i| InputReport {
                path: if i == 0 {
                    "Application.evtx".into()
                } else {
                    format!("input-{i}.txt")
                },
                container: None,
                format: Some("EVTX".into()),
                size: 0,
                disposition: Disposition::Parsed,
                reason: None,
                entries: 0,
                kept: 0,
                facts: 0,
                bad: 0,
                problems: Vec::new(),
                problem_count: 0,
            })
            .collect(),
        findings: Vec::new(),
        facts: facts
            .into_iter()
            .enumerate()
            .map(|(i, (key, value))| FactReport {
                input: 0,
                source: format!("Get-ADSyncScheduler.txt:{}", i + 1),
                section: None,
                key: key.into(),
                value: value.into(),
            })
            .collect(),
        timeline,
        redaction: None,
    }
}

fn shipped() -> Catalogue {
    Catalogue::shipped().expect("shipped catalogue is valid")
}

fn ids(report: &Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.id.as_str()).collect()
}

fn catalogue(text: &str) -> Result<Catalogue, CatalogueError> {
    Catalogue::build(&[("test.toml", text)], &[])
}

const RULE_HEAD: &str = "[[rule]]\nid = \"x\"\ntitle = \"X\"\nproduct = \"both\"\nseverity = \"error\"\nexplanation = \"e\"\nremediation = [\"r\"]\n";

#[test]
fn every_cause_id_is_in_the_shipped_catalogue_and_it_checks() {
    let catalogue = shipped();
    let mut shipped_ids: Vec<&str> = catalogue.rules().iter().map(|r| r.id.as_str()).collect();
    let mut expected = cause_ids();
    shipped_ids.sort_unstable();
    expected.sort_unstable();
    assert_eq!(shipped_ids, expected);
    for rule in catalogue.rules() {
        assert!(!rule.links.is_empty(), "{} has no links", rule.id);
        assert!(
            rule.links
                .iter()
                .all(|l| l.url.starts_with("https://learn.microsoft.com/")
                    || l.url.starts_with("https://support.")),
            "{}",
            rule.id
        );
    }
}

#[test]
fn event_match_keys_on_provider_id_and_text_and_captures() {
    let text = "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>. Details: DrsCommunicationException: RPC Error 1722 : The RPC server is unavailable. Error creating the RPC binding handle";
    let mut r = report(
        vec![
            event(0, "Directory Synchronization", Some(611), text),
            // A 611 of another provider is not a password sync failure.
            event(
                1,
                "Some Other Source",
                Some(611),
                "Password synchronization failed for domain: fabrikam.com.",
            ),
        ],
        vec![],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["ad-rpc-unavailable", "phs-connectivity"]);
    let rpc = &r.findings[0];
    assert_eq!(rpc.details["rpc_error"], ["1722"]);
    assert_eq!(rpc.details["domain"], ["contoso.com"]);
    assert_eq!(rpc.first_seen.as_deref(), Some("2024-03-14T00:00:00+00:00"));
    assert_eq!(rpc.count, 1);
    assert_eq!(rpc.evidence[0].provenance, "Application.evtx#record 0");
    let phs = &r.findings[1];
    assert_eq!(phs.details["domain"], ["contoso.com"]);
    // The evidence entry is tagged with both findings, in rank order.
    assert_eq!(
        r.timeline.entries()[0].findings,
        ["ad-rpc-unavailable", "phs-connectivity"]
    );
    assert!(r.timeline.entries()[1].findings.is_empty());
}

#[test]
fn same_event_id_means_different_causes_by_text() {
    let busy = "Failed credential provisioning batch. Error: Microsoft.Online.Coexistence. ProvisionRetryException: An error occurred. Error Code: 81. Error Description: Windows Azure Active Directory is currently busy. This operation will be retried automatically.";
    let not_activated = "Failed credential provisioning batch. Error: Microsoft.Online.Coexistence.ProvisionException: An error occurred. Error Code: 90. Error Description: Password Synchronization has not been activated for this company. Tracking ID: 07e93e8a-cf2d-4f67-9e95-53169c4875e0 Server Name: BL2GR1BBA003.";
    let mut r = report(
        vec![
            event(0, "Directory Synchronization", Some(652), busy),
            event(5, "Directory Synchronization", Some(652), not_activated),
        ],
        vec![],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["phs-not-activated", "aad-busy"]);
    assert_eq!(r.findings[0].details["error_code"], ["90"]);
    assert_eq!(
        r.findings[0].details["tracking_id"],
        ["07e93e8a-cf2d-4f67-9e95-53169c4875e0"]
    );
    assert_eq!(r.findings[1].severity, Severity::Info);
}

#[test]
fn state_facts_match_case_insensitively() {
    let mut r = report(
        vec![],
        vec![
            ("StagingModeEnabled", "true"),
            ("SyncCycleEnabled", "True"),
            ("SchedulerSuspended", "FALSE"),
        ],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["staging-mode"]);
    let finding = &r.findings[0];
    assert_eq!(finding.evidence[0].provenance, "Get-ADSyncScheduler.txt:1");
    assert_eq!(finding.evidence[0].text, "StagingModeEnabled : true");
    assert_eq!(finding.first_seen, None);
}

fn heartbeats(every: i64, until: i64) -> Vec<Record> {
    (0..=until / every)
        .map(|n| {
            event(
                n * every,
                "Directory Synchronization",
                Some(654),
                "Provision credentials ping end.",
            )
        })
        .collect()
}

#[test]
fn heartbeat_every_25_minutes_has_no_gap() {
    let mut records = heartbeats(25, 600);
    records.push(event(600, "ADSync", Some(6946), "end of evidence"));
    let mut r = report(records, vec![]);
    diagnose(&shipped(), &mut r);
    assert!(ids(&r).is_empty(), "{:?}", ids(&r));
}

#[test]
fn heartbeat_gaps_and_absence_are_exact_windows() {
    // Pings every 30 minutes until 02:00, none 02:00-03:30, again until 05:00, then silence
    // until the last entry at 09:00.
    let mut records: Vec<Record> = heartbeats(30, 120);
    records.extend(heartbeats(30, 300).into_iter().skip(7));
    records.push(event(540, "ADSync", Some(6946), "last entry"));
    let mut r = report(records, vec![]);
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["phs-no-heartbeat"]);
    let finding = &r.findings[0];
    let gaps: Vec<(&str, &str, i64)> = finding
        .gaps
        .iter()
        .map(|g| (g.from.as_str(), g.to.as_str(), g.minutes))
        .collect();
    assert_eq!(
        gaps,
        [
            ("2024-03-14T02:00:00+00:00", "2024-03-14T03:30:00+00:00", 90),
            (
                "2024-03-14T05:00:00+00:00",
                "2024-03-14T09:00:00+00:00",
                240
            ),
        ]
    );
    assert_eq!(finding.confidence, Confidence::Medium);
    // The last heartbeat before each gap is the evidence.
    assert_eq!(
        finding.evidence[0].time.as_deref(),
        Some("2024-03-14T02:00:00+00:00")
    );
    assert!(
        r.timeline.entries()[4]
            .findings
            .contains(&"phs-no-heartbeat".to_owned())
    );
}

#[test]
fn absence_needs_evidence_that_password_sync_is_used() {
    // A Cloud Sync bundle: hours of agent entries, no Directory Synchronization events.
    let records = vec![
        event(
            0,
            "AADConnectProvisioningAgent.exe",
            Some(0),
            "Starting agent",
        ),
        event(
            600,
            "AADConnectProvisioningAgent.exe",
            Some(0),
            "Still running",
        ),
    ];
    let mut r = report(records.clone(), vec![]);
    diagnose(&shipped(), &mut r);
    assert!(ids(&r).is_empty());
    // The same span with password hash sync enabled in a dump: no heartbeat at all.
    let mut r = report(records, vec![("PasswordHashSync", "True")]);
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["phs-no-heartbeat"]);
    assert_eq!(r.findings[0].gaps[0].minutes, 600);
    // Too short a bundle proves nothing.
    let mut r = report(
        vec![
            event(
                0,
                "Directory Synchronization",
                Some(611),
                "Password synchronization failed for domain: a.com.",
            ),
            event(60, "ADSync", Some(6946), "x"),
        ],
        vec![],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["phs-connectivity"]);
}

#[test]
fn signatures_need_the_literal_and_the_confirming_regex() {
    let mut r = report(
        vec![
            event(
                0,
                "Entra Connect wizard",
                None,
                "Application Version: 1.1.189.0",
            ),
            event(
                1,
                "Entra Connect wizard",
                None,
                "Application Version: 2.3.20.0",
            ),
        ],
        vec![],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["deprecated-sync-version"]);
    assert_eq!(r.findings[0].details["version"], ["1.1.189.0"]);
    assert_eq!(r.findings[0].count, 1);
}

#[test]
fn ranking_puts_roots_first_and_informational_last() {
    let mut r = report(
        vec![
            event(
                0,
                "Directory Synchronization",
                Some(652),
                "Error Code: 81. Error Description: Windows Azure Active Directory is currently busy.",
            ),
            event(
                10,
                "ADSync run history",
                None,
                "Run 5 of \"Export\" on c - AAD: completed-export-errors",
            ),
            event(
                20,
                "Service Control Manager",
                Some(7041),
                "The ADSync service was unable to log on as CONTOSO\\svc with the currently configured password due to the following error: Logon failure: the user has not been granted the requested logon type at this computer.",
            ),
            event(
                30,
                "Service Control Manager",
                Some(7000),
                "The Microsoft Azure AD Sync service failed to start due to the following error: The service did not start due to a logon failure.",
            ),
        ],
        vec![("SyncCycleEnabled", "False")],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(
        ids(&r),
        [
            "sync-service-logon-right-missing",
            "sync-service-logon-failure",
            "scheduler-disabled",
            "run-profile-errors",
            "aad-busy"
        ]
    );
    assert_eq!(r.findings[0].details["account"], ["CONTOSO\\svc"]);
}

#[test]
fn root_of_moves_a_lower_severity_root_before_its_symptom() {
    let text = format!(
        "{RULE_HEAD}root_of = [\"y\"]\n[[rule.match]]\nkind = \"signature\"\nliterals = [\"alpha\"]\n\n[[rule]]\nid = \"y\"\ntitle = \"Y\"\nproduct = \"both\"\nseverity = \"critical\"\nexplanation = \"e\"\nremediation = [\"r\"]\n[[rule.match]]\nkind = \"signature\"\nliterals = [\"beta\"]\n"
    )
    .replace("severity = \"error\"", "severity = \"info\"");
    let catalogue = catalogue(&text).unwrap();
    let mut r = report(
        vec![event(5, "p", None, "beta"), event(9, "p", None, "ALPHA")],
        vec![],
    );
    diagnose(&catalogue, &mut r);
    assert_eq!(ids(&r), ["x", "y"]);
}

#[test]
fn duplicates_of_one_occurrence_count_once() {
    let error = |minutes, message: &str, fields: Vec<(&str, &str)>| {
        let mut record = event(minutes, "ADSync export error", None, message);
        record.fields = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        record
    };
    // CN=a is read from two files (CS export and run history): one occurrence.
    let mut r = report_of_inputs(
        vec![
            vec![
                error(
                    0,
                    "Export error InvalidSoftMatch on CN=a",
                    vec![("DN", "CN=a")],
                ),
                error(
                    0,
                    "Export error InvalidSoftMatch on CN=b",
                    vec![("DN", "CN=b")],
                ),
            ],
            vec![error(
                0,
                "Export error InvalidSoftMatch on CN=a in c - AAD",
                vec![("DN", "CN=a"), ("Connector", "c - AAD")],
            )],
        ],
        vec![],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["export-invalid-soft-match"]);
    assert_eq!(r.findings[0].count, 2);
    assert_eq!(r.findings[0].details["object"], ["CN=a", "CN=b"]);
    assert_eq!(r.findings[0].details["connector"], ["c - AAD"]);
    assert!(r.timeline.entries().iter().all(|e| !e.findings.is_empty()));
}

#[test]
fn evidence_is_capped_and_count_is_complete() {
    let records: Vec<Record> = (0..12)
        .map(|n| event(n, "Directory Synchronization", Some(116), &format!("Prevent Accidental Deletes: The number of deletions for this sync cycle ({} pending deletes) has exceeded the current threshold of 50 objects.", 100 + n)))
        .collect();
    let mut r = report(records, vec![]);
    diagnose(&shipped(), &mut r);
    let finding = &r.findings[0];
    assert_eq!(finding.id, "accidental-delete-threshold");
    assert_eq!(finding.count, 12);
    assert_eq!(finding.evidence.len(), 5);
    assert_eq!(finding.details["threshold"], ["50"]);
    assert_eq!(finding.details["pending_deletes"].len(), 12);
    assert_eq!(
        finding.last_seen.as_deref(),
        Some("2024-03-14T00:11:00+00:00")
    );
}

#[test]
fn terms_keep_every_entry_a_rule_can_match() {
    let terms = terms(&shipped());
    assert!(
        terms
            .events
            .contains(&("directory synchronization".to_owned(), 611))
    );
    assert!(
        terms
            .events
            .contains(&("service control manager".to_owned(), 7041))
    );
    assert!(
        terms
            .literals
            .iter()
            .any(|l| l == "Web socket failed to connect")
    );
    assert!(
        !terms
            .providers
            .iter()
            .any(|p| p == "service control manager")
    );
}

#[test]
fn malformed_files_name_file_line_and_field() {
    let unknown = format!(
        "{RULE_HEAD}colour = \"red\"\n[[rule.match]]\nkind = \"signature\"\nliterals = [\"a\"]\n"
    );
    let error = catalogue(&unknown).unwrap_err();
    assert_eq!(error.problems.len(), 1);
    let problem = &error.problems[0];
    assert_eq!(
        (problem.file.as_str(), problem.line, problem.field.as_str()),
        ("test.toml", 8, "colour")
    );

    let bad_regex = format!(
        "{RULE_HEAD}[[rule.match]]\nkind = \"signature\"\nliterals = [\"a\"]\nregex = '(unclosed'\n"
    );
    let problem = &catalogue(&bad_regex).unwrap_err().problems[0];
    assert_eq!((problem.line, problem.field.as_str()), (11, "match.regex"));
    assert!(problem.message.contains("does not compile"), "{problem}");

    let no_providers = format!("{RULE_HEAD}[[rule.match]]\nkind = \"event\"\nevents = [611]\n");
    let problem = &catalogue(&no_providers).unwrap_err().problems[0];
    assert_eq!(
        (problem.line, problem.field.as_str()),
        (9, "match.providers")
    );

    let wrong_kind_field = format!(
        "{RULE_HEAD}[[rule.match]]\nkind = \"state\"\nkeys = [\"A\"]\nequals = [\"B\"]\nregex = 'x'\n"
    );
    let problem = &catalogue(&wrong_kind_field).unwrap_err().problems[0];
    assert_eq!(problem.field, "match.regex");
    assert!(problem.message.contains("does not apply"), "{problem}");

    let no_precondition = format!(
        "{RULE_HEAD}[[rule.match]]\nkind = \"absence\"\nproviders = [\"P\"]\nwindow_minutes = 60\n"
    );
    let problem = &catalogue(&no_precondition).unwrap_err().problems[0];
    assert_eq!(problem.field, "match.requires_providers");

    let twice = format!(
        "{RULE_HEAD}[[rule.match]]\nkind = \"signature\"\nliterals = [\"a\"]\n\n{RULE_HEAD}[[rule.match]]\nkind = \"signature\"\nliterals = [\"a\"]\n"
    );
    let problem = &catalogue(&twice).unwrap_err().problems[0];
    assert_eq!(
        (problem.field.as_str(), problem.message.as_str()),
        ("id", "duplicate rule id `x`")
    );

    let dangling = format!(
        "{RULE_HEAD}root_of = [\"nobody\"]\n[[rule.match]]\nkind = \"signature\"\nliterals = [\"a\"]\n"
    );
    let problem = &catalogue(&dangling).unwrap_err().problems[0];
    assert_eq!((problem.line, problem.field.as_str()), (8, "root_of"));

    let syntax = "[[rule]]\nid = \"x\"\ntitle = \n";
    let problem = &catalogue(syntax).unwrap_err().problems[0];
    assert_eq!(problem.line, 3);
}

#[test]
fn user_rules_add_and_override_by_id() {
    let user = vec![(
        "mine.toml".to_owned(),
        "[[rule]]\nid = \"aad-busy\"\ntitle = \"Busy (mine)\"\nproduct = \"both\"\nseverity = \"warning\"\nexplanation = \"e\"\nremediation = [\"r\"]\n[[rule.match]]\nkind = \"signature\"\nliterals = [\"busy\"]\n".to_owned(),
    )];
    let catalogue = Catalogue::build(catalogue::SHIPPED, &user).unwrap();
    assert_eq!(catalogue.rules().len(), 40);
    let rule = catalogue.get("aad-busy").unwrap();
    assert_eq!(
        (rule.title.as_str(), rule.origin.as_str()),
        ("Busy (mine)", "mine.toml")
    );
    assert_eq!(
        shipped().similar_ids("phs-no-hearbeat"),
        ["phs-no-heartbeat"]
    );
}

/// One piece of evidence per cause, in the verbatim texts of formats.md where there is one: each
/// must give its cause (other causes may fire too).
#[test]
fn every_cause_fires_on_its_own_evidence() {
    let ds = "Directory Synchronization";
    let agent = "AADConnectProvisioningAgent.exe";
    let scm = "Service Control Manager";
    let errors = "ADSync export error";
    let cases: Vec<(&str, Record)> = vec![
        (
            "sync-service-logon-failure",
            event(
                0,
                scm,
                Some(7038),
                "The ADSync service was unable to log on as CONTOSO\\svc with the currently configured password due to the following error: The user name or password is incorrect.",
            ),
        ),
        (
            "sync-service-logon-right-missing",
            event(
                0,
                scm,
                Some(7041),
                "The AADConnectProvisioningAgent service was unable to log on as NT SERVICE\\AADConnectProvisioningAgent with the currently configured password due to the following error: Logon failure: the user has not been granted the requested logon type at this computer.",
            ),
        ),
        (
            "localdb-size-limit",
            event(
                0,
                "ADSync",
                Some(6323),
                "The server encountered an error because SQL Server is out of disk space.",
            ),
        ),
        (
            "sql-connectivity",
            event(
                0,
                "Entra Connect wizard",
                None,
                "A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible.",
            ),
        ),
        (
            "deprecated-sync-version",
            event(
                0,
                ds,
                Some(109),
                "This version of the Microsoft Online Services Directory Sync tool is no longer supported. Uninstall this version, and then download and install the latest version from your Admin Portal page.",
            ),
        ),
        (
            "domain-unreachable",
            event(
                0,
                "Entra Connect wizard",
                None,
                "The specified domain either does not exist or could not be contacted. (0x54B)",
            ),
        ),
        (
            "ad-rpc-unavailable",
            event(
                0,
                "ADSync",
                Some(6329),
                "ERR_: MMS(4984): admaexport.cpp(2939): RPC Error 1753 : There are no more endpoints available from the endpoint mapper.",
            ),
        ),
        (
            "adds-account-credentials",
            event(
                0,
                "ADSync run history",
                None,
                "Run 3 of \"Delta Import\" on contoso.com: stopped-credentials",
            ),
        ),
        (
            "adds-account-permissions",
            event(
                0,
                ds,
                Some(611),
                "Password hash synchronization failed for domain: contoso.com. DrsException: RPC Error 8453 : Replication access was denied. There was an error calling _IDL_DRSGetNCChanges.",
            ),
        ),
        (
            "aad-connectivity",
            event(
                0,
                ds,
                Some(0),
                "Unable to establish a connection to the authentication service. Contact Technical Support.0 GetAuthState() failed with -2147186688 state. HResult:0. Contact Technical Support. (0x80048862)",
            ),
        ),
        (
            "aad-service-account",
            event(
                0,
                ds,
                Some(655),
                "The user name or password is incorrect. Verify your user name, and then type your password again.",
            ),
        ),
        (
            "aba-certificate",
            event(
                0,
                ds,
                Some(906),
                "[MSAL] AcquireTokenWithCertificate: Exception caught while acquiring token via certificate. Original exception: AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.",
            ),
        ),
        (
            "staging-mode",
            event(0, ds, Some(350), "Staging mode has been enabled."),
        ),
        (
            "accidental-delete-threshold",
            event(
                0,
                ds,
                Some(116),
                "Prevent Accidental Deletes: The number of deletions for this sync cycle (100 pending deletes) has exceeded the current threshold of 50 objects.",
            ),
        ),
        (
            "run-profile-errors",
            event(
                0,
                "ADSync",
                Some(6100),
                "The management agent \"int.contoso.com\" step execution completed on run profile \"Export\" with errors.\n Additional Information\n Discovery Errors       : \"0\"\n Synchronization Errors : \"0\"\n Metaverse Retry Errors : \"0\"\n Export Errors          : \"4\"\n Warnings               : \"0\"",
            ),
        ),
        (
            "export-invalid-soft-match",
            event(0, errors, None, "Export error InvalidSoftMatch on CN=a"),
        ),
        (
            "export-invalid-hard-match",
            event(0, errors, None, "Export error InvalidHardMatch on CN=a"),
        ),
        (
            "export-object-type-mismatch",
            event(0, errors, None, "Export error ObjectTypeMismatch on CN=a"),
        ),
        (
            "export-attribute-value-must-be-unique",
            event(
                0,
                errors,
                None,
                "Export error 0 on CN=a: A synchronized object with the same proxy address already exists in your Microsoft Online Services directory.",
            ),
        ),
        (
            "export-identity-data-validation-failed",
            event(
                0,
                errors,
                None,
                "Export error IdentityDataValidationFailed on CN=a",
            ),
        ),
        (
            "export-large-object",
            event(
                0,
                errors,
                None,
                "Export error ExceededAllowedLength on CN=a: proxyAddresses",
            ),
        ),
        (
            "export-admin-role-conflict",
            event(
                0,
                errors,
                None,
                "Export error Existing Admin Role Conflict on CN=a",
            ),
        ),
        (
            "export-cloud-only-object-violation",
            event(
                0,
                errors,
                None,
                "Unable to process this update because one or more cloud-only users' credential update is included in the current request.",
            ),
        ),
        (
            "phs-connectivity",
            event(
                0,
                ds,
                Some(611),
                "Password synchronization failed for domain: Contoso.com. System.ArgumentException: An item with the same key has already been added.",
            ),
        ),
        (
            "phs-not-activated",
            event(
                0,
                "ADSync",
                Some(6900),
                "The server encountered an unexpected error while processing a password change notification: \"An error occurred. Error Code: 90. Error Description: Password Synchronization has not been activated for this company",
            ),
        ),
        (
            "phs-temporary-password",
            event(
                0,
                "ADSyncDiagnostics",
                None,
                "Password sync status for CN=Eli: FilteredByTarget",
            ),
        ),
        (
            "phs-object-not-exported",
            event(
                0,
                "ADSyncDiagnostics",
                None,
                "Status: TargetNotExportedToDirectory",
            ),
        ),
        (
            "aad-busy",
            event(
                0,
                ds,
                Some(652),
                "Error Code: 81. Error Description: Windows Azure Active Directory is currently busy. This operation will be retried automatically.",
            ),
        ),
        (
            "agent-service-start-failure",
            event(
                0,
                "AADConnectProvisioningAgentWizard",
                None,
                "Service 'Microsoft Entra Connect Provisioning Agent' (AADConnectProvisioningAgent) failed to start. Verify that you have sufficient privileges to start system services.",
            ),
        ),
        (
            "agent-outbound-blocked",
            event(
                0,
                agent,
                Some(0),
                "An error occurred: HybridIdentityServiceNoActiveAgents",
            ),
        ),
        (
            "agent-proxy-required",
            event(
                0,
                agent,
                Some(0),
                "Agent registration failed: The operation has timed out.",
            ),
        ),
        (
            "agent-tls-inspection",
            event(
                0,
                agent,
                Some(0),
                "The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.",
            ),
        ),
        (
            "agent-registration-execution-policy",
            event(
                0,
                "AADConnectProvisioningAgentWizard",
                None,
                "Register.ps1 cannot be loaded because running scripts is disabled on this system.",
            ),
        ),
        (
            "agent-gmsa",
            event(
                0,
                "AADConnectProvisioningAgentWizard",
                None,
                "Unable to create gMSA because KDS may not be running on domain controller. Please create/run KDS manually.",
            ),
        ),
        (
            "cloud-sync-quarantine",
            event(
                0,
                agent,
                Some(0),
                "The job is in quarantine: HybridSynchronizationActiveDirectoryInsufficientAccessRights",
            ),
        ),
        (
            "cloud-sync-account-invalid",
            event(
                0,
                "Provisioning logs",
                None,
                "AzureActiveDirectoryInvalidCredential: CredentialsInvalid AADSTS50034: The user account does not exist",
            ),
        ),
        (
            "password-writeback",
            event(
                0,
                "ADSync",
                Some(6329),
                "ERR_: MMS(1234): admaexport.cpp(2944): Failed to acquire user information: Contoso\\MSOL_0123456789ab. Error Code: ERROR_ACCESS_DENIED",
            ),
        ),
    ];
    let catalogue = shipped();
    let mut covered: Vec<&str> = Vec::new();
    for (id, record) in cases {
        let mut r = report(vec![record], vec![]);
        diagnose(&catalogue, &mut r);
        assert!(ids(&r).contains(&id), "{id}: got {:?}", ids(&r));
        covered.push(id);
    }
    for (id, fact) in [
        ("scheduler-disabled", ("SyncCycleEnabled", "False")),
        ("scheduler-suspended", ("SchedulerSuspended", "True")),
        ("phs-no-heartbeat", ("PasswordHashSync", "True")),
    ] {
        let mut r = report(
            vec![event(0, "x", None, "start"), event(200, "x", None, "end")],
            vec![fact],
        );
        diagnose(&catalogue, &mut r);
        assert_eq!(ids(&r), [id]);
        covered.push(id);
    }
    covered.sort_unstable();
    covered.dedup();
    assert_eq!(covered.len(), cause_ids().len());
}

#[test]
fn file_time_bounds_do_not_extend_the_evidence_for_absence() {
    // Heartbeats until 03:00, then an agent-style entry bounded by a file time a day later.
    let mut records = heartbeats(30, 180);
    let mut bounded = event(180 + 24 * 60, "Some trace", None, "untimed line");
    bounded.time.basis = syncsift_parsers::TimeBasis::InferredAtOrBefore;
    records.push(bounded);
    let mut r = report(records, vec![]);
    diagnose(&shipped(), &mut r);
    assert!(ids(&r).is_empty(), "{:?}", ids(&r));
}

#[test]
fn repeats_within_one_input_and_untimed_entries_all_count() {
    let untimed = |n: u64| {
        let mut record = event(
            0,
            "AADConnectProvisioningAgent.exe",
            Some(0),
            "Web socket failed to connect.",
        );
        record.time = EventTime {
            utc: Some(at(600)),
            basis: syncsift_parsers::TimeBasis::InferredAtOrBefore,
        };
        record.locator = Locator::Line(n);
        record
    };
    // Twenty identical untimed lines in one file and the same line in another file.
    let mut r = report_of_inputs(
        vec![(1..=20).map(untimed).collect(), vec![untimed(1)]],
        vec![],
    );
    diagnose(&shipped(), &mut r);
    assert_eq!(ids(&r), ["agent-outbound-blocked"]);
    assert_eq!(r.findings[0].count, 21);
    assert_eq!(r.findings[0].evidence.len(), 5);
}

/// Entries that look like a cause's evidence but are not: none of them may give that cause.
#[test]
fn near_misses_do_not_fire() {
    let ds = "Directory Synchronization";
    let cases: Vec<(&str, Record)> = vec![
        (
            "run-profile-errors",
            event(
                0,
                "ADSync",
                Some(6100),
                "The management agent \"c\" step execution completed on run profile \"Export\".\n Discovery Errors       : \"0\"\n Synchronization Errors : \"0\"\n Metaverse Retry Errors : \"0\"\n Export Errors          : \"0\"\n Warnings               : \"0\"",
            ),
        ),
        (
            "run-profile-errors",
            event(
                0,
                "ADSync run history",
                None,
                "Run 9 of \"Export\" on c - AAD: success",
            ),
        ),
        (
            "accidental-delete-threshold",
            event(
                0,
                "Some Other Source",
                Some(116),
                "Prevent Accidental Deletes: 100 pending deletes",
            ),
        ),
        (
            "localdb-size-limit",
            event(0, "ADSync", Some(6323), "Some other 6323 text"),
        ),
        (
            "sync-service-logon-failure",
            event(
                0,
                "Service Control Manager",
                Some(7036),
                "The Microsoft Azure AD Sync service entered the stopped state.",
            ),
        ),
        (
            "aad-service-account",
            event(0, ds, Some(611), "The user name or password is incorrect."),
        ),
        (
            "phs-connectivity",
            event(0, ds, Some(654), "Provision credentials ping end."),
        ),
        (
            "aba-certificate",
            event(0, ds, Some(906), "Some unrelated 906 message"),
        ),
        (
            "agent-tls-inspection",
            event(
                0,
                "Entra Connect wizard",
                None,
                "Could not establish trust relationship for the SSL/TLS secure channel.",
            ),
        ),
        (
            "agent-proxy-required",
            event(
                0,
                "AADConnectProvisioningAgent.exe",
                Some(0),
                "Query timeout while reading the directory",
            ),
        ),
        (
            "cloud-sync-account-invalid",
            event(
                0,
                ds,
                Some(0),
                "AADSTS50034: The user account does not exist",
            ),
        ),
        (
            "export-invalid-soft-match",
            event(
                0,
                "Entra Connect wizard",
                None,
                "Checking for InvalidSoftMatch errors",
            ),
        ),
        (
            "deprecated-sync-version",
            event(
                0,
                "Entra Connect wizard",
                None,
                "Application Version: 10.1.0.0",
            ),
        ),
        (
            "domain-unreachable",
            event(0, "Entra Connect wizard", None, "Token 0x54b1 read"),
        ),
    ];
    let catalogue = shipped();
    for (id, record) in cases {
        let mut r = report(vec![record], vec![]);
        diagnose(&catalogue, &mut r);
        assert!(!ids(&r).contains(&id), "{id} fired: {:?}", ids(&r));
    }
    let mut r = report(
        vec![],
        vec![
            ("StagingModeEnabled", "False"),
            ("SchedulerSuspended", "False"),
        ],
    );
    diagnose(&catalogue, &mut r);
    assert!(ids(&r).is_empty());
}
