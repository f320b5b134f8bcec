//! When a job runs: six-field cron expressions (seconds first) read in the
//! configured time zone.
//!
//! tokio-cron-scheduler's zone-aware jobs keep the UTC offset of the day they
//! were created, so a 09:00 Europe/Paris job fires at 08:00 or 10:00 after a
//! daylight-saving change (upstream issues #87 and #107), and it never runs
//! what was missed while the service was down. vigie therefore computes every
//! next run itself, here, from the expression, the zone and the last run
//! recorded in the store, and only asks the scheduler to wake it at that
//! instant.

use chrono::Utc;
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

use crate::clock::Instant;

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    text: String,
}

/// Two schedules are the same when written the same.
impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        self.text == other.text
    }
}

/// An expression that is not a valid six-field cron schedule.
#[derive(Debug, Clone, thiserror::Error)]
#[error("«{text}» is not a six-field cron schedule (seconds minutes hours day-of-month month day-of-week), e.g. \"0 0 9 * * *\": {reason}")]
pub struct ScheduleError {
    text: String,
    reason: String,
}

impl Schedule {
    /// Parses a six-field expression, seconds first.
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let fail = |reason: String| ScheduleError {
            text: text.to_owned(),
            reason,
        };
        if text.split_whitespace().count() != 6 {
            return Err(fail("it must have exactly six fields".into()));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .build()
            .parse(text)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Schedule {
            cron,
            text: text.to_owned(),
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first run strictly after `after`, reading the expression as local
    /// time in `tz`. A local time skipped by a spring-forward change runs at
    /// the first valid instant after it; one repeated in autumn runs once.
    pub fn next_after(&self, after: Instant, tz: Tz) -> Option<Instant> {
        let local = after.with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Whether a run was due between the last run and `now` and did not
    /// happen: what the service performs once on start. A job never run
    /// before counts from `first_start`.
    pub fn missed(
        &self,
        last_run: Option<Instant>,
        first_start: Instant,
        now: Instant,
        tz: Tz,
    ) -> bool {
        let since = last_run.unwrap_or(first_start);
        self.next_after(since, tz).is_some_and(|t| t <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    fn paris() -> Tz {
        chrono_tz::Europe::Paris
    }

    #[test]
    fn nine_o_clock_paris_stays_nine_across_both_2027_changes() {
        // 2027: summer time starts Sunday 28 March, ends Sunday 31 October.
        let s = Schedule::parse("0 0 9 * * *").unwrap();
        let mut t = parse_instant("2027-03-25T12:00:00Z").unwrap();
        let mut seen = Vec::new();
        for _ in 0..6 {
            t = s.next_after(t, paris()).unwrap();
            seen.push(
                t.with_timezone(&paris())
                    .format("%Y-%m-%d %H:%M %z")
                    .to_string(),
            );
        }
        assert_eq!(
            seen,
            [
                "2027-03-26 09:00 +0100",
                "2027-03-27 09:00 +0100",
                "2027-03-28 09:00 +0200",
                "2027-03-29 09:00 +0200",
                "2027-03-30 09:00 +0200",
                "2027-03-31 09:00 +0200",
            ]
        );
        let mut t = parse_instant("2027-10-29T12:00:00Z").unwrap();
        let mut utc = Vec::new();
        for _ in 0..4 {
            t = s.next_after(t, paris()).unwrap();
            utc.push(crate::clock::rfc3339(t));
        }
        assert_eq!(
            utc,
            [
                "2027-10-30T07:00:00Z",
                "2027-10-31T08:00:00Z",
                "2027-11-01T08:00:00Z",
                "2027-11-02T08:00:00Z",
            ]
        );
    }

    #[test]
    fn weekly_digest_on_monday_morning() {
        let s = Schedule::parse("0 0 8 * * Mon").unwrap();
        let t = s
            .next_after(parse_instant("2027-03-24T00:00:00Z").unwrap(), paris())
            .unwrap();
        assert_eq!(crate::clock::rfc3339(t), "2027-03-29T06:00:00Z"); // Monday 08:00 CEST
    }

    #[test]
    fn a_missed_run_is_detected_once() {
        let s = Schedule::parse("0 0 9 * * *").unwrap();
        let last = parse_instant("2027-04-01T07:00:00Z").unwrap(); // ran 09:00 CEST on the 1st
        let before_next = parse_instant("2027-04-02T06:59:00Z").unwrap();
        let after_next = parse_instant("2027-04-02T07:30:00Z").unwrap();
        assert!(!s.missed(Some(last), last, before_next, paris()));
        assert!(s.missed(Some(last), last, after_next, paris()));
        // Once performed at start (last run = now), nothing is missed any more.
        assert!(!s.missed(Some(after_next), last, after_next, paris()));
    }

    #[test]
    fn bad_expressions_are_refused() {
        assert!(Schedule::parse("0 9 * * *").is_err());
        assert!(Schedule::parse("0 0 25 * * *").is_err());
        assert!(Schedule::parse("every day").is_err());
    }
}
