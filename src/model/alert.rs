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
//!
//! Likewise a record's [`AlertSubject`] is stored as the optional fields
//! `desk`, `sha256`, `threshold_days` and `slot` it replaced, with the same
//! bytes and under the same key; a record whose fields fit no subject is
//! refused when read (see [`SubjectError`] for why).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use super::{ChangeId, DeskId, Instant, Sha256};

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
    /// A scheduled setting change, acknowledged to the desk with its date
    /// (issue 16).
    ChangeScheduled,
    /// A scheduled setting change was cancelled; the desk is told.
    ChangeCancelled,
    /// A scheduled setting change was applied nationally: the desk may, and
    /// must, work with the new setting.
    ChangeApplied,
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
            AlertKind::ChangeScheduled => "change_scheduled",
            AlertKind::ChangeCancelled => "change_cancelled",
            AlertKind::ChangeApplied => "change_applied",
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

/// What a message is about, and what makes it distinct: each kind of
/// message names exactly what its writer records, so that a threshold alert
/// without a certificate, or a digest addressed to a desk, cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AlertSubject {
    /// A threshold before expiry was crossed (written by the planner).
    Threshold {
        /// The desk.
        desk: DeskId,
        /// Its certificate the alert is about.
        cert: Sha256,
        /// The threshold crossed, in days before expiry.
        days: i64,
    },
    /// A reminder that the certificate has expired (written by the planner,
    /// repeated every N days).
    Expired {
        /// The desk.
        desk: DeskId,
        /// Its expired certificate.
        cert: Sha256,
        /// Days since expiry of this reminder: 0, 7, 14…
        days_since: i64,
    },
    /// The team digest: at most one per local day.
    Digest {
        /// The local date it is for.
        date: NaiveDate,
    },
    /// A refused intake, explained to the desk.
    Refusal {
        /// The desk the file was attributed to.
        desk: DeskId,
        /// The refused certificate, when the file held one that was read.
        cert: Option<Sha256>,
        /// The fingerprint of the refused file: one message per file.
        file: Sha256,
    },
    /// The certificate was configured nationally (written by the push run).
    Confirmation {
        /// The desk.
        desk: DeskId,
        /// The certificate pushed.
        cert: Sha256,
    },
    /// A setting change was scheduled (written by `desk schedule`).
    ChangeScheduled {
        /// The desk.
        desk: DeskId,
        /// The change: one acknowledgement per change.
        change: ChangeId,
    },
    /// A scheduled change was cancelled (written by `desk cancel`).
    ChangeCancelled {
        /// The desk.
        desk: DeskId,
        /// The change.
        change: ChangeId,
    },
    /// A scheduled change was applied (written by the push run).
    ChangeApplied {
        /// The desk.
        desk: DeskId,
        /// The change.
        change: ChangeId,
    },
}

impl AlertSubject {
    /// The kind of message.
    pub fn kind(&self) -> AlertKind {
        match self {
            AlertSubject::Threshold { .. } => AlertKind::Threshold,
            AlertSubject::Expired { .. } => AlertKind::Expired,
            AlertSubject::Digest { .. } => AlertKind::Digest,
            AlertSubject::Refusal { .. } => AlertKind::Refusal,
            AlertSubject::Confirmation { .. } => AlertKind::Confirmation,
            AlertSubject::ChangeScheduled { .. } => AlertKind::ChangeScheduled,
            AlertSubject::ChangeCancelled { .. } => AlertKind::ChangeCancelled,
            AlertSubject::ChangeApplied { .. } => AlertKind::ChangeApplied,
        }
    }

    /// The desk, or `None` for the team digest.
    pub fn desk(&self) -> Option<&DeskId> {
        match self {
            AlertSubject::Threshold { desk, .. }
            | AlertSubject::Expired { desk, .. }
            | AlertSubject::Refusal { desk, .. }
            | AlertSubject::Confirmation { desk, .. }
            | AlertSubject::ChangeScheduled { desk, .. }
            | AlertSubject::ChangeCancelled { desk, .. }
            | AlertSubject::ChangeApplied { desk, .. } => Some(desk),
            AlertSubject::Digest { .. } => None,
        }
    }

