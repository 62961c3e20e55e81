//! The two sample bundles shipped in `samples/bundles/` (see `samples/README.md` for what each
//! shows). `gen-samples --out samples/bundles` writes them; a test checks that the committed files
//! are exactly what these functions build.
//!
//! Message texts are Microsoft's where the research notes quote them (formats.md §1–§9); where no
//! real text was found (agent event ids, the quarantine line's framing) the texts are marked as
//! approximations in the README.

use crate::events;
use crate::evtx_writer::level;
use crate::scenario::{Bundle, SampleError, Scenario};
use crate::trace::{AgentEntry, Encoding, WizardLevel, WizardLine, WizardSession};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// File name of the shipped Cloud Sync bundle.
pub const CLOUD_SYNC_ZIP: &str = "AADCloudProvisioningDiagnostics-20240309-101500.zip";
/// File name of the shipped Connect Sync bundle.
pub const CONNECT_SYNC_ZIP: &str = "MECLOG-20240314-153000.zip";

/// The quarantined job of the Cloud Sync sample.
pub const JOB_ID: &str =
    "AD2AADProvisioning.30b500eaf9c643b2b78804e80c1421fe.5c291d3c-d29f-4570-9d6b-f0c2fa3d5926";

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .unwrap_or_default()
}

const AGENT_DISPLAY: &str = "Microsoft Azure AD Connect Provisioning Agent";
const AGENT_KEY: &str = "AADConnectProvisioningAgent";

/// Verbatim: the agent service cannot start (research notes §5.4).
pub const AGENT_START_FAILED: &str = "Service 'Microsoft Azure AD Connect Provisioning Agent' (AADConnectProvisioningAgent) failed to start. Verify that you have sufficient privileges to start system services.";
/// Verbatim: gMSA errors (§5.4).
pub const GMSA_CHANGE_FAILED: &str = "Failed changing Windows service credentials to gMSA. Please check the logs for more detailed information. If that doesn't help resolve this issue, please contact support.";
/// Verbatim (§5.4).
pub const GMSA_KDS: &str = "Unable to create gMSA because KDS may not be running on domain controller. Please create/run KDS manually.";
/// Verbatim quarantine message of `HybridIdentityServiceNoActiveAgents` (§6.1).
pub const NO_ACTIVE_AGENTS: &str = "We're unable to find an active agent for the domain you're trying to sync. Please check to see if the agent is running by going to the server, where the agent is installed, and check to see if Microsoft Entra Connect cloud sync agent under Services is running.";

