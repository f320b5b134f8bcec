//! The `directory` destination: `<dir>/<desk-id>.pem` in normal form and a
//! `manifest.json` listing them, for a national side that picks files up.
//!
//! Every file is written atomically (a temporary file in the same folder,
//! fsync, rename, fsync of the folder), so a reader never sees a half-written
//! certificate or manifest, with mode 0644 whatever the umask of whoever runs
//! vigie. Two renames cannot be one, so the order is chosen to keep the
//! invariant that matters to a reader: every manifest entry names a file that
//! is present and holds exactly that certificate. When a desk's certificate is
//! replaced, its entry leaves the manifest before the file is replaced and
//! comes back after. A crash between two renames can leave at most one
//! certificate file present but not yet listed; its job is still pending, so
//! the next run lists it (and pushes it again).
//!
//! The manifest lists only what vigie wrote: a `<desk-id>.pem` that someone
//! else put or swapped there is never listed, and the folder is read without
//! following links, only regular files, and only so much of each, so that a
//! named pipe or a link to `/dev/zero` planted there cannot stop the push.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ChangeItem, Outcome, PushItem, PushJob, PushState, Target};
use crate::clock::{rfc3339, Instant};
use crate::desk::DeskId;
use crate::fingerprint::Sha256;
use crate::fsutil::{open_regular, Links};
// Temporary files start with this, so that readers (and the clean-up at the
// next run) can tell them from certificates.
use crate::fsutil::TEMP_PREFIX;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// The mode of every file vigie writes in the folder: the national side,
/// another user, reads them; only vigie writes them.
pub const FILE_MODE: u32 = 0o644;

/// The most of a certificate file read back: one certificate in PEM is a
/// few KiB; far more is not a file vigie wrote.
const CERT_LIMIT: u64 = 16 * 1024 * 1024;

/// The most of the manifest read back: about 170 bytes a desk, so room for
/// some 400,000 desks.
const MANIFEST_LIMIT: u64 = 64 * 1024 * 1024;

/// One line of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The desk id; the file is `<desk>.pem`.
    pub desk: String,
    /// SHA-256 of the certificate's DER, lower-case hex.
    pub sha256: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// When vigie wrote the file, RFC 3339 UTC.
    pub pushed_at: String,
}

/// The folder, opened for a run: the manifest is kept in memory and rewritten
/// after each change.
pub struct DirectoryTarget {
    dir: PathBuf,
    manifest: BTreeMap<String, ManifestEntry>,
    /// Each entry's JSON line, so that rewriting the manifest after each of
    /// thousands of pushes copies text instead of serialising it again.
    lines: BTreeMap<String, String>,
}

/// Why the folder cannot be used at all.
#[derive(Debug, thiserror::Error)]
#[error("the national folder {path}: {what}: {source}")]
pub struct DirectoryError {
    /// The folder or file.
    pub path: PathBuf,
    /// What was being done.
    pub what: &'static str,
    /// The cause.
    pub source: std::io::Error,
}

