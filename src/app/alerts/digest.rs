//! Sending the team digest.

use crate::alerts::{self, RunSummary};
use crate::app::job::clock_not_behind;
use crate::app::{AppError, Env};

/// Sends the team digest, once per local day (on a dry run, or in a what-if
/// environment, only says whether it is due). A real run at an instant
/// earlier than the last one is refused ([`AppError::ClockBehind`]): it
/// would send the digest of a past day.
pub fn digest(env: &Env, dry_run: bool) -> Result<RunSummary, AppError> {
    let store = env.store()?;
    let dry = dry_run || env.what_if();
    if !dry {
        clock_not_behind(&store, "digest", env.now)?;
    }
    let summary = alerts::digest(&store, &env.config, &env.data_dir, env.now, &env.actor, dry)?;
    if !dry {
        store.record_run_at("digest", env.now)?;
    }
    Ok(summary)
}
