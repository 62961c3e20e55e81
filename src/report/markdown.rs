//! `--format markdown`: a report to paste into a ticket. CommonMark with GitHub-style tables (what
//! Azure DevOps, GitHub, GitLab and most ticket systems render): summary, one section per finding,
//! the coverage table of every input and a timeline excerpt.
//!
//! Bundle text is never trusted: inline text is made inert (controls escaped), flattened to one line
//! and has every character that could start Markdown or HTML backslash-escaped; multi-line evidence
//! goes into fenced code blocks whose fence is longer than any backtick run inside.

use crate::report::view::{View, is_web_url};
use crate::report::{Disposition, Finding, Report};
use crate::sanitize::{inert_lines, one_line};
use crate::timeline::Entry;
use std::io::{self, Write};
use syncsift_parsers::Level;

/// Largest number of timeline rows in the excerpt.
const EXCERPT_ROWS: usize = 200;
/// Longest message in a table cell.
const CELL_WIDTH: usize = 160;

/// Escapes text for inline Markdown: controls made inert, line breaks flattened to spaces, every
/// inline metacharacter backslash-escaped, and a leading block marker (`#`, `-`, `1.`) neutralised.
pub fn escape(text: &str) -> String {
    let flat = inert_lines(text).replace('\n', " ");
    let first = flat.len() - flat.trim_start().len();
    let rest = &flat[first..];
    // The character that would make a block marker at line start: `#`, `-`, ... or the `.`/`)` of `1.`.
    let marker_at = if rest.starts_with(['#', '-', '+', '=', '>']) {
        Some(first)
    } else if ordered_list_marker(rest) {
        Some(first + rest.chars().take_while(char::is_ascii_digit).count())
    } else {
        None
    };
    let mut out = String::with_capacity(flat.len() + 8);
    for (index, c) in flat.char_indices() {
        if "\\`*_[]<>&|~".contains(c) || marker_at == Some(index) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn ordered_list_marker(text: &str) -> bool {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    (1..=9).contains(&digits) && matches!(text[digits..].chars().next(), Some('.') | Some(')'))
}

/// A table cell: first line only, cut, escaped (pipes included).
fn cell(text: &str) -> String {
    escape(&one_line(text, CELL_WIDTH))
}

/// A fenced code block that the content cannot close.
fn code_block(text: &str, out: &mut dyn Write) -> io::Result<()> {
    let safe = inert_lines(text);
    let longest_run = safe.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    writeln!(out, "{fence}text")?;
    writeln!(out, "{}", safe.trim_end_matches('\n'))?;
    writeln!(out, "{fence}")
}

/// Writes the Markdown report.
///
/// # Errors
/// When writing fails.
pub fn render(report: &Report, view: &View, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "# syncsift report")?;
    writeln!(out)?;
    writeln!(
        out,
        "syncsift {} · {} inputs read, {} archives, {} skipped, {} failed · {} entries read, {} in the \
         timeline",
        escape(report.tool.version),
        s.parsed,
        s.containers,
        s.skipped,
        s.failed,
        s.entries,
        s.timeline_entries
    )?;
    writeln!(out)?;
    if let (Some(first), Some(last)) = (&s.first, &s.last) {
        writeln!(
            out,
            "Evidence from {} to {}.",
            escape(&view.stored_time(first)),
            escape(&view.stored_time(last))
        )?;
        writeln!(out)?;
    }
    writeln!(out, "{}", escape(&view.zone_statement(report)))?;
    writeln!(out)?;
    if let Some(window) = view.window_statement(report) {
        writeln!(out, "{}", escape(&window))?;
        writeln!(out)?;
    }
    if let Some(redaction) = &report.redaction {
        let replaced: u64 = redaction.replaced.values().sum();
        writeln!(
            out,
            "Personal and tenant data were replaced by pseudonyms ({replaced} values, key: {}).",
            escape(&redaction.key)
        )?;
        writeln!(out)?;
    }
    render_summary(report, view, out)?;
    for (number, finding) in report.findings.iter().enumerate() {
        render_finding(number + 1, finding, view, out)?;
    }
    render_inputs(report, out)?;
    render_timeline(report, view, out)
}

fn render_summary(report: &Report, view: &View, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Findings")?;
    writeln!(out)?;
    if report.findings.is_empty() {
        writeln!(
            out,
            "No finding: none of the known causes matched the evidence read. Check the inputs below \
             for anything that could not be read."
        )?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "| # | Severity | Finding | Confidence | First seen | Last seen | Evidence |"
    )?;
    writeln!(out, "|---:|---|---|---|---|---|---:|")?;
    for (number, f) in report.findings.iter().enumerate() {
        writeln!(
            out,
            "| {} | **{}** | {} (`{}`) | {} | {} | {} | {} |",
            number + 1,
            severity_name(f),
            cell(&f.title),
            code_span_id(&f.id),
            confidence_name(f),
            seen(f.first_seen.as_deref(), view),
            seen(f.last_seen.as_deref(), view),
            f.count
        )?;
    }
    writeln!(out)
}

fn severity_name(f: &Finding) -> &'static str {
    match f.severity {
        crate::report::Severity::Critical => "critical",
        crate::report::Severity::Error => "error",
        crate::report::Severity::Warning => "warning",
        crate::report::Severity::Info => "info",
    }
}

