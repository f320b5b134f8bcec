//! The store: everything vigie knows, kept in an embedded sled database in the
//! data directory, behind an interface that speaks of desks, certificates,
//! alerts, pushes and the audit log. Nothing outside this module knows it is
//! sled.
//!
//! Writes go through [`Store::write`], one sled transaction over every tree, so
//! that a change and its audit line land together or not at all — a desk import
//! killed half-way leaves none of it. Every write is flushed to disk before
//! `write` returns: what the CLI reports as done is durable.

mod backup;
mod cert_codec;
mod codec;
mod lock;
mod reader;
mod roster;
mod tx;

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::{
    AlertKind, AlertRecord, AlertState, AuditEntry, CertRecord, CertSummary, Desk, DeskId, PushJob,
    Sha256,
};

pub use backup::{Backup, BackupError};
pub use codec::{decode, encode};
pub use lock::{DirLock, LockError};
pub use tx::Tx;

// Kept at their old paths for the code that names them here; the records
// themselves are the model's.
pub use crate::model::{alert_key, JobRun, RosterEntry};

/// The schema this release writes and reads. Version 2 keeps the state of
/// each current certificate's push in its summary; a version 1 store is
/// upgraded when it is opened.
pub const SCHEMA_VERSION: u32 = 2;

/// sled's page cache. Its default (1 GiB) is sized for a database server;
/// a command scans a tree once and exits, and the service reopens the store
/// for each job, so a small cache costs no reads and keeps vigie light
/// beside anything else on the machine.
const CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// A file in the store's folder, next to sled's own, written once the schema
/// version is on disk: from then on a store without a schema version is a
/// damaged one, not a new one.
const INITIALISED: &str = "vigie-initialised";

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the data directory.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A file-system error around the store.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// sled failed to open, read or write.
    #[error("the store in {path} cannot be used: {message}. If it was damaged, restore it from a backup with `vigie restore FILE`")]
    Engine {
        /// The store's folder.
        path: PathBuf,
        /// sled's words.
        message: String,
    },
    /// The disk holding the store is full. sled writes a transaction whole
    /// or not at all, so nothing half-written is left; the command can be
    /// run again once there is room.
    #[error("the disk holding the store {path} is full: nothing of this command was recorded. Free some space and run it again")]
    Full {
        /// The store's folder.
        path: PathBuf,
    },
    /// A value could not be decoded.
    #[error("the store holds a value it cannot read (tree {tree}, key {key}): {reason}. Restore it from a backup with `vigie restore FILE`")]
    Decode {
        /// The tree.
        tree: String,
        /// The key, escaped.
        key: String,
        /// Why.
        reason: String,
    },
    /// The store was written by a newer release.
    #[error("the store in {path} has schema version {found}; this vigie knows version {SCHEMA_VERSION}: upgrade vigie")]
    Schema {
        /// The store's folder.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// A write was refused because it breaks a rule (an unknown desk…).
    #[error("{0}")]
    Conflict(String),
    /// A sled transaction step failed; conflicts are retried by [`Store::write`]
    /// and never reach a caller.
    #[error("store transaction: {0}")]
    Transaction(sled::transaction::UnabortableTransactionError),
}

/// The names of sled's trees; each holds one kind of record.
pub(crate) mod trees {
    pub const META: &str = "meta";
    pub const DESKS: &str = "desks";
    pub const CERTS: &str = "certs";
    pub const HISTORY: &str = "history";
    pub const CURRENT: &str = "current";
    pub const ALERTS: &str = "alerts";
    pub const OUTBOX: &str = "outbox";
    pub const AUDIT: &str = "audit";
    pub const JOBS: &str = "jobs";

    /// Every tree a backup carries, in restore order.
    pub const DATA: [&str; 8] = [DESKS, CERTS, HISTORY, CURRENT, ALERTS, OUTBOX, AUDIT, JOBS];
}

