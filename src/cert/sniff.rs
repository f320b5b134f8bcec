//! Sniffing: what a received file holds, judged by its content and never by
//! its extension. Certificates come out as DER, whatever the shape they came
//! in (DER, PEM with any line endings and text around, several PEM blocks,
//! Base64 without armour, PKCS#7 bundles in DER, BER or PEM); everything else
//! is named (private key, PKCS#12, CSR, CRL, empty, unrecognized…).

use std::io::Read;
use std::path::Path;

use base64::Engine;
use serde::Serialize;

use super::der::{read_tlv, Tlv};

/// The shape a certificate came in (DESIGN §8 `format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Binary DER.
    Der,
    /// PEM armour (any line endings, text around, several blocks).
    Pem,
    /// Base64 without armour.
    Base64,
    /// PKCS#7 SignedData bundle, binary.
    Pkcs7Der,
    /// PKCS#7 SignedData bundle, PEM (or Base64).
    Pkcs7Pem,
}

impl Format {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Der => "der",
            Format::Pem => "pem",
            Format::Base64 => "base64",
            Format::Pkcs7Der => "pkcs7-der",
            Format::Pkcs7Pem => "pkcs7-pem",
        }
    }
}

/// Why a file yields no usable certificate (DESIGN §8 error codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SniffError {
    /// A private key (PEM or DER, any encoding, encrypted or not).
    #[error("the file holds a private key ({0})")]
    PrivateKey(String),
    /// A PKCS#12 / PFX container (certificate and private key).
    #[error("the file is a PKCS#12 (PFX) container, which holds a private key")]
    Pkcs12,
    /// A certificate signing request.
    #[error("the file is a certificate signing request (CSR), not a certificate")]
    Csr,
    /// A certificate revocation list.
    #[error("the file is a certificate revocation list (CRL), not a certificate")]
    Crl,
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
    /// Over the configured limit; not read whole.
    #[error("the file is larger than {limit} bytes ({size} bytes)")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// It could not be read, or looks like a certificate but is damaged.
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    /// Something else.
    #[error("the file holds no certificate ({0})")]
    Unrecognized(String),
}

impl SniffError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            SniffError::PrivateKey(_) => "private_key",
            SniffError::Pkcs12 => "pkcs12",
            SniffError::Csr => "csr",
            SniffError::Crl => "crl",
            SniffError::Empty => "empty",
            SniffError::TooLarge { .. } => "too_large",
            SniffError::Unreadable(_) => "unreadable",
            SniffError::Unrecognized(_) => "unrecognized",
        }
    }

    /// Whether the file held private key material.
    pub fn is_private_key(&self) -> bool {
        matches!(self, SniffError::PrivateKey(_) | SniffError::Pkcs12)
    }
}

/// What a file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    /// The shape the certificates came in, if any came.
    pub format: Option<Format>,
    /// Every certificate found, DER, in file order.
    pub certs: Vec<Vec<u8>>,
    /// What is wrong: no certificate, or something that must not be there
    /// (a private key next to the certificates).
    pub problem: Option<SniffError>,
}

