//! Date-times as Windows writes them in the server's culture: `8/10/2020 11:00:39 AM` (en-US),
//! `10.08.2020 11:00:39` (de-DE), `24-3-2025 22:03:04` (nl-NL), `2020/08/10 11:00:39` (ja-JP) and
//! ISO-like `2020-08-10 11:00:39`.
//!
//! Only numeric forms are read. A year-first date, or one separated by dots or dashes, fixes the
//! order of day and month; a slash date with the year last does not (en-US writes month first,
//! en-GB and fr-FR day first), so [`OrderVote`] decides that per file from evidence (a number above
//! 12 in one of the two places) and otherwise assumes month first, saying so.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// The order of day and month in a date whose text does not fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `d/M/yyyy` (en-GB, fr-FR, ...).
    DayFirst,
    /// `M/d/yyyy` (en-US).
    MonthFirst,
}

/// A date-time read from culture-formatted text, not yet placed on the calendar when its day/month
/// order is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CultureDateTime {
    year: i32,
    /// The first of the two non-year numbers as written.
    first: u32,
    /// The second of the two non-year numbers as written.
    second: u32,
    time: NaiveTime,
    /// The order the text itself fixes; `None` for slash dates with the year last.
    fixed: Option<Order>,
}

impl CultureDateTime {
    /// True when the text leaves the day/month order open.
    pub fn is_ambiguous(&self) -> bool {
        self.fixed.is_none() && self.evidence().is_none()
    }

    /// The order this date alone proves: a number above 12 can only be a day.
    pub fn evidence(&self) -> Option<Order> {
        if self.fixed.is_some() {
            return None;
        }
        match (self.first > 12, self.second > 12) {
            (true, false) => Some(Order::DayFirst),
            (false, true) => Some(Order::MonthFirst),
            _ => None,
        }
    }

    /// The wall-clock date-time, with `order` used only when the text leaves it open.
    pub fn resolve(&self, order: Order) -> Option<NaiveDateTime> {
        let order = self.fixed.or_else(|| self.evidence()).unwrap_or(order);
        let (month, day) = match order {
            Order::DayFirst => (self.second, self.first),
            Order::MonthFirst => (self.first, self.second),
        };
        Some(NaiveDate::from_ymd_opt(self.year, month, day)?.and_time(self.time))
    }
}

/// Parses a whole field such as `8/10/2020 11:00:39 AM` or `05.01.2023 20:28:37`. `None` for
/// anything else (month names, two-digit years, non-Latin day-period words).
pub fn parse(text: &str) -> Option<CultureDateTime> {
    let text = text.trim();
    let (date, rest) = text.split_once(|c: char| c.is_whitespace())?;
    let date = date.strip_suffix('.').unwrap_or(date);
    let sep = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = date.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, first, second, fixed) = if a.len() == 4 {
        let year = i32::try_from(number(a)?).ok()?;
        (year, number(b)?, number(c)?, Some(Order::MonthFirst))
    } else if c.len() == 4 && a.len() <= 2 && b.len() <= 2 {
        let year = i32::try_from(number(c)?).ok()?;
        let fixed = (sep != '/').then_some(Order::DayFirst);
        (year, number(a)?, number(b)?, fixed)
    } else {
        return None;
    };
    let time = parse_time(rest.trim())?;
    let parsed = CultureDateTime {
        year,
        first,
        second,
        time,
        fixed,
    };
    // Reject dates that are impossible in every order.
    let possible = [Order::DayFirst, Order::MonthFirst]
        .iter()
        .any(|o| parsed.resolve(*o).is_some());
    possible.then_some(parsed)
}

/// `H:mm[:ss[.fff]]` with an optional `AM`/`PM` (also `a.m.`/`p.m.`).
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (clock, period) = match text.split_once(|c: char| c.is_whitespace()) {
        Some((clock, period)) => (clock, Some(period.trim())),
        None => (text, None),
    };
    let mut fields = clock.split(':');
    let hour: u32 = fields.next()?.parse().ok()?;
    let minute: u32 = fields.next()?.parse().ok()?;
    let (second, nanos) = match fields.next() {
        Some(sec) => match sec.split_once(['.', ',']) {
            Some((whole, frac)) if !frac.is_empty() && frac.len() <= 9 => {
                let digits: u32 = frac.parse().ok()?;
                let scale = 10u32.pow(9 - u32::try_from(frac.len()).ok()?);
                (whole.parse().ok()?, digits * scale)
            }
            Some(_) => return None,
            None => (sec.parse().ok()?, 0),
        },
        None => (0, 0),
    };
    if fields.next().is_some() {
        return None;
    }
    let hour = match period.map(|p| p.to_ascii_lowercase().replace('.', "")) {
        None => hour,
        Some(p) if p == "am" && (1..=12).contains(&hour) => hour % 12,
        Some(p) if p == "pm" && (1..=12).contains(&hour) => hour % 12 + 12,
        // `0:00:00 AM` appears in Microsoft's own samples: read it as midnight.
        Some(p) if p == "am" && hour == 0 => 0,
        Some(_) => return None,
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// How a file's slash dates were ordered; reported with each record that depended on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBasis {
    /// A date in the file proved it.
    Evidence,
    /// Nothing proved it; month first was assumed.
    Assumed,
}