impl DirectoryTarget {
    /// Opens (creating) the folder, removes temporary files a crash left, and
    /// makes the manifest list only the certificates vigie wrote there that
    /// are still intact: each entry of the previous manifest whose file still
    /// holds that very certificate (by SHA-256), and a file holding the
    /// certificate of one of the `jobs` still pending for its desk (written,
    /// then a crash before it was listed). Any other `<desk-id>.pem` is left
    /// alone and not listed.
    pub fn open(
        dir: &Path,
        now: Instant,
        jobs: &[PushJob],
    ) -> Result<DirectoryTarget, DirectoryError> {
        let err = |what, path: &Path| {
            let path = path.to_owned();
            move |source| DirectoryError { path, what, source }
        };
        fs::create_dir_all(dir).map_err(err("cannot create it", dir))?;
        // `None` when absent, not a regular file or not a manifest: it is
        // then written anew.
        let read: Option<Vec<ManifestEntry>> = read_bounded(&dir.join(MANIFEST), MANIFEST_LIMIT)
            .and_then(|b| serde_json::from_slice(&b).ok());
        let intact = read.is_some();
        let old: BTreeMap<String, ManifestEntry> = read
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.desk.clone(), e))
            .collect();
        let in_flight: HashSet<(&str, Sha256)> = jobs
            .iter()
            .filter(|j| j.state == PushState::Pending)
            .map(|j| (j.desk.as_str(), j.sha256))
            .collect();
        let in_flight_desks: HashSet<&str> = in_flight.iter().map(|(d, _)| *d).collect();
        let mut manifest = BTreeMap::new();
        for entry in fs::read_dir(dir).map_err(err("cannot list it", dir))? {
            let entry = entry.map_err(err("cannot list it", dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) {
                let _ = fs::remove_file(entry.path());
                continue;
            }
            let Some(desk) = name.strip_suffix(".pem") else {
                continue;
            };
            if DeskId::parse(desk).is_err() {
                continue; // not ours
            }
            let listed = old.get(desk);
            if listed.is_none() && !in_flight_desks.contains(desk) {
                continue; // vigie did not write it: not even read
            }
            let Some((sha, not_after)) = read_cert(&entry.path()) else {
                continue;
            };
            let kept = listed.filter(|e| e.sha256 == sha.to_hex());
            if kept.is_none() && !in_flight.contains(&(desk, sha)) {
                continue; // swapped since vigie wrote it
            }
            let pushed_at = match kept {
                Some(e) => e.pushed_at.clone(),
                None => rfc3339(now),
            };
            manifest.insert(
                desk.to_owned(),
                ManifestEntry {
                    desk: desk.to_owned(),
                    sha256: sha.to_hex(),
                    not_after: rfc3339(not_after),
                    pushed_at,
                },
            );
        }
        let lines = manifest
            .iter()
            .map(|(k, e)| (k.clone(), entry_line(e)))
            .collect();
        let target = DirectoryTarget {
            dir: dir.to_owned(),
            manifest,
            lines,
        };
        if target.manifest != old || !intact {
            target
                .write_manifest()
                .map_err(err("cannot write the manifest", &dir.join(MANIFEST)))?;
        }
        Ok(target)
    }

    /// Writes the manifest: a JSON array, one entry per line, in desk order.
    fn write_manifest(&self) -> std::io::Result<()> {
        let mut text = String::with_capacity(self.lines.len() * 160 + 4);
        text.push('[');
        for (i, line) in self.lines.values().enumerate() {
            text.push_str(if i == 0 { "\n  " } else { ",\n  " });
            text.push_str(line);
        }
        text.push_str("\n]\n");
        write_atomic(&self.dir, MANIFEST, text.as_bytes())
    }

    fn put(&mut self, item: &PushItem, now: Instant) -> std::io::Result<()> {
        let desk = item.desk.as_str();
        let sha = item.sha256.to_hex();
        if self.manifest.get(desk).is_some_and(|e| e.sha256 != sha) {
            self.manifest.remove(desk);
            self.lines.remove(desk);
            self.write_manifest()?;
        }
        write_atomic(&self.dir, &format!("{desk}.pem"), item.pem.as_bytes())?;
        let entry = ManifestEntry {
            desk: desk.to_owned(),
            sha256: sha,
            not_after: rfc3339(item.not_after),
            pushed_at: rfc3339(now),
        };
        self.lines.insert(desk.to_owned(), entry_line(&entry));
        self.manifest.insert(desk.to_owned(), entry);
        self.write_manifest()
    }
}

/// The sub-folder of scheduled setting changes: `parametrage/<desk>.json`.
pub const SETTINGS_DIR: &str = "parametrage";

/// The most of a desk's settings file read back.
const SETTINGS_LIMIT: u64 = 1024 * 1024;

