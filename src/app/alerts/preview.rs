//! What a desk would receive now, without sending.

use crate::alerts::{self, Preview};
use crate::app::{AppError, Env};
use crate::desk::DeskId;

/// What desk `desk` would receive now, rendered, without sending.
pub fn preview(env: &Env, desk: &DeskId) -> Result<Vec<Preview>, AppError> {
    let store = env.store()?;
    Ok(alerts::preview(&store, &env.config, env.now, desk)?)
}
