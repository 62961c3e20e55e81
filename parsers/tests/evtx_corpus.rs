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
