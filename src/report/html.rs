//! `--format html`: one self-contained page a customer or escalation engineer opens offline. Inline
//! CSS and JS only, locked down by a Content-Security-Policy that allows exactly those two blocks (by
//! hash) and nothing else: no external request, no other script. The page is complete without
//! JavaScript; the script only adds timeline filters and marks the page ready (`data-ready`).
//!
//! Sections: summary, SVG timeline chart (entries by source over time, findings as spans, gaps
//! hatched), findings with collapsible evidence, the coverage table and the timeline. Every string
//! from the bundle goes through [`escape`] (controls made inert, `& < > " '` as entities).

use crate::report::view::{View, is_web_url};
use crate::report::{Confidence, Disposition, Finding, Report, Severity};
use crate::sanitize::{inert, inert_lines};
use crate::timeline::Entry;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use syncsift_parsers::Level;

/// Most timeline rows in the page (the JSONL/CSV timelines carry every entry).
const TIMELINE_ROWS: usize = 5000;
/// Most source lanes in the chart; the rest share one lane.
const SOURCE_LANES: usize = 10;
/// Time buckets across the chart.
const BUCKETS: usize = 150;

const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/script.js");
/// `sha256-` of [`STYLE`] and [`SCRIPT`], for the Content-Security-Policy (checked by a test).
const STYLE_HASH: &str = "sha256-vbQJHG8C6lttgg22bWKEIQsu7iG16vJ2KNPiynj16bg=";
const SCRIPT_HASH: &str = "sha256-zqTG3+yYYpSW5g4VAk8Xhn6CicdoWClutzYp6SXrR7E=";

/// Escapes text for HTML content and double- or single-quoted attributes, controls made inert.
pub fn escape(text: &str) -> String {
    escape_raw(&inert(text))
}

/// Like [`escape`] but keeps line breaks (for `white-space: pre-wrap` blocks).
pub fn escape_lines(text: &str) -> String {
    escape_raw(&inert_lines(text))
}

/// Like [`escape`] for prose from the catalogue (explanations, remediation steps): their line
/// breaks are only wrapping, so they become spaces, as in the Markdown report.
pub fn escape_prose(text: &str) -> String {
    escape_lines(text).replace('\n', " ")
}

