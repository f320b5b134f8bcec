//! `Email`: an e-mail address checked well enough to put in an SMTP envelope.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::printable;

/// An e-mail address: one `@`, a non-empty local part, a domain with a dot, no
/// white space, no control characters, nothing that could break a header.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

/// Why a string is not an acceptable e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("«{shown}» is not a valid e-mail address: {reason}")]
pub struct EmailError {
    shown: String,
    reason: &'static str,
}

impl Email {
    /// Parses an address. The domain is lower-cased; the local part is kept.
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let s = input.trim();
        let fail = |reason| EmailError {
            shown: printable(s),
            reason,
        };
        if s.is_empty() {
            return Err(fail("it is empty"));
        }
        if s.len() > 254 {
            return Err(fail("it is longer than 254 characters"));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(fail("it holds spaces or control characters"));
        }
        if s.chars().any(|c| {
            matches!(
                c,
                '<' | '>' | ',' | ';' | '"' | '(' | ')' | '[' | ']' | '\\'
            )
        }) {
            return Err(fail("it holds a character not allowed in an address"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(fail("it has no @"));
        };
        if local.is_empty() || local.contains('@') {
            return Err(fail("the part before @ is empty or holds another @"));
        }
        if !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(fail("the domain after @ is not a full domain name"));
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses() {
        assert_eq!(
            Email::parse(" Guichet.Lyon@Example.ORG ").unwrap().as_str(),
            "Guichet.Lyon@example.org"
        );
    }

    #[test]
    fn refuses_header_injection_and_junk() {
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a@@b.org",
            "@b.org",
            "a@b.org\r\nBcc: evil@x.org",
            "a b@c.org",
            "<a@b.org>",
            "a@b.org,c@d.org",
            "a@.org",
            "a@b..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
