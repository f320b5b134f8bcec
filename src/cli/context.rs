//! What every command starts from: the configuration, the data directory, the
//! instant, who is acting, and how talkative to be.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use super::{Cli, CliError};
use crate::clock::{self, Instant};
use crate::config::Config;
use crate::store::Store;

/// The validated global options.
pub struct Context {
    /// The configuration (embedded defaults when no file is given).
    pub config: Config,
    /// Where the configuration came from, for messages.
    pub config_path: Option<PathBuf>,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The instant the command evaluates at.
    pub now: Instant,
    /// The configured time zone.
    pub tz: Tz,
    /// The OS user, for the audit log.
    pub actor: String,
    /// 0 normal, 1+ verbose; `quiet` silences notes.
    pub verbose: u8,
    /// Only errors on stderr.
    pub quiet: bool,
}

/// How long a command waits for another one to release the store.
const LOCK_WAIT: Duration = Duration::from_secs(60);

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
        let mut ctx = Context::new(
            config,
            cli.config.clone(),
            data_dir,
            now,
            crate::audit::os_user(),
        );
        ctx.verbose = cli.verbose;
        ctx.quiet = cli.quiet;
        Ok(ctx)
    }

    /// A context built from values (the service makes one per job run).
    pub fn new(
        config: Config,
        config_path: Option<PathBuf>,
        data_dir: PathBuf,
        now: Instant,
        actor: String,
    ) -> Context {
        let tz = config.tz();
        Context {
            config,
            config_path,
            data_dir,
            now,
            tz,
            actor,
            verbose: 0,
            quiet: true,
        }
    }

    /// Opens the store, waiting for another command to finish with it.
    pub fn store(&self) -> Result<Store, CliError> {
        Ok(Store::open(&self.data_dir, LOCK_WAIT)?)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
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
