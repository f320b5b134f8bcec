//! What every command starts from: the application's environment
//! (configuration, data directory, instant, actor), where the configuration
//! came from, and how talkative to be.

use std::cell::Cell;
use std::path::PathBuf;

use super::{Cli, CliError};
use crate::app::{Env, Sending, NOW_SENDS_VAR};
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
    /// Whether the what-if note was printed already (once per command).
    what_if_told: Cell<bool>,
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
        // Every command that read the configuration says it: the one that
        // sends is not the only one an operator runs.
        if !cli.quiet {
            for w in config.exposed_secrets() {
                eprintln!("warning: {w}");
            }
        }
        let mut env = Env::new(config, data_dir, now, crate::audit::os_user());
        let now_sends = std::env::var_os(NOW_SENDS_VAR).is_some_and(|v| v == "1");
        env.sending = Sending::for_now_option(cli.now.is_some(), now_sends);
        Ok(Context {
            env,
            config_path: cli.config.clone(),
            verbose: cli.verbose,
            quiet: cli.quiet,
            what_if_told: Cell::new(false),
        })
    }

    /// Prints a note on stderr unless `--quiet`.
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// Says, once, that this what-if run sends nothing; a command that would
    /// send calls it when [`Env::what_if`]. Printed even with `--quiet`: a
    /// user who expected messages to go out must learn why none did.
    pub fn tell_what_if(&self) {
        if self.env.what_if() && !self.what_if_told.replace(true) {
            eprintln!(
                "note: --now asks what-if: nothing is sent, pushed or recorded as sent ({NOW_SENDS_VAR}=1 sends, for tests)"
            );
        }
    }

    /// Prints a warning on stderr unless `--quiet`.
    pub fn warn(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("warning: {}", msg.as_ref());
        }
    }
}
