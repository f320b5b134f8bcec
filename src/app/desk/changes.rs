//! Listing the scheduled changes (`vigie desk changes`).

use crate::app::{AppError, Env};
use crate::model::Change;

/// Every change, by date, desk and key; only the scheduled ones when
/// `pending_only`. A store that does not exist yet has none.
pub fn changes(env: &Env, pending_only: bool) -> Result<Vec<Change>, AppError> {
    let store = env.store()?;
    Ok(if pending_only {
        store.pending_changes()?
    } else {
        store.changes()?
    })
}
