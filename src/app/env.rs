//! What every operation starts from: the configuration, the data directory,
//! the instant, and who is acting.

use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

use crate::clock::Instant;
use crate::config::Config;
use crate::store::{Store, StoreError};

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
        }
    }

    /// Opens the store, waiting for another command to finish with it.
    pub(crate) fn store(&self) -> Result<Store, StoreError> {
        Store::open(&self.data_dir, self.lock_wait)
    }
}
