//! Sending the team digest.

use crate::alerts::{self, RunSummary};
use crate::app::{AppError, Env};

/// Sends the team digest, once per local day (on a dry run, or in a what-if
/// environment, only says whether it is due).
pub fn digest(env: &Env, dry_run: bool) -> Result<RunSummary, AppError> {
    let store = env.store()?;
    Ok(alerts::digest(
        &store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
        dry_run || env.what_if(),
    )?)
}