fn escape_raw(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// An id usable in `id`/`href="#..."`: catalogue ids are slugs already; anything else is replaced.
fn slug(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn confidence_name(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Writes the HTML report.
///
/// # Errors
/// When writing fails.
pub fn render(report: &Report, view: &View, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(report, view).as_bytes())
}

/// The HTML report as a string.
pub fn to_string(report: &Report, view: &View) -> String {
    let mut page = String::with_capacity(64 * 1024);
    // `write!` to a String cannot fail; the results are ignored through `let _`.
    let _ = write_page(report, view, &mut page);
    page
}

fn write_page(report: &Report, view: &View, page: &mut String) -> std::fmt::Result {
    let s = &report.summary;
    writeln!(page, "<!DOCTYPE html>")?;
    writeln!(page, "<html lang=\"en\">")?;
    writeln!(page, "<head>")?;
    writeln!(page, "<meta charset=\"utf-8\">")?;
    writeln!(
        page,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src \
         '{STYLE_HASH}'; script-src '{SCRIPT_HASH}'; img-src 'none'; base-uri 'none'; form-action \
         'none'\">"
    )?;
    writeln!(page, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        page,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        page,
        "<meta name=\"generator\" content=\"syncsift {}\">",
        escape(report.tool.version)
    )?;
    writeln!(page, "<title>syncsift report</title>")?;
    writeln!(page, "<style>{STYLE}</style>")?;
    writeln!(page, "</head>")?;
    writeln!(page, "<body>")?;
    writeln!(page, "<header>")?;
    writeln!(page, "<h1>syncsift report</h1>")?;
    writeln!(
        page,
        "<p class=\"meta\">syncsift {} · {} inputs read, {} archives, {} skipped, {} failed · {} \
         entries read, {} in the timeline</p>",
        escape(report.tool.version),
        s.parsed,
        s.containers,
        s.skipped,
        s.failed,
        s.entries,
        s.timeline_entries
    )?;
    if let (Some(first), Some(last)) = (&s.first, &s.last) {
        writeln!(
            page,
            "<p>Evidence from <time>{}</time> to <time>{}</time>.</p>",
            escape(&view.stored_time(first)),
            escape(&view.stored_time(last))
        )?;
    }
    writeln!(
        page,
        "<p class=\"note\">{}</p>",
        escape(&view.zone_statement(report))
    )?;
    if let Some(window) = view.window_statement(report) {
        writeln!(page, "<p class=\"note window\">{}</p>", escape(&window))?;
    }
    if let Some(redaction) = &report.redaction {
        let replaced: u64 = redaction.replaced.values().sum();
        writeln!(
            page,
            "<p class=\"note\">Personal and tenant data were replaced by pseudonyms ({replaced} \
             values, key: {}).</p>",
            escape(&redaction.key)
        )?;
    }
    writeln!(
        page,
        "<nav><a href=\"#summary\">Findings</a> <a href=\"#chart\">Chart</a> <a \
         href=\"#details\">Details</a> <a href=\"#inputs\">Inputs</a> <a \
         href=\"#timeline\">Timeline</a></nav>"
    )?;
    writeln!(page, "</header>")?;
    writeln!(page, "<main>")?;
    write_summary(report, view, page)?;
    write_chart(report, view, page)?;
    write_findings(report, view, page)?;
    write_inputs(report, page)?;
    write_timeline(report, view, page)?;
    writeln!(page, "</main>")?;
    writeln!(
        page,
        "<footer>Made by syncsift {} from the inputs listed above. This page loads nothing from the \
         network.</footer>",
        escape(report.tool.version)
    )?;
    writeln!(page, "<script>{SCRIPT}</script>")?;
    writeln!(page, "</body>")?;
    writeln!(page, "</html>")
}

/// A first/last-seen cell: date and time each kept on one line, so a narrow column breaks between
/// them and not inside the date.
fn seen(time: Option<&str>, view: &View) -> String {
    time.map_or_else(
        || "–".to_owned(),
        |t| {
            let shown = view.stored_time(t);
            match shown.split_once(' ') {
                Some((date, clock)) => format!(
                    "<span class=\"nobr\">{}</span> <span class=\"nobr\">{}</span>",
                    escape(date),
                    escape(clock)
                ),
                None => escape(&shown),
            }
        },
    )
}

fn write_summary(report: &Report, view: &View, page: &mut String) -> std::fmt::Result {
    writeln!(page, "<section id=\"summary\">")?;
    writeln!(page, "<h2>Findings</h2>")?;
    if report.findings.is_empty() {
        writeln!(
            page,
            "<p class=\"none\">No finding: none of the known causes matched the evidence read. Check \
             the inputs below for anything that could not be read.</p>"
        )?;
        return writeln!(page, "</section>");
    }
    writeln!(
        page,
        "<table class=\"summary\"><thead><tr><th>#</th><th>Severity</th><th>Finding</th>\
         <th>Confidence</th><th>First seen</th><th>Last seen</th><th>Evidence</th><th>First step</th>\
         </tr></thead><tbody>"
    )?;
    for (number, f) in report.findings.iter().enumerate() {
        let severity = severity_name(f.severity);
        writeln!(
            page,
            "<tr class=\"sev-{severity}\"><td>{}</td><td><span class=\"badge \
             sev-{severity}\">{severity}</span></td><td><a href=\"#finding-{}\">{}</a><br><code>{}</code></td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            number + 1,
            slug(&f.id),
            escape(&f.title),
            escape(&f.id),
            confidence_name(f.confidence),
            seen(f.first_seen.as_deref(), view),
            seen(f.last_seen.as_deref(), view),
            f.count,
            escape_prose(f.remediation.first().map_or("", String::as_str))
        )?;
    }
    writeln!(page, "</tbody></table>")?;
    writeln!(page, "</section>")
}

/// Horizontal geometry of the chart.
struct Scale {
    start: DateTime<Utc>,
    millis: f64,
    left: f64,
    width: f64,
}

fn level_class(level: Level) -> &'static str {
    level.as_str()
}

fn write_chart(report: &Report, view: &View, page: &mut String) -> std::fmt::Result {
    writeln!(page, "<section id=\"chart\">")?;
    writeln!(page, "<h2>Timeline chart</h2>")?;
    let Some((first, last)) = report.timeline.span() else {
        writeln!(page, "<p class=\"none\">No timed entries to chart.</p>")?;
        return writeln!(page, "</section>");
    };
    // A single instant still gets a visible width: one minute either side.
    let (start, end) = if first == last {
        (
            first - chrono::Duration::minutes(1),
            last + chrono::Duration::minutes(1),
        )
    } else {
        (first, last)
    };
    const WIDTH: f64 = 1000.0;
    const LEFT: f64 = 230.0;
    const LANE: f64 = 22.0;
    const TOP: f64 = 8.0;
    let scale = Scale {
        start,
        millis: (end - start).num_milliseconds().max(1) as f64,
        left: LEFT,
        width: WIDTH - LEFT - 20.0,
    };
    let x = |t: DateTime<Utc>| {
        let fraction = ((t - scale.start).num_milliseconds() as f64 / scale.millis).clamp(0.0, 1.0);
        ((scale.left + scale.width * fraction) * 10.0).round() / 10.0
    };

    // Source lanes: providers in order of first appearance, the rest folded into one lane.
    let mut order: Vec<String> = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for entry in report.timeline.entries() {
        if entry.instant().is_none() {
            continue;
        }
        let name = source_name(entry);
        let count = counts.entry(name.clone()).or_insert(0);
        if *count == 0 {
            order.push(name);
        }
        *count += 1;
    }
    let folded = order.len() > SOURCE_LANES;
    let lanes: Vec<String> = if folded {
        let mut kept = order[..SOURCE_LANES - 1].to_vec();
        kept.push("(other sources)".to_owned());
        kept
    } else {
        order
    };
    let lane_of = |name: &str| {
        lanes
            .iter()
            .position(|l| l == name)
            .unwrap_or(lanes.len().saturating_sub(1))
    };

    let finding_lanes = report.findings.len();
    let lanes_total = finding_lanes + lanes.len();
    let plot_bottom = TOP + LANE * lanes_total as f64;
    let height = plot_bottom + 34.0;
    writeln!(
        page,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-labelledby=\"chart-title\" xmlns=\"http://www.w3.org/2000/svg\">"
    )?;
    writeln!(
        page,
        "<title id=\"chart-title\">Entries by source from {} to {}, findings as spans, gaps \
         hatched</title>",
        escape(&view.time(start)),
        escape(&view.time(end))
    )?;
    writeln!(
        page,
        "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" class=\"gap-bg\"/><line \
         x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"gap-line\"/></pattern></defs>"
    )?;
    // Lane backgrounds and labels.
    for lane in 0..lanes_total {
        let y = TOP + LANE * lane as f64;
        let (label, class, href) = if lane < finding_lanes {
            let f = &report.findings[lane];
            (
                f.id.clone(),
                format!("lane finding-lane sev-{}", severity_name(f.severity)),
                Some(slug(&f.id)),
            )
        } else {
            (lanes[lane - finding_lanes].clone(), "lane".to_owned(), None)
        };
        writeln!(
            page,
            "<rect x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{LANE}\" class=\"{}\"/>",
            if lane % 2 == 0 { "band" } else { "band alt" }
        )?;
        let text = escape(&truncate(&label, 32));
        match href {
            Some(target) => writeln!(
                page,
                "<a href=\"#finding-{target}\"><text x=\"6\" y=\"{}\" class=\"{class}\">{text}</text></a>",
                y + 15.0
            )?,
            None => writeln!(
                page,
                "<text x=\"6\" y=\"{}\" class=\"{class}\">{text}<title>{}</title></text>",
                y + 15.0,
                escape(&label)
            )?,
        }
    }
    // Gaps: hatched across every lane, labelled in their finding's lane.
    for (lane, f) in report.findings.iter().enumerate() {
        for gap in &f.gaps {
            let (Some(from), Some(to)) = (parse_time(&gap.from), parse_time(&gap.to)) else {
                continue;
            };
            let (x1, x2) = (x(from), x(to));
            let width = (x2 - x1).max(2.0);
            writeln!(
                page,
                "<rect x=\"{x1}\" y=\"{TOP}\" width=\"{width:.1}\" height=\"{}\" class=\"gap\" \
                 fill=\"url(#hatch)\"><title>{}: no expected events for {} min, {} → {}</title></rect>",
                plot_bottom - TOP,
                escape(&f.id),
                gap.minutes,
                escape(&view.time(from)),
                escape(&view.time(to))
            )?;
            // The label goes right of the gap's start, or left of it when it would run past the
            // chart's edge (a gap up to the end of the evidence); about 7 units per character.
            let label = format!("gap {} min", gap.minutes);
            let (label_x, anchor) = if x1 + 4.0 + 7.0 * label.len() as f64 > WIDTH {
                (x1 - 4.0, "end")
            } else {
                (x1 + 4.0, "start")
            };
            writeln!(
                page,
                "<text x=\"{label_x}\" y=\"{}\" text-anchor=\"{anchor}\" class=\"gap-label\">{label}</text>",
                TOP + LANE * lane as f64 + 15.0,
            )?;
        }
    }
    // Findings: a span from first to last seen, a mark for each piece of evidence shown.
    for (lane, f) in report.findings.iter().enumerate() {
        let y = TOP + LANE * lane as f64;
        let severity = severity_name(f.severity);
        if let (Some(first), Some(last)) = (
            f.first_seen.as_deref().and_then(parse_time),
            f.last_seen.as_deref().and_then(parse_time),
        ) {
            let (x1, x2) = (x(first), x(last));
            writeln!(
                page,
                "<rect x=\"{x1}\" y=\"{}\" width=\"{:.1}\" height=\"8\" rx=\"3\" class=\"span \
                 sev-{severity}\"><title>{}: {} → {}</title></rect>",
                y + 7.0,
                (x2 - x1).max(3.0),
                escape(&f.title),
                escape(&view.time(first)),
                escape(&view.time(last))
            )?;
        }
        for evidence in &f.evidence {
            let Some(t) = evidence.time.as_deref().and_then(parse_time) else {
                continue;
            };
            writeln!(
                page,
                "<circle cx=\"{}\" cy=\"{}\" r=\"4\" class=\"mark sev-{severity}\"><title>{} · \
                 {}</title></circle>",
                x(t),
                y + 11.0,
                escape(&view.time(t)),
                escape(&evidence.provenance)
            )?;
        }
    }
    // Entries: per lane and time bucket, one bar coloured by the worst level in it.
    let mut buckets: BTreeMap<(usize, usize), (usize, Level)> = BTreeMap::new();
    for entry in report.timeline.entries() {
        let Some(t) = entry.instant() else { continue };
        let fraction = ((t - start).num_milliseconds() as f64 / scale.millis).clamp(0.0, 1.0);
        let bucket = ((fraction * BUCKETS as f64) as usize).min(BUCKETS - 1);
        let lane = finding_lanes + lane_of(&source_name(entry));
        let slot = buckets
            .entry((lane, bucket))
            .or_insert((0, entry.record.level));
        slot.0 += 1;
        slot.1 = slot.1.max(entry.record.level);
    }
    let bucket_width = scale.width / BUCKETS as f64;
    let bucket_millis = scale.millis / BUCKETS as f64;
    for ((lane, bucket), (count, level)) in &buckets {
        let y = TOP + LANE * *lane as f64;
        let bucket_start =
            start + chrono::Duration::milliseconds((bucket_millis * *bucket as f64) as i64);
        writeln!(
            page,
            "<rect x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"14\" class=\"bar lv-{}\"><title>{}: \
             {count} entr{} from {}, worst {}</title></rect>",
            scale.left + bucket_width * *bucket as f64,
            y + 4.0,
            (bucket_width - 0.6).max(1.5),
            level_class(*level),
            escape(&lanes[lane - finding_lanes]),
            if *count == 1 { "y" } else { "ies" },
            escape(&view.time(bucket_start)),
            level.as_str()
        )?;
    }
    // Axis with six labels.
    writeln!(
        page,
        "<line x1=\"{LEFT}\" y1=\"{plot_bottom}\" x2=\"{}\" y2=\"{plot_bottom}\" class=\"axis\"/>",
        LEFT + scale.width
    )?;
    for tick in 0..=5 {
        let t =
            start + chrono::Duration::milliseconds((scale.millis * f64::from(tick) / 5.0) as i64);
        let tx = x(t);
        let anchor = match tick {
            0 => "start",
            5 => "end",
            _ => "middle",
        };
        writeln!(
            page,
            "<line x1=\"{tx}\" y1=\"{plot_bottom}\" x2=\"{tx}\" y2=\"{}\" class=\"axis\"/><text \
             x=\"{tx}\" y=\"{}\" text-anchor=\"{anchor}\" class=\"tick\">{}</text>",
            plot_bottom + 5.0,
            plot_bottom + 18.0,
            escape(&view.short_time(t))
        )?;
    }
    writeln!(page, "</svg>")?;
    writeln!(
        page,
        "<p class=\"legend\"><span class=\"key lv-critical\"></span>critical <span class=\"key \
         lv-error\"></span>error <span class=\"key lv-warning\"></span>warning <span class=\"key \
         lv-information\"></span>information <span class=\"key lv-verbose\"></span>verbose · \
         finding rows: span from first to last evidence, dots are evidence · <span class=\"key \
         gap-key\"></span>gap without the expected events · times in {}{}</p>",
        escape(&view.zone.to_string()),
        if folded {
            "; sources beyond the first nine share the last row"
        } else {
            ""
        }
    )?;
    writeln!(page, "</section>")
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

fn source_name(entry: &Entry) -> String {
    if entry.record.provider.is_empty() {
        "(no source)".to_owned()
    } else {
        entry.record.provider.clone()
    }
}

fn write_findings(report: &Report, view: &View, page: &mut String) -> std::fmt::Result {
    writeln!(page, "<section id=\"details\">")?;
    writeln!(page, "<h2>Findings in detail</h2>")?;
    if report.findings.is_empty() {
        writeln!(page, "<p class=\"none\">No finding.</p>")?;
    }
    for (number, f) in report.findings.iter().enumerate() {
        write_finding(number, f, view, page)?;
    }
    writeln!(page, "</section>")
}

fn write_finding(number: usize, f: &Finding, view: &View, page: &mut String) -> std::fmt::Result {
    let severity = severity_name(f.severity);
    writeln!(
        page,
        "<article class=\"finding sev-{severity}\" id=\"finding-{}\" data-finding=\"{}\">",
        slug(&f.id),
        escape(&f.id)
    )?;
    writeln!(
        page,
        "<h3><span class=\"badge sev-{severity}\">{severity}</span> {}. {}</h3>",
        number + 1,
        escape(&f.title)
    )?;
    // Findings from configuration dumps have no time: say so rather than "seen – → –".
    let when = if f.first_seen.is_none() && f.last_seen.is_none() {
        "not timed".to_owned()
    } else {
        format!(
            "seen {} → {}",
            seen(f.first_seen.as_deref(), view),
            seen(f.last_seen.as_deref(), view)
        )
    };
    writeln!(
        page,
        "<p class=\"meta\"><code>{}</code> · {} · confidence {} · {when} · {} piece(s) of \
         evidence</p>",
        escape(&f.id),
        escape(&f.product),
        confidence_name(f.confidence),
        f.count
    )?;
    if !f.explanation.trim().is_empty() {
        writeln!(page, "<p>{}</p>", escape_prose(&f.explanation))?;
    }
    if !f.details.is_empty() {
        writeln!(page, "<table class=\"kv\"><tbody>")?;
        for (name, values) in &f.details {
            let values: Vec<String> = values.iter().map(|v| escape(v)).collect();
            writeln!(
                page,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(name),
                values.join("<br>")
            )?;
        }
        writeln!(page, "</tbody></table>")?;
    }
    if !f.gaps.is_empty() {
        writeln!(
            page,
            "<p><strong>Gaps without the expected events</strong></p><ul class=\"gaps\">"
        )?;
        for gap in &f.gaps {
            writeln!(
                page,
                "<li>{} → {} ({} min)</li>",
                escape(&view.stored_time(&gap.from)),
                escape(&view.stored_time(&gap.to)),
                gap.minutes
            )?;
        }
        writeln!(page, "</ul>")?;
    }
    if !f.remediation.is_empty() {
        writeln!(
            page,
            "<p><strong>What to do</strong></p><ol class=\"steps\">"
        )?;
        for step in &f.remediation {
            writeln!(page, "<li>{}</li>", escape_prose(step))?;
        }
        writeln!(page, "</ol>")?;
    }
    if !f.links.is_empty() {
        writeln!(
            page,
            "<p><strong>Read more</strong></p><ul class=\"links\">"
        )?;
        for link in &f.links {
            if is_web_url(&link.url) {
                writeln!(
                    page,
                    "<li><a href=\"{}\" rel=\"noreferrer noopener\">{}</a></li>",
                    escape(&link.url),
                    escape(&link.title)
                )?;
            } else {
                writeln!(
                    page,
                    "<li>{} <span class=\"muted\">(not a web link: {})</span></li>",
                    escape(&link.title),
                    escape(&link.url)
                )?;
            }
        }
        writeln!(page, "</ul>")?;
    }
    if !f.evidence.is_empty() {
        writeln!(
            page,
            "<details class=\"evidence\"{}><summary>Evidence ({} of {})</summary><ol>",
            if number == 0 { " open" } else { "" },
            f.evidence.len(),
            f.count.max(f.evidence.len() as u64)
        )?;
        for evidence in &f.evidence {
            let time = evidence
                .time
                .as_deref()
                .map_or_else(|| "(no time)".to_owned(), |t| view.stored_time(t));
            writeln!(
                page,
                "<li><div class=\"where\"><time>{}</time> · {}</div><pre>{}</pre></li>",
                escape(&time),
                escape(&evidence.provenance),
                escape_lines(&evidence.text)
            )?;
        }
        writeln!(page, "</ol></details>")?;
    }
    writeln!(page, "</article>")
}

fn write_inputs(report: &Report, page: &mut String) -> std::fmt::Result {
    writeln!(page, "<section id=\"inputs\">")?;
    writeln!(page, "<h2>Inputs</h2>")?;
    writeln!(
        page,
        "<table class=\"inputs\"><thead><tr><th>#</th><th>Input</th><th>Format</th><th>Result</th>\
         <th>Entries</th><th>Kept</th><th>Notes</th></tr></thead><tbody>"
    )?;
    for (index, input) in report.inputs.iter().enumerate() {
        let result = match input.disposition {
            Disposition::Parsed => "read",
            Disposition::Container => "archive",
            Disposition::Skipped => "skipped",
            Disposition::Failed => "failed",
        };
        let mut notes = Vec::new();
        if let Some(reason) = &input.reason {
            notes.push(escape(reason));
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
                escape(input.problems.first().map_or("", String::as_str))
            ));
        }
        let (entries, kept) = if input.disposition == Disposition::Parsed {
            (input.entries.to_string(), input.kept.to_string())
        } else {
            (String::new(), String::new())
        };
        writeln!(
            page,
            "<tr class=\"{result}\"><td class=\"num\">{}</td><td class=\"path\">{}</td><td>{}</td>\
             <td>{result}</td><td class=\"num\">{entries}</td><td class=\"num\">{kept}</td><td>{}</td></tr>",
            index + 1,
            escape(&input.path),
            escape(input.format.as_deref().unwrap_or("")),
            notes.join("; ")
        )?;
    }
    writeln!(page, "</tbody></table>")?;
    writeln!(page, "</section>")
}

