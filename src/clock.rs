//! Time as a value: the instant a command evaluates at, and calendar-day
//! arithmetic in the configured time zone.
//!
//! Nothing deep in vigie asks the system clock; the CLI reads it once (or takes
//! `--now`) and passes the instant down, so that every decision is testable and
//! `--now` gives what-if answers.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub use crate::model::instant::{stored, Instant};

/// Parses an RFC 3339 instant (`2027-03-28T09:00:00+02:00`).
pub fn parse_instant(s: &str) -> Result<Instant, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "«{}» is not an RFC 3339 instant such as 2027-03-28T09:00:00+02:00 ({e})",
                crate::model::printable(s)
            )
        })
}

/// The calendar date of an instant in a time zone.
pub fn local_date(at: Instant, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Calendar days from `now` to `until`, both taken as dates in `tz`: 0 on the
/// last day, negative once the day has passed. A certificate ending at
/// 00:30 local on the 10th has 1 day left all through the 9th.
pub fn days_between(now: Instant, until: Instant, tz: Tz) -> i64 {
    (local_date(until, tz) - local_date(now, tz)).num_days()
}

/// Formats an instant as dd/mm/yyyy in `tz`, the way French letters write dates.
///
/// The X.509 date that means "no end" (RFC 5280 §4.1.2.5: 99991231235959Z)
/// would fall in year 10000 east of UTC and print with a sign; a date past
/// year 9999 is shown as the UTC day it was written as.
pub fn french_date(at: Instant, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    if chrono::Datelike::year(&local) > 9999 {
        return at.format("%d/%m/%Y").to_string();
    }
    local.format("%d/%m/%Y").to_string()
}

/// RFC 3339 in UTC with a `Z`, to the second: the form of every JSON output.
pub fn rfc3339(at: Instant) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_calendar_days_in_the_zone() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let now = parse_instant("2027-01-09T22:30:00Z").unwrap(); // 23:30 on the 9th in Paris
        let until = parse_instant("2027-01-09T23:30:00Z").unwrap(); // 00:30 on the 10th in Paris
        assert_eq!(days_between(now, until, tz), 1);
        assert_eq!(days_between(now, until, chrono_tz::UTC), 0);
        assert_eq!(days_between(until, now, tz), -1);
        assert_eq!(french_date(until, tz), "10/01/2027");
        assert_eq!(rfc3339(until), "2027-01-09T23:30:00Z");
    }

    #[test]
    fn bad_instants_are_refused() {
        assert!(parse_instant("tomorrow").is_err());
        assert!(parse_instant("2027-01-09").is_err());
    }

    #[test]
    fn the_no_end_date_prints_as_written() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let at = parse_instant("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(french_date(at, tz), "31/12/9999");
        let at = parse_instant("2027-06-30T23:30:00Z").unwrap();
        assert_eq!(french_date(at, tz), "01/07/2027");
    }
}
