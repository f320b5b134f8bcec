//! The one part of the reports that reads the store: the desks' rows with
//! their regions and last alerts, and the logs of the period, gathered into
//! a [`Report`]. The CLI and the dashboard (through [`crate::app::report`])
//! and the weekly digest's attachment read it here, so that all three show
//! the same figures.

use std::collections::HashMap;

use chrono_tz::Tz;

use super::{is_expiry_alert, Logs, Regions, Report, ReportRow, Scope};
use crate::clock::Instant;
use crate::config::Config;
use crate::model::{AlertRecord, DeskId, Sha256};
use crate::status;
use crate::store::{Store, StoreError};

/// How far back a report looks for intake and undelivered messages by
/// default (DESIGN §11: the last 30 days).
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// The report on the desks in `scope` at `now` (dates in `tz`), with the
/// events from `since` on (default: [`DEFAULT_PERIOD_DAYS`] before).
pub fn read(
    store: &Store,
    config: &Config,
    now: Instant,
    tz: Tz,
    scope: Scope,
    since: Option<Instant>,
) -> Result<Report, StoreError> {
    let regions = Regions::new(&config.regions);
    let alerts = store.alerts()?;
    let logs = Logs {
        bouncing: crate::model::bouncing_addresses(&store.desks()?, &alerts),
        alerts,
        mail: store.mail_records()?,
        // Oldest first (the log keeps the order of writing; a command run
        // with --now may have written an earlier instant later).
        ingests: {
            let mut v = store.audit_of_any("cert.ingest", &["ok", "refused"])?;
            v.sort_by_key(|e| e.at);
            v
        },
    };
    let last = last_alerts(&logs.alerts);
    let mut rows = Vec::new();
    store.roster(|e| {
        let status = status::row(&e.desk, e.cert.as_ref(), now, tz, &config.status);
        let last = e
            .cert
            .as_ref()
            .and_then(|c| last.get(&(e.desk.id.clone(), c.sha256)))
            .copied();
        let row = ReportRow::new(
            &e.desk,
            status,
            e.cert.as_ref().map(|c| c.not_after),
            last,
            &regions,
        );
        if scope.keeps(&row) {
            rows.push(row);
        }
        Ok::<(), StoreError>(())
    })?;
    // Issue 16: each desk's standing in the deadline campaigns.
    let campaigns = crate::campaign::all(store, &config.desk_settings)?;
    let mut standing: HashMap<&str, Vec<(&str, &'static str)>> = HashMap::new();
    for p in &campaigns {
        for m in &p.members {
            let e = standing.entry(m.desk.as_str()).or_default();
            e.push((p.campaign.name.as_str(), m.standing.as_str()));
        }
    }
    for row in &mut rows {
        if let Some(list) = standing.get(row.desk.as_str()) {
            row.campaigns = list.iter().map(|(c, s)| ((*c).to_owned(), *s)).collect();
        }
    }
    let period = since.unwrap_or(now - chrono::TimeDelta::days(DEFAULT_PERIOD_DAYS));
    let mut report = Report::build(rows, &logs, scope, now, tz, period, since);
    report.campaigns = campaigns;
    Ok(report)
}

/// The last expiry alert of each (desk, certificate).
fn last_alerts(alerts: &[AlertRecord]) -> HashMap<(DeskId, Sha256), &AlertRecord> {
    let mut out: HashMap<(DeskId, Sha256), &AlertRecord> = HashMap::new();
    for a in alerts.iter().filter(|a| is_expiry_alert(a)) {
        let (Some(desk), Some(sha)) = (a.subject.desk(), a.subject.sha256()) else {
            continue;
        };
        out.entry((desk.clone(), sha))
            .and_modify(|x| {
                if a.created_at >= x.created_at {
                    *x = a;
                }
            })
            .or_insert(a);
    }
    out
}