    /// The certificate, if the message is about one.
    pub fn sha256(&self) -> Option<Sha256> {
        match self {
            AlertSubject::Threshold { cert, .. }
            | AlertSubject::Expired { cert, .. }
            | AlertSubject::Confirmation { cert, .. } => Some(*cert),
            AlertSubject::Refusal { cert, .. } => *cert,
            AlertSubject::Digest { .. }
            | AlertSubject::ChangeScheduled { .. }
            | AlertSubject::ChangeCancelled { .. }
            | AlertSubject::ChangeApplied { .. } => None,
        }
    }

    /// The number stored and listed as `threshold_days`: the threshold
    /// crossed, or for `expired` the days since expiry of the reminder;
    /// `None` for the other kinds.
    pub fn threshold_days(&self) -> Option<i64> {
        match self {
            AlertSubject::Threshold { days, .. } => Some(*days),
            AlertSubject::Expired { days_since, .. } => Some(*days_since),
            _ => None,
        }
    }

    /// What is stored as `slot`: for messages that are not about a
    /// threshold, what makes this one distinct (the digest's date, the
    /// refused file's fingerprint).
    fn slot(&self) -> Option<String> {
        match self {
            AlertSubject::Digest { date } => Some(date.to_string()),
            AlertSubject::Refusal { file, .. } => Some(file.to_hex()),
            AlertSubject::ChangeScheduled { change, .. }
            | AlertSubject::ChangeCancelled { change, .. }
            | AlertSubject::ChangeApplied { change, .. } => Some(change.to_string()),
            _ => None,
        }
    }

    /// The scheduled change the message is about, if any.
    pub fn change(&self) -> Option<&ChangeId> {
        match self {
            AlertSubject::ChangeScheduled { change, .. }
            | AlertSubject::ChangeCancelled { change, .. }
            | AlertSubject::ChangeApplied { change, .. } => Some(change),
            _ => None,
        }
    }

    /// The store key of a message about this subject (see [`alert_key`]).
    pub fn key(&self) -> Vec<u8> {
        let desk = self.desk().map_or("-", |d| d.as_str());
        let sha = self.sha256().map_or_else(|| "-".to_owned(), |s| s.to_hex());
        let slot = match (self.slot(), self.threshold_days()) {
            (Some(s), _) => s,
            (None, Some(t)) => format!("{t:+06}"),
            (None, None) => "-".into(),
        };
        format!("{}|{desk}|{sha}|{slot}", self.kind().as_str()).into_bytes()
    }

    /// Rebuilds the subject from the stored fields, which must be exactly
    /// those its writer records: anything else is refused (see
    /// [`SubjectError`]).
    fn from_stored(
        kind: AlertKind,
        desk: Option<DeskId>,
        sha256: Option<Sha256>,
        threshold_days: Option<i64>,
        slot: Option<String>,
    ) -> Result<AlertSubject, SubjectError> {
        let misfit =
            |desk: &Option<DeskId>, sha256: &Option<Sha256>, slot: &Option<String>| SubjectError {
                kind,
                desk: desk.as_ref().map(|d| d.to_string()),
                sha256: sha256.map(|s| s.to_hex()),
                threshold_days,
                slot: slot.as_deref().map(super::printable),
            };
        // Only the form vigie writes is accepted for a typed slot, so that
        // the record writes back with the bytes, and the key, it was read
        // with.
        let date = |s: &str| s.parse::<NaiveDate>().ok().filter(|d| d.to_string() == s);
        let file = |s: &str| Sha256::from_hex(s.as_bytes()).filter(|f| f.to_hex() == s);
        let subject = match (kind, &desk, sha256, threshold_days, slot.as_deref()) {
            (AlertKind::Threshold, Some(d), Some(cert), Some(days), None) => {
                AlertSubject::Threshold {
                    desk: d.clone(),
                    cert,
                    days,
                }
            }
            (AlertKind::Expired, Some(d), Some(cert), Some(days_since), None) => {
                AlertSubject::Expired {
                    desk: d.clone(),
                    cert,
                    days_since,
                }
            }
            (AlertKind::Digest, None, None, None, Some(s)) => match date(s) {
                Some(date) => AlertSubject::Digest { date },
                None => return Err(misfit(&desk, &sha256, &slot)),
            },
            (AlertKind::Refusal, Some(d), cert, None, Some(s)) => match file(s) {
                Some(file) => AlertSubject::Refusal {
                    desk: d.clone(),
                    cert,
                    file,
                },
                None => return Err(misfit(&desk, &sha256, &slot)),
            },
            (AlertKind::Confirmation, Some(d), Some(cert), None, None) => {
                AlertSubject::Confirmation {
                    desk: d.clone(),
                    cert,
                }
            }
            (
                kind @ (AlertKind::ChangeScheduled
                | AlertKind::ChangeCancelled
                | AlertKind::ChangeApplied),
                Some(d),
                None,
                None,
                Some(s),
            ) => match ChangeId::parse(s).ok().filter(|c| c.as_str() == s) {
                Some(change) => {
                    let desk = d.clone();
                    match kind {
                        AlertKind::ChangeScheduled => {
                            AlertSubject::ChangeScheduled { desk, change }
                        }
                        AlertKind::ChangeCancelled => {
                            AlertSubject::ChangeCancelled { desk, change }
                        }
                        _ => AlertSubject::ChangeApplied { desk, change },
                    }
                }
                None => return Err(misfit(&desk, &sha256, &slot)),
            },
            _ => return Err(misfit(&desk, &sha256, &slot)),
        };
        Ok(subject)
    }
}

