//! Ready-made events of the providers a sync server logs, for scenarios: password hash sync and the
//! scheduler (`Directory Synchronization`), the sync engine (`ADSync`), Service Control Manager
//! (named `param` data and the service key in `Binary`, as Windows writes them) and the
//! provisioning agent's Admin channel; plus the unrelated noise that dominates real logs.
//!
//! The computer name is left empty: the scenario fills in its own. Message texts quoted in
//! constants are Microsoft's (research notes §3, §5, §9).

use crate::evtx_writer::{CLASSIC_KEYWORDS, Event, EventData, level};
use crate::rng::Rng;
use chrono::{DateTime, Duration, Utc};

/// Provider of password hash sync and scheduler events.
pub const DIRSYNC: &str = "Directory Synchronization";
/// Provider of the sync engine's events.
pub const ADSYNC: &str = "ADSync";
/// Provider of service start/stop events.
pub const SCM: &str = "Service Control Manager";
/// The provisioning agent's event provider.
pub const AGENT_PROVIDER: &str = "Microsoft-AzureADConnect-ProvisioningAgent";
/// The provisioning agent's Admin channel.
pub const AGENT_CHANNEL: &str = "Microsoft-AzureADConnect-ProvisioningAgent/Admin";

/// The password hash sync heartbeat (event 654).
pub const PING_END: &str = "Provision credentials ping end.";
/// Event 653.
pub const PING_START: &str = "Provision credentials ping start.";

/// A classic Application-log event.
pub fn application(
    provider: &str,
    event_id: u16,
    level: u8,
    time: DateTime<Utc>,
    text: &str,
) -> Event {
    Event::classic(provider, event_id, level, time, "Application", "", text)
}

/// A `Directory Synchronization` event.
pub fn dirsync(event_id: u16, level: u8, time: DateTime<Utc>, text: &str) -> Event {
    application(DIRSYNC, event_id, level, time, text)
}

/// An `ADSync` event.
pub fn adsync(event_id: u16, level: u8, time: DateTime<Utc>, text: &str) -> Event {
    application(ADSYNC, event_id, level, time, text)
}

/// The password hash sync heartbeat as an idle server logs it: 653 (ping start) two seconds before
/// 654 (ping end), at `from`, then every `every`, up to and including `to`.
pub fn heartbeats(from: DateTime<Utc>, to: DateTime<Utc>, every: Duration) -> Vec<Event> {
    let mut out = Vec::new();
    let mut t = from;
    while t <= to && every > Duration::zero() {
        out.push(dirsync(
            653,
            level::INFORMATION,
            t - Duration::seconds(2),
            PING_START,
        ));
        out.push(dirsync(654, level::INFORMATION, t, PING_END));
        t += every;
    }
    out
}

/// A Service Control Manager event: `params` become `param1`.., the service key name goes to
/// `Binary` as UTF-16LE with its NUL, as Windows writes it.
pub fn scm(
    event_id: u16,
    level: u8,
    time: DateTime<Utc>,
    params: &[&str],
    service_key: &str,
) -> Event {
    let qualifiers = if level <= level::ERROR {
        0xC000
    } else if level == level::WARNING {
        0x8000
    } else {
        0x4000
    };
    let mut binary: Vec<u8> = service_key
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    binary.extend_from_slice(&[0, 0]);
    Event {
        provider: SCM.to_owned(),
        event_id,
        qualifiers: Some(qualifiers),
        level,
        task: 0,
        keywords: CLASSIC_KEYWORDS,
        time,
        channel: "System".to_owned(),
        computer: String::new(),
        process_id: 672,
        thread_id: 1444,
        data: EventData::Named(
            params
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("param{}", i + 1), (*p).to_owned()))
                .collect(),
        ),
        binary: Some(binary),
    }
}

/// An event of the provisioning agent's Admin channel.
pub fn agent_admin(event_id: u16, level: u8, time: DateTime<Utc>, text: &str) -> Event {
    Event {
        qualifiers: None,
        keywords: 0x4000_0000_0000_0000,
        process_id: 3120,
        thread_id: 18,
        ..Event::classic(
            AGENT_PROVIDER,
            event_id,
            level,
            time,
            AGENT_CHANNEL,
            "",
            text,
        )
    }
}

