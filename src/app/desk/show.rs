//! One desk and every certificate it has had.

use crate::app::{AppError, Env};
use crate::cert::CertRecord;
use crate::desk::{Desk, DeskId};
use crate::fingerprint::Sha256;

/// A desk, its certificates (oldest first) and which one is current.
pub struct DeskView {
    /// The desk.
    pub desk: Desk,
    /// Its certificates, as the history holds them.
    pub certificates: Vec<CertRecord>,
    /// The current certificate's fingerprint.
    pub current: Option<Sha256>,
}

/// Reads desk `id` and its history.
pub fn show(env: &Env, id: &DeskId) -> Result<DeskView, AppError> {
    let store = env.store()?;
    let desk = store
        .desk(id)?
        .ok_or_else(|| AppError::NoDesk(id.clone()))?;
    let current = store.current_sha(id)?;
    let certificates = store.history(id)?;
    Ok(DeskView {
        desk,
        certificates,
        current,
    })
}

/// Whether vigie knows desk `id`: it is in the inventory, or the history or
/// the audit log still speaks of it (a removed desk). The listings filtered
/// by desk use it to tell "nothing yet" from a mistyped id.
pub fn known(env: &Env, id: &DeskId) -> Result<bool, AppError> {
    let store = env.store()?;
    Ok(store.desk(id)?.is_some()
        || !store.history(id)?.is_empty()
        || !store.audit(Some(id))?.is_empty())
}

/// Whether desk `id` is in the inventory.
pub fn exists(env: &Env, id: &DeskId) -> Result<bool, AppError> {
    Ok(env.store()?.desk(id)?.is_some())
}
