//! Deciding, without I/O: which jobs are due at an instant, how long to wait
//! before the next attempt, and what an attempt's outcome means for its job.
//!
//! Randomness (the jitter) is passed in as a number in `[0, 1)` so that every
//! decision here is a function of its arguments.

use std::time::Duration;

use crate::clock::Instant;
use crate::push::{PushJob, PushState};

/// The wait after the first failed attempt; it doubles with each failure up
/// to the configured cap.
pub const BASE_BACKOFF: Duration = Duration::from_secs(60);

/// What one attempt at a destination came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The destination acknowledged the certificate.
    Done,
    /// The destination refused it for good (HTTP 4xx, command exit 65): no
    /// retry until an operator runs `vigie push retry`.
    Refused(String),
    /// It did not work this time (HTTP 5xx, timeout, connection or disk
    /// error, command failure): retried later, never dropped.
    Retry(String),
}

/// The jobs to attempt at `now`: pending, with no next attempt or one that has
/// come, oldest promise first.
pub fn due(jobs: &[PushJob], now: Instant) -> Vec<&PushJob> {
    let mut out: Vec<&PushJob> = jobs
        .iter()
        .filter(|j| j.state == PushState::Pending && j.next_attempt.is_none_or(|t| t <= now))
        .collect();
    out.sort_by_key(|j| (j.next_attempt, j.created_at));
    out
}

/// The scheduled changes to attempt at `now`: still scheduled, whose day
/// has come in zone `tz` (from 00:00 local that day: never before, whatever
/// the hour in UTC), with no next attempt booked or one that has come;
/// earliest day first, then oldest.
pub fn due_changes(
    changes: &[crate::model::Change],
    now: Instant,
    tz: chrono_tz::Tz,
) -> Vec<&crate::model::Change> {
    let today = crate::clock::local_date(now, tz);
    let mut out: Vec<&crate::model::Change> = changes
        .iter()
        .filter(|c| c.is_pending() && c.on <= today && c.next_attempt.is_none_or(|t| t <= now))
        .collect();
    out.sort_by_key(|c| (c.on, c.next_attempt, c.created_at));
    out
}

/// The wait before attempt `attempts + 1`, once `attempts` have been made:
/// `BASE_BACKOFF · 2^(attempts-1)`, capped at `cap`, then jittered into its
/// upper half (`jitter` in `[0, 1)`) so that desks failing together do not
/// retry together. Never zero, never above the cap.
pub fn backoff(attempts: u32, cap: Duration, jitter: f64) -> Duration {
    let cap = cap.max(Duration::from_secs(1));
    let exp = attempts.saturating_sub(1).min(30);
    let full = BASE_BACKOFF.saturating_mul(1u32 << exp).min(cap);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = full / 2;
    (half + half.mul_f64(jitter)).max(Duration::from_secs(1))
}

/// What an HTTP status means for a push: 2xx done, 4xx (409 included)
/// refused for good, anything else (5xx, 1xx, 3xx) tried again later.
pub fn classify_status(status: u16, reason: &str) -> Outcome {
    let what = if reason.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {reason}")
    };
    match status {
        200..=299 => Outcome::Done,
        400..=499 => Outcome::Refused(what),
        _ => Outcome::Retry(what),
    }
}

/// Exit status a command uses to refuse a certificate for good
/// (`EX_DATAERR` of sysexits.h).
pub const COMMAND_REFUSED_EXIT: i32 = 65;

