//! The shapes a certificate comes in.

use serde::Serialize;

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
