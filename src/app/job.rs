//! The service's jobs: running one, and the record of their runs.

use std::fmt;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::app::{AppError, Env};
use crate::store::{DirLock, LockError};

pub use crate::store::JobRun;

/// A job the service runs on a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// Decide and send the alerts due (and any pending message).
    Alerts,
    /// Push certificates to the national configuration, retrying failures.
    Push,
    /// Send the team digest.
    Digest,
    /// Export the store and prune old exports.
    Backup,
    /// Fetch the team's mailbox (only when `[mail] source` names one).
    Mail,
}

impl Job {
    /// Every job the service always plans, in the order they run when
    /// several are due together. [`Job::Mail`] is planned only with a
    /// mailbox configured, after these.
    pub const ALL: [Job; 4] = [Job::Push, Job::Alerts, Job::Digest, Job::Backup];

    /// The job's name in logs, metrics and the store.
    pub fn name(self) -> &'static str {
        match self {
            Job::Alerts => "alerts",
            Job::Push => "push",
            Job::Digest => "digest",
            Job::Backup => "backup",
            Job::Mail => "mail",
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a job's run did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The operation failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// Messages could not be delivered and stay pending (the SMTP relay is
    /// down, say): the run is no success, so that `/healthz` shows it,
    /// though nothing is lost and the next run retries them.
    #[error("{pending} message(s) could not be delivered and stay pending ({error}); the next run retries them")]
    Undelivered {
        /// How many stay pending.
        pending: usize,
        /// The delivery error of one of them.
        error: String,
    },
}

/// Runs `job` in `env`; returns a one-line summary. Stops between items
/// (messages, pushes) once `stop` is set. A run of the alerts or the digest
/// that leaves messages pending after trying to deliver them is
/// [`JobError::Undelivered`] (unless it was stopped before their turn).
pub fn run(env: &Env, job: Job, stop: &AtomicBool) -> Result<String, JobError> {
    let config = &env.config;
    let app = |e: crate::alerts::AlertError| JobError::App(e.into());
    match job {
        Job::Push => {
            let store = env.store()?;
            let s =
                crate::push::run_until(&store, config, &env.data_dir, env.now, &env.actor, stop)
                    .map_err(AppError::from)?;
            Ok(format!(
                "push: {} done, {} retried, {} failed",
                s.done, s.retried, s.failed
            ))
        }
        Job::Backup => {
            let path = super::backup::take(env, None)?;
            let pruned = super::backup::prune(&env.data_dir, config.service.keep_backups)?;
            Ok(format!(
                "backup written to {}; {pruned} old backups removed",
                path.display()
            ))
        }
        Job::Alerts => {
            let store = env.store()?;
            clock_not_behind(&store, "alerts", env.now)?;
            let s = crate::alerts::run_until(
                &store,
                config,
                &env.data_dir,
                env.now,
                &env.actor,
                false,
                stop,
            )
            .map_err(app)?;
            store
                .record_run_at("alerts", env.now)
                .map_err(AppError::from)?;
            undelivered(&store, &s, stop)?;
            Ok(format!("alerts: {}", s.line()))
        }
        Job::Mail => {
            // What `vigie mail fetch` does; replies that could not be sent
            // stay due and go on the next run.
            let done = crate::app::mail::fetch_until(env, false, false, stop)?;
            let taken = done
                .records
                .iter()
                .filter(|r| r.action != crate::model::MailAction::Duplicate)
                .count();
            if let Some(f) = done.reply_failures.first() {
                return Err(JobError::Undelivered {
                    pending: done.reply_failures.len(),
                    error: format!("reply to {}: {}", f.message_id, f.error),
                });
            }
            Ok(format!(
                "mail: {} message(s) read, {taken} taken in",
                done.records.len()
            ))
        }
        Job::Digest => {
            let store = env.store()?;
            clock_not_behind(&store, "digest", env.now)?;
            let s =
                crate::alerts::digest(&store, config, &env.data_dir, env.now, &env.actor, false)
                    .map_err(app)?;
            store
                .record_run_at("digest", env.now)
                .map_err(AppError::from)?;
            undelivered(&store, &s, stop)?;
            Ok(format!("digest: {}", s.line()))
        }
    }
}

/// Refuses a real run of `what` (`alerts`, `digest`) at `now` when it is
/// earlier than the last one: the system clock went back (or `--now` was
/// given an earlier instant with `VIGIE_NOW_SENDS=1`). Stale notices are
/// worse than a late one; a dry run is never refused.
pub(crate) fn clock_not_behind(
    store: &crate::store::Store,
    what: &'static str,
    now: crate::clock::Instant,
) -> Result<(), AppError> {
    match store.last_run_at(what)? {
        Some(last) if now < last => Err(AppError::ClockBehind {
            what,
            now: crate::clock::rfc3339(now),
            last: crate::clock::rfc3339(last),
        }),
        _ => Ok(()),
    }
}

/// [`JobError::Undelivered`] when the run left messages pending, naming
/// one of their delivery errors.
fn undelivered(
    store: &crate::store::Store,
    summary: &crate::alerts::RunSummary,
    stop: &AtomicBool,
) -> Result<(), JobError> {
    let pending = summary.total().pending;
    if pending == 0 || stop.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(());
    }
    let error = store
        .alerts_in(crate::model::AlertState::Pending)
        .map_err(AppError::from)?
        .into_iter()
        .filter_map(|a| a.error)
        .next_back()
        .unwrap_or_else(|| "see `vigie alerts list`".to_owned());
    Err(JobError::Undelivered { pending, error })
}

/// The last recorded run of each job.
pub fn last_runs(env: &Env) -> Result<Vec<JobRun>, AppError> {
    Ok(env.store()?.job_runs()?)
}

/// Records a job's run.
pub fn record(env: &Env, run: &JobRun) -> Result<(), AppError> {
    Ok(env.store()?.write(|tx| tx.record_job_run(run))?)
}

/// Held for the whole life of `vigie serve`, so that a second service on the
/// same data directory is refused.
pub struct ServiceLock(#[allow(dead_code)] DirLock);

/// Creates the data directory if need be and takes its service lock, at once
/// or not at all.
pub fn lock_service(data_dir: &Path) -> Result<ServiceLock, String> {
    crate::store::create_private_dir(data_dir).map_err(|e| e.to_string())?;
    DirLock::acquire_named(data_dir, "serve.lock", Duration::ZERO)
        .map(ServiceLock)
        .map_err(|e| match e {
            LockError::Busy { holder, dir, .. } => format!(
                "vigie serve is already running on {} (process {holder}); stop it first",
                dir.display()
            ),
            other => other.to_string(),
        })
}
