//! `vigie mail list`: the messages taken in, oldest first.

use crate::app::{AppError, Env};
use crate::model::MailRecord;

/// Every message recorded.
pub fn list(env: &Env) -> Result<Vec<MailRecord>, AppError> {
    Ok(env.store()?.mail_records()?)
}
