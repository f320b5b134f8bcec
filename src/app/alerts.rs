//! "Fin de vie" alerts: run those due now, send the team digest, read the
//! alert log, preview what a desk would receive.

use crate::alerts::templates::Rendered;
use crate::alerts::{self, AlertRecord, RunSummary};
use crate::app::{AppError, Env};
use crate::desk::DeskId;

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

/// Sends the team digest, once per local day (on a dry run, only says whether
/// it is due).
pub fn digest(env: &Env, dry_run: bool) -> Result<RunSummary, AppError> {
    let store = env.store()?;
    Ok(alerts::digest(
        &store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
        dry_run,
    )?)
}

/// The alert log, oldest first.
pub fn list(env: &Env) -> Result<Vec<AlertRecord>, AppError> {
    let mut recs = env.store()?.alerts()?;
    recs.sort_by_key(|r| r.created_at);
    Ok(recs)
}

/// What desk `desk` would receive now, rendered, without sending.
pub fn preview(env: &Env, desk: &DeskId) -> Result<Vec<(AlertRecord, Rendered)>, AppError> {
    let store = env.store()?;
    Ok(alerts::preview(&store, &env.config, env.now, desk)?)
}
