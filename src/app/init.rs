//! Setting up: a commented configuration and an owner-only data directory.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::config::SAMPLE;

/// What [`init`] did with the configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFile {
    /// It existed and was left as it was.
    Kept,
    /// The sample was written.
    Written,
}

/// Creates the data directory and its store, and writes the commented sample
/// configuration to `target` unless it exists and not `force`.
pub fn init(env: &Env, target: &Path, force: bool) -> Result<ConfigFile, AppError> {
    let store = env.store()?;
    let written = if target.exists() && !force {
        ConfigFile::Kept
    } else {
        let fail = |source| AppError::Write {
            file: target.display().to_string(),
            source,
        };
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(target)
            .map_err(fail)?;
        f.write_all(SAMPLE.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(fail)?;
        ConfigFile::Written
    };
    store.write(|tx| {
        tx.audit(
            &AuditEntry::new(env.now, &env.actor, "init")
                .detail(format!("data directory {}", env.data_dir.display())),
        )
    })?;
    Ok(written)
}
