//! Timestamps written as text: ISO 8601 forms found in traces and exports, and the zone used for
//! times that carry none.
//!
//! Only unambiguous forms are parsed here (year first). Culture-formatted dates such as `05.01.2023`
//! or `9/29/2025` are kept as raw text by the callers unless their format is certain.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The zone that zone-less timestamps of the source machine are read in (`--source-tz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceZone {
    /// UTC: the default, stated in every report.
    #[default]
    Utc,
    /// A fixed offset such as `+02:00`.
    Fixed(FixedOffset),
    /// An IANA zone such as `Europe/Berlin`, with its daylight-saving rules.
    Named(chrono_tz::Tz),
}

impl SourceZone {
    /// Converts a local wall-clock time to UTC. A time repeated by a daylight-saving change takes its
    /// first occurrence; a time skipped by one is `None`.
    pub fn to_utc(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(result: LocalResult<DateTime<T>>) -> Option<DateTime<Utc>> {
            match result {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        }
        match self {
            SourceZone::Utc => Some(Utc.from_utc_datetime(&local)),
            SourceZone::Fixed(offset) => pick(offset.from_local_datetime(&local)),
            SourceZone::Named(tz) => pick(tz.from_local_datetime(&local)),
        }
    }
}

impl fmt::Display for SourceZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceZone::Utc => f.write_str("UTC"),
            SourceZone::Fixed(offset) => write!(f, "{offset}"),
            SourceZone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

impl Serialize for SourceZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a `--source-tz` value was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown time zone {0:?}: use UTC, an offset such as +02:00, or an IANA name such as Europe/Berlin"
)]
pub struct ZoneParseError(String);

impl FromStr for SourceZone {
    type Err = ZoneParseError;
    fn from_str(s: &str) -> Result<SourceZone, ZoneParseError> {
        let trimmed = s.trim();
        if trimmed.eq_ignore_ascii_case("utc") || trimmed == "Z" {
            return Ok(SourceZone::Utc);
        }
        if let Some(offset) = parse_offset(trimmed) {
            return Ok(SourceZone::Fixed(offset));
        }
        trimmed
            .parse::<chrono_tz::Tz>()
            .map(SourceZone::Named)
            .map_err(|_| ZoneParseError(s.to_owned()))
    }
}

/// Parses `+02:00`, `-0530`, `+02`, also with a `UTC` prefix (`UTC+2` is not accepted: too vague).
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.strip_prefix("UTC").unwrap_or(s);
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// A timestamp read from text: the wall-clock time and the offset it states, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextTime {
    /// Date and time as written.
    pub local: NaiveDateTime,
    /// The offset the text states (`Z` is +00:00), or `None` when zone-less.
    pub offset: Option<FixedOffset>,
}

impl TextTime {
    /// The instant, using `zone` when the text stated no offset. The flag is true when the text
    /// stated its own offset.
    pub fn to_utc(self, zone: SourceZone) -> Option<(DateTime<Utc>, bool)> {
        match self.offset {
            Some(offset) => {
                let t = offset.from_local_datetime(&self.local).single()?;
                Some((t.with_timezone(&Utc), true))
            }
            None => zone.to_utc(self.local).map(|t| (t, false)),
        }
    }
}

/// Parses an ISO 8601 date-time at the start of `s` (`2024-03-09T10:15:23.1234567Z`,
/// `2024-03-09 10:15:23`, `2024-03-09T10:15:23+02:00`). Returns it and the bytes it used.
pub fn parse_iso_prefix(s: &str) -> Option<(TextTime, usize)> {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    if *b.get(4)? != b'-' || *b.get(7)? != b'-' || !matches!(b.get(10)?, b'T' | b' ') {
        return None;
    }
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    if *b.get(13)? != b':' || *b.get(16)? != b':' {
        return None;
    }
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut pos = 19;
    let mut nanos = 0u32;
    if matches!(b.get(pos), Some(b'.' | b',')) {
        let start = pos + 1;
        let mut end = start;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return None;
        }
        let frac = &s[start..end.min(start + 9)];
        let scale = 10u32.pow(9 - u32::try_from(frac.len()).ok()?);
        nanos = frac.parse::<u32>().ok()? * scale;
        pos = end;
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let local = NaiveDateTime::new(date, time);
    let rest = &s[pos..];
    let (offset, used) = if rest.starts_with('Z') {
        (FixedOffset::east_opt(0), 1)
    } else if rest.len() >= 6
        && matches!(rest.as_bytes()[0], b'+' | b'-')
        && rest.as_bytes()[3] == b':'
    {
        match parse_offset(&rest[..6]) {
            Some(offset) => (Some(offset), 6),
            None => (None, 0),
        }
    } else {
        (None, 0)
    };
    Some((TextTime { local, offset }, pos + used))
}

/// Finds the first ISO 8601 date-time anywhere in `text` (e.g. a time the agent wrote into its
/// message). Returns it with its byte range.
pub fn find_iso(text: &str) -> Option<(TextTime, std::ops::Range<usize>)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(dash) = memchr::memchr(b'-', &bytes[from..]) {
        let dash = from + dash;
        if dash >= 4 && text.is_char_boundary(dash - 4) {
            let start = dash - 4;
            let starts_word = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
            if starts_word && let Some((time, used)) = parse_iso_prefix(&text[start..]) {
                return Some((time, start..start + used));
            }
        }
        from = dash + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_forms() {
        let (t, used) = parse_iso_prefix("2024-03-09T10:15:23.1234567Z rest").unwrap();
        assert_eq!(used, 28);
        assert_eq!(t.offset, FixedOffset::east_opt(0));
        assert_eq!(
            t.to_utc(SourceZone::Utc).unwrap().0.to_rfc3339(),
            "2024-03-09T10:15:23.123456700+00:00"
        );
        let (t, _) = parse_iso_prefix("2024-03-09 10:15:23+02:00").unwrap();
        assert_eq!(
            t.to_utc(SourceZone::Utc).unwrap().0.to_rfc3339(),
            "2024-03-09T08:15:23+00:00"
        );
        let (t, used) = parse_iso_prefix("2017-01-04 23:05:05.367").unwrap();
        assert_eq!((t.offset, used), (None, 23));
        assert!(parse_iso_prefix("2024-13-09 10:15:23").is_none());
        assert!(parse_iso_prefix("24-03-09 10:15:23").is_none());
    }

    #[test]
    fn zones_convert_naive_times() {
        let naive = NaiveDate::from_ymd_opt(2024, 7, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let berlin: SourceZone = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            berlin.to_utc(naive).unwrap().to_rfc3339(),
            "2024-07-01T10:00:00+00:00"
        );
        let fixed: SourceZone = "-05:30".parse().unwrap();
        assert_eq!(
            fixed.to_utc(naive).unwrap().to_rfc3339(),
            "2024-07-01T17:30:00+00:00"
        );
        assert_eq!("utc".parse::<SourceZone>().unwrap(), SourceZone::Utc);
        assert!("Mars/Olympus".parse::<SourceZone>().is_err());
    }

    #[test]
    fn finds_embedded_times() {
        let (t, range) = find_iso("Processing started at 2024-03-09T10:15:23Z for job 7").unwrap();
        assert_eq!(range, 22..42);
        assert!(t.offset.is_some());
        assert!(find_iso("error code 1-2-3 nothing here").is_none());
    }
}
