//! Where each desk stands: the rows of `vigie status` and the verdict of
//! `vigie check`, computed from values (no I/O, no clock).

use chrono_tz::Tz;
use serde::Serialize;

use crate::cert::CertSummary;
use crate::clock::{days_between, rfc3339, Instant};
use crate::config;
use crate::desk::Desk;
use crate::model::PushState;

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
    /// Suspended by the team (`vigie desk suspend`): no reminders, whatever
    /// its certificate's dates.
    Suspended,
}

impl State {
    /// Every state, most urgent first.
    pub const ALL: [State; 6] = [
        State::Expired,
        State::Critical,
        State::Warning,
        State::Missing,
        State::Ok,
        State::Suspended,
    ];

    /// The state of this name (as tables and JSON write it).
    pub fn from_name(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Warning => "warning",
            State::Critical => "critical",
            State::Expired => "expired",
            State::Missing => "missing",
            State::Suspended => "suspended",
        }
    }

    /// The rank of the state in listings, most urgent first: expired, then
    /// critical, then warning; a desk without a certificate comes after
    /// them, since it has no date to miss; suspended desks come last, as
    /// the team set them aside.
    pub fn urgency(self) -> u8 {
        match self {
            State::Expired => 0,
            State::Critical => 1,
            State::Warning => 2,
            State::Missing => 3,
            State::Ok => 4,
            State::Suspended => 5,
        }
    }
}

/// The order of status rows by urgency: the state's rank, then the days
/// left (fewest first), then the desk id.
pub fn by_urgency(a: &StatusRow, b: &StatusRow) -> std::cmp::Ordering {
    (a.state.urgency(), a.days_left, &a.desk).cmp(&(b.state.urgency(), b.days_left, &b.desk))
}

/// Which status rows a listing keeps: every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only desks whose certificate ends within this many days (or is
    /// expired, or missing).
    pub within: Option<i64>,
    /// Only desks of these departments (any of them).
    pub departments: Vec<String>,
    /// Only desks in these states (any of them).
    pub states: Vec<State>,
}

impl Filter {
    /// Whether `row` is kept.
    pub fn keeps(&self, row: &StatusRow) -> bool {
        let within = match self.within {
            None => true,
            Some(w) => row.days_left.is_none_or(|d| d <= w) || row.state == State::Expired,
        };
        let department = self.departments.is_empty()
            || row
                .department
                .as_ref()
                .is_some_and(|d| self.departments.contains(d));
        let state = self.states.is_empty() || self.states.contains(&row.state);
        within && department && state
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
    if desk.suspended {
        row.state = State::Suspended;
    }
    row
}

/// The worst standing among rows, as `vigie check` reports it: 0 ok, 1
/// warning, 2 critical (monitoring-plugin convention). Missing certificates
/// are a warning; expired ones are critical.
pub fn check_level(rows: &[StatusRow]) -> u8 {
    rows.iter()
        .map(|r| match r.state {
            State::Ok | State::Suspended => 0,
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

    fn row(desk: &str, department: Option<&str>, state: State, days: Option<i64>) -> StatusRow {
        StatusRow {
            desk: desk.into(),
            name: String::new(),
            department: department.map(str::to_owned),
            state,
            sha256: None,
            subject: None,
            issuer: None,
            not_after: None,
            days_left: days,
            push_state: None,
        }
    }

    #[test]
    fn filters_and_urgency() {
        let mut rows = [
            row("1", Some("69"), State::Ok, Some(200)),
            row("2", Some("42"), State::Suspended, Some(3)),
            row("3", Some("69"), State::Missing, None),
            row("4", Some("69"), State::Critical, Some(9)),
            row("5", None, State::Expired, Some(-4)),
            row("6", Some("69"), State::Critical, Some(2)),
        ];
        rows.sort_by(by_urgency);
        let order: Vec<&str> = rows.iter().map(|r| r.desk.as_str()).collect();
        assert_eq!(order, ["5", "6", "4", "3", "1", "2"]);
        let f = Filter {
            departments: vec!["69".into()],
            states: vec![State::Critical, State::Missing],
            within: None,
        };
        let kept: Vec<&str> = rows
            .iter()
            .filter(|r| f.keeps(r))
            .map(|r| r.desk.as_str())
            .collect();
        assert_eq!(kept, ["6", "4", "3"]);
        assert!(rows.iter().all(|r| Filter::default().keeps(r)));
    }

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