/// What a command's exit means: 0 done, 65 refused for good, anything else
/// (other codes, killed by a signal or the time limit) tried again later.
pub fn classify_exit(code: Option<i32>, detail: &str) -> Outcome {
    let with = |s: String| {
        if detail.is_empty() {
            s
        } else {
            format!("{s}: {detail}")
        }
    };
    match code {
        Some(0) => Outcome::Done,
        Some(COMMAND_REFUSED_EXIT) => {
            Outcome::Refused(with(format!("exit status {COMMAND_REFUSED_EXIT}")))
        }
        Some(c) => Outcome::Retry(with(format!("exit status {c}"))),
        None => Outcome::Retry(with("killed by a signal".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;
    use crate::desk::DeskId;
    use crate::fingerprint::Sha256;

    fn job(state: PushState, next: Option<&str>, tag: &[u8]) -> PushJob {
        PushJob {
            desk: DeskId::parse("732829320-00001").unwrap(),
            sha256: Sha256::of(tag),
            destination: "directory:/x".into(),
            state,
            attempts: 0,
            next_attempt: next.map(|s| parse_instant(s).unwrap()),
            last_error: None,
            created_at: parse_instant("2027-01-01T00:00:00Z").unwrap(),
            done_at: None,
        }
    }

    #[test]
    fn a_change_is_due_from_midnight_local_on_its_day_never_before() {
        let change = crate::model::Change::new(
            crate::model::ChangeId::from_bits(1),
            DeskId::parse("732829320-00001").unwrap(),
            "version".into(),
            "V2".into(),
            chrono::NaiveDate::from_ymd_opt(2013, 3, 18).unwrap(),
            parse_instant("2013-03-01T10:00:00Z").unwrap(),
        );
        let tz = chrono_tz::Europe::Paris;
        let all = [change.clone()];
        // 23:59 UTC on the 17th is 00:59 in Paris on the 18th: due.
        assert_eq!(
            due_changes(&all, parse_instant("2013-03-17T23:00:00Z").unwrap(), tz).len(),
            1
        );
        assert!(due_changes(&all, parse_instant("2013-03-17T22:59:59Z").unwrap(), tz).is_empty());
        let mut booked = change.clone();
        booked.next_attempt = Some(parse_instant("2013-03-18T12:00:00Z").unwrap());
        let all = [booked];
        assert!(due_changes(&all, parse_instant("2013-03-18T11:00:00Z").unwrap(), tz).is_empty());
        let mut cancelled = change;
        cancelled.state = crate::model::ChangeState::Cancelled;
        let all = [cancelled];
        assert!(due_changes(&all, parse_instant("2013-04-01T00:00:00Z").unwrap(), tz).is_empty());
    }

    #[test]
    fn only_pending_jobs_whose_time_has_come_are_due() {
        let now = parse_instant("2027-01-02T00:00:00Z").unwrap();
        let jobs = vec![
            job(PushState::Pending, Some("2027-01-02T00:00:01Z"), b"later"),
            job(PushState::Pending, Some("2027-01-02T00:00:00Z"), b"now"),
            job(PushState::Pending, None, b"never tried"),
            job(PushState::Done, None, b"done"),
            job(PushState::Failed, None, b"failed"),
            job(PushState::Superseded, None, b"superseded"),
            job(PushState::Pending, Some("2026-12-31T00:00:00Z"), b"overdue"),
        ];
        let due: Vec<Sha256> = due(&jobs, now).iter().map(|j| j.sha256).collect();
        assert_eq!(
            due,
            vec![
                Sha256::of(b"never tried"),
                Sha256::of(b"overdue"),
                Sha256::of(b"now")
            ]
        );
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered_into_its_upper_half() {
        let cap = Duration::from_secs(3600);
        assert_eq!(backoff(1, cap, 0.0), Duration::from_secs(30));
        assert_eq!(
            backoff(1, cap, 0.999_999),
            Duration::from_secs(60) - Duration::from_micros(30)
        );
        assert_eq!(backoff(2, cap, 0.0), Duration::from_secs(60));
        assert_eq!(backoff(3, cap, 0.0), Duration::from_secs(120));
        assert_eq!(backoff(20, cap, 0.0), Duration::from_secs(1800));
        assert!(backoff(u32::MAX, cap, 1.0) <= cap);
        assert!(backoff(0, cap, f64::NAN) >= Duration::from_secs(1));
        assert_eq!(backoff(5, Duration::ZERO, 0.5), Duration::from_secs(1));
    }

    #[test]
    fn statuses_and_exits_are_classified() {
        assert_eq!(classify_status(200, "OK"), Outcome::Done);
        assert_eq!(classify_status(204, ""), Outcome::Done);
        assert!(
            matches!(classify_status(409, "Conflict"), Outcome::Refused(m) if m == "HTTP 409: Conflict")
        );
        assert!(matches!(classify_status(400, ""), Outcome::Refused(_)));
        assert!(matches!(classify_status(503, ""), Outcome::Retry(_)));
        assert!(matches!(classify_status(302, ""), Outcome::Retry(_)));
        assert_eq!(classify_exit(Some(0), ""), Outcome::Done);
        assert!(
            matches!(classify_exit(Some(65), "bad"), Outcome::Refused(m) if m == "exit status 65: bad")
        );
        assert!(matches!(classify_exit(Some(1), ""), Outcome::Retry(_)));
        assert!(matches!(classify_exit(None, ""), Outcome::Retry(_)));
    }
}
