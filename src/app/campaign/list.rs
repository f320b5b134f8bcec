//! Listing campaigns and showing one, with who is done, scheduled, left.

use crate::app::{AppError, Env};
use crate::campaign::{self, Progress};

/// Every campaign with its desks: open ones first, by deadline.
pub fn list(env: &Env) -> Result<Vec<Progress>, AppError> {
    let store = env.store()?;
    Ok(campaign::all(&store, &env.config.desk_settings)?)
}

/// One campaign with its desks; `None` when there is none by that name.
pub fn show(env: &Env, name: &str) -> Result<Option<Progress>, AppError> {
    let store = env.store()?;
    let Some(c) = store.campaign(name)? else {
        return Ok(None);
    };
    Ok(
        campaign::progress(&store, &env.config.desk_settings, vec![c])?
            .into_iter()
            .next(),
    )
}
