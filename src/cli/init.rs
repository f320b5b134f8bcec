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
    let intake = &ctx.env.config.intake;
    if intake.trust_anchors_dir.is_none() && intake.known_issuers_dir.is_none() {
        // Without them, a renewal is checked against the issuers vigie learns
        // at the first load only, and `vigie check` warns (issue 18).
        ctx.warn(format!(
            "no trust anchors yet: put the certificates of the authorities your desks' certificates come from in a folder and name it in {} as [intake] trust_anchors_dir (their roots: chains are checked) or known_issuers_dir (their issuing CAs); `vigie check` warns until one is set",
            target.display()
        ));
    }
    ctx.note(
        "next: vigie desk import guichets.csv, then vigie cert ingest --initial <folder of the current certificates> (a first load: nothing is pushed nor mailed); see docs/operations.md",
    );
    Ok(())
}
