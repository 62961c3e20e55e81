//! Test support, not part of the interface: a fixed, hand-made report for renderer tests (unit and
//! integration tests, the headless-browser check): three inputs of every disposition, entries of
//! several sources and time bases, two findings with evidence, details, a gap and links, and one
//! event whose message, path and details carry hostile text (HTML, Markdown, ANSI, NUL, bidi).

use crate::report::{
    Confidence, Disposition, Evidence, FactReport, Finding, Gap, InputReport, Link, Report,
    RunSettings, Severity, Summary, Tool,
};
use crate::timeline::Timeline;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use syncsift_parsers::{EventTime, Level, Locator, Record, TimeBasis};

/// Text that must never reach any output raw.
pub const HOSTILE: &str = "<script>alert('x')</script> | a|b `tick` **bold** [link](javascript:alert(1)) \
     &amp; \"q\" \u{1b}[31mred\u{1b}[0m nul\0end \u{202e}bidi\n# heading\n<img src=x onerror=alert(2)>";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("fixture time")
}

fn input(path: &str, format: Option<&str>, disposition: Disposition) -> InputReport {
    InputReport {
        path: path.to_owned(),
        container: None,
        format: format.map(str::to_owned),
        size: 1000,
        disposition,
        reason: None,
        entries: 0,
        kept: 0,
        facts: 0,
        bad: 0,
        problems: Vec::new(),
        problem_count: 0,
    }
}

fn record(
    time: EventTime,
    provider: &str,
    event_id: Option<u32>,
    level: Level,
    message: &str,
    locator: Locator,
) -> Record {
    Record {
        time,
        provider: provider.to_owned(),
        event_id,
        level,
        channel: None,
        computer: Some("SYNC01".to_owned()),
        message: message.to_owned(),
        fields: Vec::new(),
        locator,
    }
}

