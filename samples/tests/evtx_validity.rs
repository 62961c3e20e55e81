//! The generated EVTX files are valid: the `evtx` crate reads every record with checksum
//! validation on and renders the fields that were written, and syncsift's fast path (System fields
//! from substitution values) keeps exactly the records its full path keeps.

use chrono::{DateTime, Duration, TimeZone, Utc};
use evtx::{EvtxParser, ParserSettings};
use serde_json::Value;
use syncsift_parsers::evtx_file::{self, Path};
use syncsift_parsers::{Level, Selector, VecSink};
use syncsift_samples::evtx_writer::{self, Damage, Event, EventData, level};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 9, 8, 0, 0).unwrap()
}

/// A mix of layouts: classic unnamed data, SCM named data with Binary, events without data, and
/// enough volume for several chunks.
fn events(count: usize) -> Vec<Event> {
    let mut out = Vec::new();
    for i in 0..count {
        let time = t0() + Duration::milliseconds(i as i64 * 1500 + 123);
        let event = match i % 5 {
            0 => Event::classic(
                "Directory Synchronization",
                654,
                level::INFORMATION,
                time,
                "Application",
                "AADCONNECT01.contoso.com",
                "Provision credentials ping end.",
            ),
            1 => Event {
                data: EventData::Named(vec![
                    ("param1".into(), "Microsoft Azure AD Sync".into()),
                    ("param2".into(), "%%1069".into()),
                ]),
                binary: Some(
                    "ADSync\0"
                        .encode_utf16()
                        .flat_map(u16::to_le_bytes)
                        .collect(),
                ),
                qualifiers: Some(49152),
                ..Event::classic(
                    "Service Control Manager",
                    7000,
                    level::ERROR,
                    time,
                    "System",
                    "AADCONNECT01.contoso.com",
                    "",
                )
            },
            2 => Event {
                data: EventData::Unnamed(Vec::new()),
                qualifiers: None,
                ..Event::classic(
                    "Microsoft-Windows-Kernel-General",
                    16,
                    level::INFORMATION,
                    time,
                    "System",
                    "AADCONNECT01.contoso.com",
                    "",
                )
            },
            3 => Event::classic(
                "Unrelated App",
                1000 + (i % 7) as u16,
                level::INFORMATION,
                time,
                "Application",
                "AADCONNECT01.contoso.com",
                &format!("routine message number {i} with some padding text to fill chunks"),
            ),
            _ => Event::classic(
                "ADSync",
                6100,
                level::WARNING,
                time,
                "Application",
                "AADCONNECT01.contoso.com",
                "The management agent \"contoso.com\" step execution completed on run profile \"Export\" with errors.",
            ),
        };
        out.push(event);
    }
    out
}

fn parse_all(bytes: &[u8]) -> Vec<Value> {
    let settings = ParserSettings::default()
        .validate_checksums(true)
        .separate_json_attributes(false);
    let mut parser = EvtxParser::from_buffer(bytes.to_vec())
        .expect("the file header parses")
        .with_configuration(settings);
    assert!(parser.header().validate_checksum());
    parser
        .records_json_value()
        .map(|r| r.expect("every record parses").data)
        .collect()
}

#[test]
fn every_record_parses_with_checksums_and_fields_round_trip() {
    let written = events(2000);
    let bytes = evtx_writer::evtx_bytes(&written).unwrap();
    let chunks = (bytes.len() - evtx_writer::FILE_HEADER_SIZE) / evtx_writer::CHUNK_SIZE;
    assert!(chunks >= 3, "{chunks} chunks");
    let parsed = parse_all(&bytes);
    assert_eq!(parsed.len(), written.len());
    for (i, (json, event)) in parsed.iter().zip(&written).enumerate() {
        let system = &json["Event"]["System"];
        assert_eq!(
            system["Provider"]["#attributes"]["Name"],
            event.provider.as_str()
        );
        let id = system["EventID"].get("#text").unwrap_or(&system["EventID"]);
        assert_eq!(id.as_u64(), Some(u64::from(event.event_id)), "record {i}");
        assert_eq!(system["Level"].as_u64(), Some(u64::from(event.level)));
        assert_eq!(system["EventRecordID"].as_u64(), Some(i as u64 + 1));
        assert_eq!(system["Channel"], event.channel.as_str());
        assert_eq!(system["Computer"], event.computer.as_str());
        let time = system["TimeCreated"]["#attributes"]["SystemTime"]
            .as_str()
            .unwrap();
        let time: DateTime<Utc> = time.parse().unwrap();
        assert_eq!(time, event.time);
        match &event.data {
            EventData::Unnamed(values) if values.len() == 1 => {
                let data = &json["Event"]["EventData"]["Data"];
                assert_eq!(data.get("#text").unwrap_or(data), values[0].as_str());
            }
            EventData::Named(pairs) => {
                for (name, value) in pairs {
                    assert_eq!(json["Event"]["EventData"][name.as_str()], value.as_str());
                }
                assert_eq!(
                    json["Event"]["EventData"]["Binary"],
                    "41004400530079006E0063000000"
                );
            }
            // A nested EventData fragment reads as the same JSON.
            EventData::NestedNamed(pairs) => {
                for (name, value) in pairs {
                    assert_eq!(json["Event"]["EventData"][name.as_str()], value.as_str());
                }
            }
            EventData::Unnamed(_) | EventData::Typed(_) => {}
        }
    }
}

