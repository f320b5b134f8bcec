//! What a report says about its rows, computed from values: the counts by
//! state, the expiry timeline by month, the counts per region and
//! department, the desks needing action in order of urgency, and each
//! department's renewal delay.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::{Renewal, ReportRow};
use crate::clock::{local_date, Instant};
use crate::status::State;

/// The states in the order reports show them, worst first.
pub const STATES: [State; 6] = [
    State::Expired,
    State::Critical,
    State::Warning,
    State::Ok,
    State::Missing,
    State::Suspended,
];

/// How many desks in each state, in [`STATES`]' order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [usize; 6]);

impl Counts {
    /// Counts one desk in `state`.
    pub fn add(&mut self, state: State) {
        self.0[index(state)] += 1;
    }

    /// The desks in `state`.
    pub fn get(&self, state: State) -> usize {
        self.0[index(state)]
    }

    /// All desks counted.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// The place of a state in [`STATES`].
pub fn index(state: State) -> usize {
    match state {
        State::Expired => 0,
        State::Critical => 1,
        State::Warning => 2,
        State::Ok => 3,
        State::Missing => 4,
        State::Suspended => 5,
    }
}

/// The French name of a state, as the pages and the CSV show it.
pub fn state_fr(state: State) -> &'static str {
    match state {
        State::Ok => "à jour",
        State::Warning => "à surveiller",
        State::Critical => "urgent",
        State::Expired => "expiré",
        State::Missing => "sans certificat",
        State::Suspended => "suspendu",
    }
}

/// The counts of every row by state.
pub fn counts(rows: &[ReportRow]) -> Counts {
    let mut c = Counts::default();
    for r in rows {
        c.add(r.state);
    }
    c
}

/// One month of the expiry timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// Its first day.
    pub first: NaiveDate,
    /// The certificates ending in it, by their state now.
    pub counts: Counts,
}

/// The months of the timeline.
pub const TIMELINE_MONTHS: usize = 24;

/// The certificates ending in each of the 24 months from `now`'s month, in
/// the zone `tz`, counted by their state now. Certificates already past
/// their end are in none of them (the counts by state show them).
pub fn timeline(rows: &[ReportRow], now: Instant, tz: Tz) -> Vec<Month> {
    let today = local_date(now, tz);
    let start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let mut months: Vec<Month> = (0..TIMELINE_MONTHS)
        .map(|i| Month {
            first: add_months(start, i as u32),
            counts: Counts::default(),
        })
        .collect();
    let month_no = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    let first_no = month_no(start);
    for r in rows {
        let Some(end) = r.end else { continue };
        if r.state == State::Expired {
            continue;
        }
        let i = month_no(local_date(end, tz)) - first_no;
        if let Some(m) = usize::try_from(i).ok().and_then(|i| months.get_mut(i)) {
            m.counts.add(r.state);
        }
    }
    months
}

/// The first day of the month `n` months after `d`'s (which is a first).
fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(n)).unwrap_or(d)
}

/// The counts per region, then per department within it; desks without a
/// department or region under "" (shown as such).
pub fn by_region(rows: &[ReportRow]) -> BTreeMap<String, BTreeMap<String, Counts>> {
    let mut out: BTreeMap<String, BTreeMap<String, Counts>> = BTreeMap::new();
    for r in rows {
        out.entry(r.region.clone().unwrap_or_default())
            .or_default()
            .entry(r.department.clone().unwrap_or_default())
            .or_default()
            .add(r.state);
    }
    out
}

/// The rows needing action, most urgent first: fewest days left first
/// (expired ones have negative days), then the desks without a
/// certificate, then the failed pushes of valid certificates.
pub fn needing_action(rows: &[ReportRow]) -> Vec<&ReportRow> {
    let mut v: Vec<&ReportRow> = rows.iter().filter(|r| r.needs_action()).collect();
    v.sort_by_key(|r| {
        let band = match r.state {
            State::Expired | State::Critical | State::Warning => 0,
            State::Missing => 1,
            State::Ok | State::Suspended => 2,
        };
        (band, r.days_left.unwrap_or(i64::MAX), r.desk.clone())
    });
    v
}

