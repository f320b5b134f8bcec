//! Test certificates: a small CA and desk certificates, P-256 keys, PEM and
//! PKCS#7 shapes: what `vigie demo` needs, also used by the fixtures
//! (`examples/make_fixtures.rs`), the benchmark data and the tests.
//!
//! rcgen builds and signs the certificates. What only tests, fixtures and
//! benchmarks need (RSA keys, which rcgen on ring cannot generate, SHA-1
//! re-signing, PKCS#12 and CSR files) is dev-only code in
//! `tests/support/certgen.rs`, so the product carries neither the `rsa` nor
//! the `sha1` crate; it hands its RSA keys in through [`Key::from_rsa_der`].
//! Nothing here is meant for production keys.

use crate::clock::Instant;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, SanType,
    SerialNumber,
};

/// Why a test certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CertgenError {
    /// rcgen refused the parameters or the key.
    #[error("rcgen: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// A key that cannot be used or made here.
    #[error("key: {0}")]
    Key(String),
    /// An instant outside what a certificate can hold.
    #[error("date out of range: {0}")]
    Date(String),
}

/// The kinds of key the generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA on P-256 (fast, small: most fixtures).
    P256,
    /// RSA with this modulus size (1024 for the "weak" fixture, 2048 else).
    Rsa(usize),
}

/// A generated key: its PKCS#8 encoding, its public part and, when ring can
/// sign with it, an rcgen key pair.
pub struct Key {
    /// What it is.
    pub kind: KeyKind,
    /// PKCS#8 `PrivateKeyInfo`, DER.
    pub pkcs8: Vec<u8>,
    /// The legacy encoding: PKCS#1 `RSAPrivateKey` or SEC1 `ECPrivateKey`, DER.
    pub legacy: Vec<u8>,
    /// `SubjectPublicKeyInfo`, DER.
    pub spki: Vec<u8>,
    signer: Option<KeyPair>,
}

impl Key {
    /// Generates a key. The product makes P-256 keys only; RSA keys come from
    /// the dev-only generator (`tests/support/certgen.rs`).
    pub fn generate(kind: KeyKind) -> Result<Key, CertgenError> {
        match kind {
            KeyKind::P256 => {
                let kp = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
                let pkcs8 = kp.serialize_der();
                let legacy = sec1_of_pkcs8(&pkcs8).unwrap_or_default();
                Ok(Key {
                    kind,
                    spki: rcgen::PublicKeyData::subject_public_key_info(&kp),
                    pkcs8,
                    legacy,
                    signer: Some(kp),
                })
            }
            KeyKind::Rsa(_) => Err(CertgenError::Key(
                "RSA keys are made by the dev-only generator (tests/support/certgen.rs)".into(),
            )),
        }
    }

    /// An RSA key made elsewhere (the dev-only generator): its modulus size,
    /// PKCS#8 and PKCS#1 encodings and `SubjectPublicKeyInfo`, all DER.
    pub fn from_rsa_der(bits: usize, pkcs8: Vec<u8>, legacy: Vec<u8>, spki: Vec<u8>) -> Key {
        // ring signs only with RSA keys of 2048 bits or more; smaller ones
        // can still be the subject of a certificate.
        let signer = KeyPair::from_pkcs8_der_and_sign_algo(
            &rustls::pki_types::PrivatePkcs8KeyDer::from(pkcs8.clone()),
            &rcgen::PKCS_RSA_SHA256,
        )
        .ok();
        Key {
            kind: KeyKind::Rsa(bits),
            pkcs8,
            legacy,
            spki,
            signer,
        }
    }

    /// The public part, as rcgen wants it.
    fn public(&self) -> Result<RawPublicKey, CertgenError> {
        let bits = tlv_children(&self.spki)
            .and_then(|c| c.get(1).copied())
            .and_then(element)
            .map(|(_, content, _)| content.get(1..).unwrap_or_default().to_vec())
            .ok_or_else(|| CertgenError::Key("malformed public key".into()))?;
        let alg = match self.kind {
            KeyKind::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyKind::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
        };
        Ok(RawPublicKey { bits, alg })
    }

    fn signer(&self) -> Result<&KeyPair, CertgenError> {
        self.signer
            .as_ref()
            .ok_or_else(|| CertgenError::Key("this key is too small to sign with ring".into()))
    }
}

