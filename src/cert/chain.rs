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
#[error("{dir}: {message}")]
pub struct TrustError {
    /// The folder.
    pub dir: String,
    /// What is wrong.
    pub message: String,
}

fn certs_in(dir: &Path) -> Result<Vec<Vec<u8>>, TrustError> {
    let err = |m: String| TrustError {
        dir: dir.display().to_string(),
        message: m,
    };
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| err(e.to_string()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for p in entries {
        if let Ok(bytes) = read_limited(&p, 16 * 1024 * 1024) {
            out.extend(sniff(&bytes).certs);
        }
    }
    if out.is_empty() {
        return Err(err("holds no certificate".into()));
    }
    Ok(out)
}

impl TrustStore {
    /// Loads the anchors (and the intermediates, if a folder is given).
    pub fn load(anchors: &Path, intermediates: Option<&Path>) -> Result<TrustStore, TrustError> {
        Ok(TrustStore {
            anchors: certs_in(anchors)?,
            intermediates: match intermediates {
                Some(d) => certs_in(d)?,
                None => Vec::new(),
            },
        })
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
