//! Where each desk stands: the rows of `vigie status` and the verdict of
//! `vigie check`, computed from values (no I/O, no clock).

use chrono_tz::Tz;
use serde::Serialize;

use crate::cert::CertSummary;
use crate::clock::{days_between, rfc3339, Instant};
use crate::config;
use crate::desk::Desk;
use crate::push::PushState;

/// A desk's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// More days left than the warning band.
    Ok,
    /// Within the warning band.
    Warning,
    /// Within the critical band.
    Critical,
    /// Past its end of validity.
    Expired,
    /// No certificate on record.
    Missing,
}

impl State {
    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Warning => "warning",
            State::Critical => "critical",
            State::Expired => "expired",
            State::Missing => "missing",
        }
    }
}

/// One row of `vigie status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// Desk id.
    pub desk: String,
    /// Desk name.
    pub name: String,
    /// Department code.
    pub department: Option<String>,
    /// Standing.
    pub state: State,
    /// Current certificate fingerprint.
    pub sha256: Option<String>,
    /// Its subject.
    pub subject: Option<String>,
    /// Its issuer.
    pub issuer: Option<String>,
    /// Its end of validity, RFC 3339 UTC.
    pub not_after: Option<String>,
    /// Calendar days left in the configured zone (negative once expired).
    pub days_left: Option<i64>,
    /// The state of its push to the national configuration.
    pub push_state: Option<PushState>,
}

/// The band a certificate ending at `not_after` is in at `now`.
pub fn state_of(now: Instant, not_after: Instant, tz: Tz, bands: &config::Status) -> (State, i64) {
    let days = days_between(now, not_after, tz);
    let state = if now >= not_after {
        State::Expired
    } else if days <= i64::from(bands.crit_days) {
        State::Critical
    } else if days <= i64::from(bands.warn_days) {
        State::Warning
    } else {
        State::Ok
    };
    (state, days)
}

/// The status row of a desk with its current certificate (whose summary
/// carries the state of its push).
pub fn row(
    desk: &Desk,
    cert: Option<&CertSummary>,
    now: Instant,
    tz: Tz,
    bands: &config::Status,
) -> StatusRow {
    let mut row = StatusRow {
        desk: desk.id.to_string(),
        name: desk.name.clone(),
        department: desk.department.as_ref().map(|d| d.to_string()),
        state: State::Missing,
        sha256: None,
        subject: None,
        issuer: None,
        not_after: None,
        days_left: None,
        push_state: cert.and_then(|c| c.push),
    };
    if let Some(c) = cert {
        let (state, days) = state_of(now, c.not_after, tz, bands);
        row.state = state;
        row.days_left = Some(days);
        row.sha256 = Some(c.sha256.to_hex());
        row.subject = Some(c.subject.clone());
        row.issuer = Some(c.issuer.clone());
        row.not_after = Some(rfc3339(c.not_after));
    }
    row
}

/// The worst standing among rows, as `vigie check` reports it: 0 ok, 1
/// warning, 2 critical (monitoring-plugin convention). Missing certificates
/// are a warning; expired ones are critical.
pub fn check_level(rows: &[StatusRow]) -> u8 {
    rows.iter()
        .map(|r| match r.state {
            State::Ok => 0,
            State::Warning | State::Missing => 1,
            State::Critical | State::Expired => 2,
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    #[test]
    fn bands() {
        let tz = chrono_tz::Europe::Paris;
        let bands = config::Status::default();
        let now = parse_instant("2027-01-01T10:00:00Z").unwrap();
        let at = |s| parse_instant(s).unwrap();
        assert_eq!(
            state_of(now, at("2027-03-01T10:00:00Z"), tz, &bands).0,
            State::Ok
        );
        assert_eq!(
            state_of(now, at("2027-01-31T10:00:00Z"), tz, &bands),
            (State::Warning, 30)
        );
        assert_eq!(
            state_of(now, at("2027-01-16T10:00:00Z"), tz, &bands),
            (State::Critical, 15)
        );
        assert_eq!(
            state_of(now, at("2027-01-01T11:00:00Z"), tz, &bands),
            (State::Critical, 0)
        );
        assert_eq!(
            state_of(now, at("2027-01-01T09:00:00Z"), tz, &bands),
            (State::Expired, 0)
        );
    }
}