/// A public key as rcgen wants it: the algorithm and the BIT STRING content.
struct RawPublicKey {
    bits: Vec<u8>,
    alg: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for RawPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.bits
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.alg
    }
}

/// A certification authority that can issue certificates and CRLs.
pub struct Ca {
    /// Its certificate, DER.
    pub der: Vec<u8>,
    /// Its key.
    pub key: Key,
    params: CertificateParams,
}

impl Ca {
    /// A self-signed root.
    pub fn root(
        cn: &str,
        key: Key,
        not_before: Instant,
        not_after: Instant,
    ) -> Result<Ca, CertgenError> {
        let params = ca_params(cn, not_before, not_after)?;
        let der = params.self_signed(key.signer()?)?.der().to_vec();
        Ok(Ca { der, key, params })
    }

    /// An intermediate signed by `parent`.
    pub fn intermediate(
        cn: &str,
        key: Key,
        parent: &Ca,
        not_before: Instant,
        not_after: Instant,
    ) -> Result<Ca, CertgenError> {
        let params = ca_params(cn, not_before, not_after)?;
        let der = params
            .signed_by(key.signer()?, &parent.issuer()?)?
            .der()
            .to_vec();
        Ok(Ca { der, key, params })
    }

    fn issuer(&self) -> Result<Issuer<'_, &KeyPair>, CertgenError> {
        Ok(Issuer::from_params(&self.params, self.key.signer()?))
    }

    /// Issues a leaf certificate for `spec`'s subject and `key`.
    pub fn issue(&self, spec: &LeafSpec, key: &Key) -> Result<Vec<u8>, CertgenError> {
        let mut p = CertificateParams::default();
        p.not_before = offset(spec.not_before)?;
        p.not_after = offset(spec.not_after)?;
        p.serial_number = Some(SerialNumber::from_slice(&spec.serial.to_be_bytes()));
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(
            DnType::CountryName,
            DnValue::PrintableString("FR".try_into()?),
        );
        dn.push(DnType::OrganizationName, spec.organization.as_str());
        if let Some(siren) = &spec.siren {
            dn.push(DnType::OrganizationalUnitName, format!("0002 {siren}"));
            // organizationIdentifier (2.5.4.97), the eIDAS form.
            dn.push(
                DnType::CustomDnType(vec![2, 5, 4, 97]),
                format!("NTRFR-{siren}"),
            );
        }
        dn.push(DnType::CommonName, spec.common_name.as_str());
        p.distinguished_name = dn;
        if let Some(email) = &spec.email {
            p.subject_alt_names
                .push(SanType::Rfc822Name(email.as_str().try_into()?));
        }
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = spec.eku.clone();
        p.use_authority_key_identifier_extension = true;
        p.key_identifier_method = KeyIdMethod::Sha256;
        Ok(p.signed_by(&key.public()?, &self.issuer()?)?.der().to_vec())
    }

    /// A CRL revoking nothing.
    pub fn crl(&self, this_update: Instant) -> Result<Vec<u8>, CertgenError> {
        let p = CertificateRevocationListParams {
            this_update: offset(this_update)?,
            next_update: offset(this_update + chrono::Duration::days(7))?,
            crl_number: SerialNumber::from_slice(&[1]),
            issuing_distribution_point: None,
            revoked_certs: Vec::new(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(p.signed_by(&self.issuer()?)?.der().to_vec())
    }
}

fn ca_params(
    cn: &str,
    not_before: Instant,
    not_after: Instant,
) -> Result<CertificateParams, CertgenError> {
    let mut p = CertificateParams::default();
    p.not_before = offset(not_before)?;
    p.not_after = offset(not_after)?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString("FR".try_into()?),
    );
    dn.push(DnType::OrganizationName, "Autorité de test vigie");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(p)
}

/// What a desk certificate says.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// Subject CN (e.g. `Guichet 732829320-00001`).
    pub common_name: String,
    /// Subject O.
    pub organization: String,
    /// The SIREN, put in OU (`0002 <SIREN>`) and organizationIdentifier.
    pub siren: Option<String>,
    /// An rfc822 subject alternative name.
    pub email: Option<String>,
    /// Start of validity.
    pub not_before: Instant,
    /// End of validity.
    pub not_after: Instant,
    /// Serial number.
    pub serial: u64,
    /// Extended key usages.
    pub eku: Vec<ExtendedKeyUsagePurpose>,
}

