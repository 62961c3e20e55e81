//! The EVTX fast path (`evtx_scan` deciding which records to render) keeps exactly what the full
//! path keeps, with the app's own selector (shipped catalogue, relevant entries only), on generated
//! files: no `../shared` corpus needed. The files mix what the scan decides without rendering:
//! Service Control Manager records (sentence messages rebuilt from their values, EventData inline
//! or as a nested fragment), records with integer, hex, boolean, GUID and time values, and values that print as the catalogue's digit
//! literals (`0x54b`, `RPC Error 1722`, `AADSTS50034`, ...).

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use syncsift::relevance;
use syncsift::rules::{self, Catalogue};
use syncsift_parsers::{Selector, VecSink, evtx_file};
use syncsift_samples::events;
use syncsift_samples::evtx_writer::{DataValue, Event, EventData, evtx_bytes, level};
use syncsift_samples::scale;

fn app_selector() -> Selector {
    let catalogue = Catalogue::shipped().expect("shipped catalogue");
    relevance::selector(false, &rules::terms(&catalogue)).expect("selector")
}

/// Asserts fast == full (stats, records, problems) and returns the number of records kept.
fn assert_same(bytes: &[u8], selector: &Selector) -> usize {
    let mut fast = VecSink::default();
    let mut full = VecSink::default();
    let fast_stats = evtx_file::parse_with(bytes, selector, &mut fast, evtx_file::Path::Fast);
    let full_stats = evtx_file::parse_with(bytes, selector, &mut full, evtx_file::Path::Full);
    assert_eq!(fast_stats.ok(), full_stats.ok(), "stats");
    assert_eq!(fast.records, full.records, "records");
    assert_eq!(fast.problems, full.problems, "problems");
    full.records.len()
}

/// Display name, key name of services: sync ones (a scoped literal matches) and others.
const SERVICES: &[(&str, &str)] = &[
    ("Microsoft Azure AD Sync", "ADSync"),
    (
        "Microsoft Azure AD Connect Provisioning Agent",
        "AADConnectProvisioningAgent",
    ),
    ("Windows Update", "wuauserv"),
    ("Background Intelligent Transfer Service", "BITS"),
    ("RPC Error 1722 Service", "Rpc1722"),
    ("Plain", "ADSyncHelper"),
];

/// Strings that are, contain, or nearly contain catalogue literals.
const TEXTS: &[&str] = &[
    "RPC Error 1722",
    "RPC Error 1723",
    "AADSTS50034",
    "AADSTS5003",
    "0x54b",
    "0x0000054b",
    "0x54",
    "The RPC server is unavailable.",
    "routine",
    "%%1069",
    "%%1053",
    "1.6.4.0",
    "",
];

/// Integers around the ones that print as literals (1355 = 0x54b).
const NUMBERS: &[i64] = &[
    1722,
    -1722,
    1355,
    0x8007_052e,
    50034,
    700_027,
    5,
    -5,
    0,
    17_220,
];

fn time(i: usize) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 9, 8, 0, 0).unwrap() + Duration::seconds(i as i64)
}

