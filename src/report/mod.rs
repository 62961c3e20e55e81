//! The result of an analysis as one value, and the renderers that show it.
//!
//! [`Report`] is what every output format reads: renderers contain no analysis, they only choose what
//! to show and how. The JSON form of `Report` is a documented, stable interface (`schema_version`).

pub mod color;
pub mod finding;
#[doc(hidden)]
pub mod fixture;
pub mod html;
pub mod markdown;
pub mod terminal;
pub mod timesketch;
pub mod view;

pub use finding::{Confidence, Evidence, Finding, Gap, Link, RedactionSummary, Severity};

use crate::timeline::Timeline;
use serde::Serialize;
use std::io::{self, Write};
use view::{View, ViewNote};

/// Version of the JSON document; bumped when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// What happened to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    /// Read; its records are in the timeline (see its counts and problems).
    Parsed,
    /// An archive; its members are listed as inputs of their own.
    Container,
    /// Deliberately not read (empty, unknown format, over a cap).
    Skipped,
    /// Could not be read.
    Failed,
}

/// One input of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputReport {
    /// Display path (`bundle.zip!/Trace/x.log`).
    pub path: String,
    /// Index of the archive input that holds it.
    pub container: Option<usize>,
    /// What it was recognised as (`EVTX`, `agent trace (UTF-8)`, ...).
    pub format: Option<String>,
    /// Size in bytes (uncompressed, as its archive states it).
    pub size: u64,
    /// What happened to it.
    pub disposition: Disposition,
    /// Why it was skipped or failed; for an archive, what damage it has.
    pub reason: Option<String>,
    /// Entries read from it (events, trace entries, rows).
    pub entries: u64,
    /// Entries kept in the timeline.
    pub kept: u64,
    /// Configuration facts read from it.
    pub facts: u64,
    /// Damaged records, lines or chunks that were skipped.
    pub bad: u64,
    /// Problems met while reading (damage that did not stop the input), first ones only.
    pub problems: Vec<String>,
    /// How many problems there were in all.
    pub problem_count: u64,
}

/// A configuration fact with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactReport {
    /// Index of its input.
    pub input: usize,
    /// `file:line`.
    pub source: String,
    /// Section (e.g. connector name) when the dump has several.
    pub section: Option<String>,
    /// Key as written.
    pub key: String,
    /// Raw value.
    pub value: String,
}

/// Counts over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Inputs read.
    pub parsed: usize,
    /// Archives opened.
    pub containers: usize,
    /// Inputs skipped.
    pub skipped: usize,
    /// Inputs that failed.
    pub failed: usize,
    /// Archives that are damaged (e.g. truncated) and were listed only in part.
    pub damaged: usize,
    /// Entries read over all inputs.
    pub entries: u64,
    /// Entries in the timeline.
    pub timeline_entries: usize,
    /// First timestamp in the timeline (RFC 3339, UTC).
    pub first: Option<String>,
    /// Last timestamp in the timeline (RFC 3339, UTC).
    pub last: Option<String>,
}

/// Settings that shape the result and that a reader of the report must know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSettings {
    /// Zone assumed for zone-less source times (`--source-tz`).
    pub source_zone: String,
    /// `relevant` (default) or `all` (`--all`).
    pub selection: &'static str,
}

/// Name and version of the tool that made the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// Always `syncsift`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "syncsift",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Everything an analysis found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// See [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool.
    pub tool: Tool,
    /// Settings that shape the result.
    pub settings: RunSettings,
    /// Counts.
    pub summary: Summary,
    /// Every input, in inventory order.
    pub inputs: Vec<InputReport>,
    /// Diagnosed causes, most probable root cause first.
    pub findings: Vec<Finding>,
    /// Configuration facts.
    pub facts: Vec<FactReport>,
    /// The merged timeline.
    pub timeline: Timeline,
    /// Present when personal and tenant data were replaced by pseudonyms.
    pub redaction: Option<RedactionSummary>,
}

impl Report {
    /// The provenance of a timeline entry (`path:line` or `path#record N`).
    pub fn provenance(&self, entry: &crate::timeline::Entry) -> String {
        let path = self
            .inputs
            .get(entry.input)
            .map_or("?", |i| i.path.as_str());
        entry.provenance(path)
    }

    /// True when at least one input failed or an archive could be listed only in part.
    pub fn has_failures(&self) -> bool {
        self.summary.failed > 0 || self.summary.damaged > 0
    }
}

/// The JSON document: the report's own fields, then `view` (display zone and `--from`/`--to` window).
#[derive(Serialize)]
struct JsonDocument<'a> {
    #[serde(flatten)]
    report: &'a Report,
    view: ViewNote,
}

/// Writes `--format json`: the report (times in UTC) plus a `view` object naming the display zone
/// and the timeline window, when one was applied.
///
/// # Errors
/// When writing fails.
pub fn render_json(report: &Report, view: &View, out: &mut dyn Write) -> io::Result<()> {
    let document = JsonDocument {
        report,
        view: ViewNote::from(view),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
