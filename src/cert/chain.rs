//! Chain validation with rustls-webpki, when `intake.trust_anchors_dir` is
//! set: the leaf must chain to one of the anchors, through intermediates from
//! the received bundle or `intake.intermediates_dir`. Extended key usage is
//! not judged here (the policy warns about it) and the time used is inside
//! the leaf's validity, since expiry is the policy's own, overridable check.

use std::path::Path;

use rustls::pki_types::{CertificateDer, UnixTime};

use super::sniff::{read_limited, sniff};
use crate::clock::Instant;

/// The configured anchors and intermediates, DER.
#[derive(Debug, Default, Clone)]
pub struct TrustStore {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
}

/// A trust directory that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {dir}: {message}")]
pub struct TrustError {
    /// The configuration key that names the folder.
    pub key: &'static str,
    /// The folder.
    pub dir: String,
    /// What is wrong.
    pub message: String,
}

/// The CA certificates of a configured folder, and what was wrong with the
/// files left out: reported when intake starts, never skipped silently.
#[derive(Debug, Default)]
pub struct CaFolder {
    /// The certificates, DER, in file-name order.
    pub certs: Vec<Vec<u8>>,
    /// One sentence per file left out or suspicious, naming it.
    pub problems: Vec<String>,
}

/// Reads every certificate of the files in `dir` (not in sub-folders;
/// hidden files left out), named in errors and problems by `key`. A folder
/// that cannot be listed is an error; a file that cannot be read or holds
/// no certificate is a problem, and so is an authority expired at `now`.
pub fn read_ca_folder(dir: &Path, key: &'static str, now: Instant) -> Result<CaFolder, TrustError> {
    let err = |m: String| TrustError {
        key,
        dir: dir.display().to_string(),
        message: m,
    };
    let listing = std::fs::read_dir(dir).map_err(|e| {
        err(if e.kind() == std::io::ErrorKind::NotFound {
            "the folder does not exist".to_owned()
        } else {
            e.to_string()
        })
    })?;
    let mut entries: Vec<_> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .filter(|p| !p.is_dir())
        .collect();
    entries.sort();
    let mut out = CaFolder::default();
    for p in entries {
        let name = p.display();
        match read_limited(&p, 16 * 1024 * 1024) {
            Err(e) => out.problems.push(format!("{key}: {name}: left out: {e}")),
            Ok(bytes) => {
                let certs = sniff(&bytes).certs;
                if certs.is_empty() {
                    out.problems
                        .push(format!("{key}: {name}: left out: it holds no certificate"));
                }
                for c in certs {
                    if let Ok(info) = super::parse::CertInfo::from_der(&c) {
                        if info.not_after < now {
                            out.problems.push(format!(
                                "{key}: {name}: the authority {} expired on {}",
                                info.subject,
                                crate::clock::rfc3339(info.not_after)
                            ));
                        }
                    }
                    out.certs.push(c);
                }
            }
        }
    }
    Ok(out)
}

impl TrustStore {
    /// Loads the anchors (and the intermediates, if a folder is given), with
    /// the problems met on the way.
    pub fn load(
        anchors: &Path,
        intermediates: Option<&Path>,
        now: Instant,
    ) -> Result<(TrustStore, Vec<String>), TrustError> {
        let a = read_ca_folder(anchors, "intake.trust_anchors_dir", now)?;
        if a.certs.is_empty() {
            return Err(TrustError {
                key: "intake.trust_anchors_dir",
                dir: anchors.display().to_string(),
                message: "holds no certificate".into(),
            });
        }
        let mut problems = a.problems;
        let intermediates = match intermediates {
            Some(d) => {
                let i = read_ca_folder(d, "intake.intermediates_dir", now)?;
                problems.extend(i.problems);
                i.certs
            }
            None => Vec::new(),
        };
        Ok((
            TrustStore {
                anchors: a.certs,
                intermediates,
            },
            problems,
        ))
    }

    /// A store of these anchors alone: to check that a certificate is
    /// signed by one of them.
    pub fn of(anchors: Vec<Vec<u8>>) -> TrustStore {
        TrustStore {
            anchors,
            intermediates: Vec::new(),
        }
    }

    /// Checks that `leaf` chains to an anchor, using `bundle` (the other
    /// certificates of the file) as intermediates too.
    pub fn verify(
        &self,
        leaf: &[u8],
        bundle: &[Vec<u8>],
        not_before: Instant,
        not_after: Instant,
        now: Instant,
    ) -> Result<(), String> {
        let anchors: Vec<_> = self
            .anchors
            .iter()
            .filter_map(|a| {
                webpki::anchor_from_trusted_cert(&CertificateDer::from(a.as_slice()))
                    .ok()
                    .map(|t| t.to_owned())
            })
            .collect();
        let inter: Vec<CertificateDer<'_>> = bundle
            .iter()
            .chain(self.intermediates.iter())
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let leaf_der = CertificateDer::from(leaf);
        let ee = webpki::EndEntityCert::try_from(&leaf_der).map_err(|e| e.to_string())?;
        // `clamp` panics when the bounds are reversed: such a certificate is
        // refused by the policy (`invalid_validity`), and is checked here at
        // `now` rather than bring the batch down.
        let at = if not_before <= not_after {
            now.clamp(not_before, not_after)
        } else {
            now
        };
        let at = at.timestamp().max(0) as u64;
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &inter,
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(at)),
            AnyUsage,
            None,
            None,
        )
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
    }
}

/// Accepts any extended key usage: usage is the policy's concern.
struct AnyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyUsage {
    fn validate(&self, _: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}