fn confidence_name(f: &Finding) -> &'static str {
    match f.confidence {
        crate::report::Confidence::High => "high",
        crate::report::Confidence::Medium => "medium",
        crate::report::Confidence::Low => "low",
    }
}

/// Finding ids are catalogue slugs; anything else is dropped so the code span stays a code span.
fn code_span_id(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

fn seen(time: Option<&str>, view: &View) -> String {
    time.map_or_else(|| "–".to_owned(), |t| escape(&view.stored_time(t)))
}

fn render_finding(number: usize, f: &Finding, view: &View, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### {number}. {}", escape(&f.title))?;
    writeln!(out)?;
    writeln!(
        out,
        "**Severity:** {} · **Confidence:** {} · **Product:** {} · **Id:** `{}`  ",
        severity_name(f),
        confidence_name(f),
        escape(&f.product),
        code_span_id(&f.id)
    )?;
    writeln!(
        out,
        "**Seen:** {} → {}, {} piece(s) of evidence",
        seen(f.first_seen.as_deref(), view),
        seen(f.last_seen.as_deref(), view),
        f.count
    )?;
    writeln!(out)?;
    if !f.explanation.trim().is_empty() {
        writeln!(out, "{}", escape(&f.explanation))?;
        writeln!(out)?;
    }
    if !f.details.is_empty() {
        writeln!(out, "**Details**")?;
        writeln!(out)?;
        for (name, values) in &f.details {
            let values: Vec<String> = values.iter().map(|v| escape(v)).collect();
            writeln!(out, "- {}: {}", escape(name), values.join(", "))?;
        }
        writeln!(out)?;
    }
    if !f.gaps.is_empty() {
        writeln!(out, "**Gaps without the expected events**")?;
        writeln!(out)?;
        for gap in &f.gaps {
            writeln!(
                out,
                "- {} → {} ({} min)",
                escape(&view.stored_time(&gap.from)),
                escape(&view.stored_time(&gap.to)),
                gap.minutes
            )?;
        }
        writeln!(out)?;
    }
    if !f.evidence.is_empty() {
        writeln!(
            out,
            "**Evidence** ({} of {})",
            f.evidence.len(),
            f.count.max(f.evidence.len() as u64)
        )?;
        writeln!(out)?;
        for evidence in &f.evidence {
            let time = evidence
                .time
                .as_deref()
                .map_or_else(|| "(no time)".to_owned(), |t| view.stored_time(t));
            writeln!(out, "{} · {}", escape(&time), escape(&evidence.provenance))?;
            writeln!(out)?;
            code_block(&evidence.text, out)?;
            writeln!(out)?;
        }
    }
    if !f.remediation.is_empty() {
        writeln!(out, "**What to do**")?;
        writeln!(out)?;
        for (step, text) in f.remediation.iter().enumerate() {
            writeln!(out, "{}. {}", step + 1, escape(text))?;
        }
        writeln!(out)?;
    }
    if !f.links.is_empty() {
        writeln!(out, "**Read more**")?;
        writeln!(out)?;
        for link in &f.links {
            if is_web_url(&link.url) {
                writeln!(out, "- [{}](<{}>)", escape(&link.title), link.url)?;
            } else {
                writeln!(
                    out,
                    "- {} (not a web link: {})",
                    escape(&link.title),
                    escape(&link.url)
                )?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn render_inputs(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Inputs")?;
    writeln!(out)?;
    writeln!(
        out,
        "| # | Input | Format | Result | Entries | Kept | Notes |"
    )?;
    writeln!(out, "|---:|---|---|---|---:|---:|---|")?;
    for (index, input) in report.inputs.iter().enumerate() {
        let result = match input.disposition {
            Disposition::Parsed => "read",
            Disposition::Container => "archive",
            Disposition::Skipped => "skipped",
            Disposition::Failed => "**FAILED**",
        };
        let mut notes = Vec::new();
        if let Some(reason) = &input.reason {
            notes.push(cell(reason));
        }
        if input.facts > 0 {
            notes.push(format!("{} facts", input.facts));
        }
        if input.bad > 0 {
            notes.push(format!("{} unreadable", input.bad));
        }
        if input.problem_count > 0 {
            notes.push(format!(
                "{} problem(s), first: {}",
                input.problem_count,
                cell(input.problems.first().map_or("", String::as_str))
            ));
        }
        let (entries, kept) = if input.disposition == Disposition::Parsed {
            (input.entries.to_string(), input.kept.to_string())
        } else {
            (String::new(), String::new())
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            index + 1,
            cell(&input.path),
            cell(input.format.as_deref().unwrap_or("")),
            result,
            entries,
            kept,
            notes.join("; ")
        )?;
    }
    writeln!(out)
}

fn excerpt(report: &Report) -> Vec<&Entry> {
    let entries = report.timeline.entries();
    if entries.len() <= EXCERPT_ROWS {
        return entries.iter().collect();
    }
    entries
        .iter()
        .filter(|e| !e.findings.is_empty() || e.record.level >= Level::Warning)
        .take(EXCERPT_ROWS)
        .collect()
}

fn render_timeline(report: &Report, view: &View, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Timeline excerpt")?;
    writeln!(out)?;
    let rows = excerpt(report);
    if rows.len() < report.timeline.len() {
        writeln!(
            out,
            "{} of {} entries: those that support a finding and warnings or worse, first ones first. \
             The whole timeline is in `--format html`, `jsonl` or `csv`.",
            rows.len(),
            report.timeline.len()
        )?;
        writeln!(out)?;
    }
    if rows.is_empty() {
        writeln!(out, "No entries.")?;
        return Ok(());
    }
    writeln!(
        out,
        "| Time | Level | Source | Message | Where | Findings |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for entry in rows {
        let source = match entry.record.event_id {
            Some(id) => format!("{} {id}", entry.record.provider),
            None => entry.record.provider.clone(),
        };
        let findings: Vec<String> = entry
            .findings
            .iter()
            .map(|id| format!("`{}`", code_span_id(id)))
            .collect();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&view.entry_time(entry)),
            entry.record.level.as_str(),
            cell(&source),
            cell(&entry.record.message),
            cell(&report.provenance(entry)),
            findings.join(" ")
        )?;
    }
    Ok(())
}

/// The Markdown report as a string.
pub fn to_string(report: &Report, view: &View) -> String {
    let mut buffer = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = render(report, view, &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::{HOSTILE, sample_report};

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(to_string(&sample_report(), &View::default()));
    }

    #[test]
    fn escapes_inline_markup() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<script>"), "\\<script\\>");
        assert_eq!(
            escape("`x` *y* _z_ [l](u)"),
            "\\`x\\` \\*y\\* \\_z\\_ \\[l\\](u)"
        );
        assert_eq!(escape("# head"), "\\# head");
        assert_eq!(escape("- item"), "\\- item");
        assert_eq!(escape("12. item"), "12\\. item");
        assert_eq!(escape("line\nbreak"), "line break");
        assert_eq!(escape("esc\u{1b}[31m"), "esc\\\\u{1b}\\[31m");
        assert_eq!(escape("2024-03-09 10:15"), "2024-03-09 10:15");
    }

    fn unescaped_pipes(line: &str) -> usize {
        let mut count = 0;
        let mut backslashes = 0;
        for c in line.chars() {
            if c == '|' && backslashes % 2 == 0 {
                count += 1;
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        }
        count
    }

    #[test]
    fn code_blocks_cannot_be_closed_by_content() {
        let mut out = Vec::new();
        code_block("a ```` b\n````\nc", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("`````text\n"));
        assert!(text.ends_with("\n`````\n"));
    }

    /// The text outside fenced code blocks (inside them nothing is interpreted).
    fn outside_code_blocks(text: &str) -> String {
        let mut fence: Option<String> = None;
        let mut out = String::new();
        for line in text.lines() {
            match &fence {
                Some(open) if line == open.as_str() => fence = None,
                Some(_) => {}
                None if line.starts_with("```") => {
                    fence = Some(line.trim_end_matches("text").to_owned());
                }
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        out
    }

    #[test]
    fn hostile_text_never_appears_raw() {
        let text = to_string(&sample_report(), &View::default());
        for raw in ["\u{1b}", "\0", "\u{202e}"] {
            assert!(!text.contains(raw), "{raw:?} appears raw");
        }
        let markup = outside_code_blocks(&text);
        assert!(!markup.contains("[link](javascript"));
        // Every `<` from data is escaped; the only raw ones open our own link destinations.
        for (index, _) in markup.match_indices('<') {
            let before = &markup[..index];
            let after = &markup[index..];
            assert!(
                before.ends_with('\\') || after.starts_with("<https://"),
                "raw < at {}",
                &markup[index..(index + 30).min(markup.len())]
            );
        }
        // The hostile evidence is shown, fenced.
        assert!(text.contains("```text\n<script>alert('x')</script>"));
        // Every pipe from data is escaped: each table row has its header's column count.
        let mut header_columns = None;
        for line in text.lines() {
            if !line.starts_with('|') {
                header_columns = None;
                continue;
            }
            let columns = unescaped_pipes(line);
            let expected = *header_columns.get_or_insert(columns);
            assert_eq!(columns, expected, "{line}");
        }
        assert!(HOSTILE.contains("a|b") && markup.contains("a\\|b"));
    }
}
