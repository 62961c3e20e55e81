//! The one record type every parser produces, the time it carries and how that time was obtained.
//!
//! Parsers differ in what their sources say about time: EVTX stores exact UTC, wizard traces store a
//! local time of day plus a header that gives the offset, agent traces often store nothing at all.
//! [`EventTime`] keeps the UTC instant together with its [`TimeBasis`] so that no report ever presents
//! an assumed or inferred time as if it were recorded.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Severity of an entry, normalised across EVTX levels, .NET trace event types and wizard levels.
///
/// Ordered from least to most severe, so `level >= Level::Warning` selects warnings and worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Debug/verbose output (EVTX level 5, .NET `Verbose`, wizard `VERB`).
    Verbose,
    /// Informational (EVTX levels 0 and 4, .NET `Information`, wizard `INFO`).
    Information,
    /// Warning (EVTX level 3).
    Warning,
    /// Error (EVTX level 2).
    Error,
    /// Critical (EVTX level 1).
    Critical,
}

impl Level {
    /// Maps an EVTX `System/Level` value. Level 0 ("LogAlways") is what classic event sources write
    /// for informational events, so it is shown as information, as Event Viewer does.
    pub fn from_evtx(level: u8) -> Level {
        match level {
            1 => Level::Critical,
            2 => Level::Error,
            3 => Level::Warning,
            5 => Level::Verbose,
            _ => Level::Information,
        }
    }

    /// Maps a level word as written by .NET trace listeners, Event Viewer text and the Entra Connect
    /// wizard (`INFO `, `WARN `, `ERROR`, `VERB `), case-insensitively. `None` for unknown words.
    pub fn from_word(word: &str) -> Option<Level> {
        const WORDS: [(&str, Level); 17] = [
            ("critical", Level::Critical),
            ("crit", Level::Critical),
            ("fatal", Level::Critical),
            ("error", Level::Error),
            ("err", Level::Error),
            ("warning", Level::Warning),
            ("warn", Level::Warning),
            ("information", Level::Information),
            ("info", Level::Information),
            ("informational", Level::Information),
            ("start", Level::Information),
            ("stop", Level::Information),
            ("suspend", Level::Information),
            ("resume", Level::Information),
            ("transfer", Level::Information),
            ("verbose", Level::Verbose),
            ("verb", Level::Verbose),
        ];
        let word = word.trim();
        if let Some((_, level)) = WORDS.iter().find(|(w, _)| w.eq_ignore_ascii_case(word)) {
            return Some(*level);
        }
        ["debug", "trace"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(word))
            .then_some(Level::Verbose)
    }

    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Verbose => "verbose",
            Level::Information => "information",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }
}

/// How a record's time was obtained. Reports print it next to every timestamp that is not exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// The source recorded an absolute instant (EVTX `TimeCreated`, an ISO 8601 time with `Z` or an
    /// offset).
    Recorded,
    /// A local time of day whose UTC offset the same file states (wizard trace `Start Time` headers).
    LocalWithStatedOffset,
    /// A zone-less time, converted with the zone given by `--source-tz` (UTC unless told otherwise).
    AssumedZone,
    /// No time of its own: the entry happened at or before this instant (file modification time,
    /// time in the file name).
    InferredAtOrBefore,
    /// No time of its own: the entry happened at or after this instant.
    InferredAtOrAfter,
    /// No time evidence at all; the entry keeps its place in file order.
    Unknown,
}

impl TimeBasis {
    /// True when the instant is the event's own time rather than a bound or a guess about the zone.
    pub fn is_exact(self) -> bool {
        matches!(self, TimeBasis::Recorded | TimeBasis::LocalWithStatedOffset)
    }
}

/// A record's instant in UTC and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct EventTime {
    /// The instant, or the bound for inferred times; `None` only with [`TimeBasis::Unknown`].
    pub utc: Option<DateTime<Utc>>,
    /// How `utc` was obtained.
    pub basis: TimeBasis,
}

impl EventTime {
    /// An instant the source recorded.
    pub fn recorded(utc: DateTime<Utc>) -> EventTime {
        EventTime {
            utc: Some(utc),
            basis: TimeBasis::Recorded,
        }
    }

    /// A record with no time evidence.
    pub fn unknown() -> EventTime {
        EventTime {
            utc: None,
            basis: TimeBasis::Unknown,
        }
    }
}

/// Where inside its input a record was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Locator {
    /// 1-based line number of the entry's first line in a text file.
    Line(u64),
    /// EVTX `EventRecordID`.
    EvtxRecord(u64),
}

impl std::fmt::Display for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Locator::Line(line) => write!(f, ":{line}"),
            Locator::EvtxRecord(id) => write!(f, "#record {id}"),
        }
    }
}

/// One entry read from an input: an event, a trace entry, a run-history row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// When it happened, and how that is known.
    pub time: EventTime,
    /// Event provider / source name, or the trace's source (e.g. `AADConnectProvisioningAgent.exe`).
    pub provider: String,
    /// Event id, or the trace event id (.NET traces write one, usually 0).
    pub event_id: Option<u32>,
    /// Normalised severity.
    pub level: Level,
    /// EVTX channel (`Application`, `System`, ...), when known.
    pub channel: Option<String>,
    /// Computer name, when the source names it.
    pub computer: Option<String>,
    /// The human-readable text: EVTX EventData rendered as a message, the trace entry's text with its
    /// continuation lines.
    pub message: String,
    /// Named values (EVTX EventData, wizard thread id, run-history columns), in source order.
    pub fields: Vec<(String, String)>,
    /// Where the record was found in its input.
    pub locator: Locator,
}

/// A key/value statement read from a configuration dump (e.g. `StagingModeEnabled : True`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    /// The section the key belongs to, when the dump has several (e.g. one per connector).
    pub section: Option<String>,
    /// The key as written.
    pub key: String,
    /// The raw value text, never reinterpreted.
    pub value: String,
    /// 1-based line of the key.
    pub line: u64,
}
