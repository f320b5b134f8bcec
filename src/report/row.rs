//! One row of a report: a desk's status row, with its region, its contact
//! addresses and the last expiry alert it was sent.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Regions;
use crate::clock::{rfc3339, Instant};
use crate::model::PushState;
use crate::model::{AlertKind, AlertRecord, AlertState, Desk};
use crate::status::{State, StatusRow};

/// One desk of a report (`vigie report --format json|csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    /// Desk id.
    pub desk: String,
    /// Desk name.
    pub name: String,
    /// Department code.
    pub department: Option<String>,
    /// Its region (the official table, or the team's `[regions]`).
    pub region: Option<String>,
    /// Standing, as `vigie status` says.
    pub state: State,
    /// Calendar days left in the configured zone (negative once expired).
    pub days_left: Option<i64>,
    /// End of validity, RFC 3339 UTC.
    pub not_after: Option<String>,
    /// The addresses alerts go to.
    pub contact: Vec<String>,
    /// The issuer: the CA the desk renews with.
    pub issuer: Option<String>,
    /// The certificate's subject.
    pub subject: Option<String>,
    /// The certificate's fingerprint.
    pub sha256: Option<String>,
    /// Where its push to the national configuration stands.
    pub push_state: Option<PushState>,
    /// The kind of the last expiry alert (`threshold` or `expired`).
    pub last_alert_kind: Option<AlertKind>,
    /// Its delivery state (`pending`, `sent`, `failed`).
    pub last_alert_state: Option<AlertState>,
    /// When it was decided, RFC 3339 UTC.
    pub last_alert_at: Option<String>,
    /// Issue 16: where the desk stands in each deadline campaign that
    /// concerns it, by campaign name: `done`, `scheduled` or `left`.
    /// Omitted when none does, so reports without campaigns read as before.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub campaigns: BTreeMap<String, &'static str>,
    /// The instant behind `not_after`, for the calendar and the chart.
    #[serde(skip)]
    pub end: Option<Instant>,
}

impl ReportRow {
    /// The row of `desk`, whose status row is `status`, judged with
    /// `regions`; `last_alert` is the last expiry alert of its current
    /// certificate, `end` that certificate's end of validity.
    pub fn new(
        desk: &Desk,
        status: StatusRow,
        end: Option<Instant>,
        last_alert: Option<&AlertRecord>,
        regions: &Regions,
    ) -> ReportRow {
        let region = status
            .department
            .as_deref()
            .and_then(|d| regions.region_of(d))
            .map(str::to_owned);
        ReportRow {
            desk: status.desk,
            name: status.name,
            department: status.department,
            region,
            state: status.state,
            days_left: status.days_left,
            not_after: status.not_after,
            contact: desk.emails.iter().map(|e| e.to_string()).collect(),
            issuer: status.issuer,
            subject: status.subject,
            sha256: status.sha256,
            push_state: status.push_state,
            last_alert_kind: last_alert.map(|a| a.subject.kind()),
            last_alert_state: last_alert.map(|a| a.state),
            last_alert_at: last_alert.map(|a| rfc3339(a.created_at)),
            campaigns: BTreeMap::new(),
            end,
        }
    }

    /// Whether the team has something to do about this desk: a certificate
    /// in the warning band or worse, none at all, or a push that failed.
    pub fn needs_action(&self) -> bool {
        // A suspended desk gets no reminders: nothing for the team to do.
        !matches!(self.state, State::Ok | State::Suspended)
            || self.push_state == Some(PushState::Failed)
    }
}

/// Whether an alert is about a certificate's end (what the report calls
/// the last alert), rather than a digest, a refusal or a confirmation.
pub fn is_expiry_alert(a: &AlertRecord) -> bool {
    matches!(a.subject.kind(), AlertKind::Threshold | AlertKind::Expired)
}
