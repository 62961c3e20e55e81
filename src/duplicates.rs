//! Events an Event Viewer text export repeats from an EVTX log of the same bundle.
//!
//! Collectors and engineers often attach both the `.evtx` and a text export of a few of its events.
//! Read twice, one event would count twice as evidence, once with its exact time and once with a
//! zone-less local time read in `--source-tz`. The EVTX copy wins; the text copy is dropped, and
//! the constant difference between the two copies' times tells which zone the export was written
//! in, which the engineer needs for the export's other entries.

use chrono::TimeDelta;
use std::collections::HashMap;
use syncsift_parsers::Record;

/// Time zones are whole quarter hours apart.
const ZONE_STEP_MS: i64 = 15 * 60 * 1000;
/// Text exports print whole seconds; EVTX keeps sub-second times.
const TOLERANCE_MS: i64 = 1000;
/// No zone is more than 14 hours from UTC.
const MAX_OFFSET_MS: i64 = 14 * 60 * 60 * 1000 + TOLERANCE_MS;
/// How much of the two messages must agree (they are rendered by different code).
const MESSAGE_PREFIX: usize = 32;

/// Provider (lower case) and event id: what a copy and its original share.
type EventKey = (String, Option<u32>);
/// An EVTX record: its input index and its position in that input's records.
type RecordAt = (usize, usize);

/// What [`find`] found for one text export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copies {
    /// Positions (in the export's record list) of the records that are copies.
    pub records: Vec<usize>,
    /// Indexes of the EVTX inputs holding the originals, ascending.
    pub sources: Vec<usize>,
    /// The export's times minus the originals' times.
    pub offset: TimeDelta,
}

/// Finds the records of a text export (`text`) that are copies of records of the EVTX inputs
/// (`evtx`: input index and records): same provider and event id, messages that agree, and times
/// that differ by the same whole number of quarter hours for the whole export. `None` when no
/// record is a copy.
pub fn find(text: &[Record], evtx: &[(usize, &[Record])]) -> Option<Copies> {
    let keys: std::collections::HashSet<EventKey> = text
        .iter()
        .map(|r| (r.provider.to_ascii_lowercase(), r.event_id))
        .collect();
    // Originals that could match, by provider and event id.
    let mut originals: HashMap<EventKey, Vec<(RecordAt, &Record)>> = HashMap::new();
    for (input, records) in evtx {
        for (position, record) in records.iter().enumerate() {
            let key = (record.provider.to_ascii_lowercase(), record.event_id);
            if keys.contains(&key) {
                originals
                    .entry(key)
                    .or_default()
                    .push(((*input, position), record));
            }
        }
    }

    // Every (copy, original, offset) pair that fits.
    let mut pairs: Vec<(usize, RecordAt, i64)> = Vec::new();
    for (position, record) in text.iter().enumerate() {
        let Some(text_time) = record.time.utc else {
            continue;
        };
        let key = (record.provider.to_ascii_lowercase(), record.event_id);
        for (at, original) in originals.get(&key).into_iter().flatten() {
            let Some(evtx_time) = original.time.utc else {
                continue;
            };
            let Some(offset) = zone_offset_ms((text_time - evtx_time).num_milliseconds()) else {
                continue;
            };
            if messages_agree(&record.message, &original.message) {
                pairs.push((position, *at, offset));
            }
        }
    }

    // One export was written in one zone: keep the offset most records agree on.
    let mut votes: HashMap<i64, Vec<usize>> = HashMap::new();
    for (position, _, offset) in &pairs {
        let voters = votes.entry(*offset).or_default();
        if voters.last() != Some(position) {
            voters.push(*position);
        }
    }
    let offset = votes
        .iter()
        .max_by_key(|(offset, voters)| (voters.len(), std::cmp::Reverse(offset.abs())))
        .map(|(offset, _)| *offset)?;

    let mut used: Vec<RecordAt> = Vec::new();
    let mut records = Vec::new();
    for (position, candidate, pair_offset) in &pairs {
        if *pair_offset != offset || records.last() == Some(position) || used.contains(candidate) {
            continue;
        }
        used.push(*candidate);
        records.push(*position);
    }
    let mut sources: Vec<usize> = used.iter().map(|(input, _)| *input).collect();
    sources.sort_unstable();
    sources.dedup();
    Some(Copies {
        records,
        sources,
        offset: TimeDelta::milliseconds(offset),
    })
}

/// The whole-quarter-hour offset a time difference stands for, if it is one (within a second).
fn zone_offset_ms(difference_ms: i64) -> Option<i64> {
    if difference_ms.abs() > MAX_OFFSET_MS {
        return None;
    }
    let rest = difference_ms.rem_euclid(ZONE_STEP_MS);
    if rest <= TOLERANCE_MS {
        Some(difference_ms - rest)
    } else if ZONE_STEP_MS - rest <= TOLERANCE_MS {
        Some(difference_ms + (ZONE_STEP_MS - rest))
    } else {
        None
    }
}

