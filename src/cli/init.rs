//! `vigie init`: a commented configuration and an owner-only data directory.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use super::{CliError, Context};
use crate::audit::AuditEntry;
use crate::config::SAMPLE;

/// Arguments of `vigie init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the configuration (default: the --config path, else
    /// ./vigie.toml).
    #[arg(long, value_name = "FILE")]
    pub write_config: Option<PathBuf>,
    /// Overwrite an existing configuration file.
    #[arg(long)]
    pub force: bool,
}

/// Runs `vigie init`.
pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let target = args
        .write_config
        .or_else(|| ctx.config_path.clone())
        .unwrap_or_else(|| PathBuf::from("vigie.toml"));
    let store = ctx.store()?;
    if target.exists() && !args.force {
        ctx.note(format!(
            "{} exists; left as it is (--force to overwrite)",
            target.display()
        ));
    } else {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&target)
            .map_err(|e| {
                CliError::operational(format!("cannot write {}: {e}", target.display()))
            })?;
        f.write_all(SAMPLE.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| {
                CliError::operational(format!("cannot write {}: {e}", target.display()))
            })?;
        ctx.note(format!("wrote {}", target.display()));
    }
    store.write(|tx| {
        tx.audit(
            &AuditEntry::new(ctx.now, &ctx.actor, "init")
                .detail(format!("data directory {}", ctx.data_dir.display())),
        )
    })?;
    ctx.note(format!("data directory {} ready", ctx.data_dir.display()));
    Ok(())
}
