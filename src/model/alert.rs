//! What the alert log keeps of each message: written as `pending` before the
//! message is handed to SMTP, marked `sent` with its Message-ID after.
//!
//! # Stored form
//!
//! A record is stored (and listed by `vigie alerts list --json`) as it was
//! before [`AlertState::Superseded`] existed: a superseded alert is written
//! as state `failed` with the error [`SUPERSEDED`], and read back as
//! superseded. Stores written by earlier releases read the same, and an
//! earlier release can still read what this one writes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DeskId, Instant, Sha256};

/// The kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// A threshold before expiry was crossed.
    Threshold,
    /// The certificate has expired (repeated every N days).
    Expired,
    /// The team digest.
    Digest,
    /// A refused intake, explained to the desk.
    Refusal,
    /// The certificate was configured nationally.
    Confirmation,
}

impl AlertKind {
    /// The JSON and key name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Threshold => "threshold",
            AlertKind::Expired => "expired",
            AlertKind::Digest => "digest",
            AlertKind::Refusal => "refusal",
            AlertKind::Confirmation => "confirmation",
        }
    }
}

/// Delivery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertState {
    /// Recorded, not yet acknowledged by the SMTP server.
    Pending,
    /// Accepted by the SMTP server (or written to the outbox folder).
    Sent,
    /// Will not be retried (no valid recipient, for example).
    Failed,
    /// Dropped unsent because a newer certificate became the desk's current
    /// one: the desk renewed, which is what the alert asked for, so this is
    /// not a failure. Listed and stored as `failed` (see the module's doc).
    Superseded,
}

/// The error a superseded alert is listed and stored with; how the store
/// tells it from a failed one.
pub const SUPERSEDED: &str = "superseded: a newer certificate is current";

impl AlertState {
    /// The name `vigie alerts list` shows (DESIGN §8: `pending`, `sent` or
    /// `failed`) and the store keeps: a superseded alert is `failed` there.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Sent => "sent",
            AlertState::Failed | AlertState::Superseded => "failed",
        }
    }
}

impl Serialize for AlertState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The states as stored: a superseded alert is told by its error, which
/// only the record as a whole sees (`StoredAlert`).
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum StoredState {
    Pending,
    Sent,
    Failed,
}

impl<'de> Deserialize<'de> for AlertState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match StoredState::deserialize(d)? {
            StoredState::Pending => AlertState::Pending,
            StoredState::Sent => AlertState::Sent,
            StoredState::Failed => AlertState::Failed,
        })
    }
}

/// One message in the alert log. Its key is (kind, desk, certificate,
/// threshold or sequence), so that a message can be recorded only once.
///
/// Written and read through private mirrors of its stored form (see the
/// module's doc), so that a superseded alert keeps the bytes it always had.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "StoredAlert")]
pub struct AlertRecord {
    /// The desk, or `None` for the team digest.
    pub desk: Option<DeskId>,
    /// The certificate, if the message is about one.
    pub sha256: Option<Sha256>,
    /// The kind of message.
    pub kind: AlertKind,
    /// The threshold crossed (days), or for `expired` the days since expiry
    /// of the reminder; `None` otherwise.
    pub threshold_days: Option<i64>,
    /// For messages that are not about a threshold (the digest, a refusal),
    /// what makes this one distinct: a date, a file's fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// Delivery state.
    pub state: AlertState,
    /// The Message-ID header, fixed when the record is created so that a
    /// retried message keeps its identity.
    pub message_id: Option<String>,
    /// Addresses it was sent to.
    pub recipients: Vec<String>,
    /// When it was recorded.
    pub created_at: Instant,
    /// When the server accepted it.
    pub sent_at: Option<Instant>,
    /// Delivery attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// Last delivery error.
    pub error: Option<String>,
    /// What the template needs beyond the desk and certificate records (for a
    /// refusal: the file name, reason code and explanations), fixed when the
    /// message is decided so that a retry sends the same words.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub details: std::collections::BTreeMap<String, String>,
}

