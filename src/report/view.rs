//! How a report is shown, as opposed to what it found: the display zone (`--timezone`) and the time
//! window of the timeline (`--from`/`--to`). Every renderer formats times through this module so all
//! formats agree, and every format states the zone and the window it was given.

use crate::report::Report;
use crate::timeline::Entry;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;
use syncsift_parsers::{SourceZone, TimeBasis};

/// One end of `--from`/`--to` as typed: an instant, or a duration before the end of the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSpec {
    /// An RFC 3339 instant.
    At(DateTime<Utc>),
    /// `24h`, `90m`, `7d`: this long before the last timestamp of the timeline.
    BeforeEnd(Duration),
}

/// Why a `--from`/`--to` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a time: use RFC 3339 (2024-03-09T10:15:00Z) or a duration before the end of the \
     evidence (30s, 90m, 24h, 7d, 2w)"
)]
pub struct TimeSpecError(pub String);

impl std::str::FromStr for TimeSpec {
    type Err = TimeSpecError;

    fn from_str(text: &str) -> Result<TimeSpec, TimeSpecError> {
        let trimmed = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(trimmed) {
            return Ok(TimeSpec::At(at.with_timezone(&Utc)));
        }
        let refuse = || TimeSpecError(text.to_owned());
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(refuse)?;
        let (digits, unit) = trimmed.split_at(split);
        let number: i64 = digits.parse().map_err(|_| refuse())?;
        let seconds_per_unit: i64 = match unit {
            "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return Err(refuse()),
        };
        number
            .checked_mul(seconds_per_unit)
            .and_then(Duration::try_seconds)
            .map(TimeSpec::BeforeEnd)
            .ok_or_else(refuse)
    }
}

/// The timeline window a report was cut to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Entries before this instant are left out.
    pub from: Option<DateTime<Utc>>,
    /// Entries after this instant are left out.
    pub to: Option<DateTime<Utc>>,
    /// Timeline entries before the cut (the report shows `timeline.len()` of them).
    pub entries_total: usize,
}

/// Display settings shared by every renderer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// Zone every displayed time is converted to (`--timezone`, UTC by default).
    pub zone: SourceZone,
    /// Set when `--from`/`--to` cut the timeline.
    pub window: Option<Window>,
}

/// A `--from` later than `--to`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--from ({from}) is later than --to ({to})")]
pub struct WindowError {
    /// Resolved start.
    pub from: String,
    /// Resolved end.
    pub to: String,
}

impl View {
    /// `2024-03-09 11:15:23 +01:00` (`UTC` instead of `+00:00` when the zone is UTC).
    pub fn time(&self, utc: DateTime<Utc>) -> String {
        match self.zone {
            SourceZone::Utc => utc.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            SourceZone::Fixed(offset) => utc
                .with_timezone(&offset)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
            SourceZone::Named(tz) => utc
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
        }
    }

    /// `03-09 11:15` in the display zone (chart axis labels).
    pub fn short_time(&self, utc: DateTime<Utc>) -> String {
        const SHORT: &str = "%m-%d %H:%M";
        match self.zone {
            SourceZone::Utc => utc.format(SHORT).to_string(),
            SourceZone::Fixed(offset) => utc.with_timezone(&offset).format(SHORT).to_string(),
            SourceZone::Named(tz) => utc.with_timezone(&tz).format(SHORT).to_string(),
        }
    }

    /// RFC 3339 with the display zone's offset and microseconds, e.g. `2024-03-09T11:15:23.123456+01:00`.
    pub fn rfc3339(&self, utc: DateTime<Utc>) -> String {
        match self.zone {
            SourceZone::Utc => utc.to_rfc3339_opts(SecondsFormat::Micros, false),
            SourceZone::Fixed(offset) => utc
                .with_timezone(&offset)
                .to_rfc3339_opts(SecondsFormat::Micros, false),
            SourceZone::Named(tz) => utc
                .with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Micros, false),
        }
    }

    /// A report time string (RFC 3339 as the report stores it) in the display zone; unparsable text
    /// is returned as it is, so nothing is hidden.
    pub fn stored_time(&self, stored: &str) -> String {
        DateTime::parse_from_rfc3339(stored)
            .map(|t| self.time(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| stored.to_owned())
    }

    /// An entry's time with its basis marks: `*` assumed zone, `≤`/`≥` bounds, `(no time)`.
    pub fn entry_time(&self, entry: &Entry) -> String {
        let Some(utc) = entry.record.time.utc else {
            return "(no time)".to_owned();
        };
        let text = self.time(utc);
        match entry.record.time.basis {
            TimeBasis::Recorded | TimeBasis::LocalWithStatedOffset => text,
            TimeBasis::AssumedZone => format!("{text}*"),
            TimeBasis::InferredAtOrBefore => format!("≤{text}"),
            TimeBasis::InferredAtOrAfter => format!("≥{text}"),
            TimeBasis::Unknown => "(no time)".to_owned(),
        }
    }

    /// The sentence every format prints about zones.
    pub fn zone_statement(&self, report: &Report) -> String {
        format!(
            "Times are shown in {} (--timezone). Source times without a zone were read as {} \
             (--source-tz) and are marked *; ≤ marks an entry with no time of its own, bounded by its \
             file's modification time.",
            self.zone, report.settings.source_zone
        )
    }

    /// The sentence about the window, when there is one.
    pub fn window_statement(&self, report: &Report) -> Option<String> {
        let window = self.window?;
        let from = window.from.map_or("the start".to_owned(), |t| self.time(t));
        let to = window.to.map_or("the end".to_owned(), |t| self.time(t));
        Some(format!(
            "Timeline cut to {from} → {to} (--from/--to): {} of {} entries shown; entries without a \
             time are left out. Findings are not cut.",
            report.timeline.len(),
            window.entries_total
        ))
    }
}