#[test]
fn fast_path_keeps_the_same_records_as_the_full_path() {
    let bytes = evtx_writer::evtx_bytes(&events(3000)).unwrap();
    let selectors = [
        Selector::all(),
        Selector::none().with_min_level(Level::Warning),
        Selector::none()
            .with_providers(["Directory Synchronization"])
            .with_scoped_literals("Service Control Manager", ["Azure AD Sync"])
            .unwrap(),
        Selector::none().with_literals(["number 77 "]).unwrap(),
    ];
    for selector in &selectors {
        let mut fast = VecSink::default();
        let mut full = VecSink::default();
        let fast_stats = evtx_file::parse_with(&bytes, selector, &mut fast, Path::Fast).unwrap();
        let full_stats = evtx_file::parse_with(&bytes, selector, &mut full, Path::Full).unwrap();
        assert_eq!(fast.records, full.records);
        assert_eq!(fast_stats.entries, 3000);
        assert_eq!(full_stats.entries, 3000);
        assert!(fast.problems.is_empty() && full.problems.is_empty());
    }
    let mut sink = VecSink::default();
    evtx_file::parse_with(&bytes, &selectors[2], &mut sink, Path::Fast).unwrap();
    // 600 heartbeats and 600 SCM events naming the sync service.
    assert_eq!(sink.records.len(), 1200);
    assert!(sink.records.iter().any(|r| r.message
        == "The Microsoft Azure AD Sync service failed to start due to the following error: The service did not start due to a logon failure. (service name: ADSync)"));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        evtx_writer::evtx_bytes(&events(500)).unwrap(),
        evtx_writer::evtx_bytes(&events(500)).unwrap()
    );
}

#[test]
fn damaged_chunks_are_reported_and_the_rest_is_read() {
    let written = events(2000);
    let bytes = evtx_writer::evtx_bytes(&written).unwrap();
    for damage in [
        Damage::BadChunkMagic,
        Damage::BadRecordsCrc,
        Damage::BadHeaderCrc,
    ] {
        let copy = evtx_writer::damaged_copy(&bytes, 1, damage).unwrap();
        let settings = ParserSettings::default().validate_checksums(true);
        let mut parser = EvtxParser::from_buffer(copy.clone())
            .unwrap()
            .with_configuration(settings);
        let results: Vec<_> = parser.records().collect();
        assert!(results.iter().any(Result::is_err), "{damage:?} is detected");
        let good = results.iter().filter(|r| r.is_ok()).count();
        assert!(good > 0 && good < written.len(), "{damage:?}: {good}");
        let mut sink = VecSink::default();
        let stats = evtx_file::parse(&copy, &Selector::all(), &mut sink).unwrap();
        if damage == Damage::BadChunkMagic {
            assert_eq!(stats.bad, 1);
            assert!(!sink.problems.is_empty());
            assert!(sink.records.len() < written.len() && !sink.records.is_empty());
        } else {
            // syncsift reads chunks whose checksums fail, as Windows does.
            assert_eq!(sink.records.len(), written.len());
        }
    }
    assert!(evtx_writer::damaged_copy(&bytes, 99, Damage::BadChunkMagic).is_none());
}

/// A selector like the application's default: sync providers, warnings and up, SCM entries naming
/// a sync service.
fn relevance_like() -> Selector {
    Selector::none()
        .with_min_level(Level::Warning)
        .with_providers([
            "Directory Synchronization",
            "ADSync",
            "Azure AD Connect Provisioning Agent",
        ])
        .with_channels(["Microsoft-AzureADConnect-ProvisioningAgent/Admin"])
        .with_scoped_literals(
            "Service Control Manager",
            ["ADSync", "Azure AD Sync", "Provisioning Agent"],
        )
        .expect("literals build")
}

#[test]
fn shipped_evtx_files_are_valid_and_take_the_fast_path() {
    let selector = relevance_like();
    let mut files = 0;
    for bundle in syncsift_samples::shipped::shipped_bundles().unwrap() {
        for file in bundle.files.iter().filter(|f| f.path.ends_with(".evtx")) {
            files += 1;
            let expected = file.entries.unwrap();
            assert_eq!(parse_all(&file.bytes).len(), expected, "{}", file.path);
            // Every chunk is read by the fast scan (no fallback to the full path).
            for chunk in file.bytes[evtx_writer::FILE_HEADER_SIZE..].chunks(evtx_writer::CHUNK_SIZE)
            {
                let scan = syncsift_parsers::evtx_scan::scan_chunk(chunk, &selector)
                    .unwrap_or_else(|| panic!("{}: the fast scan gave up", file.path));
                assert!(scan.records > 0);
            }
            let mut fast = VecSink::default();
            let mut full = VecSink::default();
            evtx_file::parse_with(&file.bytes, &selector, &mut fast, Path::Fast).unwrap();
            evtx_file::parse_with(&file.bytes, &selector, &mut full, Path::Full).unwrap();
            assert_eq!(fast.records, full.records, "{}", file.path);
        }
    }
    assert_eq!(files, 5);
}

#[test]
fn scale_evtx_fast_path_equals_full_path() {
    let dir = std::env::temp_dir().join(format!("syncsift-scale-evtx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let selector = relevance_like();
    for system in [false, true] {
        let path = dir.join(format!("scale-{system}.evtx"));
        let count = syncsift_samples::scale::write_evtx(&path, 6 << 20, 11, system).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let mut fast = VecSink::default();
        let mut full = VecSink::default();
        let stats = evtx_file::parse_with(&bytes, &selector, &mut fast, Path::Fast).unwrap();
        evtx_file::parse_with(&bytes, &selector, &mut full, Path::Full).unwrap();
        assert_eq!(stats.entries, count);
        assert_eq!(fast.records, full.records);
        // Sparse: a handful of sync events among the noise.
        assert!(!fast.records.is_empty() && fast.records.len() * 1000 < count as usize);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