/// The stored form of a record, as earlier releases wrote it, for reading.
#[derive(Deserialize)]
struct StoredAlert {
    /// The desk, or `None` for the team digest.
    desk: Option<DeskId>,
    /// The certificate, if the message is about one.
    sha256: Option<Sha256>,
    /// The kind of message.
    kind: AlertKind,
    /// The threshold crossed (days), or for `expired` the days since expiry
    /// of the reminder; `None` otherwise.
    threshold_days: Option<i64>,
    /// For messages that are not about a threshold (the digest, a refusal),
    /// what makes this one distinct: a date, a file's fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    slot: Option<String>,
    /// Delivery state.
    state: StoredState,
    /// The Message-ID header, fixed when the record is created so that a
    /// retried message keeps its identity.
    message_id: Option<String>,
    /// Addresses it was sent to.
    recipients: Vec<String>,
    /// When it was recorded.
    created_at: Instant,
    /// When the server accepted it.
    sent_at: Option<Instant>,
    /// Delivery attempts so far.
    #[serde(default)]
    attempts: u32,
    /// Last delivery error.
    error: Option<String>,
    /// What the template needs beyond the desk and certificate records (for a
    /// refusal: the file name, reason code and explanations), fixed when the
    /// message is decided so that a retry sends the same words.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    details: std::collections::BTreeMap<String, String>,
}

impl From<StoredAlert> for AlertRecord {
    fn from(s: StoredAlert) -> AlertRecord {
        let state = match s.state {
            StoredState::Pending => AlertState::Pending,
            StoredState::Sent => AlertState::Sent,
            StoredState::Failed if s.error.as_deref() == Some(SUPERSEDED) => AlertState::Superseded,
            StoredState::Failed => AlertState::Failed,
        };
        AlertRecord {
            desk: s.desk,
            sha256: s.sha256,
            kind: s.kind,
            threshold_days: s.threshold_days,
            slot: s.slot,
            state,
            message_id: s.message_id,
            recipients: s.recipients,
            created_at: s.created_at,
            sent_at: s.sent_at,
            attempts: s.attempts,
            error: s.error,
            details: s.details,
        }
    }
}

/// The stored form of a record, borrowed for writing: same fields in the
/// same order as [`StoredAlert`], so the bytes are those earlier releases
/// wrote.
#[derive(Serialize)]
struct StoredAlertRef<'a> {
    desk: &'a Option<DeskId>,
    sha256: &'a Option<Sha256>,
    kind: AlertKind,
    threshold_days: Option<i64>,
    #[serde(skip_serializing_if = "is_none")]
    slot: &'a Option<String>,
    state: AlertState,
    message_id: &'a Option<String>,
    recipients: &'a [String],
    created_at: &'a Instant,
    sent_at: &'a Option<Instant>,
    attempts: u32,
    error: &'a Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    details: &'a BTreeMap<String, String>,
}

fn is_none<T>(v: &&Option<T>) -> bool {
    v.is_none()
}

fn is_empty(v: &&BTreeMap<String, String>) -> bool {
    v.is_empty()
}

impl Serialize for AlertRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A superseded alert is stored as failed with its reason, whatever
        // `error` holds: the reason is what tells it apart when read back.
        let superseded = Some(SUPERSEDED.to_owned());
        StoredAlertRef {
            desk: &self.desk,
            sha256: &self.sha256,
            kind: self.kind,
            threshold_days: self.threshold_days,
            slot: &self.slot,
            state: self.state,
            message_id: &self.message_id,
            recipients: &self.recipients,
            created_at: &self.created_at,
            sent_at: &self.sent_at,
            attempts: self.attempts,
            error: match self.state {
                AlertState::Superseded => &superseded,
                _ => &self.error,
            },
            details: &self.details,
        }
        .serialize(s)
    }
}