/// A stored alert record whose fields fit none of the [`AlertSubject`]s.
///
/// Every release of vigie wrote each kind of alert with the same fields
/// (the planner, the digest, intake and the push run are the only writers),
/// so such a record was damaged or edited by hand. It is refused rather
/// than mapped to the closest subject: a guess would have to invent a desk,
/// a certificate or a date, would be written back with other bytes under a
/// key that no longer matches it, and could send a message nobody decided.
/// The store reports it as a value it cannot read, naming the tree and the
/// record's key, like any other damaged value; a backup still carries it as
/// it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a «{}» alert with desk {}, certificate {}, threshold_days {} and slot {} fits no kind of message vigie records",
    kind.as_str(),
    shown(desk),
    shown(sha256),
    shown(&threshold_days.map(|t| t.to_string())),
    shown(slot)
)]
pub struct SubjectError {
    kind: AlertKind,
    desk: Option<String>,
    sha256: Option<String>,
    threshold_days: Option<i64>,
    slot: Option<String>,
}

fn shown(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "none".to_owned(), |s| format!("«{s}»"))
}

/// One message in the alert log. Its key is (kind, desk, certificate,
/// threshold or slot), all of which its [`AlertSubject`] holds, so that a
/// message can be recorded only once.
///
/// Written and read through private mirrors of its stored form (see the
/// module's doc), so that a superseded alert and the subject keep the bytes
/// they always had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    /// What the message is about.
    pub subject: AlertSubject,
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
    pub attempts: u32,
    /// Last delivery error.
    pub error: Option<String>,
    /// What the template needs beyond the desk and certificate records (for a
    /// refusal: the file name, reason code and explanations), fixed when the
    /// message is decided so that a retry sends the same words.
    pub details: BTreeMap<String, String>,
    /// Recipients the server refused while it took the message for the
    /// others (DESIGN §13): the message stays `sent` for those it reached.
    pub failed_recipients: Vec<FailedRecipient>,
}

/// A recipient the SMTP server refused, with its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedRecipient {
    /// The address refused.
    pub address: String,
    /// The server's answer (code and text), as received.
    pub answer: String,
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
    /// Recipients refused while the others got the message; absent from
    /// records written before it existed, and from those with none.
    #[serde(default)]
    failed_recipients: Vec<FailedRecipient>,
}

impl TryFrom<StoredAlert> for AlertRecord {
    type Error = SubjectError;

    fn try_from(s: StoredAlert) -> Result<AlertRecord, SubjectError> {
        let state = match s.state {
            StoredState::Pending => AlertState::Pending,
            StoredState::Sent => AlertState::Sent,
            StoredState::Failed if s.error.as_deref() == Some(SUPERSEDED) => AlertState::Superseded,
            StoredState::Failed => AlertState::Failed,
        };
        Ok(AlertRecord {
            subject: AlertSubject::from_stored(s.kind, s.desk, s.sha256, s.threshold_days, s.slot)?,
            state,
            message_id: s.message_id,
            recipients: s.recipients,
            created_at: s.created_at,
            sent_at: s.sent_at,
            attempts: s.attempts,
            error: s.error,
            details: s.details,
            failed_recipients: s.failed_recipients,
        })
    }
}

