//! `vigie init`: a commented configuration and an owner-only data directory.

use std::path::PathBuf;

use super::{CliError, Context};
use crate::app;
use crate::app::init::ConfigFile;

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
    match app::init::init(&ctx.env, &target, args.force)? {
        ConfigFile::Kept => ctx.note(format!(
            "{} exists; left as it is (--force to overwrite)",
            target.display()
        )),
        ConfigFile::Written => ctx.note(format!("wrote {}", target.display())),
    }
    ctx.note(format!(
        "data directory {} ready",
        ctx.env.data_dir.display()
    ));
    Ok(())
}
