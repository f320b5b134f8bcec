//! Writing files that must never be seen half-written: the one atomic writer
//! of vigie (backups, the outbox's `.eml` files, the `directory` push
//! destination's certificates and manifest); and opening files that must be
//! regular files ([`open_regular`]), so that a named pipe or a device met
//! where a file was expected cannot make vigie wait or read without end.
//!
//! A temporary file is created in the target's folder under an unpredictable
//! name, exclusively (`O_EXCL`, by `tempfile`), so nobody can guess it and
//! plant a link there; it is flushed to disk, renamed over the target, and
//! the folder is flushed so the rename itself survives a crash. A failed
//! write removes its temporary file.

use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Every temporary file starts with this, so that readers of a folder (and
/// the clean-up of the `directory` destination) can tell it from the files
/// it will become.
pub const TEMP_PREFIX: &str = ".vigie-tmp-";

/// Permissions for files only their owner may read (backups, e-mails).
pub const OWNER_ONLY: u32 = 0o600;

/// Writes `bytes` to `path` atomically, creating it with permissions `mode`
/// (narrowed by the umask), e.g. [`OWNER_ONLY`].
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    write(path, bytes, mode, false)
}

/// [`write_atomic`], with exactly the permissions `mode` whatever the umask
/// of whoever runs vigie: for files another party reads (the national
/// folder), whose access must not depend on how vigie was started.
pub fn write_atomic_with_mode(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    write(path, bytes, mode, true)
}

/// Files written atomically (renamed whole into place, as by
/// [`write_atomic`]) but made durable together, by [`Batch::sync`]: one
/// `syncfs` for the lot where [`write_atomic`] flushes each file and its
/// folder (two waits on the disk per file). For many small files whose
/// loss (or emptiness) after a crash before `sync` returned is harmless:
/// the outbox's replies, written again under the same name by the next
/// run, since none is recorded sent before `sync`.
pub struct Batch {
    /// A folder of the files' file system, once one is written.
    dir: Option<File>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch { dir: None }
    }

    /// Writes `bytes` to `path` atomically, not yet durably.
    pub fn write(&mut self, path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
        let dir = write_then_rename(path, bytes, mode, false, false)?;
        if self.dir.is_none() {
            self.dir = Some(File::open(dir)?);
        }
        Ok(())
    }

    /// Makes every file written so far durable, renames included.
    pub fn sync(&mut self) -> std::io::Result<()> {
        match self.dir.take() {
            Some(dir) => rustix::fs::syncfs(&dir).map_err(std::io::Error::from),
            None => Ok(()),
        }
    }
}

impl Default for Batch {
    fn default() -> Batch {
        Batch::new()
    }
}

fn write(path: &Path, bytes: &[u8], mode: u32, exact: bool) -> std::io::Result<()> {
    let dir = write_then_rename(path, bytes, mode, exact, true)?;
    File::open(dir)?.sync_all()
}

/// A temporary file written, flushed if `flush`, and renamed over `path`;
/// returns the folder, whose flush makes the rename durable. Unflushed, a
/// reader still never meets the file half-written, but a crash before the
/// file system is flushed may leave it empty.
fn write_then_rename<'p>(
    path: &'p Path,
    bytes: &[u8],
    mode: u32,
    exact: bool,
    flush: bool,
) -> std::io::Result<&'p Path> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"))?;
    let suffix = format!("-{}", name.to_string_lossy());
    // Dropping the temporary file (on any error below) removes it.
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(&suffix)
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    if exact {
        // The umask narrowed the mode at creation; fchmod does not apply it.
        tmp.as_file()
            .set_permissions(Permissions::from_mode(mode))?;
    }
    tmp.write_all(bytes)?;
    if flush {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(dir)
}

/// Whether [`open_regular`] follows a symbolic link found at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow it: a file the operator names may be a link to the real one.
    Follow,
    /// Refuse it: in a folder vigie writes, a link is not vigie's and could
    /// lead anywhere (`/dev/zero`, another user's file).
    Refuse,
}

