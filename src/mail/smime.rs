//! S/MIME signature verification (DESIGN §10), without OpenSSL: the
//! signed-data is read by [`super::ber`], the digest computed with `sha2`,
//! the signature checked by rustls-webpki's ring primitives (RSA PKCS#1
//! v1.5 and PSS, ECDSA P-256/P-384; SHA-256/384/512), over the exact signed
//! bytes. The signer is picked by issuer and serial number (or subject key
//! identifier) among the certificates the signature carries.
//!
//! A valid signature by a submitted certificate proves its sender holds the
//! private key; a valid signature by a desk's current certificate proves
//! who sent it. Trust in the signer's certificate is intake's business.

use mail_parser::{Message, MimeHeaders, PartType};
use rustls::pki_types::{CertificateDer, SignatureVerificationAlgorithm};
use sha2::Digest;
use webpki::ring as alg;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::ber::{signed_parts, SignedParts, SignerInfo};
use crate::fingerprint::Sha256;

const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const RSA_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const EC_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d];

/// One signature over the message and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Whether it verified over the signed bytes.
    pub verified: bool,
    /// The signer's certificate's SHA-256, when it was carried.
    pub signer: Option<Sha256>,
}

/// The signatures over the message itself (not those of forwarded
/// messages): `multipart/signed` parts and opaque signed-data bodies.
pub fn signatures(msg: &Message<'_>) -> Vec<Signature> {
    let mut out = Vec::new();
    let raw = msg.raw_message();
    for part in &msg.parts {
        match &part.body {
            PartType::Multipart(ids) => {
                let signed = part.content_type().is_some_and(|ct| {
                    ct.ctype().eq_ignore_ascii_case("multipart")
                        && ct
                            .subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("signed"))
                });
                if !signed || ids.len() < 2 {
                    continue;
                }
                let (Some(content), Some(sig)) = (
                    msg.parts.get(ids[0] as usize),
                    msg.parts.get(ids[1] as usize),
                ) else {
                    continue;
                };
                let blob = match &sig.body {
                    PartType::Binary(b) | PartType::InlineBinary(b) => b.as_ref(),
                    _ => continue,
                };
                let start = content.offset_header as usize;
                let end = (content.offset_end as usize).min(raw.len());
                if start > end {
                    continue;
                }
                if let Some(parts) = signed_parts(blob) {
                    out.extend(verify_all(&parts, &raw[start..end]));
                }
            }
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                if let Some(parts) = signed_parts(b) {
                    if let Some(content) = parts.content.clone().filter(|c| !c.is_empty()) {
                        if !parts.signers.is_empty() {
                            out.extend(verify_all(&parts, &content));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn verify_all(parts: &SignedParts, content: &[u8]) -> Vec<Signature> {
    parts
        .signers
        .iter()
        .map(|s| {
            let cert = find_signer(parts, s);
            Signature {
                verified: cert.is_some_and(|c| verify_one(s, c, content)),
                signer: cert.map(Sha256::of),
            }
        })
        .collect()
}

/// The signer's certificate, by issuer and serial number or by subject key
/// identifier.
fn find_signer<'a>(parts: &'a SignedParts, s: &SignerInfo) -> Option<&'a [u8]> {
    parts
        .certs
        .iter()
        .find(|der| {
            let Ok((_, c)) = X509Certificate::from_der(der) else {
                return false;
            };
            match (&s.issuer, &s.serial, &s.ski) {
                (Some(issuer), Some(serial), _) => {
                    c.tbs_certificate.issuer.as_raw() == issuer.as_slice()
                        && c.tbs_certificate.raw_serial() == serial.as_slice()
                }
                (_, _, Some(ski)) => c.extensions().iter().any(|e| {
                    matches!(
                        e.parsed_extension(),
                        x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k)
                            if k.0 == ski.as_slice()
                    )
                }),
                _ => false,
            }
        })
        .map(Vec::as_slice)
}

fn digest(oid: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    Some(match oid {
        SHA256 => sha2::Sha256::digest(data).to_vec(),
        SHA384 => sha2::Sha384::digest(data).to_vec(),
        SHA512 => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

/// The bytes the signer may have signed: as found, and with bare LFs made
/// CRLF (a Maildir or mbox file keeps LF; S/MIME signs canonical CRLF).
fn forms(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![content.to_vec()];
    if content.contains(&b'\n') {
        let mut crlf = Vec::with_capacity(content.len() + content.len() / 32);
        let mut prev = 0u8;
        for &b in content {
            if b == b'\n' && prev != b'\r' {
                crlf.push(b'\r');
            }
            crlf.push(b);
            prev = b;
        }
        if crlf != content {
            out.push(crlf);
        }
    }
    out
}

fn algorithms(s: &SignerInfo) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    let sha = s.digest.as_slice();
    if s.signature_alg == RSA_PSS {
        return match sha {
            SHA256 => vec![alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
            SHA384 => vec![alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
            SHA512 => vec![alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
            _ => vec![],
        };
    }
    if s.signature_alg.starts_with(RSA_PREFIX) {
        return match sha {
            SHA256 => vec![
                alg::RSA_PKCS1_2048_8192_SHA256,
                alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
            ],
            SHA384 => vec![
                alg::RSA_PKCS1_2048_8192_SHA384,
                alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
            ],
            SHA512 => vec![
                alg::RSA_PKCS1_2048_8192_SHA512,
                alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
            ],
            _ => vec![],
        };
    }
    if s.signature_alg.starts_with(EC_PREFIX) {
        return match sha {
            SHA256 => vec![alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
            SHA384 => vec![alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
            _ => vec![],
        };
    }
    vec![]
}

fn verify_one(s: &SignerInfo, cert: &[u8], content: &[u8]) -> bool {
    let der = CertificateDer::from(cert);
    let Ok(ee) = webpki::EndEntityCert::try_from(&der) else {
        return false;
    };
    let algs = algorithms(s);
    let check = |msg: &[u8]| {
        algs.iter()
            .any(|a| ee.verify_signature(*a, msg, &s.signature).is_ok())
    };
    match (&s.signed_attrs, &s.message_digest) {
        (Some(attrs), Some(md)) => {
            forms(content)
                .iter()
                .any(|c| digest(&s.digest, c).as_deref() == Some(md.as_slice()))
                && check(attrs)
        }
        (Some(_), None) => false,
        (None, _) => forms(content).iter().any(|c| check(c)),
    }
}
