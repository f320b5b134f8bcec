//! Chain validation with rustls-webpki, when `intake.trust_anchors_dir` is
//! set: the leaf must chain to one of the anchors, through intermediates from
//! the received bundle or `intake.intermediates_dir`. The leaf's extended key
//! usage is not judged here (the policy warns about it), but an intermediate
//! that restricts its usages must allow a desk's (client authentication or
//! e-mail protection). The time used is inside the leaf's validity, since
//! expiry is the policy's own, overridable check. A failure says precisely
//! what is wrong ([`ChainProblem`]), in words, never a debug dump.

use std::path::Path;

use rustls::pki_types::{CertificateDer, UnixTime};

use super::sniff::{read_limited, sniff};
use crate::clock::Instant;

/// Why a certificate does not chain to the trust anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// An intermediate (named) is expired, or not yet valid, at the date
    /// checked.
    ExpiredIntermediate(String),
    /// The certificate of this issuer is neither in the file nor in
    /// `intake.intermediates_dir`.
    MissingIntermediate(String),
    /// The chain ends at this root, which is not a trust anchor.
    UntrustedRoot(String),
    /// A signature does not verify with its issuer's key.
    BadSignature,
    /// A certificate of the chain (named, when known) is used for what it
    /// may not do: an intermediate whose extended key usage excludes a
    /// desk's, an end-entity used as a CA…
    WrongUsage(Option<String>),
    /// Something else (the verifier's own word for it).
    Other(String),
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

impl ChainProblem {
    /// The cause in French, a clause after "le certificat ne remonte pas à
    /// une autorité de confiance : ".
    pub fn fr(&self) -> String {
        match self {
            ChainProblem::ExpiredIntermediate(n) => format!("le certificat de l'autorité intermédiaire {n} a expiré (ou n'est pas encore valide)"),
            ChainProblem::MissingIntermediate(n) => format!("le certificat de l'autorité intermédiaire {n} manque (joignez la chaîne complète, fichier .p7b, ou placez-le dans le dossier des intermédiaires)"),
            ChainProblem::UntrustedRoot(n) => format!("la chaîne aboutit à l'autorité racine {n}, qui ne fait pas partie des autorités de confiance"),
            ChainProblem::BadSignature => "une signature de la chaîne est invalide : le certificat n'a pas été signé par l'autorité qu'il désigne".into(),
            ChainProblem::WrongUsage(Some(n)) => format!("l'usage du certificat {n} ne permet pas d'émettre un certificat de guichet (authentification client ou protection du courriel)"),
            ChainProblem::WrongUsage(None) => "un certificat de la chaîne est employé pour un usage qu'il n'autorise pas".into(),
            ChainProblem::Other(what) => format!("la chaîne ne peut pas être vérifiée ({what})"),
        }
    }

    /// The cause in English, a sentence without its final stop.
    pub fn en(&self) -> String {
        match self {
            ChainProblem::ExpiredIntermediate(n) => format!("the intermediate authority {n} has expired (or is not yet valid)"),
            ChainProblem::MissingIntermediate(n) => format!("the certificate of the intermediate authority {n} is missing (send the whole chain, a .p7b file, or put it in the intermediates folder)"),
            ChainProblem::UntrustedRoot(n) => format!("the chain ends at the root authority {n}, which is not trusted"),
            ChainProblem::BadSignature => "a signature of the chain is invalid: the certificate was not signed by the authority it names".into(),
            ChainProblem::WrongUsage(Some(n)) => format!("the usage of {n} does not allow issuing a desk certificate (client authentication or e-mail protection)"),
            ChainProblem::WrongUsage(None) => "a certificate of the chain is used for a usage it does not allow".into(),
            ChainProblem::Other(what) => format!("the chain cannot be verified ({what})"),
        }
    }
}

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
    ) -> Result<(), ChainProblem> {
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
        let ee = webpki::EndEntityCert::try_from(&leaf_der)
            .map_err(|e| ChainProblem::Other(words(&e)))?;
        // `clamp` panics when the bounds are reversed: such a certificate is
        // refused by the policy (`invalid_validity`), and is checked here at
        // `now` rather than bring the batch down.
        let at = if not_before <= not_after {
            now.clamp(not_before, not_after)
        } else {
            now
        };
        let at = at.timestamp().max(0) as u64;
        let path = ee
            .verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &inter,
                UnixTime::since_unix_epoch(std::time::Duration::from_secs(at)),
                AnyUsage,
                None,
                None,
            )
            .map_err(|e| self.explain(&e, leaf, bundle))?;
        // An intermediate that restricts its usages must allow a desk's.
        for c in path.intermediate_certificates() {
            if let Ok(info) = super::parse::CertInfo::from_der(c.der().as_ref()) {
                if !info.extended_key_usage.is_empty() && !info.has_desk_usage() {
                    return Err(ChainProblem::WrongUsage(Some(info.subject)));
                }
            }
        }
        Ok(())
    }

    /// Says in words why webpki refused, walking the names of the chain when
    /// it only says that an issuer is unknown.
    fn explain(&self, e: &webpki::Error, leaf: &[u8], bundle: &[Vec<u8>]) -> ChainProblem {
        use webpki::Error as E;
        let parse = |der: &[u8]| super::parse::CertInfo::from_der(der).ok();
        let known: Vec<super::parse::CertInfo> = bundle
            .iter()
            .chain(self.intermediates.iter())
            .filter_map(|c| parse(c))
            .collect();
        let anchors: Vec<String> = self
            .anchors
            .iter()
            .filter_map(|a| parse(a).map(|i| i.subject))
            .collect();
        let Some(leaf) = parse(leaf) else {
            return ChainProblem::Other(words(e));
        };
        match e {
            // The leaf is valid at the date checked: an issuer is not.
            E::CertExpired { .. } | E::CertNotValidYet { .. } => {
                let name = known
                    .iter()
                    .find(|c| c.subject == leaf.issuer)
                    .map_or(leaf.issuer.clone(), |c| c.subject.clone());
                ChainProblem::ExpiredIntermediate(name)
            }
            E::InvalidSignatureForPublicKey
            | E::SignatureAlgorithmMismatch
            | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => ChainProblem::BadSignature,
            E::RequiredEkuNotFoundContext(_)
            | E::CaUsedAsEndEntity
            | E::EndEntityUsedAsCa
            | E::PathLenConstraintViolated => ChainProblem::WrongUsage(None),
            E::UnknownIssuer => {
                // Follow the issuer names as far as the certificates at hand go.
                let mut issuer = leaf.issuer.clone();
                for _ in 0..8 {
                    if anchors.contains(&issuer) {
                        // The names chain to an anchor, the signatures not.
                        return ChainProblem::BadSignature;
                    }
                    match known.iter().find(|c| c.subject == issuer) {
                        None => return ChainProblem::MissingIntermediate(issuer),
                        Some(c) if c.issuer == c.subject => {
                            return ChainProblem::UntrustedRoot(c.subject.clone())
                        }
                        Some(c) => issuer = c.issuer.clone(),
                    }
                }
                ChainProblem::Other(words(e))
            }
            other => ChainProblem::Other(words(other)),
        }
    }
}

/// A webpki error in words: its variant's name split into lower-case words
/// (`BadDer` → "bad der"), never the debug dump of its fields.
fn words(e: &webpki::Error) -> String {
    let debug = format!("{e:?}");
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Accepts any extended key usage: usage is the policy's concern.
struct AnyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyUsage {
    fn validate(&self, _: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}
