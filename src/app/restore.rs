//! Rebuilding a store from a backup.

use std::path::Path;

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::store::{Backup, BackupError};

/// Restores the backup `file` (named `name` in messages), replacing what the
/// store holds only when `force`; returns how many records were restored.
pub fn restore(env: &Env, file: &Path, name: &str, force: bool) -> Result<usize, AppError> {
    let bytes = std::fs::read(file).map_err(|source| AppError::Read {
        file: name.to_owned(),
        source,
    })?;
    let backup: Backup = serde_json::from_slice(&bytes).map_err(|source| AppError::NotABackup {
        file: name.to_owned(),
        source,
    })?;
    let store = env.store()?;
    let n = store.restore(&backup, force).map_err(|e| match e {
        BackupError::Store(s) => AppError::Store(s),
        source @ BackupError::NotEmpty => AppError::NotEmpty {
            file: name.to_owned(),
            source,
        },
        source => AppError::Restore {
            file: name.to_owned(),
            source,
        },
    })?;
    store.write(|tx| {
        tx.audit(
            &AuditEntry::new(env.now, &env.actor, "restore").detail(format!(
                "{n} records from {name} (taken {})",
                crate::clock::rfc3339(backup.created_at)
            )),
        )
    })?;
    Ok(n)
}
