//! Listing the pushes.

use crate::app::{AppError, Env};
use crate::push::PushJob;

/// Every push job.
pub fn list(env: &Env) -> Result<Vec<PushJob>, AppError> {
    Ok(env.store()?.push_jobs()?)
}
