//! Backing up the store: a consistent JSON export, and pruning old ones.

use std::path::{Path, PathBuf};

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;

/// The whole store as the JSON text of a backup, for standard output; nothing
/// is recorded.
pub fn export(env: &Env) -> Result<Vec<u8>, AppError> {
    let store = env.store()?;
    let backup = store.export(env.now)?;
    serde_json::to_vec_pretty(&backup).map_err(AppError::EncodeBackup)
}

/// Writes a backup of the store to `file` (default:
/// `<data-dir>/backups/vigie-<instant>.json`), records it in the audit log and
/// returns where it went.
pub fn take(env: &Env, file: Option<PathBuf>) -> Result<PathBuf, AppError> {
    let store = env.store()?;
    let backup = store.export(env.now)?;
    let text = serde_json::to_vec_pretty(&backup).map_err(AppError::EncodeBackup)?;
    let path = match file {
        Some(p) => p,
        None => {
            let dir = env.data_dir.join("backups");
            crate::store::create_private_dir(&dir)?;
            dir.join(format!("vigie-{}.json", env.now.format("%Y%m%dT%H%M%SZ")))
        }
    };
    crate::fsutil::write_atomic(&path, &text, crate::fsutil::OWNER_ONLY).map_err(|source| {
        AppError::Write {
            file: path.display().to_string(),
            source,
        }
    })?;
    let desks = backup.trees.get("desks").map_or(0, Vec::len);
    store.write(|tx| {
        tx.audit(
            &AuditEntry::new(env.now, &env.actor, "backup")
                .detail(format!("{} ({desks} desks)", path.display())),
        )
    })?;
    Ok(path)
}

/// Removes the oldest automatic backups beyond the newest `keep`; returns how
/// many were removed.
pub fn prune(data_dir: &Path, keep: u32) -> Result<usize, AppError> {
    let dir = data_dir.join("backups");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut names: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vigie-") && n.ends_with(".json"))
        })
        .collect();
    // The names carry a sortable UTC instant.
    names.sort();
    let excess = names.len().saturating_sub(keep as usize);
    for p in &names[..excess] {
        std::fs::remove_file(p).map_err(|source| AppError::Remove {
            file: p.display().to_string(),
            source,
        })?;
    }
    Ok(excess)
}