impl AlertRecord {
    /// Marks the alert superseded: a newer certificate is current, so it
    /// will not be sent.
    pub fn supersede(&mut self) {
        self.state = AlertState::Superseded;
        self.error = Some(SUPERSEDED.to_owned());
    }
}

/// The key of an alert record: one message per (kind, desk, certificate,
/// threshold or slot). Writing a record under a key that exists is how the
/// alert planner knows a message was already decided.
pub fn alert_key(rec: &AlertRecord) -> Vec<u8> {
    let desk = rec.desk.as_ref().map_or("-", |d| d.as_str());
    let sha = rec.sha256.map_or_else(|| "-".to_owned(), |s| s.to_hex());
    let slot = match (&rec.slot, rec.threshold_days) {
        (Some(s), _) => s.clone(),
        (None, Some(t)) => format!("{t:+06}"),
        (None, None) => "-".into(),
    };
    format!("{}|{desk}|{sha}|{slot}", rec.kind.as_str()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A superseded threshold alert as vigie wrote it before the state
    /// existed (the derived encoding of the old struct, byte for byte).
    const OLD_SUPERSEDED: &str = concat!(
        r#"{"desk":"732829320-00001","#,
        r#""sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","#,
        r#""kind":"threshold","threshold_days":30,"state":"failed","#,
        r#""message_id":"<vigie.1@example.org>","recipients":["a@example.org"],"#,
        r#""created_at":"2027-01-01T00:00:00Z","sent_at":null,"attempts":1,"#,
        r#""error":"superseded: a newer certificate is current"}"#
    );

    /// A digest that failed, with a slot and details, as written before.
    const OLD_FAILED: &str = concat!(
        r#"{"desk":null,"sha256":null,"kind":"digest","threshold_days":null,"#,
        r#""slot":"2027-01-01","state":"failed","message_id":null,"recipients":[],"#,
        r#""created_at":"2027-01-01T00:00:00Z","sent_at":null,"attempts":0,"#,
        r#""error":"550 no such user","details":{"data":"{}"}}"#
    );

    #[test]
    fn old_encodings_read_with_their_state_and_write_back_byte_for_byte() {
        let superseded: AlertRecord = serde_json::from_str(OLD_SUPERSEDED).unwrap();
        assert_eq!(superseded.state, AlertState::Superseded);
        assert_eq!(serde_json::to_string(&superseded).unwrap(), OLD_SUPERSEDED);

        let failed: AlertRecord = serde_json::from_str(OLD_FAILED).unwrap();
        assert_eq!(failed.state, AlertState::Failed);
        assert_eq!(failed.slot.as_deref(), Some("2027-01-01"));
        assert_eq!(serde_json::to_string(&failed).unwrap(), OLD_FAILED);

        // Fields added after the first release default when absent.
        let older = OLD_FAILED
            .replace(r#""attempts":0,"#, "")
            .replace(r#","details":{"data":"{}"}"#, "");
        let r: AlertRecord = serde_json::from_str(&older).unwrap();
        assert_eq!((r.attempts, r.details.len()), (0, 0));
    }

    #[test]
    fn superseding_is_stored_as_failed_with_its_reason() {
        let mut rec: AlertRecord = serde_json::from_str(OLD_FAILED).unwrap();
        rec.state = AlertState::Superseded;
        rec.error = None;
        let json = serde_json::to_string(&rec).unwrap();
        assert!(json.contains(r#""state":"failed""#), "{json}");
        assert!(json.contains(SUPERSEDED), "{json}");
        let back: AlertRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back.state, AlertState::Superseded);

        rec.state = AlertState::Pending;
        rec.supersede();
        assert_eq!(
            (rec.state, rec.error.as_deref()),
            (AlertState::Superseded, Some(SUPERSEDED))
        );
        assert_eq!(
            serde_json::to_value(AlertState::Superseded).unwrap(),
            "failed"
        );
        assert_eq!(AlertState::Sent.as_str(), "sent");
        assert!(serde_json::from_str::<AlertState>(r#""superseded""#).is_err());
    }
}
