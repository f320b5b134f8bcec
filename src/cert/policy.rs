//! The intake policy (DESIGN §3), as a pure function: given the leaf, the
//! desk it is for, the desk's current certificate, the knobs and the instant,
//! accept (with warnings) or refuse (with a reason).

use super::parse::{is_weak_signature, CertInfo};
use super::reason::{Refusal, Warning};
use crate::clock::Instant;
use crate::config::Intake;
use crate::desk::DeskId;
use crate::fingerprint::Sha256;

/// What the policy needs of the desk's current certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// Its identity.
    pub sha256: Sha256,
    /// Its end of validity.
    pub not_after: Instant,
    /// SHA-256 of its SubjectPublicKeyInfo.
    pub key_sha256: Sha256,
    /// Its subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
}

impl Current {
    /// From a parsed certificate.
    pub fn of(info: &CertInfo) -> Current {
        Current {
            sha256: info.sha256,
            not_after: info.not_after,
            key_sha256: info.key_sha256,
            subject: info.subject.clone(),
            issuer: info.issuer.clone(),
        }
    }

    /// From a stored certificate's DER, reading only what the policy needs:
    /// intake loads every desk's current certificate this way, and a full
    /// [`CertInfo`] (names, usages, SANs) would cost several times more.
    pub fn from_der(der: &[u8]) -> Option<Current> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let tbs = &cert.tbs_certificate;
        let not_after = chrono::DateTime::from_timestamp(tbs.validity.not_after.timestamp(), 0)?;
        Some(Current {
            sha256: Sha256::of(der),
            not_after,
            key_sha256: Sha256::of(tbs.subject_pki.raw),
            subject: super::parse::dn_string(&tbs.subject),
            issuer: super::parse::dn_string(&tbs.issuer),
        })
    }
}

