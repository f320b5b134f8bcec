//! `DeskId`: the identifier of a registration desk, `NNNNNNNNN-XXXXX`.
//!
//! Nine digits (the organisation's SIREN), a hyphen, then five upper-case letters
//! or digits (the desk's code within the organisation). The shape is checked
//! strictly; the SIREN's Luhn check digit is only a warning, because the national
//! register has been seen to carry identifiers whose SIREN fails it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A desk identifier whose shape has been checked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeskId(String);

/// Why a string is not a desk identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeskIdError {
    /// Nothing was given.
    #[error("the desk identifier is empty")]
    Empty,
    /// An 18-character application number was given instead of a desk id.
    #[error("«{0}» looks like an application number (numéro unique), not a desk identifier NNNNNNNNN-XXXXX")]
    ApplicationNumber(String),
    /// Anything else of the wrong shape.
    #[error("«{0}» is not a desk identifier: expected 9 digits, a hyphen and 5 upper-case letters or digits (NNNNNNNNN-XXXXX)")]
    Shape(String),
}

impl DeskId {
    /// Parses and checks a desk identifier. Surrounding white space is ignored;
    /// nothing else is corrected (lower-case letters are refused, not upper-cased,
    /// so that what is stored is exactly what the national register knows).
    pub fn parse(input: &str) -> Result<DeskId, DeskIdError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(DeskIdError::Empty);
        }
        let b = s.as_bytes();
        let shape_ok = b.len() == 15
            && b[..9].iter().all(u8::is_ascii_digit)
            && b[9] == b'-'
            && b[10..]
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
        if shape_ok {
            return Ok(DeskId(s.to_owned()));
        }
        if b.len() == 18 && b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(DeskIdError::ApplicationNumber(printable(s)));
        }
        Err(DeskIdError::Shape(printable(s)))
    }

    /// The identifier as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nine-digit SIREN of the organisation.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }

    /// The five-character code of the desk within its organisation.
    pub fn code(&self) -> &str {
        &self.0[10..]
    }

    /// Whether the SIREN passes the Luhn check. A failure is worth a warning, not
    /// a refusal.
    pub fn siren_luhn_ok(&self) -> bool {
        luhn_ok(self.siren())
    }
}

/// The Luhn check over a string of ASCII digits (false on anything else).
pub fn luhn_ok(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

pub use crate::escape::printable;

impl fmt::Display for DeskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DeskId {
    type Err = DeskIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeskId::parse(s)
    }
}

impl Serialize for DeskId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DeskId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DeskId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_shape() {
        let id = DeskId::parse("123456782-AB12C").unwrap();
        assert_eq!(id.siren(), "123456782");
        assert_eq!(id.code(), "AB12C");
        assert_eq!(id.to_string(), "123456782-AB12C");
        assert_eq!(
            DeskId::parse("  123456782-00001 \n").unwrap().as_str(),
            "123456782-00001"
        );
    }

    #[test]
    fn refuses_wrong_shapes() {
        for bad in [
            "",
            "12345678-AB12C",
            "1234567890-AB12C",
            "123456782-ab12c",
            "123456782_AB12C",
            "123456782-AB12",
            "123456782-AB12CD",
            "12345678A-AB12C",
            "123456782-AB 2C",
            "123456782-ÉB12C",
        ] {
            assert!(DeskId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn names_an_application_number() {
        let err = DeskId::parse("069122300012A3B4C5").unwrap_err();
        assert!(matches!(err, DeskIdError::ApplicationNumber(_)), "{err:?}");
    }

    #[test]
    fn luhn_is_checked_on_the_siren() {
        // 732829320 is a well-formed SIREN (Luhn-valid); changing its last digit breaks it.
        assert!(DeskId::parse("732829320-00001").unwrap().siren_luhn_ok());
        assert!(!DeskId::parse("732829321-00001").unwrap().siren_luhn_ok());
        assert!(luhn_ok("0"));
        assert!(!luhn_ok(""));
        assert!(!luhn_ok("12a"));
    }

    #[test]
    fn errors_escape_control_characters() {
        let err = DeskId::parse("123\r\nBcc: x").unwrap_err().to_string();
        assert!(!err.contains('\n') && !err.contains('\r'), "{err}");
        assert!(err.contains("\\r\\n"), "{err}");
    }

    #[test]
    fn serde_round_trip_checks_the_shape() {
        let id: DeskId = serde_json::from_str("\"123456782-AB12C\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"123456782-AB12C\"");
        assert!(serde_json::from_str::<DeskId>("\"nope\"").is_err());
    }
}