/// The report every snapshot test renders.
pub fn sample_report() -> Report {
    let bundle = "AADCloudProvisioningDiagnostics-20240309-101500.zip";
    let mut zip = input(bundle, Some("zip"), Disposition::Container);
    zip.size = 4096;
    let mut app = input(
        &format!("{bundle}!/EventLogs/Application.evtx"),
        Some("EVTX"),
        Disposition::Parsed,
    );
    app.container = Some(0);
    app.entries = 5200;
    app.kept = 4;
    let mut trace = input(
        &format!("{bundle}!/Trace/<b>agent</b>|trace.log"),
        Some("agent trace (UTF-8)"),
        Disposition::Parsed,
    );
    trace.container = Some(0);
    trace.entries = 900;
    trace.kept = 3;
    trace.bad = 1;
    trace.problems = vec![format!("at 77: line not understood: {HOSTILE}")];
    trace.problem_count = 1;
    let mut skipped = input(&format!("{bundle}!/readme.txt"), None, Disposition::Skipped);
    skipped.container = Some(0);
    skipped.reason = Some("not a format syncsift reads".to_owned());
    let mut failed = input("broken.evtx", Some("EVTX"), Disposition::Failed);
    failed.reason = Some("EVTX header is damaged: bad signature".to_owned());

    let evtx = "Microsoft.Online.Passwordsync";
    let recorded = |t: &str| EventTime::recorded(at(t));
    let app_records = vec![
        record(
            recorded("2024-03-09T08:00:00Z"),
            evtx,
            Some(654),
            Level::Information,
            "Password synchronization heartbeat: ok.",
            Locator::EvtxRecord(100),
        ),
        record(
            recorded("2024-03-09T08:02:10Z"),
            "ADSync",
            Some(6900),
            Level::Error,
            "The server encountered an unexpected error:\r\nReplicationAccessDenied: access denied for contoso.com",
            Locator::EvtxRecord(101),
        ),
        record(
            recorded("2024-03-09T09:40:00Z"),
            "ADSync",
            Some(6900),
            Level::Error,
            "The server encountered an unexpected error:\r\nReplicationAccessDenied: access denied for contoso.com",
            Locator::EvtxRecord(140),
        ),
        record(
            recorded("2024-03-09T10:10:00Z"),
            evtx,
            Some(611),
            Level::Warning,
            HOSTILE,
            Locator::EvtxRecord(150),
        ),
    ];
    let trace_records = vec![
        record(
            EventTime {
                utc: Some(at("2024-03-09T08:30:00Z")),
                basis: TimeBasis::AssumedZone,
            },
            "AADConnectProvisioningAgent.exe",
            Some(0),
            Level::Information,
            "Starting agent",
            Locator::Line(1),
        ),
        record(
            EventTime {
                utc: Some(at("2024-03-09T10:15:00Z")),
                basis: TimeBasis::InferredAtOrBefore,
            },
            "AADConnectProvisioningAgent.exe",
            Some(0),
            Level::Error,
            "Web socket failed to connect.\n   at Connector.Connect()",
            Locator::Line(2),
        ),
        record(
            EventTime::unknown(),
            "AADConnectProvisioningAgent.exe",
            None,
            Level::Warning,
            "ServiceBusClientWebSocket was expecting more bytes",
            Locator::Line(9),
        ),
    ];
    let mut timeline = Timeline::merge(vec![(1, app_records), (2, trace_records)]);
    // Entry order: 08:00 heartbeat, 08:02 6900, 08:30 start, 09:40 6900, 10:10 hostile, 10:15 socket,
    // untimed warning.
    for (index, entry) in timeline.entries_mut().iter_mut().enumerate() {
        match index {
            1 | 3 => entry.findings.push("adds-account-permissions".to_owned()),
            0 | 4 => entry.findings.push("phs-no-heartbeat".to_owned()),
            _ => {}
        }
    }

    let mut details = BTreeMap::new();
    details.insert("domain".to_owned(), vec!["contoso.com".to_owned()]);
    details.insert("hostile".to_owned(), vec![HOSTILE.to_owned()]);
    let replication = Finding {
        id: "adds-account-permissions".to_owned(),
        title: "The AD DS connector account lacks permissions (e.g. Replicate Directory Changes)".to_owned(),
        product: "connect-sync".to_owned(),
        severity: Severity::Error,
        confidence: Confidence::High,
        first_seen: Some("2024-03-09T08:02:10+00:00".to_owned()),
        last_seen: Some("2024-03-09T09:40:00+00:00".to_owned()),
        count: 2,
        evidence: vec![
            Evidence {
                entry: Some(1),
                time: Some("2024-03-09T08:02:10+00:00".to_owned()),
                provenance: format!("{bundle}!/EventLogs/Application.evtx#record 101"),
                text: "The server encountered an unexpected error:\r\nReplicationAccessDenied: access denied for contoso.com".to_owned(),
            },
            Evidence {
                entry: Some(3),
                time: Some("2024-03-09T09:40:00+00:00".to_owned()),
                provenance: format!("{bundle}!/EventLogs/Application.evtx#record 140"),
                text: "ReplicationAccessDenied: access denied for contoso.com".to_owned(),
            },
        ],
        details,
        gaps: Vec::new(),
        explanation: "Password hash synchronization reads hashes with the DS-Replication-Get-Changes \
                      and DS-Replication-Get-Changes-All rights; without them the directory refuses."
            .to_owned(),
        remediation: vec![
            "Grant the AD DS connector account Replicate Directory Changes and Replicate Directory \
             Changes All on the domain root."
                .to_owned(),
            "Run a full synchronization.".to_owned(),
        ],
        links: vec![
            Link {
                title: "Troubleshoot password hash synchronization".to_owned(),
                url: "https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/tshoot-connect-password-hash-synchronization".to_owned(),
            },
            Link {
                title: "not a web link".to_owned(),
                url: "javascript:alert(1)".to_owned(),
            },
        ],
    };
    let heartbeat = Finding {
        id: "phs-no-heartbeat".to_owned(),
        title: "Password hash sync stopped sending heartbeats".to_owned(),
        product: "connect-sync".to_owned(),
        severity: Severity::Critical,
        confidence: Confidence::Medium,
        first_seen: Some("2024-03-09T08:00:00+00:00".to_owned()),
        last_seen: Some("2024-03-09T10:10:00+00:00".to_owned()),
        count: 2,
        evidence: vec![Evidence {
            entry: Some(4),
            time: Some("2024-03-09T10:10:00+00:00".to_owned()),
            provenance: format!("{bundle}!/EventLogs/Application.evtx#record 150"),
            text: HOSTILE.to_owned(),
        }],
        details: BTreeMap::new(),
        gaps: vec![Gap {
            from: "2024-03-09T08:00:00+00:00".to_owned(),
            to: "2024-03-09T10:10:00+00:00".to_owned(),
            minutes: 130,
        }],
        explanation:
            "Event 654 is written every 30 minutes while password hash sync runs; none came \
                      for over two hours."
                .to_owned(),
        remediation: vec!["Restart the ADSync service and watch for event 654.".to_owned()],
        links: Vec::new(),
    };

    Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool {
            name: "syncsift",
            version: "0.0.0-test",
        },
        settings: RunSettings {
            source_zone: "UTC".to_owned(),
            selection: "relevant",
        },
        summary: Summary {
            parsed: 2,
            containers: 1,
            skipped: 1,
            failed: 1,
            damaged: 0,
            entries: 6100,
            timeline_entries: timeline.len(),
            first: Some("2024-03-09T08:00:00+00:00".to_owned()),
            last: Some("2024-03-09T10:15:00+00:00".to_owned()),
        },
        inputs: vec![zip, app, trace, skipped, failed],
        findings: vec![heartbeat, replication],
        facts: vec![FactReport {
            input: 1,
            source: format!("{bundle}!/EventLogs/Application.evtx:1"),
            section: None,
            key: "StagingModeEnabled".to_owned(),
            value: "False".to_owned(),
        }],
        timeline,
        redaction: None,
    }
}