/// Decides, per file, the day/month order of slash dates from the first date that proves it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderVote {
    decided: Option<(Order, OrderBasis)>,
}

impl OrderVote {
    /// Takes note of one date; the first proof decides for the whole file.
    pub fn observe(&mut self, date: &CultureDateTime) {
        if self.decided.is_none()
            && let Some(order) = date.evidence()
        {
            self.decided = Some((order, OrderBasis::Evidence));
        }
    }

    /// The order, once decided.
    pub fn decided(&self) -> Option<(Order, OrderBasis)> {
        self.decided
    }

    /// The decided order, or month first assumed from now on.
    pub fn settle(&mut self) -> (Order, OrderBasis) {
        *self
            .decided
            .get_or_insert((Order::MonthFirst, OrderBasis::Assumed))
    }
}

/// The `DateOrder` field value for a record whose date needed the file's order.
pub fn order_label(order: Order, basis: OrderBasis) -> &'static str {
    match (order, basis) {
        (Order::DayFirst, OrderBasis::Evidence) => "day-first",
        (Order::MonthFirst, OrderBasis::Evidence) => "month-first",
        (Order::DayFirst, OrderBasis::Assumed) => "day-first (assumed)",
        (Order::MonthFirst, OrderBasis::Assumed) => "month-first (assumed)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, order: Order) -> String {
        parse(text)
            .unwrap()
            .resolve(order)
            .unwrap()
            .format("%Y-%m-%d %H:%M:%S%.3f")
            .to_string()
    }

    #[test]
    fn reads_the_common_cultures() {
        assert_eq!(
            at("8/10/2020 11:00:39 AM", Order::MonthFirst),
            "2020-08-10 11:00:39.000"
        );
        assert_eq!(
            at("8/10/2020 11:00:39 PM", Order::DayFirst),
            "2020-10-08 23:00:39.000"
        );
        assert_eq!(
            at("12/01/2025 0:00:00 AM", Order::MonthFirst),
            "2025-12-01 00:00:00.000"
        );
        assert_eq!(
            at("12/1/2025 12:30:00 AM", Order::MonthFirst),
            "2025-12-01 00:30:00.000"
        );
        // Dots and dashes with the year last are day first whatever the vote says.
        assert_eq!(
            at("05.01.2023 20:28:37", Order::MonthFirst),
            "2023-01-05 20:28:37.000"
        );
        assert_eq!(
            at("24-3-2025 22:03:04", Order::MonthFirst),
            "2025-03-24 22:03:04.000"
        );
        assert_eq!(
            at("2020/08/10 11:00:39", Order::DayFirst),
            "2020-08-10 11:00:39.000"
        );
        assert_eq!(
            at("2017-01-04 23:05:05.367", Order::DayFirst),
            "2017-01-04 23:05:05.367"
        );
    }

    #[test]
    fn refuses_what_it_cannot_place() {
        for bad in [
            "Fri, 01 Jul 2016 09:19:59 GMT",
            "8/10/20 11:00:39",
            "13/13/2020 10:00:00",
            "8/10/2020 13:00:00 PM",
            "8/10/2020",
            "8/10/2020 午前 11:00:39",
            "",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_first_proof_decides_the_file() {
        let mut vote = OrderVote::default();
        let open = parse("3/4/2024 10:00:00").unwrap();
        assert!(open.is_ambiguous());
        vote.observe(&open);
        assert_eq!(vote.decided(), None);
        vote.observe(&parse("24/3/2024 10:00:00").unwrap());
        assert_eq!(
            vote.decided(),
            Some((Order::DayFirst, OrderBasis::Evidence))
        );
        vote.observe(&parse("3/24/2024 10:00:00").unwrap());
        assert_eq!(vote.settle(), (Order::DayFirst, OrderBasis::Evidence));
        let mut none = OrderVote::default();
        assert_eq!(none.settle(), (Order::MonthFirst, OrderBasis::Assumed));
        assert_eq!(
            order_label(Order::MonthFirst, OrderBasis::Assumed),
            "month-first (assumed)"
        );
    }
}
