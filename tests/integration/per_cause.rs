//! One generated bundle per cause of `shared/causes.md` on which the cause is found with its
//! details, and one near-miss bundle on which it is not (a 611 of another provider, a heartbeat
//! every 25 minutes, zero error counters, a success status, the opposite fact value...).
//!
//! Each bundle holds only its row's evidence (`without_artefacts`), is built by the `samples`
//! generator, written as a zip and analysed in-process with the library (pipeline + rules), as
//! `syncsift analyse` does. Every failing row is reported, not only the first.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use syncsift::pipeline::{self, Options};
use syncsift::report::Report;
use syncsift::rules::{self, Catalogue};
use syncsift_parsers::SourceZone;
use syncsift_parsers::bundle::Limits;
use syncsift_samples::error_export::{self, ExportError};
use syncsift_samples::events;
use syncsift_samples::evtx_writer::level;
use syncsift_samples::ps_dump;
use syncsift_samples::run_history::{self, RunRow};
use syncsift_samples::scenario::Scenario;
use syncsift_samples::shipped;
use syncsift_samples::trace::{AgentEntry, Encoding, WizardLevel, WizardLine, WizardSession};

/// Every cause id of `shared/causes.md`, in its order (the list the rule unit tests use too).
fn cause_ids() -> Vec<&'static str> {
    include_str!("../data/cause-ids.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
}

/// One cause: a bundle that shows it, what the finding must say, and a bundle that must not.
struct Row {
    id: &'static str,
    positive: Scenario,
    /// The finding's whole `details` map.
    details: Vec<(&'static str, Vec<&'static str>)>,
    /// The finding's `first_seen` (`None` for causes read from configuration facts).
    first_seen: Option<&'static str>,
    /// `(from, to, minutes)` of the finding's gap windows (heartbeat only).
    gaps: Vec<(&'static str, &'static str, i64)>,
    near_miss: Scenario,
}

fn row(
    id: &'static str,
    positive: Scenario,
    details: Vec<(&'static str, Vec<&'static str>)>,
    first_seen: Option<&'static str>,
    near_miss: Scenario,
) -> Row {
    Row {
        id,
        positive,
        details,
        first_seen,
        gaps: Vec::new(),
        near_miss,
    }
}

/// 2024-03-14 12:00 UTC plus `minutes`: evidence times of the Connect Sync bundles (collected 15:30).
fn cs_time(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 14, 12, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minutes)
}
const CS_FIRST: &str = "2024-03-14T12:00:00+00:00";

/// 2024-03-09 09:00 UTC: evidence time of the Cloud Sync bundles (collected 10:15).
fn cloud_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 9, 9, 0, 0)
        .single()
        .expect("valid time")
}
const CLOUD_FIRST: &str = "2024-03-09T09:00:00+00:00";

fn connect() -> Scenario {
    Scenario::connect_sync().without_artefacts()
}

fn cloud() -> Scenario {
    Scenario::cloud_sync()
}

/// A Connect Sync bundle with one event.
fn cs_event(event: syncsift_samples::evtx_writer::Event) -> Scenario {
    connect().with_event(event)
}

/// A Connect Sync bundle with one wizard trace: version header, then `lines` one second apart.
fn wizard(version: &str, lines: Vec<WizardLine>) -> Scenario {
    connect().with_wizard_trace(
        "trace-20240314-120000.log",
        WizardSession {
            start_utc: cs_time(0),
            utc_offset: Duration::zero(),
            version: version.to_owned(),
            lines,
        },
    )
}

/// One wizard ERROR line at 12:00:05 UTC, with continuation lines.
fn wizard_error(message: &str, continuation: &[&str]) -> Scenario {
    wizard(
        "2.3.20.0",
        vec![WizardLine {
            continuation: continuation.iter().map(|l| (*l).to_owned()).collect(),
            ..WizardLine::new(Duration::seconds(5), WizardLevel::Error, message)
        }],
    )
}
const WIZARD_LINE_TIME: &str = "2024-03-14T12:00:05+00:00";

