//! Time as a value: the instant a command evaluates at, and calendar-day
//! arithmetic in the configured time zone.
//!
//! Nothing deep in vigie asks the system clock; the CLI reads it once (or takes
//! `--now`) and passes the instant down, so that every decision is testable and
//! `--now` gives what-if answers.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The instant a command runs at.
pub type Instant = DateTime<Utc>;

/// Parses an RFC 3339 instant (`2027-03-28T09:00:00+02:00`).
pub fn parse_instant(s: &str) -> Result<Instant, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "«{}» is not an RFC 3339 instant such as 2027-03-28T09:00:00+02:00 ({e})",
                crate::desk::printable(s)
            )
        })
}

/// The calendar date of an instant in a time zone.
pub fn local_date(at: Instant, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Calendar days from `now` to `until`, both taken as dates in `tz`: 0 on the
/// last day, negative once the day has passed. A certificate ending at
/// 00:30 local on the 10th has 1 day left all through the 9th.
pub fn days_between(now: Instant, until: Instant, tz: Tz) -> i64 {
    (local_date(until, tz) - local_date(now, tz)).num_days()
}

/// Formats an instant as dd/mm/yyyy in `tz`, the way French letters write dates.
pub fn french_date(at: Instant, tz: Tz) -> String {
    at.with_timezone(&tz).format("%d/%m/%Y").to_string()
}

/// RFC 3339 in UTC with a `Z`, to the second: the form of every JSON output.
pub fn rfc3339(at: Instant) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

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
    fn days_are_calendar_days_in_the_zone() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let now = parse_instant("2027-01-09T22:30:00Z").unwrap(); // 23:30 on the 9th in Paris
        let until = parse_instant("2027-01-09T23:30:00Z").unwrap(); // 00:30 on the 10th in Paris
        assert_eq!(days_between(now, until, tz), 1);
        assert_eq!(days_between(now, until, chrono_tz::UTC), 0);
        assert_eq!(days_between(until, now, tz), -1);
        assert_eq!(french_date(until, tz), "10/01/2027");
        assert_eq!(rfc3339(until), "2027-01-09T23:30:00Z");
    }

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

    #[test]
    fn bad_instants_are_refused() {
        assert!(parse_instant("tomorrow").is_err());
        assert!(parse_instant("2027-01-09").is_err());
    }
}
