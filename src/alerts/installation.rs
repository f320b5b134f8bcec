//! The installation's identity: a random value drawn once per data
//! directory and kept in `<data-dir>/installation-id`, mixed into every
//! Message-ID vigie makes.
//!
//! A Message-ID must be unique in the world (RFC 5322 §3.6.4). One derived
//! from the record's key alone (kind, desk, certificate, threshold or date)
//! is the same in two installations that send from the same domain — two
//! teams of one organisation, a test copy beside production — so that the
//! digests of a day, for one, share one Message-ID, and a receiving system
//! that deduplicates drops one of them. The key still fixes the identity
//! within an installation: a retried message keeps its Message-ID.

use std::path::Path;

/// The file that holds the identity, in the data directory.
pub const FILE: &str = "installation-id";

/// The installation's identity (32 lowercase hex digits). When the file
/// is missing it is created if `create` (a run that records messages),
/// else `None` is returned (a dry run writes nothing).
pub fn id(data_dir: &Path, create: bool) -> std::io::Result<Option<String>> {
    let path = data_dir.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let id = text.trim();
            if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(Some(id.to_ascii_lowercase()));
            }
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} does not hold 32 hexadecimal digits; remove it and vigie draws a new one",
                    path.display()
                ),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if !create {
        return Ok(None);
    }
    let mut bytes = [0u8; 16];
    // The operating system's generator, through the crypto provider rustls
    // already carries: no new dependency for sixteen bytes.
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| std::io::Error::other("the system's random generator failed"))?;
    let id = hex::encode(bytes);
    // Written under the store's lock (a run holds the store): no other
    // vigie process draws one at the same time.
    crate::fsutil::write_atomic(
        &path,
        format!("{id}\n").as_bytes(),
        crate::fsutil::OWNER_ONLY,
    )?;
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_once_then_kept_and_never_drawn_on_a_dry_run() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(id(dir.path(), false).unwrap(), None);
        assert!(!dir.path().join(FILE).exists());
        let a = id(dir.path(), true).unwrap().unwrap();
        assert_eq!(a.len(), 32);
        assert_eq!(id(dir.path(), true).unwrap().unwrap(), a);
        assert_eq!(id(dir.path(), false).unwrap().unwrap(), a);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(id(other.path(), true).unwrap().unwrap(), a);
        std::fs::write(dir.path().join(FILE), "nope").unwrap();
        assert!(id(dir.path(), true).is_err());
    }
}
