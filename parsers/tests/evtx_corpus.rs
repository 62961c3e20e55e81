//! The real EVTX files of `../shared/corpus/evtx-samples`: every file reads to exactly the record
//! count its README lists (what `evtx_dump` emits), damaged ones included, without a panic.
//! Skipped, saying so, when the corpus is not next to the checkout.

use std::path::PathBuf;
use syncsift_parsers::{Selector, VecSink, evtx_file};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/evtx-samples");
    dir.join("README.md").is_file().then_some(dir)
}

/// `(file, records)` rows of the README's table.
fn expected_counts(readme: &str) -> Vec<(String, u64)> {
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let records = cells.get(3)?.replace(',', "").parse().ok()?;
            name.ends_with(".evtx").then(|| (name.to_owned(), records))
        })
        .collect()
}

#[test]
fn record_counts_match_the_corpus_readme() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: ../shared/corpus/evtx-samples is not present");
        return;
    };
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let expected = expected_counts(&readme);
    assert_eq!(expected.len(), 23, "README table rows");
    let mut mismatches = Vec::new();
    for (name, records) in expected {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let mut sink = VecSink::default();
        let stats = evtx_file::parse(&bytes, &Selector::all(), &mut sink).unwrap();
        assert_eq!(stats.entries, sink.records.len() as u64);
        if stats.entries != records {
            mismatches.push(format!(
                "{name}: read {} records, README says {records}",
                stats.entries
            ));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

/// Selectors of different shapes: by level, by provider, by channel, by literals (with and without
/// digits, and crossing message separators), and the combination the app uses.
fn selectors() -> Vec<(&'static str, Selector)> {
    vec![
        (
            "warnings",
            Selector::none().with_min_level(syncsift_parsers::Level::Warning),
        ),
        (
            "providers",
            Selector::none().with_providers([
                "Service Control Manager",
                "Microsoft-Windows-Security-Auditing",
            ]),
        ),
        ("channel", Selector::none().with_channels(["System"])),
        (
            "literals",
            Selector::none()
                .with_literals(["svchost", "Windows Defender", "S-1-5-18", "4624", "0x3e7"])
                .expect("literals"),
        ),
        (
            "events",
            Selector::none().with_events([
                ("Microsoft-Windows-Security-Auditing", 4688),
                ("EventLog", 6005),
            ]),
        ),
        (
            "app-like",
            Selector::none()
                .with_min_level(syncsift_parsers::Level::Warning)
                .with_providers(["Directory Synchronization", "ADSync"])
                .with_literals(["ADSync", "Provisioning Agent", "RPC server is unavailable"])
                .expect("literals"),
        ),
        (
            // Literals that only match across a built message's `name: value` and ` | `.
            "separators",
            Selector::none()
                .with_literals([
                    "updateRevisionNumber: 200",
                    "Name: Microsoft",
                    " | StartType",
                ])
                .expect("literals"),
        ),
        ("nothing", Selector::none()),
    ]
}

fn evtx_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            evtx_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "evtx") {
            out.push(path);
        }
    }
}

/// The fast path (System fields read from substitution values, chunks without candidates skipped)
/// keeps exactly the records the full path keeps, with the same counts, on every real file.
#[test]
fn fast_path_equals_full_path_on_real_files() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: ../shared/corpus/evtx-samples is not present");
        return;
    };
    let mut files = Vec::new();
    evtx_files(&dir, &mut files);
    evtx_files(&dir.join("../evtx-attack-samples"), &mut files);
    assert!(files.len() >= 23);
    let mut kept_somewhere = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for (name, selector) in selectors() {
            let mut fast = VecSink::default();
            let mut full = VecSink::default();
            let fast_stats =
                evtx_file::parse_with(&bytes, &selector, &mut fast, evtx_file::Path::Fast);
            let full_stats =
                evtx_file::parse_with(&bytes, &selector, &mut full, evtx_file::Path::Full);
            match (fast_stats, full_stats) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{} / {name}: stats", file.display()),
                (Err(_), Err(_)) => continue,
                (a, b) => panic!("{} / {name}: {a:?} vs {b:?}", file.display()),
            }
            assert_eq!(
                fast.records,
                full.records,
                "{} / {name}: records",
                file.display()
            );
            assert_eq!(
                fast.problems,
                full.problems,
                "{} / {name}: problems",
                file.display()
            );
            kept_somewhere += fast.records.len();
        }
    }
    assert!(
        kept_somewhere > 1000,
        "the selectors keep records: {kept_somewhere}"
    );
}