/// A Cloud Sync bundle whose verbose agent trace holds one entry of `source`, timed by its footer.
fn agent_entry(source: &str, kind: &str, message: &str) -> Scenario {
    let mut entry = AgentEntry::new(kind, message).at(cloud_time(), 5120, 9);
    entry.source = source.to_owned();
    cloud().with_agent_trace(
        "trace-agent-verbose-20240309-101212.log",
        Encoding::Utf16LeBom,
        vec![entry],
    )
}

const AGENT: &str = "AADConnectProvisioningAgent.exe";
const AGENT_VERBOSE: &str = "AAD Connect Provisioning Agent";
const AGENT_WIZARD: &str = "AADConnectProvisioningAgentWizard";

/// A Connect Sync bundle whose run-profile CSV holds one run with `result`.
fn run_status(result: &'static str) -> Scenario {
    let run = RunRow {
        number: 7,
        connector: ps_dump::AD_CONNECTOR,
        profile: "Delta Import",
        result,
        start: (2024, 3, 14, 12, 0, 0, 0),
        end: (2024, 3, 14, 12, 0, 30, 0),
    };
    connect().with_file(
        "RUNHISTORY/AADCONNECT01_Get-ADSyncRunProfileResult.csv",
        run_history::run_profile_csv(&[run]),
    )
}

/// A Connect Sync bundle whose csexport XML holds one export error to Azure AD.
fn export_error(error_type: &'static str, code: &'static str, literal: &'static str) -> Scenario {
    let error = ExportError {
        dn: "CN={4A4B3C2D1E0F00112233445566778899}",
        cs_object_id: "{0D4C5B6A-1111-4222-8333-944455566601}",
        object_type: "user",
        error_type,
        code,
        literal,
        occurred: (2024, 3, 14, 12, 0, 0, 0),
        first_occurred: (2024, 3, 14, 12, 0, 0, 0),
        retry_count: 3,
    };
    connect().with_file(
        "CSEXPORT/error_export_contoso.onmicrosoft.com_-_AAD.xml",
        error_export::cs_export_xml(ps_dump::AAD_CONNECTOR, &[error]),
    )
}
const EXPORT_DN: &str = "CN={4A4B3C2D1E0F00112233445566778899}";

/// The details every export-error finding captures (object, connector, error code), then `extra`.
fn export_details(
    code: &'static str,
    extra: &[(&'static str, &'static str)],
) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut details = vec![
        ("object", vec![EXPORT_DN]),
        ("connector", vec!["contoso.onmicrosoft.com - AAD"]),
        ("error_code", vec![code]),
    ];
    details.extend(extra.iter().map(|(key, value)| (*key, vec![*value])));
    details
}

/// A Connect Sync bundle with a `Get-ADSyncScheduler.txt` of these values.
fn scheduler_dump(pairs: &[(&str, &str)]) -> Scenario {
    connect().with_file(
        "CONFIG/MEC/Get-ADSyncScheduler.txt",
        ps_dump::out_file(&ps_dump::format_list(pairs)),
    )
}

/// An unrelated application logging a text that looks like a cause's evidence.
fn unrelated(product_is_cloud: bool, provider: &str, id: u16, text: &str) -> Scenario {
    if product_is_cloud {
        cloud().with_event(events::application(
            provider,
            id,
            level::ERROR,
            cloud_time(),
            text,
        ))
    } else {
        cs_event(events::application(
            provider,
            id,
            level::ERROR,
            cs_time(0),
            text,
        ))
    }
}

