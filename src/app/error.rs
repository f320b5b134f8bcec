//! What can end an application operation. The variants say what happened, not
//! how to print it: the shells decide the exit code and the hint.

use std::io;

use crate::alerts::AlertError;
use crate::certgen::CertgenError;
use crate::desk::DeskId;
use crate::push::PushError;
use crate::store::{BackupError, LockError, StoreError};

/// An error of an application operation.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The store failed (locked, unwritable, damaged, a conflict).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An alert run failed.
    #[error(transparent)]
    Alert(#[from] AlertError),
    /// A push run failed.
    #[error(transparent)]
    Push(#[from] PushError),
    /// The intake's trust anchors cannot be used (a configuration problem).
    #[error("{0}")]
    Trust(#[from] crate::cert::chain::TrustError),
    /// A file could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file, as named by the user.
        file: String,
        /// Why.
        source: io::Error,
    },
    /// A folder could not be listed.
    #[error("cannot read the folder {folder}: {source}")]
    ReadFolder {
        /// The folder.
        folder: String,
        /// Why.
        source: io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {file}: {source}")]
    Write {
        /// The file.
        file: String,
        /// Why.
        source: io::Error,
    },
    /// A file could not be removed.
    #[error("cannot remove {file}: {source}")]
    Remove {
        /// The file.
        file: String,
        /// Why.
        source: io::Error,
    },
    /// A desk roster (CSV) was refused as a whole.
    #[error("{file}: {reason}; nothing was imported")]
    Roster {
        /// The file.
        file: String,
        /// Why it cannot be read as a roster.
        reason: String,
    },
    /// Rows of a desk roster are wrong: each, `(line, reason)`, in line
    /// order; nothing was imported.
    #[error(
        "{file}: {} wrong; nothing was imported{}",
        rows_count(rows),
        rows_list(file, rows)
    )]
    RosterRows {
        /// The file.
        file: String,
        /// The bad rows: line number and what is wrong.
        rows: Vec<(u64, String)>,
    },
    /// A backup could not be encoded.
    #[error("encoding the backup: {0}")]
    EncodeBackup(serde_json::Error),
    /// A file is not a vigie backup at all.
    #[error("{file} is not a vigie backup: {source}")]
    NotABackup {
        /// The file.
        file: String,
        /// Why.
        source: serde_json::Error,
    },
    /// A backup was not restored: the store already holds data.
    #[error("{file}: {source}")]
    NotEmpty {
        /// The backup file.
        file: String,
        /// [`BackupError::NotEmpty`], which says how to force it.
        source: BackupError,
    },
    /// A backup could not be restored (damaged, or from a newer vigie). A
    /// store failure during the restore is [`AppError::Store`].
    #[error("{file}: {source}")]
    Restore {
        /// The backup file.
        file: String,
        /// Why.
        source: BackupError,
    },
    /// The desk is not in the inventory.
    #[error("no desk {0}")]
    NoDesk(DeskId),
    /// The desk is neither in the inventory nor in the history.
    #[error("desk {0} is not in the inventory and has no history")]
    NoHistory(DeskId),
    /// The desk has no failed push to re-arm.
    #[error("{0} has no failed push")]
    NoFailedPush(DeskId),
    /// A certificate file was refused (`cert normalize`); the message is the
    /// refusal in French, as the desks read it.
    #[error("{file}: {reason}")]
    Refused {
        /// The file.
        file: String,
        /// The refusal, in French.
        reason: String,
        /// Its reason code.
        code: &'static str,
    },
    /// A folder exists and is not one `vigie demo` made.
    #[error("{0} exists and was not made by vigie demo; give another --dir")]
    NotADemo(String),
    /// The earlier demo could not be removed.
    #[error("cannot clear the earlier demo in {dir}: {source}")]
    ClearDemo {
        /// The demo folder.
        dir: String,
        /// Why.
        source: io::Error,
    },
    /// The demo's certificates could not be made.
    #[error("demo: {what}: {source}")]
    Demo {
        /// What was being made.
        what: &'static str,
        /// Why.
        source: CertgenError,
    },
    /// The clock is earlier than the last run of the alerts or the digest:
    /// deciding now could send notices that are no longer true (a reminder
    /// for a threshold already passed, a digest for a past day).
    #[error("the clock says {now}, earlier than the last {what} run ({last}): nothing was decided or sent, so that no out-of-date notice goes out; check the system clock (or --now)")]
    ClockBehind {
        /// `alerts` or `digest`.
        what: &'static str,
        /// The instant of this run, RFC 3339.
        now: String,
        /// The last run's, RFC 3339.
        last: String,
    },
    /// A command that only reads found no store: it creates none.
    #[error("no vigie store in the data directory {}", data_dir.display())]
    NoStore {
        /// The data directory, as given.
        data_dir: std::path::PathBuf,
    },
}

/// "1 row is" or "3 rows are".
fn rows_count(rows: &[(u64, String)]) -> String {
    match rows.len() {
        1 => "1 row is".into(),
        n => format!("{n} rows are"),
    }
}

/// One line per bad row, each naming the file and the line, as compilers
/// and editors point at them.
fn rows_list(file: &str, rows: &[(u64, String)]) -> String {
    rows.iter()
        .map(|(line, reason)| format!("\n  {file}, line {line}: {reason}"))
        .collect()
}

/// What kept the store from being used, when that is what failed: the shells
/// give each its own advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreAccess {
    /// Another process holds the data directory's lock.
    Busy,
    /// The data directory cannot be written (read-only, wrong owner).
    Unwritable,
}

impl AppError {
    /// Whether the store could not be used, and why.
    pub fn store_access(&self) -> Option<StoreAccess> {
        let store = match self {
            AppError::Store(s)
            | AppError::Alert(AlertError::Store(s))
            | AppError::Push(PushError::Store(s)) => s,
            _ => return None,
        };
        match store {
            StoreError::Lock(LockError::Busy { .. }) => Some(StoreAccess::Busy),
            StoreError::Lock(LockError::Io { .. }) | StoreError::Io { .. } => {
                Some(StoreAccess::Unwritable)
            }
            _ => None,
        }
    }
}

impl From<crate::cert::ingest::IntakeError> for AppError {
    fn from(e: crate::cert::ingest::IntakeError) -> Self {
        match e {
            crate::cert::ingest::IntakeError::Store(e) => AppError::Store(e),
            crate::cert::ingest::IntakeError::Trust(e) => AppError::Trust(e),
        }
    }
}
