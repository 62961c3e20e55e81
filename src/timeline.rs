//! One time-ordered timeline merged from every input.
//!
//! Order is total and independent of how inputs were scheduled: by UTC instant (or bound), then by
//! input position in the inventory, then by position within the input. Entries with no time at all
//! go last, in inventory order. So a run on 1 thread and on N threads gives byte-identical output.

use chrono::{DateTime, Utc};
use serde::Serialize;
use syncsift_parsers::{Record, TimeBasis};

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use syncsift_parsers::{EventTime, Level, Locator};

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
}