const EXPORT_6100: &str = "The management agent \"contoso.onmicrosoft.com - AAD\" step execution completed on run profile \"Export\" with errors.\r\n\r\n Additional Information\r\n Discovery Errors       : \"0\"\r\n Synchronization Errors : \"0\"\r\n Metaverse Retry Errors : \"0\"\r\n Export Errors          : \"4\"\r\n Warnings               : \"0\"\r\n\r\n User Action\r\n View the management agent run history for details.";
const CLEAN_6100: &str = "The management agent \"contoso.onmicrosoft.com - AAD\" step execution completed on run profile \"Export\".\r\n\r\n Additional Information\r\n Discovery Errors       : \"0\"\r\n Synchronization Errors : \"0\"\r\n Metaverse Retry Errors : \"0\"\r\n Export Errors          : \"0\"\r\n Warnings               : \"0\"";
const RPC_8453_611: &str = "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>.\r\nDetails: Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8453 : Replication access was denied. There was an error calling _IDL_DRSGetNCChanges.";
const ABA_906: &str = "[MSAL] AcquireTokenWithCertificate: Exception caught while acquiring token via certificate. [invalid_client] - A configuration issue is preventing authentication - check the error message from the server for details. You can modify the configuration in the application registration portal. See https://aka.ms/msal-net-invalid-client for details.  Original exception: AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., ...].";
const DELETES_116: &str = "Prevent Accidental Deletes: The number of deletions for this sync cycle (100 pending deletes) has exceeded the current threshold of 50 objects. Deletions will be suppressed for this sync cycle. Please visit http://go.microsoft.com/fwlink/?LinkId=390655 for more information.";
const QUARANTINE: &str = "Synchronization job AD2AADProvisioning.30b500eaf9c643b2b78804e80c1421fe.5c291d3c-d29f-4570-9d6b-f0c2fa3d5926 is in quarantine. Error code: HybridIdentityServiceNoActiveAgents.";
const PASSWORD_LOG_OBJECT: &str = "CN=Eli McLean,OU=Cloud Objects,DC=contoso,DC=local";

