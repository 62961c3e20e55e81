//! Throughput of the EVTX adapter (the fast path that reads System fields from substitution
//! values, against the full render-every-record path) on a generated scale EVTX, of zip walking
//! (listing and sniffing the members of a bundle with thousands of small members and a nested zip),
//! and of the whole analysis (`pipeline::analyse` + rule diagnosis) on a small generated scale
//! bundle zip. Inputs are made by `syncsift_samples` in memory or a temporary folder; nothing is
//! committed.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use syncsift::pipeline::{self, Options};
use syncsift::relevance;
use syncsift::rules::{self, Catalogue};
use syncsift_parsers::bundle::{self, Limits};
use syncsift_parsers::{Fact, Problem, Record, Sink, evtx_file};
use syncsift_samples::scale;
use syncsift_samples::scenario::zip_time;
use syncsift_samples::zip_pack::{Member, Method, zip_bytes};

/// Bytes of the generated EVTX file.
const EVTX_BUDGET: u64 = 24 << 20;
/// Uncompressed bytes of the generated bundle.
const BUNDLE_SIZE: u64 = 48 << 20;

/// Counts what the parser pushes without keeping it.
#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn record(&mut self, _: Record) {
        self.0 += 1;
    }
    fn fact(&mut self, _: Fact) {}
    fn problem(&mut self, _: Problem) {}
}

fn catalogue() -> Catalogue {
    Catalogue::shipped().expect("shipped catalogue")
}

fn evtx_adapter(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Application.evtx");
    scale::write_evtx(&path, EVTX_BUDGET, 1, false).expect("write evtx");
    let bytes = std::fs::read(&path).expect("read evtx");
    let terms = rules::terms(&catalogue());
    // The selector the app builds from the shipped catalogue (relevant entries only).
    let selector = relevance::selector(false, &terms).expect("selector");
    let mut group = c.benchmark_group("evtx_adapter");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    for (name, path) in [
        ("fast", evtx_file::Path::Fast),
        ("full", evtx_file::Path::Full),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = Count::default();
                let stats =
                    evtx_file::parse_with(&bytes, &selector, &mut sink, path).expect("parse");
                black_box((stats.entries, sink.0))
            });
        });
    }
    group.finish();
}

/// A bundle of `count` small deflated trace members, plus a nested zip holding as many again.
fn many_members_zip(count: usize) -> Vec<u8> {
    let time = zip_time(
        chrono::NaiveDate::from_ymd_opt(2024, 3, 9)
            .and_then(|d| d.and_hms_opt(10, 15, 0))
            .expect("valid time"),
    );
    let members = |prefix: &str| -> Vec<Member> {
        (0..count)
            .map(|i| Member {
                path: format!("{prefix}Trace/agent-{i:05}.log"),
                bytes: format!(
                    "AADConnectProvisioningAgent.exe Information: 0 : step {i} done\r\n"
                )
                .repeat(20)
                .into_bytes(),
                method: Method::Deflated,
            })
            .collect()
    };
    let inner = zip_bytes(&members("inner/"), time).expect("inner zip");
    let mut outer = members("");
    outer.push(Member {
        path: "archive/older.zip".to_owned(),
        bytes: inner,
        method: Method::Stored,
    });
    zip_bytes(&outer, time).expect("outer zip")
}

fn zip_walk(c: &mut Criterion) {
    let zip = many_members_zip(2000);
    let mut group = c.benchmark_group("zip_walk");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(zip.len() as u64));
    group.bench_function("discover_4000_members_nested", |b| {
        b.iter(|| {
            let inputs = bundle::discover_bytes("bundle.zip", zip.clone(), &Limits::default());
            black_box(inputs.len())
        });
    });
    group.finish();
}

fn analyse_bundle(zip: &Path, threads: usize, catalogue: &Catalogue) -> usize {
    let options = Options {
        paths: vec![zip.to_path_buf()],
        all: false,
        threads,
        source_zone: Default::default(),
        limits: Limits::default(),
        progress: false,
    };
    let terms = rules::terms(catalogue);
    let mut report = pipeline::analyse(&options, &terms).expect("analyse");
    rules::diagnose(catalogue, &mut report);
    report.findings.len()
}

fn end_to_end(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = scale::write_scale_bundle(dir.path(), BUNDLE_SIZE, 1).expect("write bundle");
    let catalogue = catalogue();
    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(BUNDLE_SIZE));
    for threads in [1, 2] {
        group.bench_function(format!("analyse_zip_threads_{threads}"), |b| {
            b.iter(|| black_box(analyse_bundle(&zip, threads, &catalogue)));
        });
    }
    group.finish();
}

criterion_group!(benches, evtx_adapter, zip_walk, end_to_end);
criterion_main!(benches);