/// The Cloud Sync sample: the agent cannot reach Service Bus (WebSocket failures, forcibly closed
/// connections), its service failed to start after its gMSA could not be set up (SCM 7041/7000,
/// KDS), and the sync job went into quarantine with `HybridIdentityServiceNoActiveAgents`.
pub fn cloud_sync_scenario() -> Scenario {
    let day = |h, m, s| utc(2024, 3, 9, h, m, s);
    let websocket_failure = AgentEntry::new("Error", "Web socket failed to connect.").lines(&[
        "   at Microsoft.ApplicationProxy.Connector.Listeners.ConnectorSignalingWebSocket.ConnectAsync(Uri endpoint, CancellationToken cancellationToken)",
        "Retryable Operation is rethrowing error after failed with Exception:",
        "  'System.Net.WebSockets.WebSocketException (0x80004005): Unable to connect to the remote server ---> System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: An existing connection was forcibly closed by the remote host",
        "   --- End of inner exception stack trace ---",
    ]);
    let main_trace = vec![
        AgentEntry::new(
            "Information",
            "Starting Microsoft Azure AD Connect Provisioning Agent, version 1.1.1586.0",
        ),
        AgentEntry::new(
            "Information",
            "Connector listener starting. Mode: WebSocket",
        ),
        websocket_failure.clone(),
        AgentEntry::new(
            "Warning",
            "ServiceBusClientWebSocket was expecting more bytes",
        ),
        AgentEntry::new("Error", "More data was expected, but EOF was reached"),
        AgentEntry::new(
            "Information",
            "Bootstrap completed; waiting for signaling channel",
        ),
        AgentEntry::new(
            "Error",
            "The requested Performance Counter is not a custom counter, it has to be initialized as ReadOnly.",
        ),
        websocket_failure,
        AgentEntry::new("Information", "Retrying signaling connection in 30 seconds"),
    ];
    let verbose = |kind: &str, text: &str, t: DateTime<Utc>| {
        let mut entry = AgentEntry::new(kind, text).at(t, 5120, 9);
        entry.source = "AAD Connect Provisioning Agent".to_owned();
        entry
    };
    let verbose_trace = vec![
        verbose(
            "Information",
            "Verbose tracing enabled by Start-AADCloudSyncToolsVerboseLogs",
            day(10, 12, 14),
        ),
        verbose(
            "Verbose",
            "Reading service account configuration",
            day(10, 12, 15),
        ),
        verbose("Error", GMSA_KDS, day(10, 12, 17)),
        verbose("Error", GMSA_CHANGE_FAILED, day(10, 12, 17)),
        verbose("Error", AGENT_START_FAILED, day(10, 12, 18)),
        verbose(
            "Warning",
            "ServiceBusClientWebSocket was expecting more bytes",
            day(10, 13, 2),
        ),
        verbose(
            "Error",
            &format!(
                "Synchronization job {JOB_ID} is in quarantine. Error code: HybridIdentityServiceNoActiveAgents. {NO_ACTIVE_AGENTS}"
            ),
            day(10, 13, 40),
        ),
        verbose(
            "Verbose",
            "Signaling channel closed: the connection was forcibly closed by the remote host",
            day(10, 14, 55),
        ),
    ];
    Scenario::cloud_sync()
        .with_noise(400)
        .with_agent_trace("AzureADConnectProvisioningAgent_20240309-065800.log", Encoding::Utf8, main_trace)
        .with_agent_trace("trace-agent-verbose-20240309-101212.log", Encoding::Utf16LeBom, verbose_trace)
        .with_events([
            events::scm(
                7041,
                level::ERROR,
                day(6, 58, 10),
                &[AGENT_KEY, "CONTOSO\\provAgentgMSA$"],
                AGENT_KEY,
            ),
            events::scm(7000, level::ERROR, day(6, 58, 11), &[AGENT_DISPLAY, "%%1069"], AGENT_KEY),
            events::scm(7036, level::INFORMATION, day(7, 5, 0), &[AGENT_DISPLAY, "running"], AGENT_KEY),
            events::agent_admin(1001, level::INFORMATION, day(7, 5, 2), "Agent service started."),
            events::agent_admin(
                2002,
                level::ERROR,
                day(9, 30, 0),
                "The requested Performance Counter is not a custom counter, it has to be initialized as ReadOnly.",
            ),
            events::application(
                "Azure AD Connect Provisioning Agent",
                0,
                level::ERROR,
                day(9, 41, 7),
                "Web socket failed to connect.",
            ),
            events::agent_admin(
                2001,
                level::ERROR,
                day(9, 41, 8),
                "ServiceBusClientWebSocket was expecting more bytes. An existing connection was forcibly closed by the remote host.",
            ),
            events::scm(7036, level::INFORMATION, day(10, 12, 16), &[AGENT_DISPLAY, "stopped"], AGENT_KEY),
            events::scm(7036, level::INFORMATION, day(10, 12, 19), &[AGENT_DISPLAY, "running"], AGENT_KEY),
        ])
}

/// Verbatim 611 of newer builds with RPC error 1722 (research notes §3.3 a).
pub const PHS_611_RPC: &str = "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>.\r\nDetails: Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: contoso.com. Error: There was an error establishing a connection to the directory replication service. Domain controller hostname: server1.contoso.com, domain controller IP address: 10.0.0.202 ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException: There was an error establishing a connection to the directory replication service. Domain controller hostname: server1.contoso.com, domain controller IP address: 10.0.0.202 ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException:  There was an error creating the connection context. ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException: RPC Error 1722 : The RPC server is unavailable. Error creating the RPC binding handle";
/// Verbatim 611 of older builds (logged at Information level; §3.1).
pub const PHS_611_LOCATE_DC: &str = "Password synchronization failed for domain: ChildDomain.Contoso.Com. Details:\r\nMicrosoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: ChildDomain.Contoso.Com. Error: An exception occurred while attempting to locate a domain controller for domain ChildDomain.Contoso.Com. ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException: An exception occurred while attempting to locate a domain controller for domain ChildDomain.Contoso.Com.";
/// Verbatim 652 with Error Code 81 (§3.2).
pub const PHS_652_BUSY: &str = "Failed credential provisioning batch. Error: Microsoft.Online.Coexistence. ProvisionRetryException: An error occurred. Error Code: 81. Error Description: Windows Azure Active Directory is currently busy. This operation will be retried automatically.";
/// Verbatim 655 with Error Code 90 (§3.2).
pub const PHS_655_NOT_ACTIVATED: &str = "Failed credential provisioning ping. Error: Microsoft.Online.Coexistence.ProvisionException: An error occurred. Error Code: 90. Error Description: Password Synchronization has not been activated for this company. Tracking ID: 07e93e8a-cf2d-4f67-9e95-53169c4875e0 Server Name: BL2GR1BBA005.";
/// Verbatim event 0 (§3.2).
pub const PHS_0_RETRY: &str = "The following password changes failed to synchronized and have scheduled for retry.<br/><br/>DN = CN=Eli McLean,OU=Cloud Objects,DC=contoso,DC=local";
/// Verbatim 6323 (§5.3).
pub const DB_FULL_6323: &str =
    "The server encountered an error because SQL Server is out of disk space.";

