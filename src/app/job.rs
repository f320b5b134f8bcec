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
}

impl Job {
    /// Every job, in the order they run when several are due together.
    pub const ALL: [Job; 4] = [Job::Push, Job::Alerts, Job::Digest, Job::Backup];

    /// The job's name in logs, metrics and the store.
    pub fn name(self) -> &'static str {
        match self {
            Job::Alerts => "alerts",
            Job::Push => "push",
            Job::Digest => "digest",
            Job::Backup => "backup",
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Runs `job` in `env`; returns a one-line summary. Stops between items
/// (messages, pushes) once `stop` is set.
pub fn run(env: &Env, job: Job, stop: &AtomicBool) -> Result<String, AppError> {
    let config = &env.config;
    match job {
        Job::Push => {
            let store = env.store()?;
            let s =
                crate::push::run_until(&store, config, &env.data_dir, env.now, &env.actor, stop)?;
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
            let s = crate::alerts::run_until(
                &store,
                config,
                &env.data_dir,
                env.now,
                &env.actor,
                false,
                stop,
            )?;
            Ok(format!("alerts: {}", s.line()))
        }
        Job::Digest => {
            let store = env.store()?;
            let s =
                crate::alerts::digest(&store, config, &env.data_dir, env.now, &env.actor, false)?;
            Ok(format!("digest: {}", s.line()))
        }
    }
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
