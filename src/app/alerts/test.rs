//! Sending one sample message to check the SMTP settings.

use crate::alerts::transport::{Delivered, SendError};
use crate::alerts::trial;
use crate::app::{AppError, Env};
use crate::desk::Email;

/// Sends a sample message to `to` through the configured transport and
/// returns what the server answered. Opens no store, records nothing.
pub fn test(env: &Env, to: &Email) -> Result<Result<Delivered, SendError>, AppError> {
    Ok(trial::send(&env.config, &env.data_dir, env.now, to)?)
}
