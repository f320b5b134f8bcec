//! The instant, as records hold it, and the serde of stored instants.
//!
//! The clock's arithmetic (days in a time zone, French dates) stays in
//! [`crate::clock`]; the model only needs the value and how it is stored.

use chrono::{DateTime, NaiveDate, Utc};

/// The instant a command runs at.
pub type Instant = DateTime<Utc>;

/// Reads an instant in the one form vigie writes (`2027-03-01T09:00:00Z`),
/// without the general RFC 3339 parser; `None` for any other form.
fn parse_written(s: &[u8]) -> Option<Instant> {
    let [y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T', h0, h1, b':', mi0, mi1, b':', s0, s1, b'Z'] =
        *s
    else {
        return None;
    };
    let num = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(&[y0, y1, y2, y3])?).ok()?;
    NaiveDate::from_ymd_opt(year, num(&[mo0, mo1])?, num(&[d0, d1])?)?
        .and_hms_opt(num(&[h0, h1])?, num(&[mi0, mi1])?, num(&[s0, s1])?)
        .map(|t| t.and_utc())
}

/// Serde for stored instants: written as chrono writes them, read through
/// [`parse_written`] first (status and planning read 100,000 summaries),
/// then through chrono for any other RFC 3339 form older values may hold.
pub mod stored {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Instant;

    struct Visitor;

    impl serde::de::Visitor<'_> for Visitor {
        type Value = Instant;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 instant")
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Instant, E> {
            match super::parse_written(s.as_bytes()) {
                Some(at) => Ok(at),
                None => s.parse().map_err(E::custom),
            }
        }
    }

    /// Writes an instant.
    pub fn serialize<S: Serializer>(at: &Instant, s: S) -> Result<S::Ok, S::Error> {
        at.serialize(s)
    }

    /// Reads an instant.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        d.deserialize_str(Visitor)
    }

    /// The same for an optional instant.
    pub mod option {
        use super::*;

        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] Instant);

        /// Writes an optional instant.
        pub fn serialize<S: Serializer>(at: &Option<Instant>, s: S) -> Result<S::Ok, S::Error> {
            at.serialize(s)
        }

        /// Reads an optional instant.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Instant>, D::Error> {
            Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_read_as_chrono_reads_them() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct V {
            #[serde(with = "stored")]
            at: Instant,
            #[serde(with = "stored::option", default)]
            maybe: Option<Instant>,
        }
        for text in [
            "2027-03-01T09:00:00Z",
            "1999-12-31T23:59:59Z",
            "2027-03-01T09:00:00.250Z",
            "2027-03-01T10:00:00+01:00",
        ] {
            let json = format!(r#"{{"at":"{text}","maybe":"{text}"}}"#);
            let v: V = serde_json::from_str(&json).unwrap();
            let chrono: Instant = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!((v.at, v.maybe), (chrono, Some(chrono)), "{text}");
            // Written back as chrono writes it.
            let again: V = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
            assert_eq!(again, v);
        }
        let v: V = serde_json::from_str(r#"{"at":"2027-03-01T09:00:00Z","maybe":null}"#).unwrap();
        assert_eq!(v.maybe, None);
        for bad in [
            "2027-02-30T09:00:00Z",
            "2027-03-01T25:00:00Z",
            "2027-0x-01T09:00:00Z",
            "",
        ] {
            let json = format!(r#"{{"at":"{bad}"}}"#);
            assert!(serde_json::from_str::<V>(&json).is_err(), "{bad}");
        }
    }
}
