//! Reading the alert log.

use crate::alerts::AlertRecord;
use crate::app::{AppError, Env};

/// The alert log, oldest first.
pub fn list(env: &Env) -> Result<Vec<AlertRecord>, AppError> {
    let mut recs = env.store()?.alerts()?;
    recs.sort_by_key(|r| r.created_at);
    Ok(recs)
}