/// An open store, holding the data directory's lock.
pub struct Store {
    db: sled::Db,
    t: tx::Trees,
    path: PathBuf,
    _lock: DirLock,
}

/// sled's error, in the user's terms: a full disk is not a damaged store.
fn engine_error(path: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => StoreError::Full {
            path: path.to_owned(),
        },
        e => StoreError::Engine {
            path: path.to_owned(),
            message: e.to_string(),
        },
    }
}

/// Creates a folder (and its parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StoreError::Io {
            what: "cannot create the folder",
            path: dir.to_owned(),
            source,
        })
}

impl Store {
    /// Opens (creating if need be) the store of a data directory, waiting up to
    /// `wait` for another vigie process to finish with it.
    pub fn open(data_dir: &Path, wait: Duration) -> Result<Store, StoreError> {
        create_private_dir(data_dir)?;
        let start = std::time::Instant::now();
        let lock = DirLock::acquire(data_dir, wait)?;
        let path = data_dir.join("store");
        let engine = |e: sled::Error| engine_error(&path, e);
        // sled releases its own file lock from background threads a moment
        // after the previous holder dropped it (the service reopens the store
        // for every job, a CLI command may follow another at once): our lock
        // is already ours, so a busy sled lock only needs a short wait.
        let mut pause = Duration::from_millis(5);
        let db = loop {
            match sled::Config::new()
                .path(&path)
                .mode(sled::Mode::HighThroughput)
                .cache_capacity(CACHE_BYTES)
                .open()
            {
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && start.elapsed() < wait.max(Duration::from_secs(5)) =>
                {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                other => break other.map_err(engine)?,
            }
        };
        restrict_permissions(&path);
        let t = tx::Trees::open(&db).map_err(engine)?;
        let store = Store {
            db,
            t,
            path,
            _lock: lock,
        };
        store.check_schema()?;
        Ok(store)
    }

    fn engine(&self, e: sled::Error) -> StoreError {
        engine_error(&self.path, e)
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let current = self
            .t
            .meta
            .get("schema_version")
            .map_err(|e| self.engine(e))?;
        match current {
            // sled recovers a damaged log by dropping everything from the
            // first bad record on, silently: a store that was initialised
            // (its marker says so) and has lost its schema version has lost
            // its data, and must not be mistaken for a new, empty one.
            None if self.path.join(INITIALISED).exists() => Err(StoreError::Engine {
                path: self.path.clone(),
                message: format!(
                    "it was initialised ({} exists) but its schema version is gone: the database file is damaged. Move the folder aside (mv {} {}.damaged) before restoring",
                    INITIALISED,
                    self.path.display(),
                    self.path.display()
                ),
            }),
            None => {
                self.t
                    .meta
                    .insert("schema_version", &SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| self.engine(e))?;
                self.flush()?;
                self.mark_initialised()
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Decode {
                        tree: trees::META.into(),
                        key: "schema_version".into(),
                        reason: "not a 4-byte number".into(),
                    })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::Schema {
                        path: self.path.clone(),
                        found,
                    });
                }
                if found < SCHEMA_VERSION {
                    self.upgrade(found)?;
                }
                // Stores made before the marker existed get it now.
                if !self.path.join(INITIALISED).exists() {
                    self.mark_initialised()?;
                }
                Ok(())
            }
        }
    }

    /// Brings a store written by an earlier release to this schema. Each
    /// step is idempotent and the version is written after it is flushed: a
    /// crash in between only means the step runs again at the next open.
    fn upgrade(&self, from: u32) -> Result<(), StoreError> {
        if from < 2 {
            let n = self.fill_push_states()?;
            tracing::info!(
                "store upgraded to schema 2: {n} current summaries now carry their push state"
            );
        }
        self.t
            .meta
            .insert("schema_version", &SCHEMA_VERSION.to_be_bytes())
            .map_err(|e| self.engine(e))?;
        self.flush()
    }

    /// Copies into each current summary the state of its certificate's push
    /// job (what [`Tx`] keeps up to date on every write): for stores and
    /// backups made before summaries carried it. Returns how many changed.
    pub(crate) fn fill_push_states(&self) -> Result<usize, StoreError> {
        let mut changed = Vec::new();
        for (desk, mut summary) in self.current_summaries()? {
            let push = self.push_job(&desk, &summary.sha256)?.map(|j| j.state);
            if summary.push != push {
                summary.push = push;
                changed.push((desk, summary));
            }
        }
        // In slices: one transaction of 100,000 summaries held a gigabyte.
        // Each summary is right on its own, so a crash between slices only
        // leaves the rest to the next run.
        for slice in changed.chunks(2_000) {
            self.write(|tx| {
                for (desk, summary) in slice {
                    tx.put_summary_as_is(desk, summary)?;
                }
                Ok(())
            })?;
        }
        Ok(changed.len())
    }

    /// Writes the marker saying this store holds its schema version (after
    /// that version was flushed, so that a crash in between leaves a store
    /// that is simply initialised again).
    fn mark_initialised(&self) -> Result<(), StoreError> {
        let marker = self.path.join(INITIALISED);
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&marker)
            .and_then(|mut f| {
                std::io::Write::write_all(
                    &mut f,
                    b"vigie store; its schema version is in the meta tree\n",
                )
            })
            .map_err(|source| StoreError::Io {
                what: "cannot write",
                path: marker,
                source,
            })
    }

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

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key).map_err(|e| self.engine(e))? {
            None => Ok(None),
            Some(v) => decode(&v, name, key).map(Some),
        }
    }

    fn scan<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &str,
        prefix: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        self.scan_containing(tree, name, prefix, &[])
    }

    /// The values under `prefix` whose encoding holds every one of
    /// `needles`, decoded. Values are JSON written by [`encode`], so a field
    /// is found as `"name":"value"` in their bytes: the alert log and the
    /// audit log grow for years, and most of their records are skipped this
    /// way without being decoded. Callers still check the decoded value.
    fn scan_containing<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &str,
        prefix: &[u8],
        needles: &[Vec<u8>],
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        for item in tree.scan_prefix(prefix) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let holds = |n: &Vec<u8>| v.windows(n.len()).any(|w| w == n.as_slice());
            if needles.iter().all(holds) {
                out.push(decode(&v, name, &k)?);
            }
        }
        Ok(out)
    }

    /// One desk.
    pub fn desk(&self, id: &DeskId) -> Result<Option<Desk>, StoreError> {
        self.get(&self.t.desks, trees::DESKS, id.as_str().as_bytes())
    }

    /// Every desk, in identifier order.
    pub fn desks(&self) -> Result<Vec<Desk>, StoreError> {
        self.scan(&self.t.desks, trees::DESKS, b"")
    }

    /// How many desks there are. sled keeps no count: this walks the
    /// tree, so it is not for hot paths.
    pub fn desk_count(&self) -> usize {
        self.t.desks.len()
    }

    /// A certificate by fingerprint.
    pub fn cert(&self, sha: &Sha256) -> Result<Option<CertRecord>, StoreError> {
        match self
            .t
            .certs
            .get(sha.as_bytes())
            .map_err(|e| self.engine(e))?
        {
            None => Ok(None),
            Some(v) => cert_codec::decode_cert(&v, trees::CERTS, sha.as_bytes()).map(Some),
        }
    }

    /// The desk's current certificate, if it has one.
    pub fn current_cert(&self, desk: &DeskId) -> Result<Option<CertRecord>, StoreError> {
        let Some(sha) = self.current_sha(desk)? else {
            return Ok(None);
        };
        self.cert(&sha)
    }

    /// The fingerprint of the desk's current certificate.
    pub fn current_sha(&self, desk: &DeskId) -> Result<Option<Sha256>, StoreError> {
        Ok(self.current_summary(desk)?.map(|s| s.sha256))
    }

    /// The summary of the desk's current certificate.
    pub fn current_summary(&self, desk: &DeskId) -> Result<Option<CertSummary>, StoreError> {
        self.get(&self.t.current, trees::CURRENT, desk.as_str().as_bytes())
    }

    /// Every desk's current certificate fingerprint, in desk order.
    pub fn current_all(&self) -> Result<Vec<(DeskId, Sha256)>, StoreError> {
        Ok(self
            .current_summaries()?
            .into_iter()
            .map(|(d, s)| (d, s.sha256))
            .collect())
    }

    /// Every desk's current certificate summary, in desk order.
    pub fn current_summaries(&self) -> Result<Vec<(DeskId, CertSummary)>, StoreError> {
        let mut out = Vec::new();
        for item in self.t.current.iter() {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let key = String::from_utf8_lossy(&k);
            let desk = DeskId::parse(&key).map_err(|e| StoreError::Decode {
                tree: trees::CURRENT.into(),
                key: key.to_string(),
                reason: e.to_string(),
            })?;
            out.push((desk, decode(&v, trees::CURRENT, &k)?));
        }
        Ok(out)
    }

    /// Every certificate a desk has had, oldest end of validity first.
    pub fn history(&self, desk: &DeskId) -> Result<Vec<CertRecord>, StoreError> {
        let prefix = tx::history_prefix(desk);
        let mut out = Vec::new();
        for item in self.t.history.scan_prefix(&prefix) {
            let (k, _) = item.map_err(|e| self.engine(e))?;
            if let Some(sha) = Sha256::from_slice(&k[prefix.len()..]) {
                if let Some(rec) = self.cert(&sha)? {
                    out.push(rec);
                }
            }
        }
        out.sort_by_key(|c| (c.not_after, c.ingested_at));
        Ok(out)
    }

    /// One alert record by its key (see [`alert_key`]).
    pub fn alert(&self, key: &[u8]) -> Result<Option<AlertRecord>, StoreError> {
        self.get(&self.t.alerts, trees::ALERTS, key)
    }

    /// The key of every alert record, in order (the planner's "already
    /// decided" set), without decoding the records.
    pub fn alert_keys(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.t
            .alerts
            .iter()
            .keys()
            .map(|k| k.map(|k| k.to_vec()).map_err(|e| self.engine(e)))
            .collect()
    }

    /// Every alert record, in key order.
    pub fn alerts(&self) -> Result<Vec<AlertRecord>, StoreError> {
        self.scan(&self.t.alerts, trees::ALERTS, b"")
    }

    /// The alert records in one state, in key order.
    pub fn alerts_in(&self, state: AlertState) -> Result<Vec<AlertRecord>, StoreError> {
        let name = state_name(&state);
        let mut recs: Vec<AlertRecord> =
            self.scan_containing(&self.t.alerts, trees::ALERTS, b"", &[field("state", &name)])?;
        recs.retain(|r| r.state == state);
        Ok(recs)
    }

    /// The alert records of one kind (their keys start with it), in key order.
    pub fn alerts_of(&self, kind: AlertKind) -> Result<Vec<AlertRecord>, StoreError> {
        let prefix = format!("{}|", kind.as_str());
        self.scan(&self.t.alerts, trees::ALERTS, prefix.as_bytes())
    }

    /// One push job.
    pub fn push_job(&self, desk: &DeskId, sha: &Sha256) -> Result<Option<PushJob>, StoreError> {
        self.get(&self.t.outbox, trees::OUTBOX, &tx::outbox_key(desk, sha))
    }

    /// Every push job, in desk order.
    pub fn push_jobs(&self) -> Result<Vec<PushJob>, StoreError> {
        self.scan(&self.t.outbox, trees::OUTBOX, b"")
    }

    /// The audit log, oldest first, optionally for one desk.
    pub fn audit(&self, desk: Option<&DeskId>) -> Result<Vec<AuditEntry>, StoreError> {
        let needles: Vec<Vec<u8>> = desk.iter().map(|d| field("desk", d.as_str())).collect();
        let mut lines: Vec<AuditEntry> =
            self.scan_containing(&self.t.audit, trees::AUDIT, b"", &needles)?;
        lines.retain(|e| desk.is_none() || e.desk.as_ref() == desk);
        Ok(lines)
    }

    /// Calls `each` with every audit line, oldest first, as the log is read.
    /// Decoding is most of the work: the log is cut in two halves by key,
    /// each read and decoded on a thread of its own, the second getting up
    /// to 32,768 lines ahead while the caller takes the first.
    pub fn audit_each<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(AuditEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        let first = self.t.audit.first().map_err(|e| self.engine(e))?;
        let last = self.t.audit.last().map_err(|e| self.engine(e))?;
        // Keys are ids from sled's counter, big-endian: the middle id cuts
        // the log in two halves of about the same length.
        let id = |k: &sled::IVec| <[u8; 8]>::try_from(k.as_ref()).ok().map(u64::from_be_bytes);
        let middle = match (first, last) {
            (Some((a, _)), Some((b, _))) => match (id(&a), id(&b)) {
                (Some(a), Some(b)) => (a / 2 + b / 2).to_be_bytes(),
                _ => u64::MAX.to_be_bytes(),
            },
            _ => return Ok(()),
        };
        std::thread::scope(|s| {
            let decode = || reader::decoder::<AuditEntry>(trees::AUDIT);
            let halves = [
                reader::spawn_range_reader(s, self.t.audit.range(..middle), 4, self, decode()),
                reader::spawn_range_reader(s, self.t.audit.range(middle..), 64, self, decode()),
            ];
            for half in halves {
                let mut lines = reader::Ordered::new(half);
                while lines.peek()?.is_some() {
                    if let Some((_, line)) = lines.take() {
                        each(line)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The audit lines of one action with one outcome, oldest first.
    pub fn audit_of(&self, action: &str, outcome: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let needles = [field("action", action), field("outcome", outcome)];
        let mut lines: Vec<AuditEntry> =
            self.scan_containing(&self.t.audit, trees::AUDIT, b"", &needles)?;
        lines.retain(|e| e.action == action && e.outcome == outcome);
        Ok(lines)
    }

    /// The last recorded run of a service job.
    pub fn job_run(&self, job: &str) -> Result<Option<JobRun>, StoreError> {
        self.get(&self.t.jobs, trees::JOBS, job.as_bytes())
    }

    /// The last recorded run of every job.
    pub fn job_runs(&self) -> Result<Vec<JobRun>, StoreError> {
        self.scan(&self.t.jobs, trees::JOBS, b"")
    }

    /// Whether the store holds nothing but its schema version.
    pub fn is_empty(&self) -> bool {
        self.t.all().iter().skip(1).all(|t| t.is_empty())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Writes are flushed by `write`; this catches the schema line and any
        // future write path that forgets.
        let _ = self.db.flush();
    }
}

/// A JSON field as the encoder writes it, to look for in a value's bytes.
fn field(name: &str, value: &str) -> Vec<u8> {
    let value = serde_json::to_string(value).expect("serialising a string to memory");
    format!("\"{name}\":{value}").into_bytes()
}

/// The JSON name of a serialisable unit value (an enum's variant).
fn state_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Makes the store's files owner-only: sled creates them with the process
/// umask, and they hold contact addresses.
fn restrict_permissions(path: &Path) {
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700));
    for entry in entries.flatten() {
        let mode = if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            restrict_permissions(&entry.path());
            0o700
        } else {
            0o600
        };
        let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode));
    }
}

#[cfg(test)]
mod tests;
