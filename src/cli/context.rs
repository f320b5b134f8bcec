//! What every command starts from: the application's environment
//! (configuration, data directory, instant, actor), where the configuration
//! came from, and how talkative to be.

use std::path::PathBuf;

use super::{Cli, CliError};
use crate::app::Env;
use crate::clock;
use crate::config::Config;

/// The validated global options.
pub struct Context {
    /// What the application operations work in.
    pub env: Env,
    /// Where the configuration came from, for messages.
    pub config_path: Option<PathBuf>,
    /// 0 normal, 1+ verbose; `quiet` silences notes.
    pub verbose: u8,
    /// Only errors on stderr.
    pub quiet: bool,
}

impl Context {
    /// Reads the configuration and checks the global options.
    pub fn from_cli(cli: &Cli) -> Result<Context, CliError> {
        let config = match &cli.config {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        let data_dir = cli
            .data_dir
            .clone()
            .or_else(|| config.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("./vigie-data"));
        let now = match &cli.now {
            Some(s) => {
                clock::parse_instant(s).map_err(|e| CliError::usage(format!("--now: {e}")))?
            }
            None => chrono::Utc::now(),
        };
        Ok(Context {
            env: Env::new(config, data_dir, now, crate::audit::os_user()),
            config_path: cli.config.clone(),
            verbose: cli.verbose,
            quiet: cli.quiet,
        })
    }

    /// Prints a note on stderr unless `--quiet`.
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// Prints a warning on stderr unless `--quiet`.
    pub fn warn(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("warning: {}", msg.as_ref());
        }
    }
}
