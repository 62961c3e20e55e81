//! The trace writers' output is read by syncsift's parsers as intended: the same agent trace in
//! UTF-8, UTF-8 with BOM and UTF-16LE gives the same records (footer times exact), and a wizard
//! trace's times come out in UTC from its header's offset.

use chrono::{Duration, TimeZone, Utc};
use std::path::Path;
use syncsift_parsers::bundle::{self, InputState, Limits};
use syncsift_parsers::{ParseContext, Record, Selector, VecSink};
use syncsift_samples::trace::{self, AgentEntry, Encoding, WizardLevel, WizardLine, WizardSession};

/// Reads the one file under `dir` through discovery and the bundle reader.
fn read_one(dir: &Path) -> (String, Vec<Record>) {
    let limits = Limits::default();
    let inputs = bundle::discover(&[dir.to_path_buf()], &limits);
    assert_eq!(inputs.len(), 1);
    let InputState::Ready { format, data } = &inputs[0].state else {
        panic!("not readable: {:?}", inputs[0].path);
    };
    let mut sink = VecSink::default();
    bundle::read(
        format,
        data,
        &ParseContext::default(),
        &Selector::all(),
        &limits,
        &mut sink,
    )
    .expect("read");
    assert!(sink.problems.is_empty());
    (format.label(), sink.records)
}

#[test]
fn agent_trace_reads_the_same_in_every_encoding() {
    let t = Utc.with_ymd_and_hms(2024, 3, 9, 10, 12, 17).unwrap();
    let entries = vec![
        AgentEntry::new("Information", "Starting").at(t, 1, 2),
        AgentEntry::new("Error", "Web socket failed to connect.")
            .lines(&["   at A.B()", "  ---> inner"])
            .at(t + Duration::milliseconds(1500), 1, 3),
        AgentEntry::new(
            "Warning",
            "ServiceBusClientWebSocket was expecting more bytes",
        )
        .at(t + Duration::seconds(3), 1, 4),
    ];
    let mut results = Vec::new();
    for encoding in [Encoding::Utf8, Encoding::Utf8Bom, Encoding::Utf16LeBom] {
        let dir = tempdir(&format!("{encoding:?}"));
        std::fs::write(
            dir.join("agent.log"),
            trace::agent_trace(&entries, encoding),
        )
        .unwrap();
        let (label, records) = read_one(&dir);
        assert!(label.starts_with("agent trace"), "{label}");
        std::fs::remove_dir_all(&dir).unwrap();
        results.push(records);
    }
    assert_eq!(results[0].len(), 3);
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
    let second = &results[0][1];
    assert_eq!(second.time.utc, Some(t + Duration::milliseconds(1500)));
    assert!(second.message.starts_with("Web socket failed to connect."));
    assert!(second.message.contains("---> inner"));
}

#[test]
fn wizard_trace_times_are_utc_from_the_header() {
    let session = WizardSession {
        start_utc: Utc.with_ymd_and_hms(2024, 3, 14, 14, 15, 0).unwrap(),
        utc_offset: Duration::hours(-5),
        version: "2.3.8.0".into(),
        lines: vec![WizardLine::new(
            Duration::seconds(139),
            WizardLevel::Error,
            "boom",
        )],
    };
    let dir = tempdir("wizard");
    std::fs::write(
        dir.join("trace-20240314-091500.log"),
        trace::wizard_trace(&session),
    )
    .unwrap();
    let (label, records) = read_one(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(label.starts_with("wizard trace"), "{label}");
    assert_eq!(records.len(), trace::wizard_line_count(&session));
    let last = records.last().unwrap();
    assert_eq!(last.message, "boom");
    assert_eq!(
        last.time.utc,
        Some(Utc.with_ymd_and_hms(2024, 3, 14, 14, 17, 19).unwrap())
    );
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("syncsift-trace-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
