//! Running the alerts due now.

use crate::alerts::{self, RunSummary};
use crate::app::{AppError, Env};

/// Sends the messages due now and retries pending ones (on a dry run, only
/// plans them).
pub fn run(env: &Env, dry_run: bool) -> Result<RunSummary, AppError> {
    let store = env.store()?;
    Ok(alerts::run(
        &store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
        dry_run,
    )?)
}
