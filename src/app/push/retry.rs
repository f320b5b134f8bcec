//! Re-arming a failed push once its cause is fixed.

use crate::app::{AppError, Env};
use crate::desk::DeskId;
use crate::push::{self, PushJob};

/// Re-arms desk `desk`'s failed push, returning it; [`AppError::NoFailedPush`]
/// if it has none.
pub fn retry(env: &Env, desk: &DeskId) -> Result<PushJob, AppError> {
    let store = env.store()?;
    push::run::retry(&store, desk, env.now, &env.actor)?
        .ok_or_else(|| AppError::NoFailedPush(desk.clone()))
}
