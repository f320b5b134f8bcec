//! `Sha256`: the identity of a certificate, the SHA-256 of its DER encoding.
//!
//! Serial numbers are not unique across certification authorities, so vigie
//! never identifies a certificate by its serial.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256 as Hasher};

/// A SHA-256 digest, shown as 64 lower-case hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// The digest of some bytes (for a certificate: its DER).
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(Hasher::digest(bytes).into())
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Builds from raw bytes (a store key); `None` unless exactly 32.
    pub fn from_slice(b: &[u8]) -> Option<Sha256> {
        b.try_into().ok().map(Sha256)
    }

    /// Reads exactly 64 hexadecimal digits (either case); `None` otherwise.
    pub fn from_hex(digits: &[u8]) -> Option<Sha256> {
        fn nibble(c: u8) -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                b'A'..=b'F' => Some(c - b'A' + 10),
                _ => None,
            }
        }
        if digits.len() != 64 {
            return None;
        }
        let mut raw = [0u8; 32];
        for (byte, pair) in raw.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Some(Sha256(raw))
    }

    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first 12 hex digits, for tables meant for people.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..6])
    }
}

/// A string that is not 64 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("«{0}» is not a SHA-256 fingerprint (64 hexadecimal digits)")]
pub struct Sha256Error(String);

impl FromStr for Sha256 {
    type Err = Sha256Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // The form vigie writes itself (store values, JSON), decoded without
        // allocating: status and planning read 100,000 of these at a time.
        if let Some(sha) = Sha256::from_hex(s.as_bytes()) {
            return Ok(sha);
        }
        // Fingerprints are often pasted with colons or in upper case (openssl's
        // `-fingerprint` output): accept both.
        let cleaned: String = s.trim().chars().filter(|c| *c != ':').collect();
        let bytes = hex::decode(cleaned.to_ascii_lowercase())
            .map_err(|_| Sha256Error(super::printable(s)))?;
        Sha256::from_slice(&bytes).ok_or_else(|| Sha256Error(super::printable(s)))
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

impl Serialize for Sha256 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(Sha256Visitor)
    }
}

/// Reads a fingerprint from a borrowed string when the format allows it
/// (JSON without escapes), from an owned one otherwise.
struct Sha256Visitor;

impl serde::de::Visitor<'_> for Sha256Visitor {
    type Value = Sha256;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SHA-256 fingerprint in hexadecimal")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Sha256, E> {
        s.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest_and_parsing() {
        let d = Sha256::of(b"abc");
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let colons = "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD";
        assert_eq!(colons.parse::<Sha256>().unwrap(), d);
        assert!("abc".parse::<Sha256>().is_err());
        assert_eq!(d.short().len(), 12);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Sha256>(&json).unwrap(), d);
        assert_eq!(
            serde_json::from_str::<Sha256>(&json.to_ascii_uppercase()).unwrap(),
            d
        );
        assert!(serde_json::from_str::<Sha256>("\"ba78\"").is_err());
    }
}
