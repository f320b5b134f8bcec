//! Reading one certificate into [`CertInfo`]: every field `vigie cert
//! inspect --json` shows (DESIGN §8), plus what the policy needs.

use serde::Serialize;
use x509_parser::der_parser::oid::Oid;
use x509_parser::prelude::*;

use crate::clock::Instant;
use crate::fingerprint::Sha256;

/// The public key's algorithm and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `rsa`, `ec`, `ed25519`, `ed448`, `dsa`, `gost` or the dotted OID.
    pub algorithm: String,
    /// Size in bits (modulus for RSA, field for EC), 0 when unknown.
    pub bits: u32,
}

/// What vigie reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject DN, attributes in encoded order (`C=FR, O=…, CN=…`).
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Lower-case hex of the serial INTEGER's content octets.
    pub serial: String,
    /// Start of validity.
    #[serde(serialize_with = "rfc3339")]
    pub not_before: Instant,
    /// End of validity.
    #[serde(serialize_with = "rfc3339")]
    pub not_after: Instant,
    /// SHA-256 of the DER: the certificate's identity.
    pub sha256: Sha256,
    /// Public key.
    pub key: KeyInfo,
    /// Whether basicConstraints says CA.
    pub is_ca: bool,
    /// keyUsage names (`digitalSignature`…).
    pub key_usage: Vec<String>,
    /// extendedKeyUsage names (`clientAuth`…) or dotted OIDs.
    pub extended_key_usage: Vec<String>,
    /// Subject alternative names, prefixed the way openssl prints them
    /// (`email:`, `DNS:`, `URI:`, `IP:`, `dirName:`, `othername:`).
    pub san: Vec<String>,
    /// The signature algorithm, by name (`sha256WithRSAEncryption`…).
    #[serde(skip)]
    pub signature_algorithm: String,
    /// SHA-256 of the SubjectPublicKeyInfo, to see a key reused.
    #[serde(skip)]
    pub key_sha256: Sha256,
    /// Every subject attribute value, for attribution.
    #[serde(skip)]
    pub subject_values: Vec<String>,
    /// The subject's emailAddress values, for attribution.
    #[serde(skip)]
    pub subject_emails: Vec<String>,
    /// The DER.
    #[serde(skip)]
    pub der: Vec<u8>,
}

fn rfc3339<S: serde::Serializer>(at: &Instant, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::clock::rfc3339(*at))
}

/// A certificate that x509-parser cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the certificate cannot be decoded: {0}")]
pub struct ParseError(pub String);

impl CertInfo {
    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<CertInfo, ParseError> {
        let (_, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|e| ParseError(e.to_string()))?;
        let instant = |t: ASN1Time| {
            chrono::DateTime::from_timestamp(t.timestamp(), 0)
                .ok_or_else(|| ParseError("a date out of range".into()))
        };
        let tbs = &cert.tbs_certificate;
        let key_usage = match cert.key_usage() {
            Ok(Some(ku)) => key_usage_names(ku.value),
            _ => Vec::new(),
        };
        let extended_key_usage = match cert.extended_key_usage() {
            Ok(Some(eku)) => eku_names(eku.value),
            _ => Vec::new(),
        };
        let san = match cert.subject_alternative_name() {
            Ok(Some(s)) => s.value.general_names.iter().map(general_name).collect(),
            _ => Vec::new(),
        };
        let subject_values = tbs
            .subject
            .iter_attributes()
            .map(|a| attr_value(a.attr_value()))
            .collect();
        let subject_emails = tbs
            .subject
            .iter_attributes()
            .filter(|a| a.attr_type().to_id_string() == "1.2.840.113549.1.9.1")
            .map(|a| attr_value(a.attr_value()))
            .collect();
        Ok(CertInfo {
            subject: dn_string(&tbs.subject),
            issuer: dn_string(&tbs.issuer),
            serial: hex::encode(tbs.raw_serial()),
            not_before: instant(tbs.validity.not_before)?,
            not_after: instant(tbs.validity.not_after)?,
            sha256: Sha256::of(der),
            key: key_info(&tbs.subject_pki),
            is_ca: cert.is_ca(),
            key_usage,
            extended_key_usage,
            san,
            signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
            key_sha256: Sha256::of(tbs.subject_pki.raw),
            subject_values,
            subject_emails,
            der: der.to_vec(),
        })
    }

    /// Whether the certificate allows client authentication or e-mail
    /// protection (no extendedKeyUsage at all allows everything).
    pub fn has_desk_usage(&self) -> bool {
        self.extended_key_usage.is_empty()
            || self.extended_key_usage.iter().any(|u| {
                matches!(
                    u.as_str(),
                    "clientAuth" | "emailProtection" | "anyExtendedKeyUsage"
                )
            })
    }

    /// The addresses the certificate gives: rfc822 names among the SANs,
    /// then the subject's emailAddress values (issue 14: real subjects
    /// carry it there).
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.san
            .iter()
            .filter_map(|s| s.strip_prefix("email:"))
            .chain(self.subject_emails.iter().map(String::as_str))
    }
}

/// A DN as `C=FR, O=…, CN=…`, in encoded order, never failing: values that
/// are not valid strings are shown as `#` and their hex.
pub fn dn_string(name: &X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter() {
        let attrs: Vec<String> = rdn
            .iter()
            .map(|a| {
                format!(
                    "{}={}",
                    attr_name(a.attr_type()),
                    attr_value(a.attr_value())
                )
            })
            .collect();
        parts.push(attrs.join("+"));
    }
    parts.join(", ")
}

fn attr_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "2.5.4.97" => "organizationIdentifier".into(),
        "2.5.4.5" => "serialNumber".into(),
        "1.2.840.113549.1.9.1" => "emailAddress".into(),
        _ => x509_parser::objects::oid2abbrev(oid, x509_parser::objects::oid_registry())
            .map(str::to_owned)
            .unwrap_or_else(|_| oid.to_id_string()),
    }
}

