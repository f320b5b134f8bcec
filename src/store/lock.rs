//! The data directory's lock: one process at a time works on the store.
//!
//! sled takes its own exclusive lock and fails at once when it cannot; vigie
//! takes a lock of its own first, on `vigie.lock`, and waits for it, so that two
//! commands started together run one after the other and the user never sees a
//! lock error. The holder writes its process id into the file, so a process
//! that waits too long can say who holds the store.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; released when dropped (the OS releases it if the process dies).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process kept it for longer than we would wait.
    #[error("the data directory {dir} is in use by process {holder} and was not released within {waited} s")]
    Busy {
        /// The data directory.
        dir: PathBuf,
        /// The holder's process id, as it wrote it.
        holder: String,
        /// How long we waited, in seconds.
        waited: u64,
    },
    /// The lock file could not be opened.
    #[error("cannot open {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Opens a lock file (creating it when `create`) without following a
/// symbolic link (`O_NOFOLLOW`), and only if it is a regular file once
/// open: vigie writes its process id into it, and a link planted at that
/// well-known name would make vigie write into whatever it points to (a
/// file of the user running vigie, or a named pipe that would stall it).
/// `O_NONBLOCK` keeps a named pipe from blocking the open itself; it changes
/// nothing for a regular file.
fn open_lock_file(path: &Path, create: bool) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match std::fs::symlink_metadata(path) {
            // ELOOP says little: name what is there.
            Ok(m) if m.file_type().is_symlink() => refused(path, "a symbolic link"),
            _ => e,
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(path, "not a regular file"));
    }
    Ok(file)
}

/// The error for a lock path vigie will not use.
fn refused(path: &Path, what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "refused: it is {what}, not vigie's lock file; vigie never follows it. Remove {} if you did not make it",
            path.display()
        ),
    )
}

impl DirLock {
    /// Takes the lock of `dir`, waiting up to `wait`.
    pub fn acquire(dir: &Path, wait: Duration) -> Result<DirLock, LockError> {
        Self::acquire_named(dir, "vigie.lock", wait)
    }

    /// Takes the lock held in file `name` of `dir`, waiting up to `wait`.
    pub fn acquire_named(dir: &Path, name: &str, wait: Duration) -> Result<DirLock, LockError> {
        let path = dir.join(name);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = open_lock_file(&path, true).map_err(io)?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    return Err(LockError::Busy {
                        dir: dir.to_owned(),
                        holder: holder.trim().to_owned(),
                        waited: wait.as_secs(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(DirLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who holds the lock of `dir` now, if anyone (the pid the holder wrote);
    /// never through a link planted at the lock's name.
    pub fn holder(dir: &Path) -> Option<String> {
        let path = dir.join("vigie.lock");
        let mut file = open_lock_file(&path, false).ok()?;
        match file.try_lock() {
            Ok(()) => None,
            Err(_) => {
                let mut s = String::new();
                file.read_to_string(&mut s).ok()?;
                Some(s.trim().to_owned())
            }
        }
    }
}