/// Unrelated events a Windows server logs all day (Information level only, so they never reach
/// the default timeline on their own).
const APPLICATION_NOISE: &[(&str, u16, &str)] = &[
    (
        "Microsoft-Windows-Security-SPP",
        16384,
        "Successfully scheduled Software Protection service for re-start at 2124-02-14T10:01:07Z. Reason: RulesEngine.",
    ),
    (
        "Microsoft-Windows-Security-SPP",
        16394,
        "Offline downlevel migration succeeded.",
    ),
    (
        "VSS",
        8224,
        "The VSS service is shutting down due to idle timeout.",
    ),
    (
        "ESENT",
        916,
        "svchost (2876,G,0) The beta feature EseDiskFlushConsistency is enabled in ESENT due to the beta site mode settings 0x800000.",
    ),
    (
        "MsiInstaller",
        1035,
        "Windows Installer reconfigured the product. Product Name: Microsoft Visual C++ 2019 X64 Minimum Runtime - 14.29.30133. Product Version: 14.29.30133. Reconfiguration success or error status: 0.",
    ),
    (
        "Microsoft-Windows-RestartManager",
        10000,
        "Starting session 0 - 2024-03-09T06:12:44.512Z.",
    ),
    (
        "SecurityCenter",
        15,
        "Updated Windows Defender status successfully to SECURITY_PRODUCT_STATE_ON.",
    ),
    (
        "Microsoft-Windows-User Profiles Service",
        1531,
        "The User Profile Service has started successfully.",
    ),
];

const SYSTEM_NOISE: &[(&str, u16, &str)] = &[
    (
        "Microsoft-Windows-Kernel-General",
        16,
        "The access history in hive \\??\\C:\\Users\\svc\\ntuser.dat was cleared updating 12 keys and creating 3 modified pages.",
    ),
    (
        "Microsoft-Windows-Time-Service",
        37,
        "The time provider NtpClient is currently receiving valid time data from dc01.contoso.com (ntp.d|10.0.0.10:123->10.0.0.20:123).",
    ),
    ("EventLog", 6013, "The system uptime is 864211 seconds."),
    (
        "Microsoft-Windows-Kernel-Power",
        566,
        "The system session has transitioned from 186 to 187. Reason PowerButton",
    ),
];

/// Services that start and stop all day (display name, key name).
const NOISE_SERVICES: &[(&str, &str)] = &[
    ("Windows Update", "wuauserv"),
    ("Background Intelligent Transfer Service", "BITS"),
    ("Windows Modules Installer", "TrustedInstaller"),
    ("Microsoft Defender Antivirus Service", "WinDefend"),
];

/// One noise event at `time`, chosen by `rng`.
pub fn noise_event(rng: &mut Rng, time: DateTime<Utc>) -> Event {
    match rng.below(10) {
        0..=5 => {
            let (provider, id, text) = *rng.pick(APPLICATION_NOISE);
            application(provider, id, level::INFORMATION, time, text)
        }
        6 | 7 => {
            let (provider, id, text) = *rng.pick(SYSTEM_NOISE);
            Event {
                qualifiers: None,
                ..Event::classic(provider, id, level::INFORMATION, time, "System", "", text)
            }
        }
        _ => {
            let (display, key) = *rng.pick(NOISE_SERVICES);
            let state = if rng.chance(1, 2) {
                "running"
            } else {
                "stopped"
            };
            scm(7036, level::INFORMATION, time, &[display, state], key)
        }
    }
}

/// `count` noise events spread over `from..to`, in time order.
pub fn noise(seed: u64, count: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Event> {
    let mut rng = Rng::new(seed);
    let span = u64::try_from((to - from).num_milliseconds()).unwrap_or(0);
    let mut times: Vec<DateTime<Utc>> = (0..count)
        .map(|_| {
            let offset = i64::try_from(rng.below(span)).unwrap_or(0);
            from + Duration::milliseconds(offset)
        })
        .collect();
    times.sort();
    times
        .into_iter()
        .map(|t| noise_event(&mut rng, t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn heartbeats_pair_start_and_end() {
        let from = Utc.with_ymd_and_hms(2024, 3, 13, 12, 0, 0).unwrap();
        let beats = heartbeats(from, from + Duration::hours(1), Duration::minutes(30));
        let ids: Vec<u16> = beats.iter().map(|e| e.event_id).collect();
        assert_eq!(ids, [653, 654, 653, 654, 653, 654]);
        assert_eq!(beats[5].time, from + Duration::hours(1));
        assert!(heartbeats(from, from, Duration::zero()).is_empty());
    }

    #[test]
    fn noise_is_seeded_and_sorted() {
        let from = Utc.with_ymd_and_hms(2024, 3, 13, 0, 0, 0).unwrap();
        let a = noise(3, 200, from, from + Duration::hours(10));
        assert_eq!(a, noise(3, 200, from, from + Duration::hours(10)));
        assert!(a.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(a.iter().all(|e| e.level == level::INFORMATION));
        assert!(
            a.iter().any(|e| e.channel == "System") && a.iter().any(|e| e.channel == "Application")
        );
    }
}
