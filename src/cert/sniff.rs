//! Sniffing: what a received file holds, judged by its content and never by
//! its extension. Certificates come out as DER, whatever the shape they came
//! in (DER, PEM with any line endings and text around, several PEM blocks,
//! Base64 without armour, PKCS#7 bundles in DER, BER or PEM); everything else
//! is named (private key, PKCS#12, CSR, CRL, empty, unrecognized…).

mod ber;
mod classify;
mod error;
mod format;
mod pem;
mod pkcs7;
mod read;
mod text;

pub use error::SniffError;
pub use format::Format;
pub use read::read_limited;

use classify::{classify, Blob};
use pem::sniff_pem;
use text::{as_text, bare_base64};

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
        use classify::OID_SIGNED_DATA;
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
