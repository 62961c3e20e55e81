//! The default output: a summary an engineer reads in ten seconds, then the inventory and a
//! condensed timeline. Repeated entries are folded into the line that first showed them, with a
//! count; everything taken from the bundle is made inert before printing.

use crate::report::color::Palette;
use crate::report::view::View;
use crate::report::{Disposition, Report};
use crate::sanitize::{inert, one_line};
use crate::timeline::Entry;
use std::io::{self, Write};
use syncsift_parsers::Level;

/// How far back (in printed lines) a repeat is folded into an earlier line.
const FOLD_WINDOW: usize = 8;
/// Longest message shown on a timeline line.
const MESSAGE_WIDTH: usize = 110;

/// Options of the terminal view.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalOptions {
    /// Print every entry on its own line, no folding (`--all`).
    pub every_entry: bool,
    /// Display zone and timeline window.
    pub view: View,
    /// Use ANSI colour (decided by [`crate::report::color::use_color`]).
    pub color: bool,
}

/// `2024-03-09 10:15:23 UTC`, prefixed with `≤`/`≥` for bounds and suffixed with `*` for assumed zones.
pub fn time_label(entry: &Entry) -> String {
    View::default().entry_time(entry)
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
    let damaged = if s.damaged > 0 {
        format!(" ({} damaged)", s.damaged)
    } else {
        String::new()
    };
    writeln!(
        out,
        "syncsift {} · {} inputs read, {} archives{damaged}, {} skipped, {} failed · {} entries read, {} in the timeline",
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
    writeln!(out, "{}", options.view.zone_statement(report))?;
    if let Some(window) = options.view.window_statement(report) {
        writeln!(out, "{window}")?;
    }
    writeln!(out)?;
    render_findings(report, &options.view, Palette::new(options.color), out)?;
    render_inputs(report, Palette::new(options.color), out)?;
    writeln!(out)?;
    render_timeline(report, options, out)
}

/// Evidence provenances shown per finding.
const FINDING_EVIDENCE: usize = 2;

fn render_findings(
    report: &Report,
    view: &View,
    palette: Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Finding times are stored as RFC 3339 UTC; shown in the display zone.
    let short_time = |rfc3339: &str| {
        chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
            |_| rfc3339.to_owned(),
            |t| view.time(t.with_timezone(&chrono::Utc)),
        )
    };
    if report.findings.is_empty() {
        writeln!(out, "FINDINGS  none: no rule of the catalogue matched")?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "FINDINGS  {} causes, most probable root cause first (syncsift explain <id> for details)",
        report.findings.len()
    )?;
    for (rank, finding) in report.findings.iter().enumerate() {
        let severity = crate::rules::commands::severity_name(finding.severity).to_uppercase();
        writeln!(
            out,
            "{:>3}. {} {}  {}",
            rank + 1,
            palette.severity(finding.severity, &format!("{severity:<8}")),
            finding.id,
            inert(&finding.title)
        )?;
        let seen = match (&finding.first_seen, &finding.last_seen) {
            (Some(first), Some(last)) if first == last => format!("seen {}", short_time(first)),
            (Some(first), Some(last)) => {
                format!("seen {} → {}", short_time(first), short_time(last))
            }
            _ => "no time".to_owned(),
        };
        let confidence = match finding.confidence {
            crate::report::Confidence::High => "high",
            crate::report::Confidence::Medium => "medium",
            crate::report::Confidence::Low => "low",
        };
        writeln!(
            out,
            "     {seen} · {} piece(s) of evidence · confidence {confidence}",
            finding.count
        )?;
        if !finding.details.is_empty() {
            let details: Vec<String> = finding
                .details
                .iter()
                .map(|(k, v)| format!("{k}={}", v.join(",")))
                .collect();
            writeln!(out, "     {}", one_line(&details.join("  "), 110))?;
        }
        if let Some(gap) = finding.gaps.first() {
            writeln!(
                out,
                "     gap: {} → {} ({} min){}",
                short_time(&gap.from),
                short_time(&gap.to),
                gap.minutes,
                if finding.gaps.len() > 1 {
                    format!(" and {} more", finding.gaps.len() - 1)
                } else {
                    String::new()
                }
            )?;
        }
        if let Some(step) = finding.remediation.first() {
            writeln!(out, "     do: {}", one_line(step, 110))?;
        }
        for evidence in finding.evidence.iter().take(FINDING_EVIDENCE) {
            writeln!(out, "     at: {}", inert(&evidence.provenance))?;
        }
    }
    writeln!(out)
}

fn render_inputs(report: &Report, palette: Palette, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", palette.heading("INPUTS"))?;
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
            Disposition::Container => match &input.reason {
                Some(damage) => writeln!(out, "  DAMAGED  {path}: {}", inert(damage))?,
                None => writeln!(out, "  archive  {path}")?,
            },
            Disposition::Skipped => writeln!(
                out,
                "  skipped  {path}: {}",
                inert(input.reason.as_deref().unwrap_or(""))
            )?,
            Disposition::Failed => writeln!(
                out,
                "  {}   {path}: {}",
                palette.failure("FAILED"),
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
    let view = &options.view;
    let palette = Palette::new(options.color);
    let heading = palette.heading("TIMELINE");
    match timeline.span() {
        Some((first, last)) => writeln!(
            out,
            "{heading}  {} entries, {} → {}",
            timeline.len(),
            view.time(first),
            view.time(last)
        )?,
        None => writeln!(out, "{heading}  {} entries", timeline.len())?,
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
            view.entry_time(entry),
            palette.level(entry.record.level, level_label(entry.record.level)),
            source_label(entry),
            line.key.3
        );
        if line.repeats > 0 {
            let until = line.last.map(|e| view.entry_time(e)).unwrap_or_default();
            text.push_str(&format!("  [×{} until {until}]", line.repeats + 1));
        }
        writeln!(out, "{text}")?;
        writeln!(
            out,
            "  {:<25} {}",
            "",
            palette.dim(&inert(&report.provenance(entry)))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_report;

    fn rendered(options: TerminalOptions) -> String {
        let mut out = Vec::new();
        render(&sample_report(), options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot_without_colour() {
        let text = rendered(TerminalOptions::default());
        assert!(!text.contains('\u{1b}'), "escape code in uncoloured output");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn colour_only_from_the_renderer() {
        let text = rendered(TerminalOptions {
            color: true,
            ..TerminalOptions::default()
        });
        assert!(text.contains("\u{1b}[31mERROR\u{1b}[0m"));
        // The hostile message's own escape sequence stays inert.
        assert!(text.contains("\\u{1b}[31mred"));
        assert!(!text.contains("\u{1b}[31mred"));
    }
}