/// A department's renewal delay: days from the first alert to the
/// accepted renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delay {
    /// The department ("" when the desk has none).
    pub department: String,
    /// How many renewals were measured.
    pub renewals: usize,
    /// The median delay in days (the lower middle for an even count).
    pub median: i64,
    /// The longest delay in days.
    pub worst: i64,
}

/// The renewal delay of each department, in department order.
pub fn delays(renewals: &[Renewal]) -> Vec<Delay> {
    let mut per: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in renewals {
        per.entry(r.department.clone().unwrap_or_default())
            .or_default()
            .push(r.days);
    }
    per.into_iter()
        .map(|(department, mut days)| {
            days.sort_unstable();
            Delay {
                department,
                renewals: days.len(),
                median: days[(days.len() - 1) / 2],
                worst: days[days.len() - 1],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    fn row(desk: &str, state: State, days: Option<i64>, end: Option<&str>) -> ReportRow {
        ReportRow {
            desk: desk.into(),
            name: "n".into(),
            department: Some("31".into()),
            region: Some("Occitanie".into()),
            state,
            days_left: days,
            not_after: end.map(str::to_owned),
            contact: vec![],
            issuer: None,
            subject: None,
            sha256: None,
            push_state: None,
            last_alert_kind: None,
            last_alert_state: None,
            last_alert_at: None,
            campaigns: Default::default(),
            end: end.map(|e| parse_instant(e).unwrap()),
        }
    }

    #[test]
    fn the_timeline_counts_each_month_in_the_zone() {
        let tz = chrono_tz::Europe::Paris;
        let now = parse_instant("2027-01-15T10:00:00Z").unwrap();
        let rows = [
            // 00:30 on 1 February in Paris: February, not January.
            row("a", State::Warning, Some(17), Some("2027-01-31T23:30:00Z")),
            row("b", State::Ok, Some(400), Some("2028-02-20T10:00:00Z")),
            row("c", State::Expired, Some(-3), Some("2027-01-12T10:00:00Z")),
            // Beyond the 24 months.
            row("d", State::Ok, Some(900), Some("2029-06-01T10:00:00Z")),
            row("e", State::Missing, None, None),
        ];
        let t = timeline(&rows, now, tz);
        assert_eq!(t.len(), 24);
        assert_eq!(t[0].first, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(t[0].counts.total(), 0);
        assert_eq!(t[1].counts.get(State::Warning), 1);
        assert_eq!(t[13].first, NaiveDate::from_ymd_opt(2028, 2, 1).unwrap());
        assert_eq!(t[13].counts.get(State::Ok), 1);
        assert_eq!(t.iter().map(|m| m.counts.total()).sum::<usize>(), 2);
    }

    #[test]
    fn urgency_puts_fewest_days_first_and_missing_after() {
        let rows = [
            row("a", State::Warning, Some(20), None),
            row("b", State::Missing, None, None),
            row("c", State::Expired, Some(-4), None),
            row("d", State::Ok, Some(300), None),
            row("e", State::Critical, Some(3), None),
        ];
        let order: Vec<&str> = needing_action(&rows)
            .iter()
            .map(|r| r.desk.as_str())
            .collect();
        assert_eq!(order, ["c", "e", "a", "b"]);
    }

    #[test]
    fn delays_give_median_and_worst_per_department() {
        let r = |d: &str, days| Renewal {
            desk: "x".into(),
            department: Some(d.into()),
            alerted_at: parse_instant("2027-01-01T00:00:00Z").unwrap(),
            renewed_at: parse_instant("2027-01-01T00:00:00Z").unwrap(),
            days,
        };
        let v = delays(&[r("31", 10), r("31", 40), r("31", 12), r("76", 5)]);
        assert_eq!(
            v,
            [
                Delay {
                    department: "31".into(),
                    renewals: 3,
                    median: 12,
                    worst: 40
                },
                Delay {
                    department: "76".into(),
                    renewals: 1,
                    median: 5,
                    worst: 5
                }
            ]
        );
    }
}
