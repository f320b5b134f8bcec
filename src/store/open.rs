//! Opening a store: the data directory's lock, the disk (room to open, and
//! what a full disk left behind, see `disk`), sled's files (owner-only),
//! then the schema check.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::error::engine_error;
use super::{disk, tx, DirLock, Store, StoreError};

/// sled's page cache. Its default (1 GiB) is sized for a database server;
/// a command scans a tree once and exits, and the service reopens the store
/// for each job, so a small cache costs no reads and keeps vigie light
/// beside anything else on the machine.
const CACHE_BYTES: u64 = 32 * 1024 * 1024;

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
        let start = std::time::Instant::now();
        let lock = Store::lock(data_dir, wait)?;
        // What is left of the wait (at least 5 s in all) is for sled's own
        // lock, see below.
        let sled_wait = wait
            .max(Duration::from_secs(5))
            .saturating_sub(start.elapsed());
        Store::open_locked(
            data_dir,
            &data_dir.join(disk::STORE),
            Arc::new(lock),
            sled_wait,
        )
    }

    /// Creates the data directory if need be and takes its lock, waiting up
    /// to `wait`; then puts right what an interrupted restore left (under
    /// the lock, so that no other vigie is restoring).
    pub(super) fn lock(data_dir: &Path, wait: Duration) -> Result<DirLock, StoreError> {
        create_private_dir(data_dir)?;
        let lock = DirLock::acquire(data_dir, wait)?;
        disk::finish_interrupted_restore(data_dir)?;
        Ok(lock)
    }

    /// Opens the sled database at `path` in `data_dir` under the data
    /// directory's `lock`, already held (shared by the two stores a restore
    /// has open, the old and the new one beside it), waiting up to `wait`
    /// for sled's own lock.
    pub(super) fn open_locked(
        data_dir: &Path,
        path: &Path,
        lock: Arc<DirLock>,
        wait: Duration,
    ) -> Result<Store, StoreError> {
        let start = std::time::Instant::now();
        let path = path.to_owned();
        // Under our lock, so that no other vigie is writing a snapshot we
        // would take for a left-over; and before the room check, which
        // counts the snapshot sled is about to write again.
        disk::clear_incomplete_snapshots(&path)?;
        disk::check_free_space(data_dir, &path)?;
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
                        && start.elapsed() < wait =>
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

impl Store {
    /// Opens the store of a data directory only if it holds one already, for
    /// the commands that only read (DESIGN §13): `Ok(None)` when there is no
    /// store, and then nothing was created — neither the data directory, nor
    /// its lock file, nor sled's files.
    pub fn open_existing(data_dir: &Path, wait: Duration) -> Result<Option<Store>, StoreError> {
        // sled's database file is there from a store's first opening on, in
        // every release (older stores have no "initialised" marker).
        // A restore interrupted between its two renames left the store
        // aside; opening puts it back.
        let has = |dir: &str| data_dir.join(dir).join("db").is_file();
        if !has(disk::STORE) && !has(disk::REPLACED) {
            return Ok(None);
        }
        Store::open(data_dir, wait).map(Some)
    }
}
