//! Attempting the pushes due now.

use crate::app::{AppError, Env};
use crate::push::{self, PushSummary};

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
