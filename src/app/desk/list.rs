//! Listing the inventory.

use crate::app::{AppError, Env};
use crate::desk::{Department, Desk};

/// The desks, in id order; only those of `department` when one is given.
pub fn list(env: &Env, department: Option<&Department>) -> Result<Vec<Desk>, AppError> {
    Ok(env
        .store()?
        .desks()?
        .into_iter()
        .filter(|d| department.is_none() || d.department.as_ref() == department)
        .collect())
}
