//! What `/metrics` and `/healthz` show, read from the store at one moment.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::app::{AppError, Env};
use crate::clock::Instant;
use crate::status::StatusRow;
use crate::store::{JobRun, Store, StoreError};

/// What the service knows at one moment, read from the store.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// One row per desk.
    pub rows: Vec<StatusRow>,
    /// Certificate end of validity per desk, seconds since the epoch.
    pub not_after: BTreeMap<String, i64>,
    /// Alert records per (kind, state).
    pub alerts: BTreeMap<(String, String), u64>,
    /// Push jobs per state.
    pub pushes: BTreeMap<String, u64>,
    /// Last run of each job.
    pub jobs: Vec<JobRun>,
    /// When the snapshot was taken.
    pub taken_at: Option<Instant>,
}

/// How long a snapshot waits for the store: metrics must not hang behind a
/// long command; the caller serves the previous snapshot instead.
const WAIT: Duration = Duration::from_secs(2);

/// Reads the snapshot at `env.now`.
pub fn snapshot(env: &Env) -> Result<Snapshot, AppError> {
    let store = Store::open(&env.data_dir, WAIT)?;
    let mut snap = Snapshot {
        taken_at: Some(env.now),
        ..Snapshot::default()
    };
    store.roster(|e| {
        if let Some(c) = &e.cert {
            snap.not_after
                .insert(e.desk.id.to_string(), c.not_after.timestamp());
        }
        snap.rows.push(crate::status::row(
            &e.desk,
            e.cert.as_ref(),
            env.now,
            env.tz,
            &env.config.status,
        ));
        Ok::<(), StoreError>(())
    })?;
    // Counted as read: the alert log is never held whole (issue 15, the
    // dashboard's memory).
    store.alerts_each(|a| {
        let key = (a.kind().as_str().to_owned(), a.state.as_str().to_owned());
        *snap.alerts.entry(key).or_default() += 1;
        Ok::<(), StoreError>(())
    })?;
    for j in store.push_jobs()? {
        *snap.pushes.entry(j.state.as_str().to_owned()).or_default() += 1;
    }
    snap.jobs = store.job_runs()?;
    Ok(snap)
}
