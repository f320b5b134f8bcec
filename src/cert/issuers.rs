//! Known issuers (issue 18): without trust anchors, a renewal must come from
//! an authority vigie already knows — the issuer of a desk's current
//! certificate, learnt when that certificate became current (at the first
//! load, `cert ingest --initial`), or a CA certificate of
//! `intake.known_issuers_dir`. A self-signed certificate is never a desk's.
//!
//! An issuer known by name only (the current certificates name their
//! issuer, but seldom carry its certificate) is matched by name. When vigie
//! holds the issuer's certificate (from the folder, or from the chain that
//! came with a current certificate), the renewal must carry its signature:
//! a name is easily copied, a signature is not.

use std::collections::{HashMap, HashSet};

use super::chain::TrustStore;
use super::parse::CertInfo;
use super::reason::Refusal;
use crate::clock::Instant;

/// The authorities a renewal may come from.
#[derive(Debug, Default, Clone)]
pub struct KnownIssuers {
    /// Issuer DNs of current certificates.
    names: HashSet<String>,
    /// CA certificates (DER) by their subject DN.
    certs: HashMap<String, Vec<Vec<u8>>>,
}

impl KnownIssuers {
    /// Learns the issuer named by a certificate that became current.
    pub fn learn_name(&mut self, issuer: &str) {
        if !self.names.contains(issuer) {
            self.names.insert(issuer.to_owned());
        }
    }

    /// Learns a CA certificate (from the folder or a stored chain); what is
    /// not a readable CA certificate is ignored.
    pub fn learn_cert(&mut self, der: &[u8]) {
        if let Ok(info) = CertInfo::from_der(der) {
            if info.is_ca {
                let certs = self.certs.entry(info.subject).or_default();
                if !certs.iter().any(|c| c == der) {
                    certs.push(der.to_vec());
                }
            }
        }
    }

    /// Whether vigie knows no issuer at all.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.certs.is_empty()
    }

    /// Whether `leaf` comes from a known issuer, directly or through the
    /// intermediates of its file (`bundle`, DER), judged at `now` (kept
    /// inside the leaf's validity: expiry is the policy's own check).
    pub fn check(&self, leaf: &CertInfo, bundle: &[Vec<u8>], now: Instant) -> Result<(), Refusal> {
        if let Some(certs) = self.certs.get(&leaf.issuer) {
            let signed = TrustStore::of(certs.clone())
                .verify(&leaf.der, &[], leaf.not_before, leaf.not_after, now)
                .is_ok();
            return if signed {
                Ok(())
            } else {
                Err(Refusal::UnknownIssuer(leaf.issuer.clone()))
            };
        }
        if self.names.contains(&leaf.issuer) {
            return Ok(());
        }
        // An intermediate sent with the certificate, itself signed by a
        // known authority.
        if !bundle.is_empty() && !self.certs.is_empty() {
            let all: Vec<Vec<u8>> = self.certs.values().flatten().cloned().collect();
            let trust = TrustStore::of(all);
            if trust
                .verify(&leaf.der, bundle, leaf.not_before, leaf.not_after, now)
                .is_ok()
            {
                return Ok(());
            }
        }
        Err(Refusal::UnknownIssuer(leaf.issuer.clone()))
    }
}

/// Whether a certificate is its own issuer: a desk's certificate comes from
/// a certification authority, never from itself.
pub fn is_self_signed(leaf: &CertInfo) -> bool {
    leaf.issuer == leaf.subject
}