/// Resolves `--from`/`--to` against the report's evidence (relative specs count back from its last
/// timestamp). `None` when neither is given.
///
/// # Errors
/// When the window is empty by construction (`from` after `to`).
pub fn resolve_window(
    report: &Report,
    from: Option<TimeSpec>,
    to: Option<TimeSpec>,
) -> Result<Option<Window>, WindowError> {
    if from.is_none() && to.is_none() {
        return Ok(None);
    }
    let end = report.timeline.span().map(|(_, last)| last);
    let resolve = |spec: Option<TimeSpec>| match spec? {
        TimeSpec::At(at) => Some(at),
        // With no timestamps at all there is nothing to count back from: the bound cannot apply.
        TimeSpec::BeforeEnd(length) => end.and_then(|e| e.checked_sub_signed(length)),
    };
    let (from, to) = (resolve(from), resolve(to));
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(WindowError {
            from: f.to_rfc3339(),
            to: t.to_rfc3339(),
        });
    }
    Ok(Some(Window {
        from,
        to,
        entries_total: report.timeline.len(),
    }))
}

/// The report with its timeline cut to `window`. Evidence that points at an entry left out keeps its
/// text and provenance but loses the entry index; other indices are renumbered.
pub fn apply_window(report: &Report, window: &Window) -> Report {
    let inside = |entry: &Entry| {
        entry.instant().is_some_and(|t| {
            window.from.is_none_or(|from| t >= from) && window.to.is_none_or(|to| t <= to)
        })
    };
    let mut new_index = Vec::with_capacity(report.timeline.len());
    let mut kept = 0usize;
    for entry in report.timeline.entries() {
        if inside(entry) {
            new_index.push(Some(kept));
            kept += 1;
        } else {
            new_index.push(None);
        }
    }
    let mut cut = report.clone();
    cut.timeline.retain(inside);
    for finding in &mut cut.findings {
        for evidence in &mut finding.evidence {
            evidence.entry = evidence
                .entry
                .and_then(|i| new_index.get(i).copied().flatten());
        }
    }
    cut
}

/// True for an absolute `http`/`https` URL without characters that could break out of a link
/// (quotes, angle brackets, whitespace, controls). Other links are shown as text, never as links.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'`\\".contains(c))
}

/// What the JSON document says about the view (added next to the report's own fields).
#[derive(Debug, Clone, Serialize)]
pub struct ViewNote {
    /// Display zone of the human formats (JSON times stay UTC).
    pub timezone: String,
    /// The window, when the timeline was cut.
    pub window: Option<Window>,
}

impl From<&View> for ViewNote {
    fn from(view: &View) -> ViewNote {
        ViewNote {
            timezone: view.zone.to_string(),
            window: view.window,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_instants_and_durations() {
        assert_eq!(
            "2024-03-09T10:15:00+01:00".parse::<TimeSpec>(),
            Ok(TimeSpec::At("2024-03-09T09:15:00Z".parse().unwrap()))
        );
        assert_eq!(
            "90m".parse::<TimeSpec>(),
            Ok(TimeSpec::BeforeEnd(Duration::minutes(90)))
        );
        assert_eq!(
            "7d".parse::<TimeSpec>(),
            Ok(TimeSpec::BeforeEnd(Duration::days(7)))
        );
        assert!("yesterday".parse::<TimeSpec>().is_err());
        assert!("24".parse::<TimeSpec>().is_err());
        assert!("5y".parse::<TimeSpec>().is_err());
    }

    #[test]
    fn window_cuts_the_timeline_and_renumbers_evidence() {
        let report = crate::report::fixture::sample_report();
        let window = resolve_window(&report, Some("2h".parse().unwrap()), None)
            .unwrap()
            .unwrap();
        // Two hours before the last timestamp (10:15): 08:15 onwards, untimed entries left out.
        assert_eq!(window.from, Some("2024-03-09T08:15:00Z".parse().unwrap()));
        let cut = apply_window(&report, &window);
        assert_eq!(cut.timeline.len(), 4);
        assert_eq!(window.entries_total, 7);
        let replication = &cut.findings[1].evidence;
        // 08:02:10 is outside; 09:40 was entry 3 and is now entry 1.
        assert_eq!(replication[0].entry, None);
        assert_eq!(replication[1].entry, Some(1));
        assert_eq!(
            cut.timeline.entries()[1].record.locator,
            report.timeline.entries()[3].record.locator
        );
        let view = View {
            zone: SourceZone::Utc,
            window: Some(window),
        };
        let note = view.window_statement(&cut).unwrap();
        assert!(note.contains("4 of 7 entries shown"), "{note}");
        assert!(
            resolve_window(
                &report,
                Some("1h".parse().unwrap()),
                Some("2h".parse().unwrap())
            )
            .is_err()
        );
    }

    #[test]
    fn only_plain_web_links_are_links() {
        assert!(is_web_url("https://learn.microsoft.com/a?b=c#d"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://x/\"onmouseover=1"));
        assert!(!is_web_url("https://x/ y"));
    }

    #[test]
    fn formats_in_the_display_zone() {
        let t: DateTime<Utc> = "2024-03-09T10:15:23.5Z".parse().unwrap();
        let utc = View::default();
        assert_eq!(utc.time(t), "2024-03-09 10:15:23 UTC");
        assert_eq!(utc.rfc3339(t), "2024-03-09T10:15:23.500000+00:00");
        let berlin = View {
            zone: "Europe/Berlin".parse().unwrap(),
            window: None,
        };
        assert_eq!(berlin.time(t), "2024-03-09 11:15:23 +01:00");
        assert_eq!(berlin.rfc3339(t), "2024-03-09T11:15:23.500000+01:00");
    }
}
