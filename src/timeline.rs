//! One time-ordered timeline merged from every input.
//!
//! Order is total and independent of how inputs were scheduled: by UTC instant (or bound), then by
//! input position in the inventory, then by position within the input. Entries with no time at all
//! go last, in inventory order. So a run on 1 thread and on N threads gives byte-identical output.

use chrono::{DateTime, Utc};
use serde::Serialize;
use syncsift_parsers::{Locator, Record, TimeBasis};

/// One timeline entry: a record, where it came from, and the findings it supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Index of its input in the report's inventory.
    pub input: usize,
    /// Position among the records kept from that input.
    pub seq: u64,
    /// The record.
    pub record: Record,
    /// Ids of the findings this entry is evidence for (filled by the diagnosis).
    pub findings: Vec<String>,
}

impl Entry {
    /// The instant used for ordering (`None` for entries without time evidence).
    pub fn instant(&self) -> Option<DateTime<Utc>> {
        self.record.time.utc
    }

    /// True when the entry's time is its own (not assumed-zone, not a bound).
    pub fn has_exact_time(&self) -> bool {
        self.record.time.basis.is_exact()
    }

    /// `<input path><locator>`, e.g. `bundle.zip!/Trace/x.log:120` or `...Application.evtx#record 4711`.
    pub fn provenance(&self, input_path: &str) -> String {
        format!("{input_path}{}", self.record.locator)
    }
}

/// The merged, ordered timeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Timeline {
    entries: Vec<Entry>,
}

impl Timeline {
    /// Merges per-input record lists (each in its input's order) into one ordered timeline.
    pub fn merge(per_input: Vec<(usize, Vec<Record>)>) -> Timeline {
        let mut entries: Vec<Entry> = per_input
            .into_iter()
            .flat_map(|(input, records)| {
                records
                    .into_iter()
                    .enumerate()
                    .map(move |(seq, record)| Entry {
                        input,
                        seq: seq as u64,
                        record,
                        findings: Vec::new(),
                    })
            })
            .collect();
        entries.sort_by(|a, b| {
            let key = |e: &Entry| (e.instant().is_none(), e.instant(), e.input, e.seq);
            key(a).cmp(&key(b))
        });
        Timeline { entries }
    }

    /// Entries in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Entries in order, mutable (to tag them with findings).
    pub fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// First and last instant of entries that have one (bounds included).
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        // Sorted by instant, untimed entries last.
        let first = self.entries.iter().find_map(Entry::instant)?;
        let last = self.entries.iter().rev().find_map(Entry::instant)?;
        Some((first, last))
    }

    /// Keeps only entries for which `keep` is true (time-window filters).
    pub fn retain(&mut self, keep: impl FnMut(&Entry) -> bool) {
        self.entries.retain(keep);
    }

    /// True when any entry's time is assumed or inferred rather than recorded.
    pub fn has_inexact_times(&self) -> bool {
        self.entries.iter().any(|e| !e.record.time.basis.is_exact())
    }

    /// The time bases present, in a fixed order (for report legends).
    pub fn bases(&self) -> Vec<TimeBasis> {
        let order = [
            TimeBasis::Recorded,
            TimeBasis::LocalWithStatedOffset,
            TimeBasis::AssumedZone,
            TimeBasis::InferredAtOrBefore,
            TimeBasis::InferredAtOrAfter,
            TimeBasis::Unknown,
        ];
        order
            .into_iter()
            .filter(|b| self.entries.iter().any(|e| e.record.time.basis == *b))
            .collect()
    }
}

/// Shortest backward step in one input's own (exact) times that is reported: writers on several
/// threads reorder entries by seconds, a clock change moves them by minutes or hours.
pub const BACKWARD_JUMP_REPORTED: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// Says when an input's exact times step back from one entry to the next by more than
/// [`BACKWARD_JUMP_REPORTED`] (a clock reset, a time-zone change, entries appended from another
/// machine): the timeline still orders by time, but the engineer should know the file's own order
/// disagrees. `None` when the times only move forward (or not by enough to matter).
pub fn backward_jumps(records: &[Record]) -> Option<String> {
    let mut previous: Option<(DateTime<Utc>, Locator)> = None;
    let mut jumps = 0u64;
    let mut largest: Option<(chrono::TimeDelta, Locator, Locator)> = None;
    for record in records {
        let Some(utc) = record.time.utc.filter(|_| record.time.basis.is_exact()) else {
            continue;
        };
        if let Some((before, at)) = previous {
            let step = before - utc;
            // A full EVTX log wraps: its chunks restart with older record numbers. That is file
            // layout, not a clock.
            let wrapped = matches!(
                (at, record.locator),
                (Locator::EvtxRecord(a), Locator::EvtxRecord(b)) if b < a
            );
            if step > BACKWARD_JUMP_REPORTED && !wrapped {
                jumps += 1;
                if largest.is_none_or(|(l, _, _)| step > l) {
                    largest = Some((step, at, record.locator));
                }
            }
        }
        previous = Some((utc, record.locator));
    }
    let (step, from, to) = largest?;
    Some(format!(
        "time goes backwards {jumps} time(s) in file order, by up to {} (from {from} to {to}): \
         a clock or time-zone change, or entries from another writer; the timeline orders by time",
        human_duration(step)
    ))
}

