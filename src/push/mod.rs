//! Pushing accepted certificates to the national configuration.
//!
//! Each accepted certificate makes a [`PushJob`] in the store's outbox. A run
//! ([`run::run`]) takes the jobs that are due ([`plan::due`]), hands each
//! certificate to the configured destination — a folder ([`directory`]), an
//! HTTPS endpoint with mutual TLS ([`https`]) or a program ([`command`]) — and
//! records every attempt before and after it, so that a crash loses no job and
//! no job is marked done that the destination did not acknowledge.

pub mod command;
pub mod directory;
pub mod https;
pub mod plan;
pub mod run;

use std::path::Path;

pub use crate::model::{PushJob, PushState};
pub use plan::due_changes;
pub use plan::Outcome;
pub use run::{run, run_until, PushError, PushSummary};

use crate::clock::Instant;
use crate::config::{Destination, National};
use crate::desk::DeskId;
use crate::fingerprint::Sha256;

/// A short description of the configured destination, recorded in each job
/// (`directory:/var/lib/vigie/national`, `https://…`, `command:/usr/local/bin/x`).
pub fn destination_label(national: &National, data_dir: &Path) -> String {
    match &national.destination {
        Destination::Directory(_) => {
            format!("directory:{}", directory_path(national, data_dir).display())
        }
        Destination::Https(https) => https.url.clone(),
        Destination::Command(argv) => {
            format!("command:{}", argv.first().map(String::as_str).unwrap_or(""))
        }
    }
}

/// The folder of the `directory` destination: as configured, else
/// `<data-dir>/national`.
pub fn directory_path(national: &National, data_dir: &Path) -> std::path::PathBuf {
    match &national.destination {
        Destination::Directory(Some(dir)) => dir.clone(),
        _ => data_dir.join("national"),
    }
}

/// What a destination is given: one certificate of one desk, in normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushItem {
    /// The desk.
    pub desk: DeskId,
    /// The certificate's fingerprint.
    pub sha256: Sha256,
    /// Its end of validity.
    pub not_after: Instant,
    /// The normal-form PEM (see [`normal_pem`]).
    pub pem: String,
}

pub use crate::cert::normal::normal_pem;

/// What a destination is given for a scheduled setting change (issue 16,
/// DESIGN §12): one setting of one desk and its new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeItem {
    /// The desk.
    pub desk: DeskId,
    /// The change's id: with the desk, the idempotency key.
    pub change: crate::model::ChangeId,
    /// The setting.
    pub key: String,
    /// Its new value.
    pub value: String,
}

impl ChangeItem {
    /// The body sent: `{"<key>": "<value>"}`.
    pub fn body(&self) -> String {
        let mut map = serde_json::Map::new();
        map.insert(self.key.clone(), self.value.clone().into());
        serde_json::Value::Object(map).to_string()
    }
}

/// One destination, opened once per run.
pub trait Target {
    /// Hands one certificate over and says what came of it. Errors are
    /// outcomes too: a destination never panics or aborts the run.
    fn push(&mut self, item: &PushItem, now: Instant) -> Outcome;

    /// Applies one scheduled setting change, with the same rules: an error
    /// is an outcome (retried, or refused for good).
    fn apply(&mut self, change: &ChangeItem, now: Instant) -> Outcome;
}
