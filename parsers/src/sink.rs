//! The push interface between parsers and their caller: what a parser is told about its input
//! ([`ParseContext`]) and where it sends what it reads ([`Sink`]).
//!
//! Parsers push rather than return collections so that the caller decides what to keep and memory
//! stays bounded by what is kept, not by the size of the input.

use crate::error::Problem;
use crate::record::{EventTime, Fact, Record, TimeBasis};
use crate::timefmt::SourceZone;
use chrono::{DateTime, Utc};

/// Receives what a parser reads from one input.
pub trait Sink {
    /// A record the selector kept.
    fn record(&mut self, record: Record);
    /// A configuration fact.
    fn fact(&mut self, fact: Fact);
    /// A non-fatal problem (bad line, record or chunk).
    fn problem(&mut self, problem: Problem);
}

/// A sink that keeps everything in vectors; convenient for tests and small inputs.
#[derive(Debug, Default, Clone)]
pub struct VecSink {
    /// Records in the order they were pushed.
    pub records: Vec<Record>,
    /// Facts in the order they were pushed.
    pub facts: Vec<Fact>,
    /// Problems in the order they were pushed.
    pub problems: Vec<Problem>,
}

impl Sink for VecSink {
    fn record(&mut self, record: Record) {
        self.records.push(record);
    }
    fn fact(&mut self, fact: Fact) {
        self.facts.push(fact);
    }
    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }
}

/// The time evidence an input carries about itself, used for entries that carry none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeBound {
    /// The bounding instant.
    pub utc: DateTime<Utc>,
    /// [`TimeBasis::InferredAtOrBefore`] or [`TimeBasis::InferredAtOrAfter`].
    pub basis: TimeBasis,
}

impl TimeBound {
    /// The bound as an [`EventTime`] for an entry without a time of its own.
    pub fn as_event_time(self) -> EventTime {
        EventTime {
            utc: Some(self.utc),
            basis: self.basis,
        }
    }
}

/// What a parser knows about the input it reads, besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct ParseContext {
    /// Zone for zone-less timestamps (`--source-tz`).
    pub zone: SourceZone,
    /// The input's own time evidence (modification time, time in its name), if any.
    pub bound: Option<TimeBound>,
}

impl ParseContext {
    /// The time to give an entry that carries none.
    pub fn fallback_time(&self) -> EventTime {
        self.bound
            .map_or_else(EventTime::unknown, TimeBound::as_event_time)
    }
}

/// Counts a parser reports for one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// Entries read (kept or not).
    pub entries: u64,
    /// Entries that could not be read (bad records, unparsable lines).
    pub bad: u64,
}