impl LeafSpec {
    /// A desk certificate: CN with the desk id, SIREN in the subject,
    /// clientAuth and emailProtection.
    pub fn desk(
        desk_id: &str,
        email: &str,
        not_before: Instant,
        not_after: Instant,
        serial: u64,
    ) -> LeafSpec {
        LeafSpec {
            common_name: format!("Guichet {desk_id}"),
            organization: "Organisme de test".into(),
            siren: desk_id.get(..9).map(str::to_owned),
            email: Some(email.to_owned()),
            not_before,
            not_after,
            serial,
            eku: vec![
                ExtendedKeyUsagePurpose::ClientAuth,
                ExtendedKeyUsagePurpose::EmailProtection,
            ],
        }
    }
}

fn offset(at: Instant) -> Result<time::OffsetDateTime, CertgenError> {
    time::OffsetDateTime::from_unix_timestamp(at.timestamp())
        .map_err(|e| CertgenError::Date(e.to_string()))
}

/// A DER TLV: tag, length, content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// One DER element, read by asn1-rs (the reader under x509-parser): its
/// whole encoding, its content, and what follows it.
fn element(input: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    use x509_parser::asn1_rs::{Any, FromDer};
    let (rest, any) = Any::from_der(input).ok()?;
    Some((&input[..input.len() - rest.len()], any.data, rest))
}

/// The children of a DER SEQUENCE, each as a full TLV.
fn tlv_children(der: &[u8]) -> Option<Vec<&[u8]>> {
    let (_, mut rest, _) = element(der)?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (raw, _, r) = element(rest)?;
        out.push(raw);
        rest = r;
    }
    Some(out)
}

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

/// A certificates-only PKCS#7 SignedData (a `.p7b`), DER.
pub fn pkcs7(certs: &[&[u8]]) -> Vec<u8> {
    let all: Vec<u8> = certs.iter().flat_map(|c| c.iter().copied()).collect();
    let signed_data = [
        tlv(0x02, &[1]),
        tlv(0x31, &[]),
        tlv(0x30, &tlv(0x06, OID_DATA)),
        tlv(0xa0, &all),
        tlv(0x31, &[]),
    ]
    .concat();
    tlv(
        0x30,
        &[
            tlv(0x06, OID_SIGNED_DATA),
            tlv(0xa0, &tlv(0x30, &signed_data)),
        ]
        .concat(),
    )
}

/// PEM text with LF line endings, 64-character lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    crate::cert::normal::pem_block(label, der)
}

/// The SEC1 `ECPrivateKey` inside an EC PKCS#8 key.
fn sec1_of_pkcs8(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let children = tlv_children(pkcs8)?;
    let octet = children.get(2)?;
    let (_, content, _) = element(octet)?;
    Some(content.to_vec())
}

/// The dev-only half, for the unit tests of the library (the integration
/// tests, examples and benchmarks include the same file).
#[cfg(test)]
#[allow(dead_code)]
pub(crate) mod dev {
    use crate as vigie;
    include!("../tests/support/certgen.rs");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    #[test]
    fn issues_a_desk_certificate_that_parses() {
        let nb = parse_instant("2026-01-01T00:00:00Z").unwrap();
        let na = parse_instant("2029-01-01T00:00:00Z").unwrap();
        let ca = Ca::root("Test CA", Key::generate(KeyKind::P256).unwrap(), nb, na).unwrap();
        let key = Key::generate(KeyKind::P256).unwrap();
        let der = ca
            .issue(
                &LeafSpec::desk("732829320-00001", "g@example.org", nb, na, 7),
                &key,
            )
            .unwrap();
        let info = crate::cert::parse::CertInfo::from_der(&der).unwrap();
        assert!(info.subject.contains("732829320-00001"));
        assert_eq!(info.serial, "07");
        assert_eq!(info.not_after, na);
        assert!(info.san.contains(&"email:g@example.org".to_string()));
        assert!(!key.legacy.is_empty());
    }
}