impl DirectoryTarget {
    /// Writes `parametrage/<desk>.json`: the JSON object of the settings
    /// vigie set there for the desk, this change's key set to its value.
    /// The keys set by earlier changes are kept, so that two changes of one
    /// desk applied before the national side read the file are both in it;
    /// a file that is not such an object (or not a regular file) is
    /// replaced. Written atomically, mode 0644, like the certificates.
    fn put_setting(&self, change: &ChangeItem) -> std::io::Result<()> {
        let dir = self.dir.join(SETTINGS_DIR);
        fs::create_dir_all(&dir)?;
        let name = format!("{}.json", change.desk);
        let mut map = read_bounded(&dir.join(&name), SETTINGS_LIMIT)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| match v {
                serde_json::Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default();
        map.insert(change.key.clone(), change.value.clone().into());
        let mut text = serde_json::Value::Object(map).to_string();
        text.push('\n');
        write_atomic(&dir, &name, text.as_bytes())
    }
}

impl Target for DirectoryTarget {
    fn push(&mut self, item: &PushItem, now: Instant) -> Outcome {
        match self.put(item, now) {
            Ok(()) => Outcome::Done,
            // A full disk or a permission fixed later: worth another try.
            Err(e) => Outcome::Retry(format!("writing to {}: {e}", self.dir.display())),
        }
    }

    fn apply(&mut self, change: &ChangeItem, _now: Instant) -> Outcome {
        match self.put_setting(change) {
            Ok(()) => Outcome::Done,
            Err(e) => Outcome::Retry(format!(
                "writing to {}: {e}",
                self.dir.join(SETTINGS_DIR).display()
            )),
        }
    }
}

/// One manifest entry as a line of JSON.
fn entry_line(e: &ManifestEntry) -> String {
    // Four strings of our own into memory: serialisation cannot fail.
    serde_json::to_string(e).unwrap_or_default()
}

/// The fingerprint and end of validity of a PEM certificate file, or `None`
/// if it is not one.
fn read_cert(path: &Path) -> Option<(Sha256, Instant)> {
    let text = read_bounded(path, CERT_LIMIT)?;
    let block = pem::parse(text).ok()?;
    if block.tag() != "CERTIFICATE" {
        return None;
    }
    let der = block.contents();
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = chrono::DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0)?;
    Some((Sha256::of(der), not_after))
}

/// The content of `path` if it is a regular file (not a link, a named pipe
/// or a device: anyone who can write in the folder may have put one there)
/// of at most `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> Option<Vec<u8>> {
    let (file, meta) = open_regular(path, Links::Refuse).ok()?;
    if meta.len() > limit {
        return None;
    }
    let mut bytes = Vec::new();
    // It may have grown since: never read past the limit.
    file.take(limit + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= limit).then_some(bytes)
}