fn write_timeline(report: &Report, view: &View, page: &mut String) -> std::fmt::Result {
    writeln!(page, "<section id=\"timeline\">")?;
    writeln!(page, "<h2>Timeline</h2>")?;
    let total = report.timeline.len();
    if total > TIMELINE_ROWS {
        writeln!(
            page,
            "<p class=\"note\">The first {TIMELINE_ROWS} of {total} entries are shown; every entry \
             is in <code>--format jsonl</code> or <code>csv</code>.</p>"
        )?;
    }
    writeln!(
        page,
        "<div id=\"tl-controls\" class=\"controls\" hidden><label>Filter <input type=\"search\" \
         id=\"tl-filter\" placeholder=\"text, source, path…\"></label> <label>Level at least \
         <select id=\"tl-level\"><option value=\"verbose\">any</option><option \
         value=\"information\">information</option><option value=\"warning\">warning</option><option \
         value=\"error\">error</option><option value=\"critical\">critical</option></select></label> \
         <label>Finding <select id=\"tl-finding\"><option value=\"\">any entry</option>"
    )?;
    for f in &report.findings {
        writeln!(
            page,
            "<option value=\"{}\">{}</option>",
            escape(&f.id),
            escape(&f.id)
        )?;
    }
    writeln!(
        page,
        "</select></label> <output id=\"tl-count\"></output></div>"
    )?;
    writeln!(
        page,
        "<table class=\"timeline\" id=\"timeline-table\"><thead><tr><th>Time</th><th>Level</th>\
         <th>Source</th><th>Message</th><th>Where</th><th>Findings</th></tr></thead><tbody>"
    )?;
    for entry in report.timeline.entries().iter().take(TIMELINE_ROWS) {
        let level = entry.record.level.as_str();
        let source = match entry.record.event_id {
            Some(id) => format!("{} {id}", entry.record.provider),
            None => entry.record.provider.clone(),
        };
        let findings: Vec<String> = entry
            .findings
            .iter()
            .map(|id| format!("<a href=\"#finding-{}\">{}</a>", slug(id), escape(id)))
            .collect();
        writeln!(
            page,
            "<tr class=\"lv-{level}\" data-level=\"{level}\" data-findings=\"{}\"><td \
             class=\"time\">{}</td><td>{level}</td><td>{}</td><td><div \
             class=\"msg\">{}</div></td><td class=\"path\">{}</td><td>{}</td></tr>",
            escape(&entry.findings.join(" ")),
            escape(&view.entry_time(entry)),
            escape(&source),
            escape_lines(entry.record.message.trim_end()),
            escape(&report.provenance(entry)),
            findings.join(" ")
        )?;
    }
    writeln!(page, "</tbody></table>")?;
    writeln!(page, "</section>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_report;

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(to_string(&sample_report(), &View::default()));
    }

    #[test]
    fn escapes_every_metacharacter_and_control() {
        assert_eq!(
            escape("<a href='x'>\"&\"</a>\u{1b}[0m\0"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;\\u{1b}[0m\\u{0}"
        );
        assert_eq!(escape_lines("a\r\n<b>"), "a\n&lt;b&gt;");
        assert_eq!(
            escape_prose("when the\r\nlimit <is>\u{1b}"),
            "when the limit &lt;is&gt;\\u{1b}"
        );
    }

    #[test]
    fn wrapped_explanations_and_steps_read_as_prose() {
        let mut report = sample_report();
        report.findings[0].explanation = "When the\nlimit is reached".to_owned();
        report.findings[0].remediation = vec!["Stop the\nservice.".to_owned()];
        let page = to_string(&report, &View::default());
        assert!(page.contains("<p>When the limit is reached</p>"));
        assert!(page.contains("<li>Stop the service.</li>"));
        assert!(
            page.contains("<td>Stop the service.</td></tr>"),
            "summary's first step"
        );
    }

    #[test]
    fn hostile_text_never_appears_raw() {
        let page = to_string(&sample_report(), &View::default());
        for raw in [
            "<script>alert",
            "<img",
            "<b>agent",
            "\u{1b}",
            "\0",
            "\u{202e}",
            "href=\"javascript:",
        ] {
            assert!(!page.contains(raw), "{raw:?} appears raw");
        }
        // Exactly one script element: ours.
        assert_eq!(page.matches("<script").count(), 1);
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    }

    #[test]
    fn content_security_policy_hashes_match_the_inline_blocks() {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hash = |text: &str| {
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text))
            )
        };
        assert_eq!(STYLE_HASH, hash(STYLE), "update STYLE_HASH");
        assert_eq!(SCRIPT_HASH, hash(SCRIPT), "update SCRIPT_HASH");
    }

    #[test]
    fn page_is_self_contained() {
        let page = to_string(&sample_report(), &View::default());
        // Nothing is loaded: no src attribute, no stylesheet link, no CSS import or remote url().
        assert!(!page.contains("src=\""));
        assert!(!page.contains("<link"));
        assert!(!page.contains("@import"));
        assert!(!page.contains("url(http"));
    }
}
