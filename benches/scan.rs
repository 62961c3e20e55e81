//! Throughput of the scanning layers on inputs made in the bench: the agent trace grammar (UTF-8 in
//! place, UTF-16LE through the decoder), the literal matcher (hit-heavy and miss-heavy: the DFA
//! over the whole block, the line pass the readers use, and a search per line), content
//! sniffing. EVTX and end-to-end benches live in `pipeline.rs`. The `catalogue` variants use the
//! selector the app builds from the shipped rule catalogue (121 literals), the set the side-by-side
//! comparison with ripgrep searches for.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use syncsift::{relevance, rules};
use syncsift_parsers::lines::{BlockLines, SliceLines};
use syncsift_parsers::text::{TextEncoding, Utf8Reader};
use syncsift_parsers::trace::agent;
use syncsift_parsers::{Level, ParseContext, Selector, Sink, sniff};

/// A trace of about `bytes` bytes: routine lines with a rare error entry and stack frames.
fn agent_trace(bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 256);
    let mut n = 0u64;
    while text.len() < bytes {
        n += 1;
        if n.is_multiple_of(5000) {
            text.push_str(
                "AADConnectProvisioningAgent.exe Error: 0 : Web socket failed to connect.\r\n",
            );
            text.push_str("   at Microsoft.ApplicationProxy.Connector.Listeners.ConnectorSignalingWebSocket.Connect()\r\n");
        } else {
            text.push_str(&format!(
                "AADConnectProvisioningAgent.exe Information: 0 : Processing batch {n} for job AD2AADProvisioning.{:032x}\r\n",
                n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ));
        }
    }
    text
}

/// The selector `syncsift analyse` builds: relevance policy plus the shipped catalogue's terms.
fn catalogue_selector() -> Selector {
    let catalogue = rules::Catalogue::shipped().expect("shipped catalogue");
    relevance::selector(false, &rules::terms(&catalogue)).expect("selector")
}

fn selector() -> Selector {
    Selector::none()
        .with_min_level(Level::Warning)
        .with_literals([
            "Web socket failed",
            "ServiceBus",
            "HybridIdentityService",
            "AADSTS",
            "forcibly closed",
        ])
        .expect("literals")
}

/// Counts what the parser pushes without keeping it.
#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn record(&mut self, _: syncsift_parsers::Record) {
        self.0 += 1;
    }
    fn fact(&mut self, _: syncsift_parsers::Fact) {}
    fn problem(&mut self, _: syncsift_parsers::Problem) {}
}

fn trace_grammar(c: &mut Criterion) {
    let text = agent_trace(16 << 20);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(TextEncoding::Utf16Le { bom: true }.encode(&text));
    let ctx = ParseContext::default();
    let mut group = c.benchmark_group("agent_trace");
    group.sample_size(10);
    for (suffix, selector) in [("", selector()), ("_catalogue", catalogue_selector())] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("utf8_in_place{suffix}"), |b| {
            b.iter(|| {
                let mut sink = Count::default();
                let lines = SliceLines::searching(text.as_bytes(), Some(&selector));
                agent::parse_lines(lines, &ctx, &selector, &mut sink).expect("parse");
                black_box(sink.0)
            });
        });
        group.bench_function(format!("utf8_stream{suffix}"), |b| {
            b.iter(|| {
                let mut sink = Count::default();
                let lines = BlockLines::new(text.as_bytes(), Some(&selector));
                agent::parse_lines(lines, &ctx, &selector, &mut sink).expect("parse");
                black_box(sink.0)
            });
        });
        group.throughput(Throughput::Bytes(utf16.len() as u64));
        group.bench_function(format!("utf16le_decoded{suffix}"), |b| {
            b.iter(|| {
                let mut sink = Count::default();
                let reader = Utf8Reader::new(&utf16[..], TextEncoding::Utf16Le { bom: true });
                let lines = BlockLines::new(reader, Some(&selector));
                agent::parse_lines(lines, &ctx, &selector, &mut sink).expect("parse");
                black_box(sink.0)
            });
        });
    }
    group.finish();
}

fn matcher(c: &mut Criterion) {
    let miss = agent_trace(4 << 20);
    let hit: String = miss.replace("Processing batch", "ServiceBus batch");
    // "ServiceBus" alone is not a catalogue literal; this is.
    let hit_catalogue: String = miss.replace("Processing batch", "HybridIdentityService batch");
    let mut group = c.benchmark_group("literal_matcher");
    for (suffix, selector, hit) in [
        ("", selector(), &hit),
        ("_catalogue", catalogue_selector(), &hit_catalogue),
    ] {
        for (name, text) in [("miss_heavy", &miss), ("hit_heavy", hit)] {
            let name = format!("{name}{suffix}");
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new("block_pass", &name), text, |b, text| {
                let mut starts = Vec::new();
                b.iter(|| {
                    starts.clear();
                    selector.literal_starts(text.as_bytes(), &mut starts);
                    black_box(starts.len())
                });
            });
            // What the trace readers run: rare pieces, the DFA only on candidate lines.
            group.bench_with_input(BenchmarkId::new("line_pass", &name), text, |b, text| {
                let mut starts = Vec::new();
                b.iter(|| {
                    starts.clear();
                    selector.literal_lines(text.as_bytes(), &mut starts);
                    black_box(starts.len())
                });
            });
            group.bench_with_input(BenchmarkId::new("per_line", &name), text, |b, text| {
                b.iter(|| {
                    black_box(
                        text.lines()
                            .filter(|l| selector.text_matches(l.as_bytes()))
                            .count(),
                    )
                });
            });
        }
    }
    group.finish();
}

fn sniffing(c: &mut Criterion) {
    let trace = agent_trace(sniff::HEAD_LEN);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(TextEncoding::Utf16Le { bom: true }.encode(&trace));
    let heads: Vec<(&str, Vec<u8>)> = vec![
        (
            "evtx",
            b"ElfFile\0"
                .iter()
                .copied()
                .chain(std::iter::repeat_n(0, 4088))
                .collect(),
        ),
        ("agent_utf8", trace.into_bytes()),
        ("agent_utf16", utf16[..sniff::HEAD_LEN].to_vec()),
        (
            "binary",
            (0..sniff::HEAD_LEN).map(|i| (i * 7 % 256) as u8).collect(),
        ),
    ];
    let mut group = c.benchmark_group("sniff");
    for (name, head) in &heads {
        group.throughput(Throughput::Bytes(head.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), head, |b, head| {
            b.iter(|| black_box(sniff::sniff(head).is_ok()));
        });
    }
    group.finish();
}

criterion_group!(benches, trace_grammar, matcher, sniffing);
criterion_main!(benches);
