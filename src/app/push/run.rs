//! Attempting the pushes due now.

use crate::app::{AppError, Env};
use crate::model::Change;
use crate::push::{self, PushJob, PushSummary};

/// Attempts every push that is due now. A what-if environment
/// ([`Env::what_if`]) attempts nothing and changes nothing: [`due`] says
/// what would be pushed.
pub fn run(env: &Env) -> Result<PushSummary, AppError> {
    let store = env.store()?;
    if env.what_if() {
        return Ok(PushSummary::default());
    }
    Ok(push::run(
        &store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
    )?)
}

/// The pushes a run at [`Env::now`] would attempt, oldest promise first;
/// nothing is recorded.
pub fn due(env: &Env) -> Result<Vec<PushJob>, AppError> {
    let jobs = env.store()?.push_jobs()?;
    Ok(push::plan::due(&jobs, env.now)
        .into_iter()
        .cloned()
        .collect())
}

/// The scheduled changes a run at [`Env::now`] would apply (their day has
/// come); nothing is recorded.
pub fn due_changes(env: &Env) -> Result<Vec<Change>, AppError> {
    let changes = env.store()?.pending_changes()?;
    Ok(push::due_changes(&changes, env.now, env.tz)
        .into_iter()
        .cloned()
        .collect())
}
