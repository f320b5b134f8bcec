//! Pushes to the national configuration: run those due, list them, re-arm a
//! failed one.

use crate::app::{AppError, Env};
use crate::desk::DeskId;
use crate::push::{self, PushJob, PushSummary};

/// Attempts every push that is due now.
pub fn run(env: &Env) -> Result<PushSummary, AppError> {
    let store = env.store()?;
    Ok(push::run(
        &store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
    )?)
}

/// Every push job.
pub fn list(env: &Env) -> Result<Vec<PushJob>, AppError> {
    Ok(env.store()?.push_jobs()?)
}

/// Re-arms desk `desk`'s failed push, returning it; [`AppError::NoFailedPush`]
/// if it has none.
pub fn retry(env: &Env, desk: &DeskId) -> Result<PushJob, AppError> {
    let store = env.store()?;
    push::run::retry(&store, desk, env.now, &env.actor)?
        .ok_or_else(|| AppError::NoFailedPush(desk.clone()))
}
