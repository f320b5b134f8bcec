//! What a binary (DER or BER) blob is: certificates, a PKCS#7 bundle, or
//! something that must be named (key, PKCS#12, CSR, CRL…).

use super::ber::{read, Element};
use super::pkcs7::pkcs7_certs;
use super::SniffError;

/// What one DER (or BER) blob is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Blob {
    Certs(Vec<Vec<u8>>, bool),
    Problem(SniffError),
}

pub(super) const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_PKCS7_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

/// What a binary blob is.
pub(super) fn classify(der: &[u8]) -> Blob {
    if let Ok((rest, _)) = x509_parser::parse_x509_certificate(der) {
        // Trailing bytes (a `TRUSTED CERTIFICATE`'s auxiliary data, stray
        // bytes after a DER file) are not part of the certificate.
        return Blob::Certs(vec![der[..der.len() - rest.len()].to_vec()], false);
    }
    let Some((top, _)) = read(der) else {
        // A SEQUENCE opening with a long length, then another: how every
        // certificate starts; the rest is missing or damaged.
        if der.first() == Some(&0x30)
            && der.get(1).is_some_and(|l| l & 0x80 != 0)
            && der.get(2 + (der[1] & 0x7f) as usize) == Some(&0x30)
        {
            return Blob::Problem(SniffError::Unreadable("truncated or damaged ASN.1".into()));
        }
        return Blob::Problem(SniffError::Unrecognized("binary data, not ASN.1".into()));
    };
    if top.tag != 0x30 {
        return Blob::Problem(SniffError::Unrecognized("binary data, not ASN.1".into()));
    }
    let kids = top.children().unwrap_or_default();
    let tag_at = |i: usize| kids.get(i).map(|t: &Element<'_>| t.tag);
    let int_at = |i: usize| kids.get(i).filter(|t| t.tag == 0x02).map(|t| t.content);
    let oid_of =
        |t: &Element<'_>| -> Option<Vec<u8>> { (t.tag == 0x06).then(|| t.content.to_vec()) };
    // PKCS#7 SignedData: ContentInfo { signedData OID, [0] SignedData }.
    if kids.first().and_then(oid_of).as_deref() == Some(OID_SIGNED_DATA) {
        return match pkcs7_certs(der, &kids) {
            Some(c) if !c.is_empty() => Blob::Certs(c, true),
            Some(_) => Blob::Problem(SniffError::Unrecognized(
                "a PKCS#7 bundle without certificate".into(),
            )),
            None => Blob::Problem(SniffError::Unreadable("a damaged PKCS#7 bundle".into())),
        };
    }
    // PFX { version 3, ContentInfo(data or signedData), macData? }
    if int_at(0) == Some(&[3]) && tag_at(1) == Some(0x30) {
        let ci = kids[1].children().unwrap_or_default();
        let oid = ci.first().and_then(oid_of);
        if oid.as_deref() == Some(OID_PKCS7_DATA) || oid.as_deref() == Some(OID_SIGNED_DATA) {
            return Blob::Problem(SniffError::Pkcs12);
        }
    }
    use x509_parser::prelude::FromDer;
    if x509_parser::certification_request::X509CertificationRequest::from_der(der).is_ok() {
        return Blob::Problem(SniffError::Csr);
    }
    if x509_parser::parse_x509_crl(der).is_ok() {
        return Blob::Problem(SniffError::Crl);
    }
    // PKCS#8 PrivateKeyInfo / OneAsymmetricKey { version 0|1, algorithm, OCTET STRING }.
    if matches!(int_at(0), Some([0]) | Some([1]))
        && tag_at(1) == Some(0x30)
        && tag_at(2) == Some(0x04)
    {
        return Blob::Problem(SniffError::PrivateKey("PKCS#8, DER".into()));
    }
    // SEC1 ECPrivateKey { version 1, OCTET STRING, [0] params, [1] public }.
    if int_at(0) == Some(&[1]) && tag_at(1) == Some(0x04) {
        return Blob::Problem(SniffError::PrivateKey("SEC1 EC, DER".into()));
    }
    // PKCS#1 RSAPrivateKey (9 integers) or DSA private key (6 integers).
    if int_at(0) == Some(&[0]) && kids.len() >= 6 && kids.iter().all(|k| k.tag == 0x02) {
        return Blob::Problem(SniffError::PrivateKey("PKCS#1 RSA or DSA, DER".into()));
    }
    // EncryptedPrivateKeyInfo { AlgorithmIdentifier, OCTET STRING }.
    if kids.len() == 2 && tag_at(0) == Some(0x30) && tag_at(1) == Some(0x04) {
        return Blob::Problem(SniffError::PrivateKey("encrypted PKCS#8, DER".into()));
    }
    // SubjectPublicKeyInfo { AlgorithmIdentifier, BIT STRING }.
    if kids.len() == 2 && tag_at(0) == Some(0x30) && tag_at(1) == Some(0x03) {
        return Blob::Problem(SniffError::Unrecognized("a public key alone".into()));
    }
    // A SEQUENCE whose first child is a SEQUENCE: the shape of a certificate
    // that x509-parser could not read.
    if tag_at(0) == Some(0x30) && kids.len() == 3 {
        return Blob::Problem(SniffError::Unreadable(
            "it looks like a certificate but cannot be decoded".into(),
        ));
    }
    Blob::Problem(SniffError::Unrecognized(
        "ASN.1 data of an unknown kind".into(),
    ))
}
