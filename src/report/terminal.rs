//! The default output: a summary an engineer reads in ten seconds, then the inventory and a
//! condensed timeline. Repeated entries are folded into the line that first showed them, with a
//! count; everything taken from the bundle is made inert before printing.

use crate::report::{Disposition, Report};
use crate::sanitize::{inert, one_line};
use crate::timeline::Entry;
use std::io::{self, Write};
use syncsift_parsers::{Level, TimeBasis};

/// How far back (in printed lines) a repeat is folded into an earlier line.
const FOLD_WINDOW: usize = 8;
/// Longest message shown on a timeline line.
const MESSAGE_WIDTH: usize = 110;

/// Options of the terminal view.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalOptions {
    /// Print every entry on its own line, no folding (`--all`).
    pub every_entry: bool,
}

/// `2024-03-09 10:15:23 UTC`, prefixed with `≤`/`≥` for bounds and suffixed with `*` for assumed zones.
pub fn time_label(entry: &Entry) -> String {
    let Some(utc) = entry.record.time.utc else {
        return "(no time)".to_owned();
    };
    let text = utc.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    match entry.record.time.basis {
        TimeBasis::Recorded | TimeBasis::LocalWithStatedOffset => text,
        TimeBasis::AssumedZone => format!("{text}*"),
        TimeBasis::InferredAtOrBefore => format!("≤{text}"),
        TimeBasis::InferredAtOrAfter => format!("≥{text}"),
        TimeBasis::Unknown => "(no time)".to_owned(),
    }
}

fn level_label(level: Level) -> &'static str {
    match level {
        Level::Critical => "CRIT ",
        Level::Error => "ERROR",
        Level::Warning => "WARN ",
        Level::Information => "info ",
        Level::Verbose => "verb ",
    }
}

fn source_label(entry: &Entry) -> String {
    let provider = inert(&entry.record.provider);
    let provider = if provider.is_empty() {
        "(no source)".into()
    } else {
        provider
    };
    match entry.record.event_id {
        Some(id) => format!("{provider} {id}"),
        None => provider.into_owned(),
    }
}

/// Writes the terminal view of `report`.
///
/// # Errors
/// When writing fails (a closed pipe is the caller's to treat as success).
pub fn render(report: &Report, options: TerminalOptions, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "syncsift {} · {} inputs read, {} archives, {} skipped, {} failed · {} entries read, {} in the timeline",
        report.tool.version,
        s.parsed,
        s.containers,
        s.skipped,
        s.failed,
        s.entries,
        s.timeline_entries
    )?;
    if let Some(redaction) = &report.redaction {
        let counts: Vec<String> = redaction
            .replaced
            .iter()
            .map(|(class, n)| format!("{n} {class}"))
            .collect();
        let counts = if counts.is_empty() {
            "nothing found to replace".to_owned()
        } else {
            counts.join(", ")
        };
        writeln!(
            out,
            "REDACTED: personal and tenant data replaced by pseudonyms ({} key): {counts}",
            redaction.key
        )?;
    }
    writeln!(
        out,
        "Times are UTC. Source times without a zone were read as {} (--source-tz) and are marked *; \
         ≤ marks an entry with no time of its own, bounded by its file's modification time.",
        report.settings.source_zone
    )?;
    writeln!(out)?;
    render_inputs(report, out)?;
    writeln!(out)?;
    render_timeline(report, options, out)
}

fn render_inputs(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "INPUTS")?;
    for input in &report.inputs {
        let path = inert(&input.path);
        match input.disposition {
            Disposition::Parsed => {
                let format = input.format.as_deref().unwrap_or("");
                let mut counts = format!("{} entries, {} kept", input.entries, input.kept);
                if input.facts > 0 {
                    counts.push_str(&format!(", {} facts", input.facts));
                }
                if input.bad > 0 {
                    counts.push_str(&format!(", {} unreadable", input.bad));
                }
                writeln!(out, "  read     {path}  [{format}] {counts}")?;
                if input.problem_count > 0 {
                    writeln!(
                        out,
                        "           {} problem(s), first: {}",
                        input.problem_count,
                        one_line(input.problems.first().map_or("", String::as_str), 100)
                    )?;
                }
            }
            Disposition::Container => writeln!(out, "  archive  {path}")?,
            Disposition::Skipped => writeln!(
                out,
                "  skipped  {path}: {}",
                inert(input.reason.as_deref().unwrap_or(""))
            )?,
            Disposition::Failed => writeln!(
                out,
                "  FAILED   {path}: {}",
                inert(input.reason.as_deref().unwrap_or(""))
            )?,
        }
    }
    Ok(())
}

struct Line<'a> {
    entry: &'a Entry,
    key: (String, Option<u32>, Level, String),
    repeats: usize,
    last: Option<&'a Entry>,
}

fn render_timeline(
    report: &Report,
    options: TerminalOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let timeline = &report.timeline;
    match timeline.span() {
        Some((first, last)) => writeln!(
            out,
            "TIMELINE  {} entries, {} → {}",
            timeline.len(),
            first.format("%Y-%m-%d %H:%M:%S UTC"),
            last.format("%Y-%m-%d %H:%M:%S UTC")
        )?,
        None => writeln!(out, "TIMELINE  {} entries", timeline.len())?,
    }
    let mut lines: Vec<Line<'_>> = Vec::new();
    for entry in timeline.entries() {
        let key = (
            entry.record.provider.clone(),
            entry.record.event_id,
            entry.record.level,
            one_line(&entry.record.message, MESSAGE_WIDTH),
        );
        if !options.every_entry {
            let start = lines.len().saturating_sub(FOLD_WINDOW);
            if let Some(line) = lines[start..].iter_mut().find(|l| l.key == key) {
                line.repeats += 1;
                line.last = Some(entry);
                continue;
            }
        }
        lines.push(Line {
            entry,
            key,
            repeats: 0,
            last: None,
        });
    }
    for line in &lines {
        let entry = line.entry;
        let mut text = format!(
            "  {:<25} {} {}  {}",
            time_label(entry),
            level_label(entry.record.level),
            source_label(entry),
            line.key.3
        );
        if line.repeats > 0 {
            let until = line.last.map(time_label).unwrap_or_default();
            text.push_str(&format!("  [×{} until {until}]", line.repeats + 1));
        }
        writeln!(out, "{text}")?;
        writeln!(out, "  {:<25} {}", "", inert(&report.provenance(entry)))?;
    }
    Ok(())
}
