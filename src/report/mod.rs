//! Reports for people: the rows of `vigie report` (JSON, CSV for French
//! Excel), the calendar of certificate ends (ICS), and the self-contained
//! HTML page with its expiry chart, which the dashboard of `vigie serve`
//! shows too (DESIGN §11).
//!
//! Everything here but [`read`] is a function of values: [`read`] gathers
//! them from the store, at the instant its callers (the application
//! operation [`crate::app::report`], the weekly digest) give; nothing here
//! reads the clock.

mod campaigns;
mod chart;
mod csv;
mod html;
mod ics;
mod png;
mod read;
mod regions;
mod row;
mod summary;

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;

use crate::clock::{days_between, Instant};
use crate::model::{
    AlertRecord, AlertState, AuditEntry, BouncingAddress, DeskId, MailAction, MailRecord, Sha256,
};

pub use self::csv::{write_csv, CSV_HEADER};
pub use chart::{timeline_alt, timeline_svg};
pub use html::{content_security_policy, desk_page, page, style_hash, DeskPage, STYLE};
pub use ics::{calendar, Calendar};
pub use png::{svg_to_png, Png, PngError, SCALE as PNG_SCALE};
pub use read::{read, DEFAULT_PERIOD_DAYS};
pub use regions::{official, Official, Regions};
pub use row::{is_expiry_alert, ReportRow};
pub use summary::{
    by_region, counts, delays, needing_action, state_fr, timeline, Counts, Delay, Month, STATES,
};

/// Which desks a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only this department.
    pub department: Option<String>,
    /// Only this region (its name as [`Regions`] writes it).
    pub region: Option<String>,
}

impl Scope {
    /// Whether a row is in scope.
    pub fn keeps(&self, row: &ReportRow) -> bool {
        self.department
            .as_ref()
            .is_none_or(|d| row.department.as_ref() == Some(d))
            && self
                .region
                .as_ref()
                .is_none_or(|r| row.region.as_ref() == Some(r))
    }

    /// Whether every desk is in scope.
    pub fn is_everything(&self) -> bool {
        self.department.is_none() && self.region.is_none()
    }

    /// The scope in words, for a page's title.
    pub fn fr(&self) -> String {
        match (&self.department, &self.region) {
            (Some(d), Some(r)) => format!("département {d}, région {r}"),
            (Some(d), None) => format!("département {d}"),
            (None, Some(r)) => format!("région {r}"),
            (None, None) => "tous les guichets".into(),
        }
    }
}

/// What a certificate's intake came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// Accepted.
    Accepted,
    /// Accepted, with warnings.
    AcceptedWithWarnings,
    /// Refused.
    Refused,
}

/// One intake of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeLine {
    /// When.
    pub at: Instant,
    /// The desk, when the file was attributed to one.
    pub desk: Option<String>,
    /// What it came to.
    pub outcome: Intake,
    /// The file and the reason or warnings, as the audit log says.
    pub detail: String,
}

/// How a message failed to reach an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undelivery {
    /// The message reached no one (refused by the server, no valid
    /// address): the alert is `failed`.
    Failed,
    /// The server refused this address and took the message for others.
    Refused,
    /// The message came back undeliverable (a bounce): the address still
    /// bounces (see [`crate::model::bouncing_addresses`]).
    Bounced,
}

impl Undelivery {
    /// In French, for the page.
    pub fn fr(self) -> &'static str {
        match self {
            Undelivery::Failed => "non envoyé",
            Undelivery::Refused => "refusé par le serveur",
            Undelivery::Bounced => "revenu en erreur",
        }
    }
}

/// A message to a desk that did not reach it (refused by the server, or
/// without a valid address), or an address of the desk that bounces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    /// How.
    pub how: Undelivery,
    /// The desk.
    pub desk: String,
    /// The addresses it was sent to.
    pub recipients: Vec<String>,
    /// Why it failed.
    pub error: String,
    /// When it was decided.
    pub at: Instant,
}

/// A message from the mailbox left to people (`needs_human`, DESIGN §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// When vigie took it in.
    pub at: Instant,
    /// Its sender, as written.
    pub from: Option<String>,
    /// Its subject.
    pub subject: Option<String>,
    /// The desk it names, when its evidence named one.
    pub desk: Option<String>,
    /// Why people must look at it.
    pub why: String,
}