/// Reads a file, refusing before reading it all when it is larger than
/// `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, SniffError> {
    let unreadable = |e: std::io::Error| SniffError::Unreadable(e.to_string());
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(SniffError::Unreadable("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(SniffError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the two calls: never read past the limit.
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(unreadable)?;
    if buf.len() as u64 > limit {
        return Err(SniffError::TooLarge {
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// What one DER (or BER) blob is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Blob {
    Certs(Vec<Vec<u8>>, bool),
    Problem(SniffError),
}

/// Sniffs a file's bytes.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return problem(SniffError::Empty);
    }
    if let Some(text) = as_text(bytes) {
        if text.contains("-----BEGIN ") {
            return sniff_pem(&text);
        }
        if let Some(der) = bare_base64(&text) {
            return match classify(&der) {
                Blob::Certs(certs, pkcs7) => Sniffed {
                    format: Some(if pkcs7 {
                        Format::Pkcs7Pem
                    } else {
                        Format::Base64
                    }),
                    certs,
                    problem: None,
                },
                Blob::Problem(p) => problem(p),
            };
        }
        if text.contains("ssh-rsa ")
            || text.contains("ssh-ed25519 ")
            || text.contains("ecdsa-sha2-")
        {
            return problem(SniffError::Unrecognized("an SSH public key".into()));
        }
        return problem(SniffError::Unrecognized(
            "a text file without certificate".into(),
        ));
    }
    match classify(bytes) {
        Blob::Certs(certs, pkcs7) => Sniffed {
            format: Some(if pkcs7 { Format::Pkcs7Der } else { Format::Der }),
            certs,
            problem: None,
        },
        Blob::Problem(p) => problem(p),
    }
}

fn problem(p: SniffError) -> Sniffed {
    Sniffed {
        format: None,
        certs: Vec::new(),
        problem: Some(p),
    }
}

/// The bytes as text, if they look like text (PEM, Base64, `openssl -text`
/// output). Windows-1252 or Latin-1 comments around PEM are tolerated.
fn as_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    // DER almost always holds control bytes early on; text does not.
    let head_ok = bytes
        .iter()
        .take(64)
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || *b >= 0x80);
    if head_ok && printable * 100 >= bytes.len() * 95 {
        Some(String::from_utf8_lossy(bytes).into_owned())
    } else {
        None
    }
}

/// The decoded bytes of text that is nothing but Base64 (whitespace allowed).
fn bare_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 16
        || !compact
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    {
        return None;
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let der = engine.decode(compact.as_bytes()).ok()?;
    (der.first() == Some(&0x30)).then_some(der)
}

/// One PEM block: its label and its Base64 body.
struct PemBlock {
    label: String,
    body: String,
}

/// Every `-----BEGIN X-----` … `-----END X-----` block, whatever the line
/// endings, with header lines (`Proc-Type:`) skipped and text around ignored.
fn pem_blocks(text: &str) -> Vec<PemBlock> {
    let mut out = Vec::new();
    let mut current: Option<PemBlock> = None;
    for line in text.split(['\n', '\r']) {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("-----BEGIN ") {
            let label = rest.trim_end_matches('-').trim().to_owned();
            current = Some(PemBlock {
                label,
                body: String::new(),
            });
        } else if l.starts_with("-----END ") {
            if let Some(b) = current.take() {
                out.push(b);
            }
        } else if let Some(b) = current.as_mut() {
            if !l.contains(':') {
                b.body.push_str(l);
            }
        }
    }
    out
}

fn sniff_pem(text: &str) -> Sniffed {
    let mut certs = Vec::new();
    let mut from_pkcs7 = false;
    let mut key: Option<SniffError> = None;
    let mut other: Option<SniffError> = None;
    let blocks = pem_blocks(text);
    if blocks.is_empty() {
        return problem(SniffError::Unreadable(
            "a PEM block is opened but never closed".into(),
        ));
    }
    for b in blocks {
        let label = b.label.to_ascii_uppercase();
        if label.contains("PRIVATE KEY") {
            key.get_or_insert(SniffError::PrivateKey(format!("PEM «{label}»")));
            continue;
        }
        let der = match base64::engine::general_purpose::STANDARD.decode(b.body.as_bytes()) {
            Ok(d) => d,
            Err(e) => {
                other.get_or_insert(SniffError::Unreadable(format!(
                    "the PEM block «{label}» is not valid Base64 ({e})"
                )));
                continue;
            }
        };
        match label.as_str() {
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                other.get_or_insert(SniffError::Csr);
                continue;
            }
            "X509 CRL" => {
                other.get_or_insert(SniffError::Crl);
                continue;
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                other.get_or_insert(SniffError::Unrecognized("a public key alone".into()));
                continue;
            }
            _ => {}
        }
        match classify(&der) {
            Blob::Certs(c, pkcs7) => {
                from_pkcs7 |= pkcs7;
                certs.extend(c);
            }
            Blob::Problem(p) if p.is_private_key() => {
                key.get_or_insert(p);
            }
            Blob::Problem(p) => {
                other.get_or_insert(p);
            }
        }
    }
    let format = (!certs.is_empty()).then_some(if from_pkcs7 {
        Format::Pkcs7Pem
    } else {
        Format::Pem
    });
    let problem = match key {
        Some(k) => Some(k),
        None if certs.is_empty() => Some(other.unwrap_or(SniffError::Unrecognized(
            "PEM blocks without certificate".into(),
        ))),
        None => None,
    };
    Sniffed {
        format,
        certs,
        problem,
    }
}

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_PKCS7_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