/// `1h 5m`, `12m 30s`, `45s`.
pub(crate) fn human_duration(delta: chrono::TimeDelta) -> String {
    let seconds = delta.num_seconds();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use syncsift_parsers::{EventTime, Level};

    fn record(minute: Option<u32>, text: &str) -> Record {
        Record {
            time: minute.map_or_else(EventTime::unknown, |m| {
                EventTime::recorded(Utc.with_ymd_and_hms(2024, 3, 9, 10, m, 0).unwrap())
            }),
            provider: "p".into(),
            event_id: None,
            level: Level::Information,
            channel: None,
            computer: None,
            message: text.into(),
            fields: Vec::new(),
            locator: Locator::Line(1),
        }
    }

    #[test]
    fn orders_by_time_then_input_then_position_with_untimed_last() {
        let timeline = Timeline::merge(vec![
            (
                1,
                vec![
                    record(Some(5), "b1"),
                    record(None, "b-untimed"),
                    record(Some(1), "b2"),
                ],
            ),
            (0, vec![record(Some(5), "a1"), record(None, "a-untimed")]),
        ]);
        let order: Vec<&str> = timeline
            .entries()
            .iter()
            .map(|e| e.record.message.as_str())
            .collect();
        assert_eq!(order, ["b2", "a1", "b1", "a-untimed", "b-untimed"]);
        let (first, last) = timeline.span().unwrap();
        assert_eq!(
            (
                first.format("%M").to_string(),
                last.format("%M").to_string()
            ),
            ("01".into(), "05".into())
        );
    }

    fn at_line(minute: u32, line: u64) -> Record {
        Record {
            locator: Locator::Line(line),
            ..record(Some(minute), "x")
        }
    }

    #[test]
    fn backward_jumps_are_reported_once_with_the_largest() {
        let records = [
            at_line(30, 1),
            at_line(40, 2),
            at_line(0, 3), // back 40 minutes
            at_line(1, 4),
            at_line(39, 5),
            at_line(38, 6), // back 1 minute: reordering, not reported
            at_line(50, 7),
            at_line(45, 8), // back 5 minutes
        ];
        assert_eq!(
            backward_jumps(&records).as_deref(),
            Some(
                "time goes backwards 2 time(s) in file order, by up to 40m (from :2 to :3): a \
                 clock or time-zone change, or entries from another writer; the timeline orders \
                 by time"
            )
        );
    }

    #[test]
    fn an_evtx_ring_buffer_wrap_is_not_a_clock_change() {
        let at = |minute: u32, id: u64| Record {
            locator: Locator::EvtxRecord(id),
            ..record(Some(minute), "x")
        };
        assert_eq!(
            backward_jumps(&[at(50, 900), at(10, 100), at(11, 101)]),
            None
        );
        assert!(backward_jumps(&[at(50, 900), at(10, 901)]).is_some());
    }

    #[test]
    fn small_reorderings_and_inexact_times_are_not_reported() {
        let mut reordered = record(Some(10), "late");
        reordered.time.utc = reordered
            .time
            .utc
            .map(|t| t - chrono::TimeDelta::seconds(30));
        let mut bound = record(Some(0), "bound");
        bound.time.basis = TimeBasis::InferredAtOrBefore;
        let records = [record(Some(10), "a"), reordered, bound, record(None, "u")];
        assert_eq!(backward_jumps(&records), None);
        assert_eq!(human_duration(chrono::TimeDelta::seconds(3725)), "1h 2m");
        assert_eq!(human_duration(chrono::TimeDelta::seconds(750)), "12m 30s");
    }
}
