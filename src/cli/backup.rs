//! `vigie backup` and `vigie restore`.

use std::path::PathBuf;

use super::{CliError, Context};
use crate::audit::AuditEntry;
use crate::store::{Backup, BackupError};

/// Arguments of `vigie backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the backup (`-` for standard output). Default:
    /// `<data-dir>/backups/vigie-<instant>.json`.
    pub file: Option<PathBuf>,
}

/// Arguments of `vigie restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A backup written by `vigie backup`.
    pub file: PathBuf,
    /// Replace what the store holds (by default a non-empty store is refused).
    #[arg(long)]
    pub force: bool,
}

/// Writes a backup of the store and returns where it went.
pub fn take(ctx: &Context, file: Option<PathBuf>) -> Result<Option<PathBuf>, CliError> {
    let store = ctx.store()?;
    let backup = store.export(ctx.now)?;
    let text = serde_json::to_vec_pretty(&backup)
        .map_err(|e| CliError::operational(format!("encoding the backup: {e}")))?;
    if file.as_deref() == Some(std::path::Path::new("-")) {
        use std::io::Write;
        std::io::stdout()
            .write_all(&text)
            .map_err(|e| CliError::operational(format!("writing the backup: {e}")))?;
        return Ok(None);
    }
    let path = match file {
        Some(p) => p,
        None => {
            let dir = ctx.data_dir.join("backups");
            crate::store::create_private_dir(&dir)?;
            dir.join(format!("vigie-{}.json", ctx.now.format("%Y%m%dT%H%M%SZ")))
        }
    };
    crate::fsutil::write_atomic(&path, &text, crate::fsutil::OWNER_ONLY)
        .map_err(|e| CliError::operational(format!("cannot write {}: {e}", path.display())))?;
    let desks = backup.trees.get("desks").map_or(0, Vec::len);
    store.write(|tx| {
        tx.audit(
            &AuditEntry::new(ctx.now, &ctx.actor, "backup")
                .detail(format!("{} ({desks} desks)", path.display())),
        )
    })?;
    Ok(Some(path))
}

/// Runs `vigie backup`.
pub fn backup(ctx: &Context, a: BackupArgs) -> Result<(), CliError> {
    if let Some(path) = take(ctx, a.file)? {
        ctx.note(format!("backup written to {}", path.display()));
    }
    Ok(())
}

/// Runs `vigie restore`.
pub fn restore(ctx: &Context, a: RestoreArgs) -> Result<(), CliError> {
    let name = a.file.display().to_string();
    let bytes = std::fs::read(&a.file)
        .map_err(|e| CliError::operational(format!("cannot read {name}: {e}")))?;
    let backup: Backup = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::refused(format!("{name} is not a vigie backup: {e}")))?;
    let store = ctx.store()?;
    let n = store.restore(&backup, a.force).map_err(|e| match e {
        BackupError::NotEmpty => CliError::operational(format!("{name}: {e}")),
        BackupError::Store(s) => CliError::from(s),
        other => CliError::refused(format!("{name}: {other}")),
    })?;
    store.write(|tx| {
        tx.audit(
            &AuditEntry::new(ctx.now, &ctx.actor, "restore").detail(format!(
                "{n} records from {name} (taken {})",
                crate::clock::rfc3339(backup.created_at)
            )),
        )
    })?;
    ctx.note(format!("restored {n} records from {name}"));
    Ok(())
}

/// Removes the oldest automatic backups beyond the newest `keep`; returns how
/// many were removed.
pub fn prune(ctx: &Context, keep: u32) -> Result<usize, CliError> {
    let dir = ctx.data_dir.join("backups");
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
        std::fs::remove_file(p)
            .map_err(|e| CliError::operational(format!("cannot remove {}: {e}", p.display())))?;
    }
    Ok(excess)
}
