//! The normal form (DESIGN §4): the leaf alone, PEM, label `CERTIFICATE`,
//! Base64 in 64-character lines, LF endings, one trailing newline.

use base64::Engine;

/// A PEM block with 64-character lines and LF endings.
pub fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // Base64 output is ASCII: each chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The normal form of a leaf certificate given as DER.
pub fn normal_pem(der: &[u8]) -> String {
    pem_block("CERTIFICATE", der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_64_and_one_trailing_newline() {
        let pem = normal_pem(&[0u8; 100]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
        assert!(!pem.contains('\r'));
    }

    mod properties {
        use std::sync::OnceLock;

        use proptest::prelude::*;

        use super::super::normal_pem;
        use crate::cert::sniff::{sniff, Format};
        use crate::certgen::{self, Ca, Key, KeyKind, LeafSpec};

        /// Keys are slow to make (RSA above all): one CA, one P-256 and one
        /// RSA-2048 leaf key for every case.
        fn keys() -> &'static (Ca, Key, Key) {
            static K: OnceLock<(Ca, Key, Key)> = OnceLock::new();
            K.get_or_init(|| {
                let t = |y| crate::clock::parse_instant(&format!("{y}-01-01T00:00:00Z")).unwrap();
                let ca = Ca::root(
                    "AC propriétés",
                    Key::generate(KeyKind::P256).unwrap(),
                    t(2020),
                    t(2040),
                )
                .unwrap();
                (
                    ca,
                    Key::generate(KeyKind::P256).unwrap(),
                    certgen::dev::rsa_key(2048).unwrap(),
                )
            })
        }

        /// A certificate of varied shape: key type, name length and
        /// characters, serial, validity, with or without SIREN and e-mail.
        fn cert(rsa: bool, cn: &str, serial: u64, days: i64, siren: bool, email: bool) -> Vec<u8> {
            let (ca, p256, rsa_key) = keys();
            let nb = crate::clock::parse_instant("2027-01-01T00:00:00Z").unwrap();
            let mut spec = LeafSpec::desk(
                "732829320-00001",
                "guichet@example.org",
                nb,
                nb + chrono::Duration::days(days),
                serial,
            );
            spec.common_name = cn.to_owned();
            if !siren {
                spec.siren = None;
            }
            if !email {
                spec.email = None;
            }
            ca.issue(&spec, if rsa { rsa_key } else { p256 }).unwrap()
        }

        /// Every shape a desk may send the same certificate in.
        fn shapes(der: &[u8]) -> Vec<(Format, Vec<u8>)> {
            let pem = normal_pem(der);
            let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            vec![
                (Format::Der, der.to_vec()),
                (Format::Pem, pem.clone().into_bytes()),
                (
                    Format::Pem,
                    format!(
                        "Bag Attributes\r\n    friendlyName: x\r\n{}",
                        pem.replace('\n', "\r\n")
                    )
                    .into_bytes(),
                ),
                (Format::Base64, b64.into_bytes()),
                (Format::Pkcs7Der, certgen::pkcs7(&[der])),
                (
                    Format::Pkcs7Pem,
                    certgen::pem("PKCS7", &certgen::pkcs7(&[der])).into_bytes(),
                ),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]

            #[test]
            fn der_to_normal_pem_to_der_is_the_identity_and_normalising_is_idempotent(
                rsa in any::<bool>(),
                cn in "[A-Za-z0-9 éèàç'-]{1,60}",
                serial in 1u64..u64::MAX,
                days in 1i64..4000,
                siren in any::<bool>(),
                email in any::<bool>(),
            ) {
                let der = cert(rsa, &cn, serial, days, siren, email);
                let normal = normal_pem(&der);
                for (format, bytes) in shapes(&der) {
                    let s = sniff(&bytes);
                    prop_assert_eq!(s.format, Some(format));
                    prop_assert!(s.problem.is_none(), "{:?}", s.problem);
                    prop_assert_eq!(&s.certs, &vec![der.clone()]);
                    prop_assert_eq!(&normal_pem(&s.certs[0]), &normal);
                }
                // The normal form, sniffed and normalised again, is unchanged.
                let again = sniff(normal.as_bytes());
                prop_assert_eq!(normal_pem(&again.certs[0]), normal);
            }
        }
    }
}