impl<'de> Deserialize<'de> for AlertRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        AlertRecord::try_from(StoredAlert::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The stored form of a record, borrowed for writing: same fields in the
/// same order as [`StoredAlert`], so the bytes are those earlier releases
/// wrote.
#[derive(Serialize)]
struct StoredAlertRef<'a> {
    desk: Option<&'a DeskId>,
    sha256: Option<Sha256>,
    kind: AlertKind,
    threshold_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slot: Option<String>,
    state: AlertState,
    message_id: &'a Option<String>,
    recipients: &'a [String],
    created_at: &'a Instant,
    sent_at: &'a Option<Instant>,
    attempts: u32,
    error: &'a Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    details: &'a BTreeMap<String, String>,
    // Written only when there are some, so that every other record keeps
    // the bytes earlier releases wrote (and can read).
    #[serde(skip_serializing_if = "<[FailedRecipient]>::is_empty")]
    failed_recipients: &'a [FailedRecipient],
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
            desk: self.subject.desk(),
            sha256: self.subject.sha256(),
            kind: self.subject.kind(),
            threshold_days: self.subject.threshold_days(),
            slot: self.subject.slot(),
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
            failed_recipients: &self.failed_recipients,
        }
        .serialize(s)
    }
}

impl AlertRecord {
    /// A message about `subject` decided at `now`, pending, with nothing
    /// else filled in yet (recipients, Message-ID and details are the
    /// writer's to add).
    pub fn pending(subject: AlertSubject, now: Instant) -> AlertRecord {
        AlertRecord {
            subject,
            state: AlertState::Pending,
            message_id: None,
            recipients: Vec::new(),
            created_at: now,
            sent_at: None,
            attempts: 0,
            error: None,
            details: BTreeMap::new(),
            failed_recipients: Vec::new(),
        }
    }

    /// The kind of message.
    pub fn kind(&self) -> AlertKind {
        self.subject.kind()
    }

    /// The desk, or `None` for the team digest.
    pub fn desk(&self) -> Option<&DeskId> {
        self.subject.desk()
    }

    /// The certificate, if the message is about one.
    pub fn sha256(&self) -> Option<Sha256> {
        self.subject.sha256()
    }

    /// The threshold crossed (days), or for `expired` the days since expiry
    /// of the reminder; `None` otherwise (see
    /// [`AlertSubject::threshold_days`]).
    pub fn threshold_days(&self) -> Option<i64> {
        self.subject.threshold_days()
    }

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
    rec.subject.key()
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
        assert_eq!(failed.subject.slot().as_deref(), Some("2027-01-01"));
        assert_eq!(serde_json::to_string(&failed).unwrap(), OLD_FAILED);