/// True when the messages start alike, ignoring case and runs of white space.
fn messages_agree(a: &str, b: &str) -> bool {
    let normal = |s: &str| -> Vec<char> {
        s.split_whitespace()
            .flat_map(|word| word.chars().flat_map(char::to_lowercase).chain([' ']))
            .take(MESSAGE_PREFIX)
            .collect()
    };
    let (a, b) = (normal(a), normal(b));
    let shorter = a.len().min(b.len());
    a[..shorter] == b[..shorter] && (shorter > 0 || a.len() == b.len())
}

/// The inventory note for an export whose copies were dropped.
pub fn note(copies: &Copies, of: usize, source_names: &[&str], source_zone: &str) -> String {
    let mut note = format!(
        "{} of {of} event(s) are also in {} and are taken from there (exact times)",
        copies.records.len(),
        source_names.join(", ")
    );
    let minutes = copies.offset.num_minutes();
    if minutes != 0 {
        let size = crate::timeline::human_duration(copies.offset.abs());
        let (direction, relation) = if minutes > 0 {
            ("later", "ahead of")
        } else {
            ("earlier", "behind")
        };
        note.push_str(&format!(
            "; read in {source_zone}, this export's times are {size} {direction} than the EVTX's: \
             it was written in a zone {size} {relation} {source_zone} (give that zone to \
             --source-tz for its other entries)"
        ));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use syncsift_parsers::{EventTime, Level, Locator, TimeBasis};

    fn record(provider: &str, id: u32, h: u32, m: u32, s: u32, ms: i64, message: &str) -> Record {
        let utc = Utc.with_ymd_and_hms(2024, 3, 14, h, m, s).unwrap() + TimeDelta::milliseconds(ms);
        Record {
            time: EventTime::recorded(utc),
            provider: provider.into(),
            event_id: Some(id),
            level: Level::Error,
            channel: None,
            computer: None,
            message: message.into(),
            fields: Vec::new(),
            locator: Locator::Line(1),
        }
    }

    fn assumed(mut record: Record) -> Record {
        record.time.basis = TimeBasis::AssumedZone;
        record
    }

    #[test]
    fn copies_one_hour_ahead_are_found_and_the_zone_named() {
        let evtx = [
            record(
                "ADSync",
                6323,
                10,
                0,
                9,
                412,
                "SQL Server is out of  disk space.",
            ),
            record(
                "Directory Synchronization",
                611,
                15,
                12,
                40,
                80,
                "Password hash sync failed",
            ),
            record(
                "Directory Synchronization",
                611,
                16,
                0,
                0,
                0,
                "Password hash sync failed",
            ),
        ];
        let text = [
            assumed(record(
                "ADSync",
                6323,
                11,
                0,
                9,
                0,
                "SQL Server is out of disk space.",
            )),
            assumed(record(
                "Directory Synchronization",
                611,
                16,
                12,
                40,
                0,
                "password HASH sync failed",
            )),
            // Same event, but no EVTX record an hour before it.
            assumed(record(
                "Directory Synchronization",
                611,
                18,
                30,
                0,
                0,
                "Password hash sync failed",
            )),
        ];
        let copies = find(&text, &[(4, &evtx)]).expect("copies");
        assert_eq!(copies.records, [0, 1]);
        assert_eq!(copies.sources, [4]);
        assert_eq!(copies.offset, TimeDelta::hours(1));
        assert_eq!(
            note(&copies, 3, &["Application.evtx"], "UTC"),
            "2 of 3 event(s) are also in Application.evtx and are taken from there (exact times); \
             read in UTC, this export's times are 1h later than the EVTX's: it was written in a \
             zone 1h ahead of UTC (give that zone to --source-tz for its other entries)"
        );
    }

    #[test]
    fn different_ids_messages_or_odd_offsets_are_not_copies() {
        let evtx = [record("ADSync", 6323, 10, 0, 9, 0, "out of disk space")];
        let other_id = [record("ADSync", 6324, 10, 0, 9, 0, "out of disk space")];
        let other_text = [record("ADSync", 6323, 10, 0, 9, 0, "a different event")];
        let seven_minutes = [record("ADSync", 6323, 10, 7, 9, 0, "out of disk space")];
        for text in [&other_id[..], &other_text[..], &seven_minutes[..]] {
            assert_eq!(find(text, &[(0, &evtx)]), None);
        }
        let same_time = [record("ADSync", 6323, 10, 0, 9, 0, "out of disk space")];
        let copies = find(&same_time, &[(0, &evtx)]).expect("copy");
        assert_eq!(copies.offset, TimeDelta::zero());
        assert_eq!(
            note(&copies, 1, &["a.evtx"], "UTC"),
            "1 of 1 event(s) are also in a.evtx and are taken from there (exact times)"
        );
    }

    #[test]
    fn zone_offsets_are_whole_quarter_hours_within_a_second() {
        assert_eq!(zone_offset_ms(3_600_000 - 400), Some(3_600_000));
        assert_eq!(zone_offset_ms(-19_800_000 + 900), Some(-19_800_000));
        assert_eq!(zone_offset_ms(420_000), None);
        assert_eq!(zone_offset_ms(15 * 3_600_000), None);
    }
}
