//! Test certificates: a small CA and desk certificates of any shape, for the
//! fixtures (`examples/make_fixtures.rs`), the benchmark data and the demo.
//!
//! rcgen builds and signs the certificates. rcgen (on ring) cannot generate
//! RSA keys nor sign with SHA-1, so RSA keys come from the pure-Rust `rsa`
//! crate, and a SHA-1 certificate is made by re-signing a SHA-256 one after
//! patching its algorithm identifiers (same length, so no re-encoding).
//! Nothing here is meant for production keys.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, SanType,
    SerialNumber,
};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};

use crate::clock::Instant;

/// Why a test certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CertgenError {
    /// rcgen refused the parameters or the key.
    #[error("rcgen: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// The `rsa` crate failed.
    #[error("rsa: {0}")]
    Rsa(String),
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
    /// Generates a key.
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
            KeyKind::Rsa(bits) => {
                let rsa_err = |e: &dyn std::fmt::Display| CertgenError::Rsa(e.to_string());
                let sk = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, bits)
                    .map_err(|e| rsa_err(&e))?;
                let pkcs8 = sk
                    .to_pkcs8_der()
                    .map_err(|e| rsa_err(&e))?
                    .as_bytes()
                    .to_vec();
                let legacy = sk
                    .to_pkcs1_der()
                    .map_err(|e| rsa_err(&e))?
                    .as_bytes()
                    .to_vec();
                let spki = sk
                    .to_public_key()
                    .to_public_key_der()
                    .map_err(|e| rsa_err(&e))?
                    .into_vec();
                // ring signs only with RSA keys of 2048 bits or more; smaller
                // ones can still be the subject of a certificate.
                let signer = KeyPair::from_pkcs8_der_and_sign_algo(
                    &rustls::pki_types::PrivatePkcs8KeyDer::from(pkcs8.clone()),
                    &rcgen::PKCS_RSA_SHA256,
                )
                .ok();
                Ok(Key {
                    kind,
                    pkcs8,
                    legacy,
                    spki,
                    signer,
                })
            }
        }
    }

    /// The public part, as rcgen wants it.
    fn public(&self) -> Result<RawPublicKey, CertgenError> {
        let bits = tlv_children(&self.spki)
            .and_then(|c| c.get(1).copied())
            .and_then(element)
            .map(|(_, content, _)| content.get(1..).unwrap_or_default().to_vec())
            .ok_or_else(|| CertgenError::Rsa("malformed public key".into()))?;
        let alg = match self.kind {
            KeyKind::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyKind::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
        };
        Ok(RawPublicKey { bits, alg })
    }

    fn signer(&self) -> Result<&KeyPair, CertgenError> {
        self.signer
            .as_ref()
            .ok_or_else(|| CertgenError::Rsa("this key is too small to sign with ring".into()))
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

/// Re-signs an RSA-signed (SHA-256) certificate with SHA-1, using the
/// issuer's RSA key: the algorithm identifiers are patched in place
/// (`sha256WithRSAEncryption` and `sha1WithRSAEncryption` have the same
/// length) and the signature, as long as the modulus, is replaced.
pub fn resign_sha1(cert_der: &[u8], issuer: &Key) -> Result<Vec<u8>, CertgenError> {
    use sha1::Digest;
    const SHA256_RSA: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
    ];
    let mut der = cert_der.to_vec();
    let mut i = 0;
    while i + SHA256_RSA.len() <= der.len() {
        if der[i..i + SHA256_RSA.len()] == SHA256_RSA {
            der[i + SHA256_RSA.len() - 1] = 0x05;
        }
        i += 1;
    }
    let tbs = tlv_children(&der)
        .and_then(|c| c.first().copied())
        .ok_or_else(|| CertgenError::Rsa("not a certificate".into()))?;
    let tbs_range = (tbs.as_ptr() as usize - der.as_ptr() as usize, tbs.len());
    let digest = sha1::Sha1::digest(&der[tbs_range.0..tbs_range.0 + tbs_range.1]);
    let sk = rsa::RsaPrivateKey::from_pkcs8_der_compat(&issuer.pkcs8)?;
    let sig = sk
        .sign(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &digest)
        .map_err(|e| CertgenError::Rsa(e.to_string()))?;
    let n = der.len();
    if sig.len() > n {
        return Err(CertgenError::Rsa(
            "signature longer than the certificate".into(),
        ));
    }
    der[n - sig.len()..].copy_from_slice(&sig);
    Ok(der)
}

trait FromPkcs8Compat: Sized {
    fn from_pkcs8_der_compat(b: &[u8]) -> Result<Self, CertgenError>;
}

impl FromPkcs8Compat for rsa::RsaPrivateKey {
    fn from_pkcs8_der_compat(b: &[u8]) -> Result<Self, CertgenError> {
        use rsa::pkcs8::DecodePrivateKey;
        rsa::RsaPrivateKey::from_pkcs8_der(b).map_err(|e| CertgenError::Rsa(e.to_string()))
    }
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

/// A structurally valid PKCS#12 (PFX) holding a certificate and its
/// unencrypted key (no MAC): what a desk must never send.
pub fn pkcs12(cert_der: &[u8], pkcs8: &[u8]) -> Vec<u8> {
    // keyBag 1.2.840.113549.1.12.10.1.1, certBag …10.1.3 with x509Certificate 1.2.840.113549.1.9.22.1.
    let key_bag_oid = [
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x01,
    ];
    let cert_bag_oid = [
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
    ];
    let x509_cert_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
    let key_bag = tlv(0x30, &[tlv(0x06, &key_bag_oid), tlv(0xa0, pkcs8)].concat());
    let cert_bag_value = tlv(
        0x30,
        &[tlv(0x06, &x509_cert_oid), tlv(0xa0, &tlv(0x04, cert_der))].concat(),
    );
    let cert_bag = tlv(
        0x30,
        &[tlv(0x06, &cert_bag_oid), tlv(0xa0, &cert_bag_value)].concat(),
    );
    let safe_contents = tlv(0x30, &[key_bag, cert_bag].concat());
    let data_ci = tlv(
        0x30,
        &[tlv(0x06, OID_DATA), tlv(0xa0, &tlv(0x04, &safe_contents))].concat(),
    );
    let auth_safe = tlv(0x30, &data_ci);
    let outer_ci = tlv(
        0x30,
        &[tlv(0x06, OID_DATA), tlv(0xa0, &tlv(0x04, &auth_safe))].concat(),
    );
    tlv(0x30, &[tlv(0x02, &[3]), outer_ci].concat())
}

/// A certificate signing request for `key` (P-256 only), DER.
pub fn csr(common_name: &str, key: &Key) -> Result<Vec<u8>, CertgenError> {
    let mut p = CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    p.distinguished_name = dn;
    Ok(p.serialize_request(key.signer()?)?.der().to_vec())
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