/// One generated event of kind `kind`: text, number and service picked independently by `a`, `b`
/// and `c`, so some records are kept for one value alone.
fn event(i: usize, kind: u8, (a, b, c): (usize, usize, usize), lvl: u8) -> Event {
    let t = time(i);
    let text = TEXTS[a % TEXTS.len()];
    let number = NUMBERS[b % NUMBERS.len()];
    let other = NUMBERS[(b + c) % NUMBERS.len()];
    let (display, key) = SERVICES[c % SERVICES.len()];
    let level = [level::INFORMATION, level::WARNING, level::ERROR][usize::from(lvl % 3)];
    match kind % 8 {
        0 => events::scm(
            [7036, 7000, 7045, 9999][(b + c) % 4],
            level,
            t,
            &[display, text, "running"],
            key,
        ),
        1 => {
            let mut e = events::scm(7036, level, t, &[display, "stopped"], key);
            e.binary = None;
            e
        }
        2 => Event {
            qualifiers: None,
            data: EventData::Typed(vec![
                ("Code".to_owned(), DataValue::I32(number as i32)),
                ("Wide".to_owned(), DataValue::I64(other)),
                ("Unsigned".to_owned(), DataValue::U32(number as u32)),
                ("Status".to_owned(), DataValue::Hex32(number as u32)),
                ("Status64".to_owned(), DataValue::Hex64(other as u64)),
                ("Flag".to_owned(), DataValue::Bool(number > 0)),
                ("Text".to_owned(), DataValue::Text(text.to_owned())),
            ]),
            ..Event::classic(
                "Some-Manifest-Provider",
                100,
                level,
                t,
                "Application",
                "PC",
                "",
            )
        },
        3 => Event {
            qualifiers: None,
            data: EventData::Typed(vec![
                ("Id".to_owned(), DataValue::Guid([number as u8; 16])),
                ("When".to_owned(), DataValue::FileTime(number as u64)),
                ("Blob".to_owned(), DataValue::Bytes(vec![0x05, 0x4B])),
            ]),
            ..Event::classic("Other-Provider", 7, level, t, "System", "PC", "")
        },
        4 => Event::classic(
            "Application Error",
            1000,
            level,
            t,
            "Application",
            "PC",
            text,
        ),
        5 => events::dirsync(611, level, t, text),
        // Named string fields: `Application Version: 1.` only matches across `name: value`.
        6 => Event {
            qualifiers: None,
            data: EventData::Named(vec![
                ("Application Version".to_owned(), text.to_owned()),
                ("Product".to_owned(), display.to_owned()),
            ]),
            ..Event::classic("MsiInstaller", 1035, level, t, "Application", "PC", "")
        },
        // SCM with EventData as a nested fragment (as real 7040/7045 records are written).
        _ => {
            let mut e = events::scm(
                [7036, 7000, 7045, 9999][(b + c) % 4],
                level,
                t,
                &[display, text, "auto start"],
                key,
            );
            if let EventData::Named(pairs) = e.data {
                e.data = EventData::NestedNamed(pairs);
            }
            e
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_equals_full_path_on_generated_records(
        picks in proptest::collection::vec(
            (0u8..8, (0usize..64, 0usize..64, 0usize..64), 0u8..6),
            1..400,
        )
    ) {
        let selector = app_selector();
        let events: Vec<Event> = picks
            .iter()
            .enumerate()
            .map(|(i, &(kind, values, lvl))| {
                // Mostly information level, so text decides.
                event(i, kind, values, if lvl < 4 { 0 } else { lvl })
            })
            .collect();
        let bytes = evtx_bytes(&events).unwrap();
        assert_same(&bytes, &selector);
    }
}

/// Every combination once, deterministically: the kept records include SCM events naming sync
/// services and records kept only for a number that prints as a digit literal.
#[test]
fn fast_path_equals_full_path_on_every_generated_kind() {
    let selector = app_selector();
    let mut events = Vec::new();
    for kind in 0..8 {
        for a in 0..TEXTS.len() {
            for b in 0..NUMBERS.len() {
                for c in 0..SERVICES.len() {
                    events.push(event(events.len(), kind, (a, b, c), 0));
                }
            }
        }
    }
    let bytes = evtx_bytes(&events).unwrap();
    let mut full = VecSink::default();
    evtx_file::parse_with(&bytes, &selector, &mut full, evtx_file::Path::Full).unwrap();
    assert!(
        full.records
            .iter()
            .any(|r| r.provider == "Service Control Manager" && r.message.contains("AD Sync"))
    );
    assert!(
        full.records
            .iter()
            .any(|r| r.provider == "Some-Manifest-Provider" && r.message.contains("0x54b"))
    );
    assert!(
        full.records
            .iter()
            .any(|r| r.message.starts_with("Application Version: 1.6"))
    );
    let kept = assert_same(&bytes, &selector);
    assert!(
        kept > 100 && kept < events.len(),
        "{kept} of {}",
        events.len()
    );
}

/// The scale generator's Application and System logs (the benchmark inputs), small.
#[test]
fn fast_path_equals_full_path_on_scale_evtx() {
    let selector = app_selector();
    let dir = tempfile::tempdir().unwrap();
    for (system, name) in [(false, "Application.evtx"), (true, "System.evtx")] {
        let path = dir.path().join(name);
        scale::write_evtx(&path, 2 << 20, 3, system).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_same(&bytes, &selector);
    }
}
