//! What every operation starts from: the configuration, the data directory,
//! the instant, and who is acting.

use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

use crate::app::AppError;
use crate::clock::Instant;
use crate::config::Config;
use crate::store::Store;

/// Whether an operation may create the store it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Opening {
    /// The data directory and the store are created when missing: the
    /// commands that write (`init`, `desk add`, `cert ingest`…).
    #[default]
    CreateMissing,
    /// Only an existing store is opened; a missing one is
    /// [`AppError::NoStore`]. The commands that only read (`status`, `check`,
    /// `log`…) must not leave an empty store behind a mistyped `--data-dir`
    /// (DESIGN §13).
    ExistingOnly,
}

/// Whether an operation may send: e-mail (SMTP or the `.eml` outbox),
/// pushes to the national configuration, moves in the team's mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sending {
    /// The normal case: what is due goes out and is recorded as sent.
    #[default]
    Allowed,
    /// A what-if question (`--now` without `VIGIE_NOW_SENDS=1`, DESIGN §13):
    /// the operations that send only say what they would send, and record
    /// nothing as sent. An instant typed to ask "what if" must never mail a
    /// desk or push a certificate for real.
    WhatIf,
}

/// The environment variable that lets `--now` send (tests only).
pub const NOW_SENDS_VAR: &str = "VIGIE_NOW_SENDS";

impl Sending {
    /// What `--now` allows: [`Sending::WhatIf`] when an instant was given,
    /// unless `now_sends` (the environment holds `VIGIE_NOW_SENDS=1`).
    pub fn for_now_option(now_given: bool, now_sends: bool) -> Sending {
        if now_given && !now_sends {
            Sending::WhatIf
        } else {
            Sending::Allowed
        }
    }
}

/// The environment of one operation.
#[derive(Debug, Clone)]
pub struct Env {
    /// The configuration (embedded defaults when no file is given).
    pub config: Config,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The instant the operation evaluates at.
    pub now: Instant,
    /// The configured time zone.
    pub tz: Tz,
    /// Who acts, for the audit log (the OS user, or the service).
    pub actor: String,
    /// How long to wait for another process to release the store.
    pub lock_wait: Duration,
    /// Whether a missing store may be created.
    pub opening: Opening,
    /// Whether what is due may be sent, or only told.
    pub sending: Sending,
}

/// How long a command waits for another one to release the store.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

impl Env {
    /// An environment built from values; it waits [`LOCK_WAIT`] for the store.
    pub fn new(config: Config, data_dir: PathBuf, now: Instant, actor: String) -> Env {
        let tz = config.tz();
        Env {
            config,
            data_dir,
            now,
            tz,
            actor,
            lock_wait: LOCK_WAIT,
            opening: Opening::CreateMissing,
            sending: Sending::Allowed,
        }
    }

    /// Whether this is a what-if run that must send nothing.
    pub fn what_if(&self) -> bool {
        self.sending == Sending::WhatIf
    }

    /// Opens the store, waiting for another command to finish with it, and
    /// creating it only when [`Env::opening`] allows.
    pub(crate) fn store(&self) -> Result<Store, AppError> {
        match self.opening {
            Opening::CreateMissing => Ok(Store::open(&self.data_dir, self.lock_wait)?),
            Opening::ExistingOnly => Store::open_existing(&self.data_dir, self.lock_wait)?
                .ok_or_else(|| AppError::NoStore {
                    data_dir: self.data_dir.clone(),
                }),
        }
    }
}
