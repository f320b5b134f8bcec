//! Rebuilding a store from a backup.

use std::path::Path;

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::store::{Backup, BackupError, Store};

/// Restores the backup `file` (named `name` in messages), replacing what the
/// store holds only when `force`; returns how many records were restored.
///
/// Every record is decoded before anything is written: a damaged backup is
/// refused, naming the record, and the store is left as it was. Over a store
/// that holds data (`force`), the backup goes into a new store beside it,
/// which replaces the old one only once complete.
pub fn restore(env: &Env, file: &Path, name: &str, force: bool) -> Result<usize, AppError> {
    let bytes = std::fs::read(file).map_err(|source| AppError::Read {
        file: name.to_owned(),
        source,
    })?;
    let backup: Backup = serde_json::from_slice(&bytes).map_err(|source| AppError::NotABackup {
        file: name.to_owned(),
        source,
    })?;
    let audit = |n: usize| {
        AuditEntry::new(env.now, &env.actor, "restore").detail(format!(
            "{n} records from {name} (taken {})",
            crate::clock::rfc3339(backup.created_at)
        ))
    };
    Store::restore_into(&env.data_dir, env.lock_wait, &backup, force, &audit).map_err(|e| match e {
        BackupError::Store(s) => AppError::Store(s),
        source @ BackupError::NotEmpty => AppError::NotEmpty {
            file: name.to_owned(),
            source,
        },
        source => AppError::Restore {
            file: name.to_owned(),
            source,
        },
    })
}
