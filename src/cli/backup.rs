//! `vigie backup` and `vigie restore`.

use std::path::PathBuf;

use super::{CliError, Context};
use crate::app;

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

/// Runs `vigie backup`.
pub fn backup(ctx: &Context, a: BackupArgs) -> Result<(), CliError> {
    if a.file.as_deref() == Some(std::path::Path::new("-")) {
        use std::io::Write;
        let text = app::backup::export(&ctx.env)?;
        return std::io::stdout()
            .write_all(&text)
            .map_err(|e| CliError::operational(format!("writing the backup: {e}")));
    }
    let path = app::backup::take(&ctx.env, a.file)?;
    ctx.note(format!("backup written to {}", path.display()));
    Ok(())
}

/// Runs `vigie restore`.
pub fn restore(ctx: &Context, a: RestoreArgs) -> Result<(), CliError> {
    let name = a.file.display().to_string();
    let n = app::restore::restore(&ctx.env, &a.file, &name, a.force)?;
    ctx.note(format!("restored {n} records from {name}"));
    Ok(())
}