/// Opens `path` for reading if, once open, it is a regular file; returns it
/// with its metadata. Anything else (a named pipe, a device, a socket, a
/// folder, a link when `links` is [`Links::Refuse`]) is an error of kind
/// `InvalidInput` whose text starts with "not a regular file".
///
/// The file is opened without blocking (`O_NONBLOCK`: opening a named pipe
/// for reading would otherwise wait for a writer, for ever) and without
/// becoming the controlling terminal (`O_NOCTTY`), and its type is checked
/// on the open file (fstat), not on the path beforehand, so that nothing can
/// be swapped in between. `O_NONBLOCK` changes nothing for a regular file.
pub fn open_regular(path: &Path, links: Links) -> std::io::Result<(File, Metadata)> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = match OpenOptions::new().read(true).custom_flags(flags).open(path) {
        Ok(file) => file,
        Err(e) => {
            // Say what the path is when that is why the open failed (a link
            // under O_NOFOLLOW gives ELOOP, a socket ENXIO): looked at only
            // to word the refusal, so no race matters.
            let meta = match links {
                Links::Follow => std::fs::metadata(path),
                Links::Refuse => std::fs::symlink_metadata(path),
            };
            return Err(match meta {
                Ok(m) if !m.is_file() => not_regular(&m),
                _ => e,
            });
        }
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta))
}

/// The error for a path that is not a regular file, naming what it is.
fn not_regular(meta: &Metadata) -> std::io::Error {
    let t = meta.file_type();
    let what = [
        (t.is_fifo(), "a named pipe"),
        (t.is_char_device(), "a character device"),
        (t.is_block_device(), "a block device"),
        (t.is_socket(), "a socket"),
        (t.is_dir(), "a folder"),
        (t.is_symlink(), "a symbolic link"),
    ]
    .into_iter()
    .find_map(|(is, what)| is.then_some(what));
    let text = match what {
        Some(what) => format!("not a regular file: {what}"),
        None => "not a regular file".to_owned(),
    };
    std::io::Error::new(std::io::ErrorKind::InvalidInput, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.pem");
        write_atomic(&p, b"one", 0o600).unwrap();
        write_atomic(&p, b"two", 0o600).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_batch_writes_whole_owner_only_files_and_syncs_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut batch = Batch::new();
        // Nothing written: nothing to flush.
        batch.sync().unwrap();
        for i in 0..3 {
            let p = dir.path().join(format!("{i}.eml"));
            batch.write(&p, b"first", OWNER_ONLY).unwrap();
            // Written again under the same name (a repeated reply): replaced.
            batch
                .write(&p, format!("reply {i}").as_bytes(), OWNER_ONLY)
                .unwrap();
        }
        batch.sync().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["0.eml", "1.eml", "2.eml"]);
        assert_eq!(std::fs::read(dir.path().join("2.eml")).unwrap(), b"reply 2");
        let mode = std::fs::metadata(dir.path().join("0.eml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    #[test]
    fn with_mode_gives_exactly_that_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.pem");
        // 0666 is what any umask but 0 narrows.
        write_atomic_with_mode(&p, b"one", 0o666).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o666
        );
    }

    fn refusal(path: &Path, links: Links) -> String {
        let e = open_regular(path, links).map(|_| ()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
        e.to_string()
    }

    #[test]
    fn only_regular_files_open_and_a_pipe_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.pem");
        std::fs::write(&file, b"x").unwrap();
        let (_, meta) = open_regular(&file, Links::Refuse).unwrap();
        assert_eq!(meta.len(), 1);

        // No writer will ever come: a blocking open would wait for good.
        let pipe = dir.path().join("pipe.pem");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(
            refusal(&pipe, Links::Follow),
            "not a regular file: a named pipe"
        );

        let zero = dir.path().join("zero.pem");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(
            refusal(&zero, Links::Follow),
            "not a regular file: a character device"
        );
        assert_eq!(
            refusal(&zero, Links::Refuse),
            "not a regular file: a symbolic link"
        );
        let link = dir.path().join("link.pem");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(open_regular(&link, Links::Follow).is_ok());
        assert_eq!(
            refusal(&link, Links::Refuse),
            "not a regular file: a symbolic link"
        );
        assert_eq!(
            refusal(dir.path(), Links::Follow),
            "not a regular file: a folder"
        );
        let missing = open_regular(&dir.path().join("none"), Links::Follow).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty folder fails.
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("x"), b"x").unwrap();
        assert!(write_atomic(&target, b"one", OWNER_ONLY).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
