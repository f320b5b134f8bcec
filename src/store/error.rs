//! What can go wrong with the store, in the user's terms.

use std::path::{Path, PathBuf};

use super::{LockError, Store, SCHEMA_VERSION};

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
    /// sled found its files damaged (see [`engine_error`] for when vigie
    /// says so): the one case where a restore is the way out.
    #[error("the store in {path} cannot be used: {message}. If it was damaged, restore it from a backup with `vigie restore FILE`")]
    Engine {
        /// The store's folder.
        path: PathBuf,
        /// sled's words.
        message: String,
    },
    /// sled failed to open, read or write for a reason that says nothing of
    /// the files' state (an I/O error, a bug it reports): a restore would
    /// not help, and would lose what was recorded since the backup.
    #[error("the store in {path} cannot be used: {message}")]
    Unavailable {
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

/// sled's error, in the user's terms: a full disk is not a damaged store.
///
/// A restore is advised only when sled reports `Corruption`: a record of its
/// log, or its last finished snapshot, fails its checksum. Any other error
/// (an I/O error, a file lock, a bug) leaves the files as they were, and
/// restoring would throw away everything recorded since the backup (and
/// send its messages again). The one `Corruption` that is not damage, the
/// half-written snapshot a full disk leaves, is removed before sled opens
/// (`disk::clear_incomplete_snapshots`), so it never gets here.
pub(super) fn engine_error(path: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => StoreError::Full {
            path: path.to_owned(),
        },
        e @ sled::Error::Corruption { .. } => StoreError::Engine {
            path: path.to_owned(),
            message: e.to_string(),
        },
        e => StoreError::Unavailable {
            path: path.to_owned(),
            message: e.to_string(),
        },
    }
}

impl Store {
    /// sled's error, naming this store's folder.
    pub(super) fn engine(&self, e: sled::Error) -> StoreError {
        engine_error(&self.path, e)
    }
}

impl From<sled::transaction::UnabortableTransactionError> for StoreError {
    fn from(e: sled::transaction::UnabortableTransactionError) -> Self {
        StoreError::Transaction(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_corruption_advises_a_restore() {
        let path = Path::new("/data/store");
        let damaged = engine_error(path, sled::Error::Corruption { at: None, bt: () });
        assert!(damaged.to_string().contains("vigie restore"), "{damaged}");
        for e in [
            sled::Error::Io(std::io::Error::other("could not acquire lock")),
            sled::Error::Io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
            sled::Error::Unsupported("a feature".into()),
            sled::Error::ReportableBug("a bug".into()),
        ] {
            let e = engine_error(path, e);
            assert!(!e.to_string().contains("restore"), "{e}");
            assert!(e.to_string().contains("/data/store"), "{e}");
        }
        let full = engine_error(
            path,
            sled::Error::Io(std::io::Error::from(std::io::ErrorKind::StorageFull)),
        );
        assert!(matches!(full, StoreError::Full { .. }), "{full}");
    }
}
