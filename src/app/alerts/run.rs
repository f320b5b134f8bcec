//! Running the alerts due now.

use crate::alerts::{self, RunSummary};
use crate::app::{AppError, Env};

/// Sends the messages due now and retries pending ones (on a dry run, only
/// plans them). A what-if environment ([`Env::what_if`]) is always a dry
/// run: nothing is recorded, nothing is sent.
pub fn run(env: &Env, dry_run: bool) -> Result<RunSummary, AppError> {
    let store = env.store()?;
    Ok(alerts::run(
        &store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
        dry_run || env.what_if(),
    )?)
}