/// When the last password-sync heartbeat of the Connect Sync sample was logged; none follows, so
/// the 4.5 hours to the end of the bundle are a heartbeat gap.
pub fn last_heartbeat() -> DateTime<Utc> {
    utc(2024, 3, 14, 11, 0, 0)
}

/// The Connect Sync sample: password hash sync failing (611 with RPC 1722, an older 611, 652 busy,
/// 655 not activated, 0 retry), the heartbeat (653/654 every 30 minutes) stopping at 11:00 UTC,
/// LocalDB full (6323), a run profile with export errors (6100), ADSync failing to log on (SCM
/// 7038, 7000), a wizard trace with an unreachable domain, and the collector's dumps (staging
/// mode, scheduler disabled), run history (`stopped-database-disk-full`) and export errors.
pub fn connect_sync_scenario() -> Scenario {
    let day = |d, h, m, s| utc(2024, 3, d, h, m, s);
    let heartbeats = events::heartbeats(day(13, 12, 0, 0), last_heartbeat(), Duration::minutes(30));
    let wizard = WizardSession {
        start_utc: day(14, 14, 15, 0),
        utc_offset: Duration::zero(),
        version: "2.3.8.0".to_owned(),
        lines: vec![
            WizardLine::new(Duration::seconds(5), WizardLevel::Info, "AADConnect changes ALLOWED: Successfully acquired the configuration change lock."),
            WizardLine::new(Duration::seconds(30), WizardLevel::Info, "Default Proxy [Enabled]: True"),
            WizardLine::new(Duration::seconds(130), WizardLevel::Info, "Validating directory credentials for forest contoso.com"),
            WizardLine::new(Duration::seconds(134), WizardLevel::Warn, "Retrying domain controller discovery for domain fabrikam.contoso.com"),
            WizardLine {
                continuation: vec![
                    "Exception Data (Raw): System.DirectoryServices.ActiveDirectory.ActiveDirectoryObjectNotFoundException: The specified domain either does not exist or could not be contacted.".to_owned(),
                    "   at System.DirectoryServices.ActiveDirectory.DomainController.FindOneWithCredentialValidation(DirectoryContext context, String siteName, LocatorOptions flag)".to_owned(),
                ],
                ..WizardLine::new(Duration::seconds(139), WizardLevel::Error, "GetDomainControllers: unable to locate a domain controller for domain fabrikam.contoso.com.")
            },
            WizardLine::new(Duration::seconds(140), WizardLevel::Info, "AADConnect changes RELEASED: configuration change lock released."),
        ],
    };
    Scenario::connect_sync()
        .with_noise(300)
        .with_events(heartbeats)
        .with_wizard_trace("trace-20240314-141500.log", wizard)
        .with_events([
            events::adsync(6323, level::ERROR, day(4, 10, 0, 9), DB_FULL_6323),
            events::dirsync(611, level::INFORMATION, day(14, 11, 31, 4), PHS_611_LOCATE_DC),
            events::dirsync(611, level::ERROR, day(14, 12, 40, 39), PHS_611_RPC),
            events::dirsync(652, level::ERROR, day(14, 13, 2, 11), PHS_652_BUSY),
            events::dirsync(655, level::ERROR, day(14, 13, 30, 5), PHS_655_NOT_ACTIVATED),
            events::dirsync(0, level::ERROR, day(14, 13, 45, 0), PHS_0_RETRY),
            events::adsync(
                6100,
                level::WARNING,
                day(14, 14, 6, 40),
                "The management agent \"contoso.onmicrosoft.com - AAD\" step execution completed on run profile \"Export\" with errors.\r\n\r\n Additional Information\r\n Discovery Errors       : \"0\"\r\n Synchronization Errors : \"0\"\r\n Metaverse Retry Errors : \"0\"\r\n Export Errors          : \"3\"\r\n Warnings               : \"0\"\r\n\r\n User Action\r\n View the management agent run history for details.",
            ),
            events::dirsync(611, level::ERROR, day(14, 15, 12, 40), PHS_611_RPC),
            events::scm(
                7038,
                level::ERROR,
                day(14, 15, 20, 1),
                &["ADSync", "CONTOSO\\svc-adsync", "%%1326"],
                "ADSync",
            ),
            events::scm(7000, level::ERROR, day(14, 15, 20, 2), &["Microsoft Azure AD Sync", "%%1069"], "ADSync"),
        ])
}

/// Both shipped bundles, built.
///
/// # Errors
/// As [`Scenario::build`].
pub fn shipped_bundles() -> Result<Vec<Bundle>, SampleError> {
    Ok(vec![
        cloud_sync_scenario().build()?,
        connect_sync_scenario().build()?,
    ])
}