/// Writes `name` in `dir` so that it is either its old content or the whole
/// new one, even across a crash or a power cut (see [`crate::fsutil`]), with
/// mode [`FILE_MODE`].
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    crate::fsutil::write_atomic_with_mode(&dir.join(name), bytes, FILE_MODE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    fn item(desk: &str, der: &[u8]) -> PushItem {
        PushItem {
            desk: DeskId::parse(desk).unwrap(),
            sha256: Sha256::of(der),
            not_after: parse_instant("2029-01-01T00:00:00Z").unwrap(),
            pem: super::super::normal_pem(der),
        }
    }

    fn cert_der(cn: &str) -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(vec![]).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.self_signed(&key).unwrap().der().to_vec()
    }

    fn pending(desk: &str, der: &[u8]) -> PushJob {
        PushJob {
            desk: DeskId::parse(desk).unwrap(),
            sha256: Sha256::of(der),
            destination: "directory:x".into(),
            state: PushState::Pending,
            attempts: 1,
            next_attempt: None,
            last_error: None,
            created_at: parse_instant("2027-01-01T00:00:00Z").unwrap(),
            done_at: None,
        }
    }

    fn manifest(dir: &Path) -> Vec<ManifestEntry> {
        serde_json::from_slice(&fs::read(dir.join(MANIFEST)).unwrap()).unwrap()
    }

    #[test]
    fn writes_files_and_a_manifest_that_lists_them() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("national");
        let now = parse_instant("2027-01-01T00:00:00Z").unwrap();
        let mut t = DirectoryTarget::open(&dir, now, &[]).unwrap();
        assert!(manifest(&dir).is_empty());
        let (a, b) = (cert_der("a"), cert_der("b"));
        assert_eq!(t.push(&item("732829320-00001", &a), now), Outcome::Done);
        assert_eq!(t.push(&item("732829320-00001", &b), now), Outcome::Done);
        let m = manifest(&dir);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].sha256, Sha256::of(&b).to_hex());
        let on_disk = fs::read_to_string(dir.join("732829320-00001.pem")).unwrap();
        assert_eq!(on_disk, super::super::normal_pem(&b));
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn opening_repairs_what_a_crash_left() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let now = parse_instant("2027-01-01T00:00:00Z").unwrap();
        let a = cert_der("a");
        fs::write(
            dir.join("732829320-00001.pem"),
            super::super::normal_pem(&a),
        )
        .unwrap();
        fs::write(
            dir.join(".vigie-tmp-1-732829320-00002.pem"),
            b"-----BEGIN CERT",
        )
        .unwrap();
        fs::write(dir.join("notes.txt"), b"kept").unwrap();
        fs::write(
            dir.join(MANIFEST),
            br#"[{"desk":"732829320-00003","sha256":"00","not_after":"x","pushed_at":"x"}]"#,
        )
        .unwrap();
        // The crash came between writing 00001.pem and listing it: its job
        // is still pending.
        DirectoryTarget::open(dir, now, &[pending("732829320-00001", &a)]).unwrap();
        let m = manifest(dir);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].desk, "732829320-00001");
        assert_eq!(m[0].sha256, Sha256::of(&a).to_hex());
        assert!(!dir.join(".vigie-tmp-1-732829320-00002.pem").exists());
        assert!(dir.join("notes.txt").exists());
    }

    #[test]
    fn opening_lists_only_what_vigie_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let now = parse_instant("2027-01-01T00:00:00Z").unwrap();
        let (a, b, c) = (cert_der("a"), cert_der("b"), cert_der("c"));
        let mut t = DirectoryTarget::open(dir, now, &[]).unwrap();
        assert_eq!(t.push(&item("732829320-00001", &a), now), Outcome::Done);
        assert_eq!(t.push(&item("732829320-00002", &b), now), Outcome::Done);
        // A file for a desk vigie never wrote there, one swapped for another
        // certificate, and one replaced by a link to a file that holds the
        // listed certificate.
        let pem = super::super::normal_pem;
        fs::write(dir.join("732829320-00003.pem"), pem(&c)).unwrap();
        fs::write(dir.join("732829320-00001.pem"), pem(&c)).unwrap();
        fs::write(dir.join("elsewhere"), pem(&b)).unwrap();
        fs::remove_file(dir.join("732829320-00002.pem")).unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("732829320-00002.pem")).unwrap();
        // Not in flight either: only a pending job's certificate is adopted.
        let done = PushJob {
            state: PushState::Done,
            ..pending("732829320-00003", &c)
        };
        DirectoryTarget::open(dir, now, &[done]).unwrap();
        assert!(manifest(dir).is_empty(), "{:?}", manifest(dir));
    }

    #[test]
    fn a_pipe_where_a_listed_file_was_is_dropped_without_waiting() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let now = parse_instant("2027-01-01T00:00:00Z").unwrap();
        let a = cert_der("a");
        let mut t = DirectoryTarget::open(dir, now, &[]).unwrap();
        assert_eq!(t.push(&item("732829320-00001", &a), now), Outcome::Done);
        let file = dir.join("732829320-00001.pem");
        fs::remove_file(&file).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap();
        assert!(made.success());
        let mut t = DirectoryTarget::open(dir, now, &[pending("732829320-00001", &a)]).unwrap();
        assert!(manifest(dir).is_empty());
        // Pushing again puts a file in its place.
        assert_eq!(t.push(&item("732829320-00001", &a), now), Outcome::Done);
        assert_eq!(manifest(dir).len(), 1);
        assert!(fs::symlink_metadata(&file).unwrap().is_file());
    }
}
