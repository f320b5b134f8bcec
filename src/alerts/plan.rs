//! Which messages are due: a pure function of the desks, their current
//! certificates, what the alert log already holds, the rules and an instant.
//!
//! The rules, and why:
//!
//! - A threshold `t` is *crossed* once the calendar days left (in the
//!   configured zone) are `<= t` — never "equal to `t`", which is how Netflix
//!   Lemur loses a notice when a run is missed and duplicates one when two runs
//!   fall on the same day.
//! - Only the most urgent crossed threshold is ever a candidate, and it is due
//!   only if neither it nor a more urgent one is in the log. After downtime the
//!   thresholds skipped over are thus never sent, without needing a record:
//!   days left only decrease, so they can never become the most urgent again.
//! - Once the certificate has expired, thresholds stop and a reminder is due
//!   every `expired_every_days` calendar days after the expiry date, the latest
//!   one only (same catch-up rule), until a newer certificate becomes current.
//!   Only current certificates are planned for, so a newer certificate
//!   silences the old one.
//! - From `escalate_days` left, and after expiry, the manager team is copied.
//! - A desk without an address has its messages addressed to the team; desks
//!   without one, or without a certificate, are listed in the plan so that the
//!   run and the digest report them.

use std::collections::HashSet;

use chrono_tz::Tz;

use super::{AlertRecord, AlertSubject};
use crate::clock::{days_between, Instant};
use crate::config::Config;
use crate::desk::{Desk, DeskId, Email};
use crate::model::CertSummary;
use crate::store::alert_key;

/// The rules the planner applies, drawn from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Thresholds in days before expiry, for desks without their own.
    pub thresholds: Vec<u32>,
    /// Days between expired reminders.
    pub expired_every_days: u32,
    /// From this many days left the team is copied.
    pub escalate_days: u32,
    /// The zone in which days are counted.
    pub tz: Tz,
    /// The manager team's addresses.
    pub team: Vec<Email>,
    /// The domain of generated Message-IDs.
    pub message_id_domain: String,
    /// The installation's identity, mixed into Message-IDs (see
    /// [`super::installation`]); empty until the caller sets it.
    pub installation: String,
}

impl Rules {
    /// The rules of a configuration.
    pub fn from_config(config: &Config) -> Rules {
        let from = config
            .smtp
            .as_ref()
            .map_or(config.manager.email.as_str(), |s| s.from.as_str());
        Rules {
            thresholds: config.alerts.thresholds.clone(),
            expired_every_days: config.alerts.expired_every_days.max(1),
            escalate_days: config.alerts.escalate_days,
            tz: config.tz(),
            team: config.manager.team.clone(),
            message_id_domain: from
                .rsplit_once('@')
                .map_or("vigie.invalid", |(_, d)| d)
                .to_owned(),
            installation: String::new(),
        }
    }
}

/// A desk and its current certificate, if it has one.
#[derive(Debug, Clone, Copy)]
pub struct DeskCert<'a> {
    /// The desk.
    pub desk: &'a Desk,
    /// Its current certificate.
    pub cert: Option<&'a CertSummary>,
}

/// What the alert log already holds, asked by record key ([`alert_key`]).
pub trait AlertLog {
    /// Whether a record with this key exists (in any state).
    fn contains(&self, key: &[u8]) -> bool;
}

impl AlertLog for HashSet<Vec<u8>> {
    fn contains(&self, key: &[u8]) -> bool {
        HashSet::contains(self, key)
    }
}

/// The planner's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The messages due, as pending records with their Message-ID and
    /// recipients fixed.
    pub due: Vec<AlertRecord>,
    /// Desks with no e-mail address (their messages go to the team).
    pub no_email: Vec<DeskId>,
    /// Desks with no certificate on record.
    pub no_cert: Vec<DeskId>,
}