/// Judges a leaf for a desk. `trust` is the verdict on where it comes from,
/// when one was asked: its chain to the trust anchors, or, without anchors,
/// whether a known issuer made it. With `force`, overridable refusals become
/// `forced:` warnings.
pub fn judge(
    leaf: &CertInfo,
    desk: &DeskId,
    current: Option<&Current>,
    rules: &Intake,
    now: Instant,
    force: bool,
    trust: Option<Result<(), Refusal>>,
) -> Result<Vec<Warning>, Refusal> {
    let mut warnings = Vec::new();
    let check = |r: Option<Refusal>, warnings: &mut Vec<Warning>| -> Result<(), Refusal> {
        match r {
            None => Ok(()),
            Some(r) if force && r.overridable() => {
                warnings.push(Warning::Forced(r.code()));
                Ok(())
            }
            Some(r) => Err(r),
        }
    };
    // Never overridable: no instant is inside such a validity, so no check
    // below (expiry, chain) could even be asked.
    if leaf.not_before > leaf.not_after {
        return Err(Refusal::InvalidValidity(leaf.not_before, leaf.not_after));
    }
    check(leaf.is_ca.then_some(Refusal::CaCertificate), &mut warnings)?;
    check(
        (!leaf.is_ca && leaf.key_usage == ["keyCertSign"]).then_some(Refusal::WrongKeyUsage),
        &mut warnings,
    )?;
    check(
        (rules.refuse_expired && leaf.not_after <= now).then_some(Refusal::Expired(leaf.not_after)),
        &mut warnings,
    )?;
    if leaf.not_before > now {
        let grace = chrono::Duration::days(rules.not_yet_valid_grace_days.into());
        if leaf.not_before - now <= grace {
            warnings.push(Warning::NotYetValid(leaf.not_before));
        } else {
            check(Some(Refusal::NotYetValid(leaf.not_before)), &mut warnings)?;
        }
    }
    let weak_key = match leaf.key.algorithm.as_str() {
        "rsa" | "dsa" => leaf.key.bits < rules.min_rsa_bits,
        "ec" => leaf.key.bits < rules.min_ec_bits,
        _ => false,
    };
    check(
        weak_key.then(|| Refusal::WeakKey(leaf.key.algorithm.clone(), leaf.key.bits)),
        &mut warnings,
    )?;
    check(
        (rules.refuse_weak_signatures && is_weak_signature(&leaf.signature_algorithm))
            .then(|| Refusal::WeakSignature(leaf.signature_algorithm.clone())),
        &mut warnings,
    )?;
    if let Some(cur) = current {
        check(
            (rules.refuse_older && leaf.not_after < cur.not_after)
                .then_some(Refusal::Older(leaf.not_after, cur.not_after)),
            &mut warnings,
        )?;
        if cur.key_sha256 == leaf.key_sha256 {
            warnings.push(Warning::SameKey);
        }
        if cur.issuer != leaf.issuer {
            warnings.push(Warning::IssuerChanged(
                cur.issuer.clone(),
                leaf.issuer.clone(),
            ));
        }
    }
    if let Some(Err(r)) = trust {
        check(Some(r), &mut warnings)?;
    }
    if !leaf.has_desk_usage() {
        warnings.push(Warning::NoDeskUsage);
    }
    if !desk.siren_luhn_ok() {
        warnings.push(Warning::SirenLuhn);
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::parse::KeyInfo;
    use crate::clock::parse_instant;

    #[test]
    fn current_from_der_matches_the_full_parse() {
        for f in ["rsa-2048-desk2.cer", "current-desk3.cer", "sha1-signed.cer"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("certs-fixtures")
                .join(f);
            let bytes = std::fs::read(path).unwrap();
            let der = crate::cert::sniff::sniff(&bytes).certs.remove(0);
            let full = Current::of(&CertInfo::from_der(&der).unwrap());
            assert_eq!(Current::from_der(&der), Some(full), "{f}");
        }
        assert_eq!(Current::from_der(b"not a certificate"), None);
    }

    fn leaf() -> CertInfo {
        CertInfo {
            subject: "CN=x".into(),
            issuer: "CN=ca".into(),
            serial: "01".into(),
            not_before: parse_instant("2026-01-01T00:00:00Z").unwrap(),
            not_after: parse_instant("2029-01-01T00:00:00Z").unwrap(),
            sha256: Sha256::of(b"leaf"),
            key: KeyInfo {
                algorithm: "ec".into(),
                bits: 256,
            },
            is_ca: false,
            key_usage: vec![],
            extended_key_usage: vec!["clientAuth".into()],
            san: vec![],
            signature_algorithm: "ecdsa-with-SHA256".into(),
            key_sha256: Sha256::of(b"key"),
            subject_values: vec![],
            subject_emails: vec![],
            der: vec![],
        }
    }

    fn desk() -> DeskId {
        DeskId::parse("732829320-00001").unwrap()
    }

    fn now() -> Instant {
        parse_instant("2027-01-01T00:00:00Z").unwrap()
    }

    #[test]
    fn a_good_certificate_passes_without_warning() {
        assert_eq!(
            judge(
                &leaf(),
                &desk(),
                None,
                &Intake::default(),
                now(),
                false,
                None
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn weak_signature_is_refused_and_forceable() {
        let mut l = leaf();
        l.signature_algorithm = "sha1WithRSAEncryption".into();
        let r = judge(&l, &desk(), None, &Intake::default(), now(), false, None).unwrap_err();
        assert_eq!(r.code(), "weak_signature");
        let w = judge(&l, &desk(), None, &Intake::default(), now(), true, None).unwrap();
        assert_eq!(w, vec![Warning::Forced("weak_signature")]);
        let lax = Intake {
            refuse_weak_signatures: false,
            ..Intake::default()
        };
        assert!(judge(&l, &desk(), None, &lax, now(), false, None).is_ok());
    }

    #[test]
    fn not_yet_valid_within_grace_warns_beyond_refuses() {
        let mut l = leaf();
        l.not_before = parse_instant("2027-01-20T00:00:00Z").unwrap();
        let w = judge(&l, &desk(), None, &Intake::default(), now(), false, None).unwrap();
        assert_eq!(w[0].code(), "not_yet_valid");
        l.not_before = parse_instant("2027-03-01T00:00:00Z").unwrap();
        let r = judge(&l, &desk(), None, &Intake::default(), now(), false, None).unwrap_err();
        assert_eq!(r.code(), "not_yet_valid");
    }

    #[test]
    fn older_than_current_and_same_key() {
        let l = leaf();
        let cur = Current {
            sha256: Sha256::of(b"cur"),
            not_after: parse_instant("2030-01-01T00:00:00Z").unwrap(),
            key_sha256: l.key_sha256,
            subject: String::new(),
            issuer: l.issuer.clone(),
        };
        let r = judge(
            &l,
            &desk(),
            Some(&cur),
            &Intake::default(),
            now(),
            false,
            None,
        )
        .unwrap_err();
        assert_eq!(r.code(), "older");
        let cur = Current {
            not_after: parse_instant("2028-01-01T00:00:00Z").unwrap(),
            ..cur
        };
        let w = judge(
            &l,
            &desk(),
            Some(&cur),
            &Intake::default(),
            now(),
            false,
            None,
        )
        .unwrap();
        assert_eq!(w, vec![Warning::SameKey]);
    }

    #[test]
    fn private_key_is_never_overridable() {
        let r = Refusal::File(crate::cert::sniff::SniffError::PrivateKey("x".into()));
        assert!(!r.overridable());
        assert!(r
            .fr(chrono_tz::Europe::Paris)
            .contains("Ne transmettez jamais votre clé privée"));
    }
}