fn table() -> Vec<Row> {
    let cs = |event| cs_event(event);
    vec![
        row(
            "sync-service-logon-failure",
            cs(events::scm(
                7038,
                level::ERROR,
                cs_time(0),
                &["ADSync", "CONTOSO\\svc-adsync", "%%1326"],
                "ADSync",
            )),
            vec![
                ("service", vec!["ADSync"]),
                (
                    "error",
                    vec!["The user name or password is incorrect. (service name: ADSync)"],
                ),
            ],
            Some(CS_FIRST),
            // The service stopping normally is no logon failure.
            cs(events::scm(
                7036,
                level::INFORMATION,
                cs_time(0),
                &["Microsoft Azure AD Sync", "stopped"],
                "ADSync",
            )),
        ),
        row(
            "sync-service-logon-right-missing",
            cs(events::scm(
                7041,
                level::ERROR,
                cs_time(0),
                &["ADSync", "CONTOSO\\svc-adsync"],
                "ADSync",
            )),
            vec![
                ("service", vec!["ADSync"]),
                ("account", vec!["CONTOSO\\svc-adsync"]),
            ],
            Some(CS_FIRST),
            // A logon failure for a wrong password is not a missing right.
            cs(events::scm(
                7038,
                level::ERROR,
                cs_time(0),
                &["ADSync", "CONTOSO\\svc-adsync", "%%1326"],
                "ADSync",
            )),
        ),
        row(
            "localdb-size-limit",
            cs(events::adsync(
                6323,
                level::ERROR,
                cs_time(0),
                shipped::DB_FULL_6323,
            )),
            vec![],
            Some(CS_FIRST),
            // 6323 of another provider.
            unrelated(false, "Contoso Backup", 6323, shipped::DB_FULL_6323),
        ),
        row(
            "sql-connectivity",
            wizard_error(
                "A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible.",
                &[],
            ),
            vec![],
            Some(WIZARD_LINE_TIME),
            // A SQL login failure of an unrelated application.
            unrelated(
                false,
                "Contoso Reporting",
                1000,
                "SqlException: Login failed for user 'CONTOSO\\report'.",
            ),
        ),
        row(
            "deprecated-sync-version",
            wizard("1.1.189.0", vec![]),
            vec![("version", vec!["1.1.189.0"])],
            Some(CS_FIRST),
            wizard("2.3.20.0", vec![]),
        ),
        row(
            "domain-unreachable",
            wizard_error(
                "GetDomainControllers: unable to locate a domain controller for domain fabrikam.contoso.com.",
                &[
                    "Exception Data (Raw): System.DirectoryServices.ActiveDirectory.ActiveDirectoryObjectNotFoundException: The specified domain either does not exist or could not be contacted.",
                ],
            ),
            vec![("domain", vec!["fabrikam.contoso.com"])],
            Some(WIZARD_LINE_TIME),
            // Discovery that succeeded.
            wizard(
                "2.3.20.0",
                vec![WizardLine::new(
                    Duration::seconds(5),
                    WizardLevel::Info,
                    "Successfully located a domain controller for domain fabrikam.contoso.com.",
                )],
            ),
        ),
        row(
            "ad-rpc-unavailable",
            cs(events::dirsync(
                611,
                level::ERROR,
                cs_time(0),
                shipped::PHS_611_RPC,
            )),
            vec![
                ("rpc_error", vec!["1722"]),
                ("domain", vec!["contoso.com"]),
                ("domain_controller", vec!["server1.contoso.com"]),
            ],
            Some(CS_FIRST),
            // An RPC error that is not about reachability.
            cs(events::dirsync(611, level::ERROR, cs_time(0), RPC_8453_611)),
        ),
        row(
            "adds-account-credentials",
            run_status("stopped-credentials"),
            vec![
                ("connector", vec!["contoso.com"]),
                ("run_profile", vec!["Delta Import"]),
            ],
            Some(CS_FIRST),
            run_status("success"),
        ),
        row(
            "adds-account-permissions",
            cs(events::dirsync(611, level::ERROR, cs_time(0), RPC_8453_611)),
            vec![("rpc_error", vec!["8453"]), ("domain", vec!["contoso.com"])],
            Some(CS_FIRST),
            // A 611 that is not from Directory Synchronization.
            unrelated(
                false,
                "Contoso Password Filter",
                611,
                "Password synchronization failed for domain: contoso.com. Access is denied.",
            ),
        ),
        row(
            "aad-connectivity",
            cs(events::dirsync(
                0,
                level::ERROR,
                cs_time(0),
                "Unable to establish a connection to the authentication service. Contact Technical Support.0 GetAuthState() failed with -2147186688 state. HResult:0. Contact Technical Support. (0x80048862)",
            )),
            vec![("hresult", vec!["0x80048862"])],
            Some(CS_FIRST),
            unrelated(
                false,
                "Outlook",
                0,
                "Unable to establish a connection to the authentication service. (0x80048862)",
            ),
        ),
        row(
            "aad-service-account",
            cs(events::dirsync(
                655,
                level::ERROR,
                cs_time(0),
                "The user name or password is incorrect. Verify your user name, and then type your password again.",
            )),
            vec![],
            Some(CS_FIRST),
            // The same words in a 611 are about the AD DS account.
            cs(events::dirsync(
                611,
                level::ERROR,
                cs_time(0),
                "Password hash synchronization failed for domain: contoso.com. The user name or password is incorrect.",
            )),
        ),
        row(
            "aba-certificate",
            cs(events::dirsync(906, level::ERROR, cs_time(0), ABA_906)),
            vec![("aadsts", vec!["AADSTS700027"])],
            Some(CS_FIRST),
            cs(events::dirsync(
                906,
                level::INFORMATION,
                cs_time(0),
                "Application-based authentication certificate is valid.",
            )),
        ),
        row(
            "staging-mode",
            connect().with_file(
                "CONFIG/MEC/Get-ADSyncScheduler.txt",
                ps_dump::scheduler(true, true),
            ),
            vec![("StagingModeEnabled", vec!["True"])],
            None,
            connect().with_file(
                "CONFIG/MEC/Get-ADSyncScheduler.txt",
                ps_dump::scheduler(false, true),
            ),
        ),
        row(
            "scheduler-disabled",
            connect().with_file(
                "CONFIG/MEC/Get-ADSyncScheduler.txt",
                ps_dump::scheduler(false, false),
            ),
            vec![("SyncCycleEnabled", vec!["False"])],
            None,
            connect().with_file(
                "CONFIG/MEC/Get-ADSyncScheduler.txt",
                ps_dump::scheduler(false, true),
            ),
        ),
        row(
            "scheduler-suspended",
            scheduler_dump(&[
                ("SyncCycleEnabled", "True"),
                ("StagingModeEnabled", "False"),
                ("SchedulerSuspended", "True"),
            ]),
            vec![("SchedulerSuspended", vec!["True"])],
            None,
            scheduler_dump(&[
                ("SyncCycleEnabled", "True"),
                ("StagingModeEnabled", "False"),
                ("SchedulerSuspended", "False"),
            ]),
        ),
        row(
            "accidental-delete-threshold",
            cs(events::dirsync(
                116,
                level::WARNING,
                cs_time(0),
                DELETES_116,
            )),
            vec![("pending_deletes", vec!["100"]), ("threshold", vec!["50"])],
            Some(CS_FIRST),
            unrelated(false, "Contoso Archiver", 116, DELETES_116),
        ),
        row(
            "run-profile-errors",
            cs(events::adsync(
                6100,
                level::WARNING,
                cs_time(0),
                EXPORT_6100,
            )),
            vec![
                ("connector", vec!["contoso.onmicrosoft.com - AAD"]),
                ("run_profile", vec!["Export"]),
            ],
            Some(CS_FIRST),
            // The same event with zero error counters.
            cs(events::adsync(
                6100,
                level::INFORMATION,
                cs_time(0),
                CLEAN_6100,
            )),
        ),
        row(
            "export-invalid-soft-match",
            export_error(
                "InvalidSoftMatch",
                "0x80230713",
                "Soft match failed for this object: another object in Azure Active Directory already has userPrincipalName kim@contoso.com.",
            ),
            export_details(
                "0x80230713",
                &[
                    ("attribute", "userPrincipalName"),
                    ("value", "kim@contoso.com"),
                ],
            ),
            Some(CS_FIRST),
            unrelated(
                false,
                "Contoso Reporting",
                1,
                "Daily report: 0 objects with InvalidSoftMatch",
            ),
        ),
        row(
            "export-invalid-hard-match",
            export_error(
                "InvalidHardMatch",
                "0x80230714",
                "Hard match failed for this object.",
            ),
            export_details("0x80230714", &[]),
            Some(CS_FIRST),
            unrelated(
                false,
                "Contoso Reporting",
                1,
                "Daily report: 0 objects with InvalidHardMatch",
            ),
        ),
        row(
            "export-object-type-mismatch",
            export_error(
                "ObjectTypeMismatch",
                "0x80230715",
                "Another object of a different type has the same proxy address.",
            ),
            export_details("0x80230715", &[]),
            Some(CS_FIRST),
            unrelated(
                false,
                "Contoso Reporting",
                1,
                "Daily report: 0 objects with ObjectTypeMismatch",
            ),
        ),
        row(
            "export-attribute-value-must-be-unique",
            export_error(
                "AttributeValueMustBeUnique",
                "0x80230703",
                "Unable to update this object in Microsoft Online Services because the following attributes associated with this object have values that may already be associated with another object in your local directory.\nA synchronized object with the same proxy address already exists in your Microsoft Online Services directory. [ProxyAddresses SMTP:jdoe@contoso.com;]",
            ),
            export_details(
                "0x80230703",
                &[
                    ("attribute", "ProxyAddresses"),
                    ("value", "SMTP:jdoe@contoso.com"),
                ],
            ),
            Some(CS_FIRST),
            unrelated(
                false,
                "MSExchange ADAccess",
                2,
                "A synchronized object with the same proxy address already exists in your Microsoft Online Services directory.",
            ),
        ),
        row(
            "export-identity-data-validation-failed",
            export_error(
                "IdentityDataValidationFailed",
                "0x8023134b",
                "The userPrincipalName contains invalid characters.",
            ),
            export_details("0x8023134b", &[]),
            Some(CS_FIRST),
            unrelated(
                false,
                "Contoso Reporting",
                1,
                "Daily report: 0 objects with IdentityDataValidationFailed",
            ),
        ),
        row(
            "export-large-object",
            export_error(
                "ExceededAllowedLength",
                "0x80230704",
                "The value of userCertificate exceeds the allowed length.",
            ),
            export_details("0x80230704", &[("attribute", "userCertificate")]),
            Some(CS_FIRST),
            unrelated(
                false,
                "Contoso PKI",
                1,
                "LargeObject cache trimmed: userCertificate",
            ),
        ),
        row(
            "export-admin-role-conflict",
            export_error(
                "Existing Admin Role Conflict",
                "0x80230705",
                "The user holds an administrative role in Azure AD.",
            ),
            export_details("0x80230705", &[]),
            Some(CS_FIRST),
            unrelated(
                false,
                "Contoso Reporting",
                1,
                "Daily report: 0 objects with Existing Admin Role Conflict",
            ),
        ),
        row(
            "export-cloud-only-object-violation",
            export_error(
                "114",
                "0x8023134a",
                "This synchronization operation, Delete, is not valid. Contact Technical Support. Tracking Id: 09fb1e9b-3ff7-4163-9731-581785e347e5",
            ),
            export_details(
                "0x8023134a",
                &[
                    ("error_type", "114"),
                    ("tracking_id", "09fb1e9b-3ff7-4163-9731-581785e347e5"),
                ],
            ),
            Some(CS_FIRST),
            // Another export error on the same object.
            export_error(
                "InvalidSoftMatch",
                "0x80230713",
                "Soft match failed for this object.",
            ),
        ),
        row(
            "phs-connectivity",
            cs(events::dirsync(
                611,
                level::INFORMATION,
                cs_time(0),
                shipped::PHS_611_LOCATE_DC,
            )),
            vec![("domain", vec!["ChildDomain.Contoso.Com"])],
            Some(CS_FIRST),
            // A 611 that is not from Directory Synchronization.
            unrelated(
                false,
                "Contoso Password Filter",
                611,
                "Password synchronization failed for domain: fabrikam.com.",
            ),
        ),
        Row {
            id: "phs-no-heartbeat",
            // Every 30 minutes 06:00-09:00, none until 10:30, again every 30 minutes to 12:00.
            positive: connect()
                .with_events(events::heartbeats(
                    cs_time(-360),
                    cs_time(-180),
                    Duration::minutes(30),
                ))
                .with_events(events::heartbeats(
                    cs_time(-90),
                    cs_time(0),
                    Duration::minutes(30),
                )),
            details: vec![],
            first_seen: Some("2024-03-14T09:00:00+00:00"),
            gaps: vec![("2024-03-14T09:00:00+00:00", "2024-03-14T10:29:58+00:00", 89)],
            // Every 25 minutes for six hours.
            near_miss: connect().with_events(events::heartbeats(
                cs_time(-360),
                cs_time(0),
                Duration::minutes(25),
            )),
        },
        row(
            "phs-not-activated",
            cs(events::dirsync(
                655,
                level::ERROR,
                cs_time(0),
                shipped::PHS_655_NOT_ACTIVATED,
            )),
            vec![
                ("error_code", vec!["90"]),
                ("tracking_id", vec!["07e93e8a-cf2d-4f67-9e95-53169c4875e0"]),
            ],
            Some(CS_FIRST),
            // Error Code 81 (busy) on the same event id family.
            cs(events::dirsync(
                652,
                level::ERROR,
                cs_time(0),
                shipped::PHS_652_BUSY,
            )),
        ),
        row(
            "phs-temporary-password",
            wizard(
                "2.3.20.0",
                vec![WizardLine::new(
                    Duration::seconds(5),
                    WizardLevel::Info,
                    &format!(
                        "Password hash sync log: DN: {PASSWORD_LOG_OBJECT}, Result: FilteredByTarget"
                    ),
                )],
            ),
            vec![("object", vec![PASSWORD_LOG_OBJECT])],
            Some(WIZARD_LINE_TIME),
            wizard(
                "2.3.20.0",
                vec![WizardLine::new(
                    Duration::seconds(5),
                    WizardLevel::Info,
                    &format!("Password hash sync log: DN: {PASSWORD_LOG_OBJECT}, Result: Success"),
                )],
            ),
        ),
        row(
            "phs-object-not-exported",
            wizard(
                "2.3.20.0",
                vec![WizardLine::new(
                    Duration::seconds(5),
                    WizardLevel::Info,
                    &format!(
                        "Password hash sync log: DN: {PASSWORD_LOG_OBJECT}, Result: TargetNotExportedToDirectory"
                    ),
                )],
            ),
            vec![("status", vec!["TargetNotExportedToDirectory"])],
            Some(WIZARD_LINE_TIME),
            wizard(
                "2.3.20.0",
                vec![WizardLine::new(
                    Duration::seconds(5),
                    WizardLevel::Info,
                    &format!(
                        "Password hash sync log: DN: {PASSWORD_LOG_OBJECT}, Result: MigratedCheckDetailsForMoreInfo"
                    ),
                )],
            ),
        ),
        row(
            "aad-busy",
            cs(events::dirsync(
                652,
                level::ERROR,
                cs_time(0),
                shipped::PHS_652_BUSY,
            )),
            vec![("error_code", vec!["81"])],
            Some(CS_FIRST),
            cs(events::dirsync(
                655,
                level::ERROR,
                cs_time(0),
                shipped::PHS_655_NOT_ACTIVATED,
            )),
        ),
        row(
            "agent-service-start-failure",
            agent_entry(AGENT_VERBOSE, "Error", shipped::AGENT_START_FAILED),
            vec![(
                "service",
                vec!["Microsoft Azure AD Connect Provisioning Agent"],
            )],
            Some(CLOUD_FIRST),
            // Another service failing to start.
            cloud().with_event(events::scm(
                7000,
                level::ERROR,
                cloud_time(),
                &["Print Spooler", "%%1069"],
                "Spooler",
            )),
        ),
        row(
            "agent-outbound-blocked",
            agent_entry(AGENT, "Error", "Web socket failed to connect."),
            vec![],
            Some(CLOUD_FIRST),
            unrelated(
                true,
                "Contoso Backup",
                1,
                "An existing connection was forcibly closed by the remote host",
            ),
        ),
        row(
            "agent-proxy-required",
            agent_entry(
                AGENT_WIZARD,
                "Error",
                "Agent registration failed: The operation has timed out.",
            ),
            vec![],
            Some(CLOUD_FIRST),
            // A time-out that has nothing to do with registration.
            agent_entry(
                AGENT,
                "Warning",
                "Query timeout while reading the directory",
            ),
        ),
        row(
            "agent-tls-inspection",
            agent_entry(
                AGENT,
                "Error",
                "The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.",
            ),
            vec![],
            Some(CLOUD_FIRST),
            unrelated(
                true,
                "Contoso Updater",
                1000,
                "The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.",
            ),
        ),
        row(
            "agent-registration-execution-policy",
            agent_entry(
                AGENT_WIZARD,
                "Error",
                "File C:\\Program Files\\Microsoft Azure AD Connect Provisioning Agent\\RegisterConnector.ps1 cannot be loaded because running scripts is disabled on this system.",
            ),
            vec![],
            Some(CLOUD_FIRST),
            agent_entry(
                AGENT_WIZARD,
                "Information",
                "Checked PowerShell execution policy: RemoteSigned",
            ),
        ),
        row(
            "agent-gmsa",
            agent_entry(AGENT_VERBOSE, "Error", shipped::GMSA_KDS),
            vec![],
            Some(CLOUD_FIRST),
            unrelated(
                true,
                "Contoso Directory Tool",
                1,
                "There is no such object on the server.",
            ),
        ),
        row(
            "cloud-sync-quarantine",
            agent_entry(AGENT_VERBOSE, "Error", QUARANTINE),
            vec![(
                "quarantine_code",
                vec!["HybridIdentityServiceNoActiveAgents"],
            )],
            Some(CLOUD_FIRST),
            // An antivirus quarantine.
            unrelated(
                true,
                "Microsoft Antimalware",
                1117,
                "Microsoft Antimalware has taken action to protect this machine from malware: the item was moved to quarantine.",
            ),
        ),
        row(
            "cloud-sync-account-invalid",
            agent_entry(
                AGENT,
                "Error",
                "AzureActiveDirectoryInvalidCredential: CredentialsInvalid AADSTS50034: The user account does not exist",
            ),
            vec![
                (
                    "quarantine_code",
                    vec!["AzureActiveDirectoryInvalidCredential"],
                ),
                ("aadsts", vec!["AADSTS50034"]),
            ],
            Some(CLOUD_FIRST),
            // The same AADSTS code from Connect Sync's password sync is not the cloud sync account.
            cs(events::dirsync(
                0,
                level::ERROR,
                cs_time(0),
                "AADSTS50034: The user account does not exist",
            )),
        ),
        row(
            "password-writeback",
            cs(events::adsync(
                6329,
                level::ERROR,
                cs_time(0),
                "ERR_: MMS(1234): admaexport.cpp(2944): Failed to acquire user information: Contoso\\MSOL_0123456789ab. Error Code: ERROR_ACCESS_DENIED",
            )),
            vec![
                ("account", vec!["Contoso\\MSOL_0123456789ab"]),
                ("error_code", vec!["ERROR_ACCESS_DENIED"]),
            ],
            Some(CS_FIRST),
            // Another 6329 engine error.
            cs(events::adsync(
                6329,
                level::ERROR,
                cs_time(0),
                "BAIL: MMS(4984): admaexport.cpp(2939): 0x80230703 (The export failed.)",
            )),
        ),
    ]
}

