//! The store: everything vigie knows, kept in an embedded sled database in the
//! data directory, behind an interface that speaks of desks, certificates,
//! alerts, pushes and the audit log. Nothing outside this module knows it is
//! sled.
//!
//! Writes go through [`Store::write`], one sled transaction over every tree, so
//! that a change and its audit line land together or not at all — a desk import
//! killed half-way leaves none of it. Every write is flushed to disk before
//! `write` returns: what the CLI reports as done is durable.
//!
//! The files are named after what they hold: [`Store`] and its write
//! transactions here, opening in `open`, what is checked of the disk before
//! (free room, sled's half-written snapshots) in `disk`, the schema and its
//! upgrades in `schema`, errors in `error`, reads of the inventory (desks,
//! certificates) in `inventory` and of the logs (alerts, pushes, audit, job
//! runs) in `logs`, over the generic reads of `query`.

mod backup;
mod campaigns;
mod cert_codec;
mod changes;
mod codec;
mod disk;
mod error;
mod inventory;
mod lock;
mod logs;
mod mail;
mod open;
mod query;
mod reader;
mod roster;
mod schema;
pub(crate) mod trees;
mod tx;

use std::path::{Path, PathBuf};

pub use backup::{decode_backup, Backup, BackupError};
pub use codec::{decode, encode};
pub use error::StoreError;
pub use lock::{DirLock, LockError};
pub use open::create_private_dir;
pub use schema::SCHEMA_VERSION;
pub use tx::Tx;

// Kept at their old paths for the code that names them here; the records
// themselves are the model's.
pub use crate::model::{alert_key, JobRun, RosterEntry};

/// An open store, holding the data directory's lock.
pub struct Store {
    db: sled::Db,
    t: tx::Trees,
    path: PathBuf,
    /// Shared only while a restore has the old store and the new one beside
    /// it open together.
    _lock: std::sync::Arc<DirLock>,
}

impl Store {
    /// The folder of the sled database.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes everything written so far to disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(|e| self.engine(e))
    }

    /// Runs `f` as one atomic transaction over the whole store, then flushes.
    /// `f` may run more than once if sled detects a conflict, so it must not
    /// have side effects outside the transaction.
    pub fn write<R>(
        &self,
        f: impl Fn(&mut Tx<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let r = self.write_unflushed(f)?;
        self.flush()?;
        Ok(r)
    }

    /// [`Store::write`] without the flush, for a run of transactions that
    /// is reported only as a whole (bulk intake): each transaction is still
    /// atomic (sled recovers whole transactions, in order), and the caller
    /// calls [`Store::flush`] before it reports any of them done.
    pub fn write_unflushed<R>(
        &self,
        f: impl Fn(&mut Tx<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.t.transact(f).map_err(|e| match e {
            tx::TxFailure::Abort(e) => e,
            tx::TxFailure::Engine(e) => self.engine(e),
        })
    }

    /// Whether the store holds nothing but its schema version.
    pub fn is_empty(&self) -> bool {
        self.t.all().iter().skip(1).all(|t| t.is_empty())
    }
}

// The instant of the last real run of the alerts and the digest, kept in
// the meta tree (not in backups: a restored store starts without it).
impl Store {
    /// When `what` (`alerts`, `digest`) last ran for real, as recorded by
    /// [`Store::record_run_at`].
    pub fn last_run_at(&self, what: &str) -> Result<Option<crate::model::Instant>, StoreError> {
        let key = format!("last_run.{what}");
        match self
            .t
            .meta
            .get(key.as_bytes())
            .map_err(|e| self.engine(e))?
        {
            None => Ok(None),
            Some(v) => decode(&v, trees::META, key.as_bytes()).map(Some),
        }
    }

    /// Records that `what` ran at `at`; an earlier instant than the one on
    /// record changes nothing.
    pub fn record_run_at(&self, what: &str, at: crate::model::Instant) -> Result<(), StoreError> {
        if self.last_run_at(what)?.is_some_and(|last| last >= at) {
            return Ok(());
        }
        let key = format!("last_run.{what}");
        self.t
            .meta
            .insert(key.as_bytes(), encode(&at))
            .map_err(|e| self.engine(e))?;
        self.flush()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Writes are flushed by `write`; this catches the schema line and any
        // future write path that forgets.
        let _ = self.db.flush();
    }
}

#[cfg(test)]
mod tests;
