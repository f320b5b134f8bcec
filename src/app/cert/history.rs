//! Every certificate a desk has had.

use crate::app::{AppError, Env};
use crate::cert::CertRecord;
use crate::desk::DeskId;
use crate::fingerprint::Sha256;

/// A desk's certificates, oldest first, and which one is current.
pub struct History {
    /// The certificates.
    pub certificates: Vec<CertRecord>,
    /// The current one's fingerprint.
    pub current: Option<Sha256>,
}

/// Reads desk `desk`'s history; [`AppError::NoHistory`] for a desk neither in
/// the inventory nor in the history.
pub fn history(env: &Env, desk: &DeskId) -> Result<History, AppError> {
    let store = env.store()?;
    let current = store.current_sha(desk)?;
    let certificates = store.history(desk)?;
    if store.desk(desk)?.is_none() && certificates.is_empty() {
        return Err(AppError::NoHistory(desk.clone()));
    }
    Ok(History {
        certificates,
        current,
    })
}