/// Writes the bundle as a zip into `dir` and analyses it as `syncsift analyse` does.
fn analyse(scenario: &Scenario, dir: &std::path::Path, catalogue: &Catalogue) -> Report {
    let bundle = scenario.build().expect("bundle builds");
    let zip = bundle.write_zip_into(dir).expect("zip written");
    let options = Options {
        paths: vec![zip],
        all: false,
        threads: 1,
        source_zone: SourceZone::Utc,
        limits: Limits::default(),
        progress: false,
    };
    let mut report = pipeline::analyse(&options, &rules::terms(catalogue)).expect("analysed");
    rules::diagnose(catalogue, &mut report);
    report
}

fn ids(report: &Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.id.as_str()).collect()
}

/// What is wrong with the positive bundle's report, if anything.
fn positive_problems(row: &Row, report: &Report) -> Option<String> {
    let Some(finding) = report.findings.iter().find(|f| f.id == row.id) else {
        return Some(format!("not found; found {:?}", ids(report)));
    };
    let expected: BTreeMap<String, Vec<String>> = row
        .details
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    let mut problems = Vec::new();
    if finding.details != expected {
        problems.push(format!(
            "details {:?}, expected {expected:?}",
            finding.details
        ));
    }
    if finding.first_seen.as_deref() != row.first_seen {
        problems.push(format!(
            "first_seen {:?}, expected {:?}",
            finding.first_seen, row.first_seen
        ));
    }
    let gaps: Vec<(&str, &str, i64)> = finding
        .gaps
        .iter()
        .map(|g| (g.from.as_str(), g.to.as_str(), g.minutes))
        .collect();
    if gaps != row.gaps {
        problems.push(format!("gaps {gaps:?}, expected {:?}", row.gaps));
    }
    if finding.evidence.is_empty() || finding.count == 0 {
        problems.push("no evidence".to_owned());
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

#[test]
fn the_table_has_one_row_per_cause_and_the_catalogue_has_them_all() {
    let catalogue = Catalogue::shipped().expect("shipped catalogue");
    let table_ids: Vec<&str> = table().iter().map(|r| r.id).collect();
    assert_eq!(table_ids, cause_ids());
    for id in cause_ids() {
        assert!(catalogue.get(id).is_some(), "{id} is not in the catalogue");
    }
}

#[test]
fn each_cause_is_found_on_its_bundle_and_not_on_its_near_miss() {
    let catalogue = Catalogue::shipped().expect("shipped catalogue");
    let mut failures = Vec::new();
    for row in table() {
        let positive_dir = tempfile::tempdir().expect("temp dir");
        let report = analyse(&row.positive, positive_dir.path(), &catalogue);
        if let Some(problem) = positive_problems(&row, &report) {
            failures.push(format!("{} (positive): {problem}", row.id));
        }
        let near_dir = tempfile::tempdir().expect("temp dir");
        let report = analyse(&row.near_miss, near_dir.path(), &catalogue);
        // A near miss must still be read: its inputs gave entries or facts.
        if !report.inputs.iter().any(|input| input.entries > 0) && report.facts.is_empty() {
            failures.push(format!("{} (near miss): nothing was read", row.id));
        }
        if ids(&report).contains(&row.id) {
            failures.push(format!(
                "{} (near miss): found anyway; found {:?}",
                row.id,
                ids(&report)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing rows:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