/// What is due at `now`.
pub fn plan(desks: &[DeskCert<'_>], log: &dyn AlertLog, rules: &Rules, now: Instant) -> Plan {
    let mut out = Plan::default();
    for dc in desks {
        out.consider(*dc, log, rules, now);
    }
    out
}

impl Plan {
    /// Adds what is due for one desk at `now`: desks are planned one at a
    /// time as the store is read, so that the whole roster is never held.
    pub fn consider(&mut self, dc: DeskCert<'_>, log: &dyn AlertLog, rules: &Rules, now: Instant) {
        // A suspended desk gets no reminders (DESIGN §13), and is not
        // reported as lacking an address or a certificate: the team set it
        // aside on purpose.
        if dc.desk.suspended {
            return;
        }
        if dc.desk.emails.is_empty() {
            self.no_email.push(dc.desk.id.clone());
        }
        let Some(cert) = dc.cert else {
            self.no_cert.push(dc.desk.id.clone());
            return;
        };
        if let Some(rec) = due_for(dc.desk, cert, log, rules, now) {
            self.due.push(rec);
        }
    }
}

/// The one message due for a desk's current certificate, if any.
fn due_for(
    desk: &Desk,
    cert: &CertSummary,
    log: &dyn AlertLog,
    rules: &Rules,
    now: Instant,
) -> Option<AlertRecord> {
    let days_left = days_between(now, cert.not_after, rules.tz);
    let record = |subject| {
        let mut r = AlertRecord::pending(subject, now);
        r.message_id = Some(message_id(
            &alert_key(&r),
            &rules.installation,
            &rules.message_id_domain,
        ));
        r
    };
    let threshold = |days| AlertSubject::Threshold {
        desk: desk.id.clone(),
        cert: cert.sha256,
        days,
    };
    if now >= cert.not_after {
        let every = i64::from(rules.expired_every_days.max(1));
        let since = (-days_left).max(0);
        let latest = since / every * every;
        let rec = record(AlertSubject::Expired {
            desk: desk.id.clone(),
            cert: cert.sha256,
            days_since: latest,
        });
        if log.contains(&alert_key(&rec)) {
            return None;
        }
        return Some(with_recipients(rec, desk, rules, true));
    }
    let thresholds = desk.thresholds.as_deref().unwrap_or(&rules.thresholds);
    let most_urgent = due_threshold(thresholds, days_left, |t| log.contains(&threshold(t).key()))?;
    let escalate = days_left <= i64::from(rules.escalate_days);
    Some(with_recipients(
        record(threshold(most_urgent)),
        desk,
        rules,
        escalate,
    ))
}

/// The threshold whose message is due with `days_left` days to go, if any:
/// only the most urgent threshold crossed is a candidate, and it is due
/// unless `sent` says it, or a more urgent one, was sent already (the clock
/// went back: a what-if). A missed run thus sends one message, the most
/// urgent, once. Certificates' alerts and campaigns' reminders both follow
/// this rule.
pub fn due_threshold(
    thresholds: &[u32],
    days_left: i64,
    sent: impl Fn(i64) -> bool,
) -> Option<i64> {
    let most_urgent = thresholds
        .iter()
        .map(|&t| i64::from(t))
        .filter(|&t| days_left <= t)
        .min()?;
    let done = thresholds
        .iter()
        .map(|&t| i64::from(t))
        .filter(|&t| t <= most_urgent)
        .any(sent);
    (!done).then_some(most_urgent)
}

/// The desk's addresses, plus the team when escalating; the team alone when
/// the desk has none.
fn with_recipients(
    mut rec: AlertRecord,
    desk: &Desk,
    rules: &Rules,
    escalate: bool,
) -> AlertRecord {
    rec.recipients = recipients(desk, &rules.team, escalate);
    rec
}

/// Who receives a message for `desk`: its addresses, then the team when
/// `escalate` (or when the desk has no address), without repeats.
pub fn recipients(desk: &Desk, team: &[Email], escalate: bool) -> Vec<String> {
    let mut out: Vec<String> = desk.emails.iter().map(|e| e.to_string()).collect();
    if escalate || out.is_empty() {
        for t in team {
            if !out.iter().any(|a| a == t.as_str()) {
                out.push(t.to_string());
            }
        }
    }
    out
}

/// A Message-ID derived from the installation's identity and the record's
/// key: the same message always has the same identity, so a receiver can
/// recognise a repeat after a crash, and two installations never share one.
pub fn message_id(key: &[u8], installation: &str, domain: &str) -> String {
    let digest = if installation.is_empty() {
        crate::fingerprint::Sha256::of(key)
    } else {
        let mut salted = Vec::with_capacity(installation.len() + 1 + key.len());
        salted.extend_from_slice(installation.as_bytes());
        salted.push(b'|');
        salted.extend_from_slice(key);
        crate::fingerprint::Sha256::of(&salted)
    }
    .to_hex();
    format!("<vigie.{}@{domain}>", &digest[..32])
}

#[cfg(test)]
mod tests;