fn attr_value(v: &x509_parser::der_parser::asn1_rs::Any<'_>) -> String {
    use x509_parser::der_parser::asn1_rs::Tag;
    let data = v.data;
    let s = match v.tag() {
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16(&units).ok()
        }
        Tag::UniversalString => data
            .chunks(4)
            .map(|c| {
                c.try_into()
                    .ok()
                    .and_then(|b: [u8; 4]| char::from_u32(u32::from_be_bytes(b)))
            })
            .collect(),
        // T.61 is in practice Latin-1.
        Tag::T61String => Some(data.iter().map(|&b| b as char).collect()),
        _ => std::str::from_utf8(data).ok().map(str::to_owned),
    };
    match s {
        Some(s) => crate::escape::certificate_field(&s),
        None => format!("#{}", hex::encode(data)),
    }
}

fn key_info(spki: &SubjectPublicKeyInfo<'_>) -> KeyInfo {
    let oid = spki.algorithm.algorithm.to_id_string();
    let (algorithm, bits) = match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(r)) => rsa_bits(r.modulus),
                _ => 0,
            };
            ("rsa".to_string(), bits)
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let bits = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => 256,
                Some("1.3.132.0.34") => 384,
                Some("1.3.132.0.35") => 521,
                Some("1.3.132.0.10") => 256,
                Some("1.2.840.10045.3.1.1") => 192,
                Some("1.3.132.0.33") => 224,
                Some("1.3.36.3.3.2.8.1.1.7") => 256,
                Some("1.3.36.3.3.2.8.1.1.11") => 384,
                Some("1.3.36.3.3.2.8.1.1.13") => 512,
                _ => match spki.parsed() {
                    Ok(k) => k.key_size() as u32,
                    _ => 0,
                },
            };
            ("ec".to_string(), bits)
        }
        "1.3.101.112" => ("ed25519".to_string(), 256),
        "1.3.101.113" => ("ed448".to_string(), 456),
        "1.3.101.110" => ("x25519".to_string(), 256),
        "1.3.101.111" => ("x448".to_string(), 448),
        "1.2.840.10040.4.1" => {
            let bits = match spki.parsed() {
                Ok(k) => k.key_size() as u32,
                _ => 0,
            };
            ("dsa".to_string(), bits)
        }
        o if o.starts_with("1.2.643.") => (
            "gost".to_string(),
            (spki.subject_public_key.data.len() as u32).saturating_sub(2) * 4,
        ),
        o => (o.to_string(), 0),
    };
    KeyInfo { algorithm, bits }
}

fn rsa_bits(modulus: &[u8]) -> u32 {
    let m: &[u8] = {
        let first = modulus
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(modulus.len());
        &modulus[first..]
    };
    match m.first() {
        None => 0,
        Some(b) => (m.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
    }
}

fn key_usage_names(ku: &KeyUsage) -> Vec<String> {
    let all = [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ];
    all.iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n.to_string())
        .collect()
}

fn eku_names(eku: &ExtendedKeyUsage<'_>) -> Vec<String> {
    let mut out: Vec<String> = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| n.to_string())
    .collect();
    out.extend(eku.other.iter().map(|o| o.to_id_string()));
    out
}

fn general_name(g: &GeneralName<'_>) -> String {
    let clean = crate::escape::certificate_field;
    match g {
        GeneralName::RFC822Name(s) => format!("email:{}", clean(s)),
        GeneralName::DNSName(s) => format!("DNS:{}", clean(s)),
        GeneralName::URI(s) => format!("URI:{}", clean(s)),
        GeneralName::IPAddress(b) => match b.len() {
            4 => format!(
                "IP:{}",
                std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*b).unwrap_or_default())
            ),
            16 => format!(
                "IP:{}",
                std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*b).unwrap_or_default())
            ),
            _ => format!("IP:#{}", hex::encode(b)),
        },
        GeneralName::DirectoryName(n) => format!("dirName:{}", dn_string(n)),
        GeneralName::OtherName(oid, _) => format!("othername:{}", oid.to_id_string()),
        GeneralName::RegisteredID(oid) => format!("RID:{}", oid.to_id_string()),
        GeneralName::X400Address(_) => "X400Name:<unsupported>".into(),
        GeneralName::EDIPartyName(_) => "EdiPartyName:<unsupported>".into(),
        GeneralName::Invalid(_, b) => format!("invalid:#{}", hex::encode(b)),
    }
}

fn oid_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption".into(),
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.2.840.10040.4.3" => "dsa-with-SHA1".into(),
        "1.3.14.3.2.29" => "sha1WithRSA".into(),
        _ => x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
            .map(str::to_owned)
            .unwrap_or_else(|_| oid.to_id_string()),
    }
}

/// Whether a signature algorithm name is one of MD2, MD5 or SHA-1.
pub fn is_weak_signature(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("md2") || n.starts_with("md5") || n.contains("sha1") || n.ends_with("with-sha1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_bits_counts_the_modulus() {
        assert_eq!(rsa_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(rsa_bits(&[0x01]), 1);
        assert_eq!(rsa_bits(&[]), 0);
    }

    #[test]
    fn weak_signatures() {
        for w in [
            "sha1WithRSAEncryption",
            "md5WithRSAEncryption",
            "ecdsa-with-SHA1",
            "dsa-with-SHA1",
        ] {
            assert!(is_weak_signature(w), "{w}");
        }
        for ok in ["sha256WithRSAEncryption", "ecdsa-with-SHA256", "ED25519"] {
            assert!(!is_weak_signature(ok), "{ok}");
        }
    }
}
