//! Building a report: the desks' rows with their regions and last alerts,
//! the intake and undelivered messages of the period, the renewals; and
//! one desk's page for the dashboard.

use std::collections::HashMap;

use crate::app::{AppError, Env};
use crate::clock::Instant;
use crate::model::{AlertRecord, AuditEntry, CertRecord, DeskId, PushJob, Sha256};
use crate::report::{is_expiry_alert, Logs, Regions, Report, ReportRow, Scope};
use crate::status;

/// How far back a report looks for intake and undelivered messages by
/// default (DESIGN §11: the last 30 days).
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// The regions of this installation: the official table under `[regions]`.
pub fn regions(env: &Env) -> Regions {
    Regions::new(&env.config.regions)
}

/// The region called `name` (case aside), or every known region's name
/// when none is.
pub fn find_region(env: &Env, name: &str) -> Result<String, Vec<String>> {
    let regions = regions(env);
    match regions.find(name) {
        Some(r) => Ok(r.to_owned()),
        None => Err(regions.names().into_iter().map(str::to_owned).collect()),
    }
}

/// The report on the desks in `scope` at the environment's instant, with
/// the events from `since` on (default: [`DEFAULT_PERIOD_DAYS`] before).
pub fn build(env: &Env, scope: Scope, since: Option<Instant>) -> Result<Report, AppError> {
    let store = env.store()?;
    let regions = regions(env);
    let alerts = store.alerts()?;
    let logs = Logs {
        bouncing: crate::model::bouncing_addresses(&store.desks()?, &alerts),
        alerts,
        ingests: {
            let mut v = store.audit_of("cert.ingest", "ok")?;
            v.extend(store.audit_of("cert.ingest", "refused")?);
            v.sort_by_key(|e| e.at);
            v
        },
        mail: store.mail_records()?,
    };
    let last = last_alerts(&logs.alerts);
    let mut rows = Vec::new();
    store.roster(|e| {
        let status = status::row(
            &e.desk,
            e.cert.as_ref(),
            env.now,
            env.tz,
            &env.config.status,
        );
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
        Ok::<(), AppError>(())
    })?;
    // Issue 16: each desk's standing in the deadline campaigns.
    let campaigns = crate::campaign::all(&store, &env.config.desk_settings)?;
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
    let period = since.unwrap_or(env.now - chrono::TimeDelta::days(DEFAULT_PERIOD_DAYS));
    let mut report = Report::build(rows, &logs, scope, env.now, env.tz, period, since);
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

/// Everything the page of one desk shows.
pub struct DeskView {
    /// Its report row.
    pub row: ReportRow,
    /// Every certificate it has had, oldest end first.
    pub history: Vec<CertRecord>,
    /// Its alerts.
    pub alerts: Vec<AlertRecord>,
    /// Its pushes.
    pub pushes: Vec<PushJob>,
    /// Its audit lines, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// One desk's view, or `None` when there is no such desk.
pub fn desk(env: &Env, id: &DeskId) -> Result<Option<DeskView>, AppError> {
    let store = env.store()?;
    let Some(desk) = store.desk(id)? else {
        return Ok(None);
    };
    let current = store.current_summary(id)?;
    let alerts: Vec<AlertRecord> = store
        .alerts()?
        .into_iter()
        .filter(|a| a.subject.desk() == Some(id))
        .collect();
    let last = current.as_ref().and_then(|c| {
        alerts
            .iter()
            .filter(|a| is_expiry_alert(a) && a.subject.sha256() == Some(c.sha256))
            .max_by_key(|a| a.created_at)
    });
    let status = status::row(&desk, current.as_ref(), env.now, env.tz, &env.config.status);
    let row = ReportRow::new(
        &desk,
        status,
        current.as_ref().map(|c| c.not_after),
        last,
        &regions(env),
    );
    let pushes = store
        .push_jobs()?
        .into_iter()
        .filter(|j| &j.desk == id)
        .collect();
    Ok(Some(DeskView {
        row,
        history: store.history(id)?,
        alerts,
        pushes,
        audit: store.audit(Some(id))?,
    }))
}
