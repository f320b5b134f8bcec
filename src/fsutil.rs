//! Writing files that must never be seen half-written: the one atomic writer
//! of vigie (backups, the outbox's `.eml` files, the `directory` push
//! destination's certificates and manifest).
//!
//! A temporary file is created in the target's folder under an unpredictable
//! name, exclusively (`O_EXCL`, by `tempfile`), so nobody can guess it and
//! plant a link there; it is flushed to disk, renamed over the target, and
//! the folder is flushed so the rename itself survives a crash. A failed
//! write removes its temporary file.

use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Every temporary file starts with this, so that readers of a folder (and
/// the clean-up of the `directory` destination) can tell it from the files
/// it will become.
pub const TEMP_PREFIX: &str = ".vigie-tmp-";

/// Permissions for files only their owner may read (backups, e-mails).
pub const OWNER_ONLY: u32 = 0o600;

/// Permissions that the process umask narrows, as `File::create` gives
/// (certificates for a national side that picks files up).
pub const UMASK_DEFAULT: u32 = 0o666;

/// Writes `bytes` to `path` atomically, creating it with permissions `mode`
/// (narrowed by the umask), e.g. [`OWNER_ONLY`].
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
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
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
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