        // Fields added after the first release default when absent.
        let older = OLD_FAILED
            .replace(r#""attempts":0,"#, "")
            .replace(r#","details":{"data":"{}"}"#, "");
        let r: AlertRecord = serde_json::from_str(&older).unwrap();
        assert_eq!((r.attempts, r.details.len()), (0, 0));
    }

    #[test]
    fn failed_recipients_are_stored_only_when_some_were_refused() {
        let mut rec: AlertRecord = serde_json::from_str(OLD_FAILED).unwrap();
        assert!(rec.failed_recipients.is_empty());
        rec.failed_recipients.push(FailedRecipient {
            address: "a@example.org".into(),
            answer: "550 5.1.1 mailbox unavailable".into(),
        });
        let json = serde_json::to_string(&rec).unwrap();
        assert!(
            json.ends_with(r#","failed_recipients":[{"address":"a@example.org","answer":"550 5.1.1 mailbox unavailable"}]}"#),
            "{json}"
        );
        let back: AlertRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rec);
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
    /// A record as earlier releases wrote it, with the given subject fields.
    fn old(subject: &str) -> String {
        format!(
            concat!(
                "{{{},",
                r#""state":"pending","message_id":null,"recipients":[],"#,
                r#""created_at":"2027-01-01T00:00:00Z","sent_at":null,"attempts":0,"error":null}}"#
            ),
            subject
        )
    }

    const DESK: &str = "732829320-00001";
    const CERT: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const FILE: &str = "abababababababababababababababababababababababababababababababab";

    #[test]
    fn every_subject_reads_and_writes_back_its_old_bytes_under_its_old_key() {
        let desk = || DeskId::parse(DESK).unwrap();
        let cert: Sha256 = CERT.parse().unwrap();
        let file: Sha256 = FILE.parse().unwrap();
        let cases = [
            (
                format!(
                    r#""desk":"{DESK}","sha256":"{CERT}","kind":"threshold","threshold_days":30"#
                ),
                AlertSubject::Threshold {
                    desk: desk(),
                    cert,
                    days: 30,
                },
                format!("threshold|{DESK}|{CERT}|+00030"),
            ),
            (
                format!(r#""desk":"{DESK}","sha256":"{CERT}","kind":"expired","threshold_days":7"#),
                AlertSubject::Expired {
                    desk: desk(),
                    cert,
                    days_since: 7,
                },
                format!("expired|{DESK}|{CERT}|+00007"),
            ),
            (
                r#""desk":null,"sha256":null,"kind":"digest","threshold_days":null,"slot":"2027-01-01""#
                    .to_owned(),
                AlertSubject::Digest {
                    date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                },
                "digest|-|-|2027-01-01".to_owned(),
            ),
            (
                format!(
                    r#""desk":"{DESK}","sha256":null,"kind":"refusal","threshold_days":null,"slot":"{FILE}""#
                ),
                AlertSubject::Refusal {
                    desk: desk(),
                    cert: None,
                    file,
                },
                format!("refusal|{DESK}|-|{FILE}"),
            ),
            (
                format!(
                    r#""desk":"{DESK}","sha256":"{CERT}","kind":"refusal","threshold_days":null,"slot":"{FILE}""#
                ),
                AlertSubject::Refusal {
                    desk: desk(),
                    cert: Some(cert),
                    file,
                },
                format!("refusal|{DESK}|{CERT}|{FILE}"),
            ),
            (
                format!(
                    r#""desk":"{DESK}","sha256":"{CERT}","kind":"confirmation","threshold_days":null"#
                ),
                AlertSubject::Confirmation { desk: desk(), cert },
                format!("confirmation|{DESK}|{CERT}|-"),
            ),
        ];
        for (fields, subject, key) in cases {
            let bytes = old(&fields);
            let rec: AlertRecord = serde_json::from_str(&bytes).unwrap();
            assert_eq!(rec.subject, subject, "{bytes}");
            assert_eq!(serde_json::to_string(&rec).unwrap(), bytes);
            assert_eq!(String::from_utf8(alert_key(&rec)).unwrap(), key);
            assert_eq!(subject.key(), key.as_bytes());
        }
    }

    #[test]
    fn a_record_that_fits_no_subject_is_refused_with_what_it_holds() {
        let misfits = [
            // A threshold alert without its certificate.
            format!(r#""desk":"{DESK}","sha256":null,"kind":"threshold","threshold_days":30"#),
            // A threshold alert with a slot as well as its days.
            format!(
                r#""desk":"{DESK}","sha256":"{CERT}","kind":"threshold","threshold_days":30,"slot":"x""#
            ),
            // An expired reminder without its days.
            format!(r#""desk":"{DESK}","sha256":"{CERT}","kind":"expired","threshold_days":null"#),
            // A digest addressed to a desk.
            format!(
                r#""desk":"{DESK}","sha256":null,"kind":"digest","threshold_days":null,"slot":"2027-01-01""#
            ),
            // A digest whose date is not in the form vigie writes.
            r#""desk":null,"sha256":null,"kind":"digest","threshold_days":null,"slot":"2027-1-1""#
                .to_owned(),
            // A refusal without a desk, and one whose file is no fingerprint.
            format!(
                r#""desk":null,"sha256":null,"kind":"refusal","threshold_days":null,"slot":"{FILE}""#
            ),
            format!(
                r#""desk":"{DESK}","sha256":null,"kind":"refusal","threshold_days":null,"slot":"file""#
            ),
            // Upper case would write back other bytes under another key.
            format!(
                r#""desk":"{DESK}","sha256":null,"kind":"refusal","threshold_days":null,"slot":"{}""#,
                FILE.to_uppercase()
            ),
            // A confirmation with a slot.
            format!(
                r#""desk":"{DESK}","sha256":"{CERT}","kind":"confirmation","threshold_days":null,"slot":"x""#
            ),
        ];
        for fields in misfits {
            let bytes = old(&fields);
            let err = serde_json::from_str::<AlertRecord>(&bytes).unwrap_err();
            let kind = fields.split(r#""kind":""#).nth(1).unwrap();
            let kind = &kind[..kind.find('"').unwrap()];
            assert!(
                err.to_string()
                    .contains(&format!("a «{kind}» alert with desk ")),
                "{bytes}: {err}"
            );
        }
    }
}
