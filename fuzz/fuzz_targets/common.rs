//! The bodies of the fuzz targets, shared with `parsers/tests/fuzz_regressions.rs` (which includes
//! this file) so that saved crashing inputs are replayed through exactly the same code.
#![allow(dead_code)]

use syncsift_parsers::bundle::{self, DataSource, InputState, Limits};
use syncsift_parsers::evtx_file::{self, Path};
use syncsift_parsers::input::{Bytes, SharedBytes};
use syncsift_parsers::sniff::{Format, TextKind};
use syncsift_parsers::text::TextEncoding;
use syncsift_parsers::{Level, ParseContext, Selector, SourceZone, VecSink};

const ENCODINGS: [TextEncoding; 6] = [
    TextEncoding::Utf8,
    TextEncoding::Utf8Bom,
    TextEncoding::Utf16Le { bom: false },
    TextEncoding::Utf16Le { bom: true },
    TextEncoding::Utf16Be { bom: false },
    TextEncoding::Utf16Be { bom: true },
];

fn ctx() -> ParseContext {
    ParseContext {
        zone: SourceZone::Utc,
        bound: None,
    }
}

/// Reads `data` as one of `kinds`: the first byte picks the kind, the encoding and the selector,
/// the rest is the content.
fn read_text(kinds: &[TextKind], data: &[u8]) {
    let Some((&control, content)) = data.split_first() else {
        return;
    };
    let kind = kinds[usize::from(control >> 4) % kinds.len()];
    let encoding = ENCODINGS[usize::from(control & 0x7) % ENCODINGS.len()];
    let format = Format::Text { encoding, kind };
    let data = DataSource::Bytes {
        bytes: SharedBytes::new(Bytes::Owned(content.to_vec())),
        crc32: None,
    };
    let selector = if control & 0x8 == 0 {
        Selector::all()
    } else {
        Selector::none()
            .with_literals(["error", "0x8023134a", "Exception"])
            .unwrap_or_else(|_| Selector::all())
    };
    let mut sink = VecSink::default();
    let _ = bundle::read(
        &format,
        &data,
        &ctx(),
        &selector,
        &Limits::default(),
        &mut sink,
    );
}

/// The agent and wizard trace grammars.
pub(crate) fn trace(data: &[u8]) {
    read_text(&[TextKind::AgentTrace, TextKind::WizardTrace], data);
}

/// The Entra Connect Sync text formats.
pub(crate) fn connect_text(data: &[u8]) {
    read_text(
        &[
            TextKind::RunHistoryXml,
            TextKind::CsExportXml,
            TextKind::RunProfileCsv,
            TextKind::ErrorCsv,
            TextKind::SyncErrorDetails,
            TextKind::EventText,
            TextKind::PsDump,
        ],
        data,
    );
}

/// Sniffing and the bundle walker over in-memory bytes, then reading every ready input.
pub(crate) fn bundle(data: &[u8]) {
    // Small caps, so that the fuzzer explores them rather than spending its time decompressing.
    let limits = Limits {
        max_depth: 3,
        max_in_memory: 1 << 20,
        max_total: 4 << 20,
        max_ratio: 1000,
        max_members: 64,
    };
    let inputs = bundle::discover_bytes("fuzz.zip", data.to_vec(), &limits);
    for input in &inputs {
        if let InputState::Ready { format, data } = &input.state {
            let mut sink = VecSink::default();
            let _ = bundle::read(format, data, &ctx(), &Selector::all(), &limits, &mut sink);
        }
    }
}

/// The EVTX adapter, full path and fast path; the fast path also with literals like the
/// catalogue's (digits, hex, a `name: value` span, SCM service names), which drive its decisions
/// on typed values and rebuilt SCM messages.
pub(crate) fn evtx(data: &[u8]) {
    let mut sink = VecSink::default();
    let _ = evtx_file::parse_with(data, &Selector::all(), &mut sink, Path::Full);
    let selector = Selector::none()
        .with_min_level(Level::Warning)
        .with_providers(["Service Control Manager"]);
    let mut sink = VecSink::default();
    let _ = evtx_file::parse_with(data, &selector, &mut sink, Path::Fast);
    let literals = Selector::none()
        .with_min_level(Level::Error)
        .with_literals([
            "0x54b",
            "AADSTS50034",
            "Application Version: 1.",
            "| error",
            "Exception",
        ])
        .and_then(|s| {
            s.with_scoped_literals(
                "Service Control Manager",
                ["ADSync", "AADConnectProvisioningAgent"],
            )
        });
    if let Ok(selector) = literals {
        let mut sink = VecSink::default();
        let _ = evtx_file::parse_with(data, &selector, &mut sink, Path::Fast);
    }
}

/// Runs the target called `name`; false for an unknown name.
pub(crate) fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "trace" => trace(data),
        "connect_text" => connect_text(data),
        "bundle" => bundle(data),
        "evtx" => evtx(data),
        _ => return false,
    }
    true
}