impl Waiting {
    /// The line of a message left to people: why is its note, else its
    /// certificates' reasons (a self-signed certificate, an unknown
    /// issuer: the team decides).
    fn of(m: &MailRecord) -> Waiting {
        let why = m.note.clone().unwrap_or_else(|| {
            m.certificates
                .iter()
                .filter_map(|c| c.reason.as_ref())
                .map(|r| format!("{} : {}", r.code, r.message))
                .collect::<Vec<_>>()
                .join(" ; ")
        });
        Waiting {
            at: m.received_at,
            from: m.from.clone(),
            subject: m.subject.clone(),
            desk: m.desk.as_ref().map(|d| d.to_string()),
            why,
        }
    }
}

/// A renewal: a certificate alerted about, then replaced by an accepted
/// newer one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    /// The desk.
    pub desk: String,
    /// Its department.
    pub department: Option<String>,
    /// The first alert about the old certificate.
    pub alerted_at: Instant,
    /// The acceptance of the new one.
    pub renewed_at: Instant,
    /// Calendar days between the two, in the configured zone.
    pub days: i64,
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// The instant it describes.
    pub now: Instant,
    /// The zone its dates are in.
    pub tz: Tz,
    /// Which desks.
    pub scope: Scope,
    /// The start of the period of its intake and undelivered messages.
    pub since: Instant,
    /// One row per desk, in desk order.
    pub rows: Vec<ReportRow>,
    /// The intake of the period, oldest first.
    pub intake: Vec<IntakeLine>,
    /// The addresses of desks that bounce, then the messages of the
    /// period that did not reach their desk or one of its addresses.
    pub undelivered: Vec<Undelivered>,
    /// The messages of the period from the mailbox left to people, oldest
    /// first.
    pub waiting: Vec<Waiting>,
    /// The renewals measured, for the departments' renewal delay.
    pub renewals: Vec<Renewal>,
    /// Issue 16: the deadline campaigns, over every desk (the page counts
    /// those in scope); empty until the caller sets them.
    pub campaigns: Vec<crate::campaign::Progress>,
}

/// The logs a report reads besides the rows.
#[derive(Debug, Clone, Default)]
pub struct Logs {
    /// Every alert record.
    pub alerts: Vec<AlertRecord>,
    /// The `cert.ingest` lines of the audit log, oldest first.
    pub ingests: Vec<AuditEntry>,
    /// The desk addresses that bounce ([`crate::model::bouncing_addresses`]).
    pub bouncing: Vec<BouncingAddress>,
    /// The messages taken from the mailbox.
    pub mail: Vec<MailRecord>,
}

