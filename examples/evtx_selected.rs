//! How many records of EVTX files the fast scan (`evtx_scan::scan_chunk`) sends on to the full
//! render with the app's selector (shipped catalogue, relevant entries only): the over-selection
//! figure of BENCHMARKS.md. `cargo run --release --example evtx_selected -- FILE.evtx...`

use syncsift::relevance;
use syncsift::rules::{self, Catalogue};
use syncsift_parsers::{VecSink, evtx_file, evtx_scan};

const FILE_HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn main() -> anyhow::Result<()> {
    let catalogue = Catalogue::shipped()?;
    let selector = relevance::selector(false, &rules::terms(&catalogue))?;
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let (mut records, mut wanted, mut chunks, mut skipped, mut unscanned) = (0, 0, 0, 0, 0);
        for chunk in bytes.get(FILE_HEADER..).unwrap_or_default().chunks(CHUNK) {
            chunks += 1;
            match evtx_scan::scan_chunk(chunk, &selector) {
                Some(scan) => {
                    records += scan.records;
                    wanted += scan.wanted.len() as u64;
                    skipped += u64::from(scan.wanted.is_empty());
                }
                None => unscanned += 1,
            }
        }
        let share = 100.0 * wanted as f64 / records.max(1) as f64;
        // What the full path keeps in the end, for comparison.
        let mut kept = VecSink::default();
        let _ = evtx_file::parse_with(&bytes, &selector, &mut kept, evtx_file::Path::Full);
        println!(
            "{path}: {wanted} of {records} records selected ({share:.2} %), {} kept; \
             {skipped} of {chunks} chunks skipped, {unscanned} not scanned",
            kept.records.len()
        );
    }
    Ok(())
}
