//! Building a report: the desks' rows with their regions and last alerts,
//! the intake and undelivered messages of the period, the renewals; and
//! one desk's page for the dashboard.

use crate::app::{AppError, Env};
use crate::clock::Instant;
use crate::model::{AlertRecord, AuditEntry, CertRecord, DeskId, PushJob};
use crate::report::{is_expiry_alert, Regions, Report, ReportRow, Scope};
use crate::status;

/// How far back a report looks for intake and undelivered messages by
/// default (DESIGN §11: the last 30 days).
pub use crate::report::DEFAULT_PERIOD_DAYS;

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
    Ok(crate::report::read(
        &store,
        &env.config,
        env.now,
        env.tz,
        scope,
        since,
    )?)
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