impl Report {
    /// The report on `rows` (already in scope) at `now`, with the events
    /// from `since` on. Renewals are measured over the whole log unless
    /// `renewals_since` says otherwise: a department's figure needs more
    /// than a month of them.
    pub fn build(
        rows: Vec<ReportRow>,
        logs: &Logs,
        scope: Scope,
        now: Instant,
        tz: Tz,
        since: Instant,
        renewals_since: Option<Instant>,
    ) -> Report {
        let departments: HashMap<&str, Option<&String>> = rows
            .iter()
            .map(|r| (r.desk.as_str(), r.department.as_ref()))
            .collect();
        let in_scope = |desk: Option<&DeskId>| match desk {
            Some(d) => departments.contains_key(d.as_str()),
            // Unattributed files belong to no department.
            None => scope.is_everything(),
        };
        let intake = logs
            .ingests
            .iter()
            .filter(|e| e.action == "cert.ingest" && e.at >= since && e.at <= now)
            .filter(|e| in_scope(e.desk.as_ref()))
            .filter_map(|e| {
                let outcome = match e.outcome.as_str() {
                    "ok" if e.detail.ends_with(')') && e.detail.contains(" accepted (") => {
                        Intake::AcceptedWithWarnings
                    }
                    "ok" => Intake::Accepted,
                    "refused" => Intake::Refused,
                    _ => return None,
                };
                Some(IntakeLine {
                    at: e.at,
                    desk: e.desk.as_ref().map(|d| d.to_string()),
                    outcome,
                    detail: e.detail.clone(),
                })
            })
            .collect();
        // Addresses that bounce come first: they stay a problem until
        // fixed, whatever the period.
        let mut undelivered: Vec<Undelivered> = logs
            .bouncing
            .iter()
            .filter(|b| departments.contains_key(b.desk.as_str()))
            .map(|b| Undelivered {
                how: Undelivery::Bounced,
                desk: b.desk.to_string(),
                recipients: b.address.iter().cloned().collect(),
                error: b.reason.clone(),
                at: b.at,
            })
            .collect();
        for a in logs.alerts.iter().filter(|a| a.created_at >= since) {
            let Some(desk) = a.subject.desk() else {
                continue;
            };
            if !departments.contains_key(desk.as_str()) {
                continue;
            }
            match a.state {
                AlertState::Failed => undelivered.push(Undelivered {
                    how: Undelivery::Failed,
                    desk: desk.to_string(),
                    recipients: a.recipients.clone(),
                    error: a.error.clone().unwrap_or_default(),
                    at: a.created_at,
                }),
                // DESIGN §13: refused addresses of a message that went to
                // the others.
                AlertState::Sent => {
                    for f in &a.failed_recipients {
                        undelivered.push(Undelivered {
                            how: Undelivery::Refused,
                            desk: desk.to_string(),
                            recipients: vec![f.address.clone()],
                            error: f.answer.clone(),
                            at: a.sent_at.unwrap_or(a.created_at),
                        });
                    }
                }
                _ => {}
            }
        }
        let waiting = logs
            .mail
            .iter()
            .filter(|m| m.action == MailAction::NeedsHuman)
            .filter(|m| m.received_at >= since && m.received_at <= now)
            .filter(|m| in_scope(m.desk.as_ref()))
            .map(Waiting::of)
            .collect();
        let renewals = renewals(&departments, logs, tz)
            .into_iter()
            .filter(|r| renewals_since.is_none_or(|s| r.renewed_at >= s))
            .collect();
        Report {
            now,
            tz,
            scope,
            since,
            rows,
            intake,
            undelivered,
            waiting,
            renewals,
            campaigns: Vec::new(),
        }
    }
}

/// Each alerted certificate of the desks in `departments` that a newer one
/// replaced: the first expiry alert about it, the first acceptance of
/// another certificate for the desk after that.
fn renewals(departments: &HashMap<&str, Option<&String>>, logs: &Logs, tz: Tz) -> Vec<Renewal> {
    let mut first_alert: BTreeMap<(&str, Sha256), Instant> = BTreeMap::new();
    for a in logs.alerts.iter().filter(|a| is_expiry_alert(a)) {
        let (Some(desk), Some(sha)) = (a.subject.desk(), a.subject.sha256()) else {
            continue;
        };
        if !departments.contains_key(desk.as_str()) {
            continue;
        }
        let at = first_alert
            .entry((desk.as_str(), sha))
            .or_insert(a.created_at);
        *at = (*at).min(a.created_at);
    }
    let mut accepted: HashMap<&str, Vec<(Instant, Sha256)>> = HashMap::new();
    for e in logs
        .ingests
        .iter()
        .filter(|e| e.action == "cert.ingest" && e.outcome == "ok")
    {
        if let (Some(desk), Some(sha)) = (&e.desk, e.sha256) {
            accepted.entry(desk.as_str()).or_default().push((e.at, sha));
        }
    }
    let mut out = Vec::new();
    for ((desk, sha), alerted_at) in first_alert {
        let Some(list) = accepted.get(desk) else {
            continue;
        };
        let renewed = list
            .iter()
            .filter(|(at, s)| *s != sha && *at >= alerted_at)
            .map(|(at, _)| *at)
            .min();
        if let Some(renewed_at) = renewed {
            out.push(Renewal {
                desk: desk.to_owned(),
                department: departments.get(desk).copied().flatten().cloned(),
                alerted_at,
                renewed_at,
                days: days_between(alerted_at, renewed_at, tz),
            });
        }
    }
    out
}
