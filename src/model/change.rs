//! A scheduled change to one setting of a desk's national configuration
//! (DESIGN §12; the reference document's §1.2, the switch to version 2): the
//! desk asked for a date, and on that date the setting is applied through
//! the national destination, like a certificate push, exactly once.
//!
//! The push bookkeeping (`attempts`, `next_attempt`, `last_error`,
//! `done_at`) mirrors [`super::PushJob`]'s: a change *is* a job of the same
//! outbox, kept in its own store tree because it is keyed by its own id.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{printable, DeskId, Instant};

/// The identifier of a scheduled change: `c` then 8 lower-case Crockford
/// base32 characters (`0-9a-z` without `i`, `l`, `o`, `u`), e.g.
/// `c7k2m9qxa`.
///
/// The 40 bits behind it are random (the store draws them, and draws again
/// in the unlikely case the id is taken), not a counter: the id is part of
/// the `Idempotency-Key` the national system deduplicates on, and a store
/// restored from an older backup would hand a counter's values out a second
/// time, to other changes. Once made, an id never changes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ChangeId(String);

/// Crockford's base32 alphabet, lower-case: no letters that read as digits.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

impl ChangeId {
    /// The id made of the low 40 bits of `bits`.
    pub fn from_bits(bits: u64) -> ChangeId {
        let mut s = String::with_capacity(9);
        s.push('c');
        for i in (0..8).rev() {
            s.push(char::from(ALPHABET[((bits >> (5 * i)) & 31) as usize]));
        }
        ChangeId(s)
    }

    /// Parses an id as a person types it (case and surrounding spaces do
    /// not matter).
    pub fn parse(input: &str) -> Result<ChangeId, String> {
        let s = input.trim().to_lowercase();
        let ok =
            s.len() == 9 && s.starts_with('c') && s.bytes().skip(1).all(|b| ALPHABET.contains(&b));
        if ok {
            Ok(ChangeId(s))
        } else {
            Err(format!(
                "«{}» is not a change id: expected c and 8 letters or digits, as `vigie desk changes` lists them",
                printable(input)
            ))
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ChangeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ChangeId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for ChangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a scheduled change stands (`desk changes --json`'s `"state"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeState {
    /// Waiting for its date, or due and being applied (retries included).
    /// The one state that counts as pending: a desk has at most one
    /// scheduled change per key.
    Scheduled,
    /// Acknowledged by the destination; the desk's setting has changed.
    Done,
    /// Refused permanently by the destination (e.g. HTTPS 409); shown in the
    /// digest.
    Failed,
    /// Cancelled by `vigie desk cancel`, or replaced by a newer change of
    /// the same desk and key. Never applied.
    Cancelled,
}

impl ChangeState {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Scheduled => "scheduled",
            ChangeState::Done => "done",
            ChangeState::Failed => "failed",
            ChangeState::Cancelled => "cancelled",
        }
    }
}

/// One scheduled change of one setting of one desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Its id.
    pub id: ChangeId,
    /// The desk.
    pub desk: DeskId,
    /// The setting (`version`, `mode` or a `[desk_settings]` key), checked
    /// against the configuration when the change was made.
    pub key: String,
    /// The value it takes, as checked (normalised: `V2`, `ws`…).
    pub value: String,
    /// The day the desk asked for: due from 00:00 local time (`timezone`)
    /// that day, never before. Written `YYYY-MM-DD`.
    pub on: NaiveDate,
    /// Where it stands.
    pub state: ChangeState,
    /// A note for people (the desk's request, a ticket number…).
    #[serde(default)]
    pub note: Option<String>,
    /// The value the desk had when the change was made, for people and
    /// campaigns ("V1 → V2").
    #[serde(default)]
    pub previous: Option<String>,
    /// The campaign the change answers, when one is named (`--all
    /// --where`, campaigns); `None` for a desk's own request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// When it was made.
    #[serde(with = "crate::model::instant::stored")]
    pub created_at: Instant,
    /// The destination kind and address, as configured at the first attempt
    /// (`None` before it).
    #[serde(default)]
    pub destination: Option<String>,
    /// Attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// Not before this instant (a retry's backoff); `None`: from its date.
    #[serde(default, with = "crate::model::instant::stored::option")]
    pub next_attempt: Option<Instant>,
    /// The last error, for people.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When the destination acknowledged it.
    #[serde(default, with = "crate::model::instant::stored::option")]
    pub done_at: Option<Instant>,
    /// When it was cancelled or replaced.
    #[serde(default, with = "crate::model::instant::stored::option")]
    pub cancelled_at: Option<Instant>,
}

impl Change {
    /// A new change, scheduled, with no attempt yet.
    pub fn new(
        id: ChangeId,
        desk: DeskId,
        key: String,
        value: String,
        on: NaiveDate,
        created_at: Instant,
    ) -> Change {
        Change {
            id,
            desk,
            key,
            value,
            on,
            state: ChangeState::Scheduled,
            note: None,
            previous: None,
            campaign: None,
            created_at,
            destination: None,
            attempts: 0,
            next_attempt: None,
            last_error: None,
            done_at: None,
            cancelled_at: None,
        }
    }

    /// Whether it still waits to be applied.
    pub fn is_pending(&self) -> bool {
        self.state == ChangeState::Scheduled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_stable_and_parsed_back() {
        let id = ChangeId::from_bits(0);
        assert_eq!(id.as_str(), "c00000000");
        let id = ChangeId::from_bits(u64::MAX);
        assert_eq!(id.as_str(), "czzzzzzzz");
        let id = ChangeId::from_bits(0x12_3456_789a);
        assert_eq!(ChangeId::parse(&id.as_str().to_uppercase()).unwrap(), id);
        for bad in ["", "c", "x00000000", "c0000000i", "c000000000", "c0000 000"] {
            assert!(ChangeId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_change_round_trips_with_its_date_as_written() {
        let c = Change::new(
            ChangeId::from_bits(42),
            DeskId::parse("732829320-00001").unwrap(),
            "version".into(),
            "V2".into(),
            NaiveDate::from_ymd_opt(2013, 3, 18).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
        );
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""on":"2013-03-18""#), "{text}");
        assert!(text.contains(r#""state":"scheduled""#), "{text}");
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), c);
        assert!(c.is_pending());
    }
}