/// What a binary blob is.
fn classify(der: &[u8]) -> Blob {
    if let Ok((rest, _)) = x509_parser::parse_x509_certificate(der) {
        // Trailing bytes (a `TRUSTED CERTIFICATE`'s auxiliary data, stray
        // bytes after a DER file) are not part of the certificate.
        return Blob::Certs(vec![der[..der.len() - rest.len()].to_vec()], false);
    }
    let Ok((top, _)) = read_tlv(der) else {
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
    let tag_at = |i: usize| kids.get(i).map(|t: &Tlv<'_>| t.tag);
    let int_at = |i: usize| kids.get(i).filter(|t| t.tag == 0x02).map(|t| t.content);
    let oid_of = |t: &Tlv<'_>| -> Option<Vec<u8>> { (t.tag == 0x06).then(|| t.content.to_vec()) };
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

/// The certificates of a PKCS#7 SignedData, DER, in the sender's order.
/// They are taken by the tolerant reader, which also reads BER bundles
/// (indefinite lengths, as macOS and some Windows tools write them) and keeps
/// the file order that `cms`'s sorted SET OF loses; a bundle in which it
/// finds none is decoded with the `cms` crate, to tell an empty bundle from a
/// damaged one.
fn pkcs7_certs(der: &[u8], kids: &[Tlv<'_>]) -> Option<Vec<Vec<u8>>> {
    use der::Decode;
    // Only when no certificate was found: decoding the whole bundle with
    // `cms` costs as much as reading its certificates.
    let cms_ok = || {
        cms::content_info::ContentInfo::from_der(der)
            .ok()
            .and_then(|ci| ci.content.decode_as::<cms::signed_data::SignedData>().ok())
            .is_some()
    };
    // [0] EXPLICIT SignedData { version, digestAlgorithms, encapContentInfo, [0] certificates … }
    let explicit = kids.get(1).filter(|t| t.tag == 0xa0)?;
    let sd = explicit.children().ok()?.into_iter().next()?;
    let mut out = Vec::new();
    for part in sd.children().ok()? {
        if part.tag == 0xa0 {
            for c in part.children().ok()? {
                if c.tag == 0x30 && x509_parser::parse_x509_certificate(c.raw).is_ok() {
                    out.push(c.raw.to_vec());
                }
            }
        }
    }
    if out.is_empty() && !cms_ok() {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_text_and_random() {
        assert_eq!(sniff(b"").problem, Some(SniffError::Empty));
        assert_eq!(sniff(b" \r\n").problem, Some(SniffError::Empty));
        assert_eq!(
            sniff(b"hello world, no certificate here")
                .problem
                .unwrap()
                .code(),
            "unrecognized"
        );
        assert_eq!(
            sniff(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2])
                .problem
                .unwrap()
                .code(),
            "unrecognized"
        );
        assert_eq!(
            sniff(b"-----BEGIN CERTIFICATE-----\nMIIB")
                .problem
                .unwrap()
                .code(),
            "unreadable"
        );
    }

    #[test]
    fn private_key_pem_wins_over_certificates() {
        let s = sniff(
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        );
        assert!(s.problem.unwrap().is_private_key());
        let s = sniff(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assert_eq!(s.problem.unwrap().code(), "private_key");
    }

    fn leaf() -> Vec<u8> {
        use crate::certgen::{Ca, Key, KeyKind, LeafSpec};
        let nb = crate::clock::parse_instant("2026-01-01T00:00:00Z").unwrap();
        let na = crate::clock::parse_instant("2060-01-01T00:00:00Z").unwrap();
        let ca = Ca::root("CA", Key::generate(KeyKind::P256).unwrap(), nb, na).unwrap();
        let spec = LeafSpec::desk("732829320-00001", "g@example.org", nb, na, 0);
        ca.issue(&spec, &Key::generate(KeyKind::P256).unwrap())
            .unwrap()
    }

    #[test]
    fn real_world_shapes() {
        use crate::certgen::{pem, pkcs7, tlv};
        let der = leaf();
        // Zero serial, notAfter after 2049 (GeneralizedTime).
        let info = crate::cert::parse::CertInfo::from_der(&der).unwrap();
        assert_eq!(info.serial, "00");
        assert_eq!(
            crate::clock::rfc3339(info.not_after),
            "2060-01-01T00:00:00Z"
        );
        // TRUSTED CERTIFICATE: the certificate followed by auxiliary trust data.
        let mut trusted = der.clone();
        trusted.extend(tlv(
            0x30,
            &tlv(0x30, &tlv(0x06, &[0x2b, 6, 1, 5, 5, 7, 3, 2])),
        ));
        let s = sniff(pem("TRUSTED CERTIFICATE", &trusted).as_bytes());
        assert_eq!((s.format, s.certs), (Some(Format::Pem), vec![der.clone()]));
        // `openssl x509 -text` output: text, then the PEM.
        let text = format!(
            "Certificate:\n    Data:\n        Version: 3 (0x2)\n{}",
            pem("CERTIFICATE", &der)
        );
        assert_eq!(sniff(text.as_bytes()).certs, vec![der.clone()]);
        // PKCS#7 in BER with indefinite lengths.
        let indefinite = |tag: u8, content: &[u8]| [&[tag, 0x80][..], content, &[0, 0]].concat();
        let sd = indefinite(
            0x30,
            &[
                tlv(0x02, &[1]),
                tlv(0x31, &[]),
                tlv(
                    0x30,
                    &tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 1]),
                ),
                indefinite(0xa0, &der),
                tlv(0x31, &[]),
            ]
            .concat(),
        );
        let ber = indefinite(
            0x30,
            &[tlv(0x06, OID_SIGNED_DATA), indefinite(0xa0, &sd)].concat(),
        );
        let s = sniff(&ber);
        assert_eq!((s.format, s.certs.len()), (Some(Format::Pkcs7Der), 1));
        assert_eq!(sniff(&pkcs7(&[&der])).certs, vec![der.clone()]);
        // A public key alone, PEM and DER.
        let key = crate::certgen::Key::generate(crate::certgen::KeyKind::P256).unwrap();
        assert_eq!(
            sniff(pem("PUBLIC KEY", &key.spki).as_bytes())
                .problem
                .unwrap()
                .code(),
            "unrecognized"
        );
        assert_eq!(sniff(&key.spki).problem.unwrap().code(), "unrecognized");
        // A bundle of CA certificates with comment lines.
        let many: String = (0..3)
            .map(|i| format!("# CA {i}\n{}", pem("CERTIFICATE", &der)))
            .collect();
        assert_eq!(sniff(many.as_bytes()).certs.len(), 3);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        use proptest::prelude::*;
        proptest!(|(bytes in proptest::collection::vec(any::<u8>(), 0..600))| {
            let _ = sniff(&bytes);
            let mut der = vec![0x30, 0x82, (bytes.len() >> 8) as u8, bytes.len() as u8];
            der.extend(&bytes);
            let _ = sniff(&der);
        });
    }
}
