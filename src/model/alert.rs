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
//! A bounced alert ([`AlertState::Bounced`]) is stored the same way: as
//! state `failed` with an error that starts with [`BOUNCED`] and carries the
//! reason the bouncing server gave, the address that bounced among
//! `failed_recipients`, and when the bounce was read among `details`. It
//! reads back as bounced, and an earlier release reads it as a failed
//! message with that error (which it is, for the desk).
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
    /// A deadline campaign's reminder: the desk has not asked for its
    /// change yet (issue 16).
    Campaign,
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
            AlertKind::Campaign => "campaign",
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
    /// Accepted by the SMTP server, then returned as undeliverable: a
    /// bounce (DESIGN §10) named it, with the reason in `error`. Listed as
    /// `bounced`; stored as `failed` (see the module's doc). Like a sent
    /// message it is never sent again (one message per threshold): the
    /// digest and the report show the address to people instead.
    Bounced,
}

/// The error a superseded alert is listed and stored with; how the store
/// tells it from a failed one.
pub const SUPERSEDED: &str = "superseded: a newer certificate is current";

/// How the error of a bounced alert starts, followed by the reason the
/// bouncing server gave; how the store tells it from a failed one.
pub const BOUNCED: &str = "bounced: ";

/// The `details` key of a bounced alert's instant (RFC 3339), when vigie
/// read the bounce.
pub const BOUNCED_AT: &str = "bounced_at";

/// The `details` key of the Message-ID of the bounce that named the alert.
pub const BOUNCE_MESSAGE_ID: &str = "bounce_message_id";

impl AlertState {
    /// The name `vigie alerts list` shows (DESIGN §8: `pending`, `sent` or
    /// `failed`, and `bounced` from DESIGN §10): a superseded alert is
    /// `failed` there.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Bounced => "bounced",
            other => other.stored_str(),
        }
    }

    /// The name the store keeps: a superseded or a bounced alert is
    /// `failed` there, told apart by its error (see the module's doc).
    pub fn stored_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Sent => "sent",
            AlertState::Failed | AlertState::Superseded | AlertState::Bounced => "failed",
        }
    }
}

impl Serialize for AlertState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The states as stored: a superseded or bounced alert is told by its
/// error, which only the record as a whole sees (`StoredAlert`).
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
    /// A campaign's reminder at a threshold before its deadline (written
    /// by the alerts run). Stored with `threshold_days` the threshold and
    /// `slot` the campaign's name.
    Campaign {
        /// The desk reminded.
        desk: DeskId,
        /// The campaign's name (checked: no `|` nor `/`).
        campaign: String,
        /// The threshold crossed, in days before the deadline.
        days: i64,
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
            AlertSubject::Campaign { .. } => AlertKind::Campaign,
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
            | AlertSubject::Campaign { desk, .. }
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
            | AlertSubject::Campaign { .. }
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
            AlertSubject::Campaign { days, .. } => Some(*days),
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
            AlertSubject::Campaign { campaign, .. } => Some(campaign.clone()),
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
            // A campaign's reminder is one per campaign and threshold.
            (Some(s), Some(t)) => format!("{s}/{t:+06}"),
            (Some(s), None) => s,
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
            (AlertKind::Campaign, Some(d), None, Some(days), Some(s))
                if super::check_campaign_name(s).is_ok_and(|n| n == s) =>
            {
                AlertSubject::Campaign {
                    desk: d.clone(),
                    campaign: s.to_owned(),
                    days,
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
            StoredState::Failed if s.error.as_deref().is_some_and(|e| e.starts_with(BOUNCED)) => {
                AlertState::Bounced
            }
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
    state: &'static str,
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
        // Likewise a bounced one by its error's start.
        let bounced = match &self.error {
            Some(e) if e.starts_with(BOUNCED) => None,
            other => Some(Some(format!(
                "{BOUNCED}{}",
                other.as_deref().unwrap_or_default()
            ))),
        };
        StoredAlertRef {
            desk: self.subject.desk(),
            sha256: self.subject.sha256(),
            kind: self.subject.kind(),
            threshold_days: self.subject.threshold_days(),
            slot: self.subject.slot(),
            state: self.state.stored_str(),
            message_id: &self.message_id,
            recipients: &self.recipients,
            created_at: &self.created_at,
            sent_at: &self.sent_at,
            attempts: self.attempts,
            error: match (self.state, &bounced) {
                (AlertState::Superseded, _) => &superseded,
                (AlertState::Bounced, Some(b)) => b,
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

    /// Whether a bounce can mark this alert: it was handed to the server
    /// (sent, or pending after a crash that followed the hand-over), or it
    /// bounced already (another of its recipients bounces too).
    pub fn can_bounce(&self) -> bool {
        matches!(
            self.state,
            AlertState::Sent | AlertState::Pending | AlertState::Bounced
        ) && self.message_id.is_some()
    }

    /// Marks the alert bounced (DESIGN §10): `reason` is what the bouncing
    /// server said, `address` the recipient it names when it names one,
    /// `report` the bounce's own Message-ID. A second bounce adds its
    /// address and keeps the latest reason.
    pub fn bounce(&mut self, reason: &str, address: Option<&str>, report: &str, at: Instant) {
        self.state = AlertState::Bounced;
        // One line: the reason is shown in lists and the digest.
        let reason: String = reason
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(300)
            .collect();
        self.error = Some(format!("{BOUNCED}{reason}"));
        if let Some(a) = address {
            match self
                .failed_recipients
                .iter_mut()
                .find(|f| f.address.eq_ignore_ascii_case(a))
            {
                Some(f) => f.answer = reason,
                None => self.failed_recipients.push(FailedRecipient {
                    address: a.to_owned(),
                    answer: reason,
                }),
            }
        }
        self.details.insert(
            BOUNCED_AT.to_owned(),
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        if !report.is_empty() {
            self.details
                .insert(BOUNCE_MESSAGE_ID.to_owned(), report.to_owned());
        }
    }

    /// The reason a bounced alert came back with (its error without the
    /// [`BOUNCED`] mark); `None` unless bounced.
    pub fn bounce_reason(&self) -> Option<&str> {
        if self.state != AlertState::Bounced {
            return None;
        }
        let e = self.error.as_deref()?;
        Some(e.strip_prefix(BOUNCED).unwrap_or(e))
    }

    /// When vigie read the bounce that marked this alert, if it did.
    pub fn bounced_at(&self) -> Option<Instant> {
        if self.state != AlertState::Bounced {
            return None;
        }
        self.details
            .get(BOUNCED_AT)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&chrono::Utc))
    }
}

/// A desk address that bounces: a message vigie sent to it came back
/// undeliverable (an alert in state [`AlertState::Bounced`]), the desk
/// still has the address, and nothing sent to it since has gone out
/// without bouncing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BouncingAddress {
    /// The desk.
    pub desk: DeskId,
    /// The address; `None` when the bounce named none that vigie sent to.
    pub address: Option<String>,
    /// The reason the bouncing server gave (the latest bounce's).
    pub reason: String,
    /// When vigie read the latest bounce.
    pub at: Instant,
}

/// The desk addresses that bounce (see [`BouncingAddress`]), by desk then
/// address: what the digest and the report show people, since a bounced
/// message is not sent again (one message per threshold). An address is
/// no longer listed once the desk's addresses change (`desk edit`), or
/// once a message sent to it after the bounce was accepted and has not
/// bounced.
pub fn bouncing_addresses(desks: &[super::Desk], alerts: &[AlertRecord]) -> Vec<BouncingAddress> {
    let emails: std::collections::HashMap<&DeskId, Vec<String>> = desks
        .iter()
        .map(|d| {
            let e = d.emails.iter().map(|e| e.as_str().to_lowercase()).collect();
            (&d.id, e)
        })
        .collect();
    // The last time each address was handed a message that did not bounce.
    let mut delivered: std::collections::HashMap<String, Instant> =
        std::collections::HashMap::new();
    for a in alerts.iter().filter(|a| a.state == AlertState::Sent) {
        let at = a.sent_at.unwrap_or(a.created_at);
        for r in &a.recipients {
            let e = delivered.entry(r.to_lowercase()).or_insert(at);
            *e = (*e).max(at);
        }
    }
    let mut latest: BTreeMap<(DeskId, Option<String>), BouncingAddress> = BTreeMap::new();
    for a in alerts.iter().filter(|a| a.state == AlertState::Bounced) {
        let Some(desk) = a.desk() else { continue };
        let Some(current) = emails.get(desk) else {
            continue;
        };
        let at = a.bounced_at().unwrap_or(a.sent_at.unwrap_or(a.created_at));
        let named: Vec<Option<String>> = a
            .failed_recipients
            .iter()
            .map(|f| f.address.to_lowercase())
            .filter(|f| current.contains(f))
            .map(Some)
            .collect();
        let addresses = if a.failed_recipients.is_empty() {
            // The bounce named no address: the desk is listed while one
            // of the message's recipients is still its address.
            let still = a
                .recipients
                .iter()
                .any(|r| current.contains(&r.to_lowercase()));
            if still {
                vec![None]
            } else {
                Vec::new()
            }
        } else {
            named
        };
        for address in addresses {
            let later = address
                .as_ref()
                .and_then(|ad| delivered.get(ad))
                .is_some_and(|d| *d > at);
            if later {
                continue;
            }
            let line = BouncingAddress {
                desk: desk.clone(),
                address: address.clone(),
                reason: a.bounce_reason().unwrap_or_default().to_owned(),
                at,
            };
            let e = latest
                .entry((desk.clone(), address))
                .or_insert(line.clone());
            if line.at >= e.at {
                *e = line;
            }
        }
    }
    latest.into_values().collect()
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
    #[test]
    fn a_bounced_alert_is_stored_as_failed_with_its_reason_and_listed_bounced() {
        let mut rec: AlertRecord = serde_json::from_str(&old(&format!(
            r#""desk":"{DESK}","sha256":"{CERT}","kind":"threshold","threshold_days":30"#
        )))
        .unwrap();
        rec.state = AlertState::Sent;
        rec.message_id = Some("<vigie.1@example.org>".into());
        rec.recipients = vec!["g@example.org".into()];
        let sent = serde_json::to_string(&rec).unwrap();
        assert!(rec.can_bounce());
        let at = chrono::DateTime::UNIX_EPOCH;
        rec.bounce(
            "smtp; 550 5.1.1\n  user unknown",
            Some("g@example.org"),
            "<b@mx>",
            at,
        );
        assert_eq!(rec.state, AlertState::Bounced);
        assert_eq!(rec.bounce_reason(), Some("smtp; 550 5.1.1 user unknown"));
        assert_eq!(rec.bounced_at(), Some(at));
        let json = serde_json::to_string(&rec).unwrap();
        assert!(json.contains(r#""state":"failed""#), "{json}");
        assert!(
            json.contains(r#""error":"bounced: smtp; 550 5.1.1 user unknown""#),
            "{json}"
        );
        assert!(json.contains(r#""failed_recipients":[{"address":"g@example.org","answer":"smtp; 550 5.1.1 user unknown"}]"#), "{json}");
        let back: AlertRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rec);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        // Listed as bounced; every other state keeps its name.
        assert_eq!(
            serde_json::to_value(AlertState::Bounced).unwrap(),
            "bounced"
        );
        for (s, name) in [
            (AlertState::Pending, "pending"),
            (AlertState::Sent, "sent"),
            (AlertState::Failed, "failed"),
            (AlertState::Superseded, "failed"),
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), name);
            assert_eq!(s.stored_str(), name);
        }
        // A second bounce of another recipient adds it.
        rec.bounce("552 full", Some("h@example.org"), "", at);
        assert_eq!(rec.failed_recipients.len(), 2);
        // A record without the mark reads as it did.
        let plain: AlertRecord = serde_json::from_str(&sent).unwrap();
        assert_eq!(plain.state, AlertState::Sent);
        assert_eq!(serde_json::to_string(&plain).unwrap(), sent);
        // Failed and superseded alerts never left: no bounce marks them.
        let mut failed: AlertRecord = serde_json::from_str(OLD_FAILED).unwrap();
        failed.message_id = Some("<vigie.2@example.org>".into());
        assert!(!failed.can_bounce());
    }

    #[test]
    fn bouncing_addresses_are_those_the_desk_still_has_and_nothing_reached_since() {
        use crate::model::{Desk, Email};
        let desk = DeskId::parse(DESK).unwrap();
        let d: Desk = serde_json::from_value(serde_json::json!({
            "id": DESK, "name": "Guichet", "emails": ["g@example.org", "h@example.org"],
            "department": null, "mode": "async", "lang": "fr",
            "created_at": "2027-01-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.emails[0], Email::parse("g@example.org").unwrap());
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let mut a: AlertRecord = serde_json::from_str(&old(&format!(
            r#""desk":"{DESK}","sha256":"{CERT}","kind":"threshold","threshold_days":30"#
        )))
        .unwrap();
        a.state = AlertState::Sent;
        a.message_id = Some("<vigie.1@example.org>".into());
        a.recipients = vec!["g@example.org".into(), "h@example.org".into()];
        a.sent_at = Some(t("2027-01-01T09:00:00Z"));
        let mut bounced = a.clone();
        bounced.bounce(
            "550 user unknown",
            Some("G@example.org"),
            "",
            t("2027-01-02T09:00:00Z"),
        );
        let got = bouncing_addresses(std::slice::from_ref(&d), &[bounced.clone()]);
        assert_eq!(
            got,
            vec![BouncingAddress {
                desk: desk.clone(),
                address: Some("g@example.org".into()),
                reason: "550 user unknown".into(),
                at: t("2027-01-02T09:00:00Z"),
            }]
        );
        // A message accepted for the address after the bounce clears it.
        let mut later = a.clone();
        later.subject = AlertSubject::Threshold {
            desk: desk.clone(),
            cert: CERT.parse().unwrap(),
            days: 15,
        };
        later.sent_at = Some(t("2027-01-10T09:00:00Z"));
        assert!(bouncing_addresses(std::slice::from_ref(&d), &[bounced.clone(), later]).is_empty());
        // So does the desk's address changing.
        let mut moved = d.clone();
        moved.emails.remove(0);
        assert!(bouncing_addresses(&[moved], &[bounced]).is_empty());
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
            (
                format!(
                    r#""desk":"{DESK}","sha256":null,"kind":"campaign","threshold_days":30,"slot":"v2-2013""#
                ),
                AlertSubject::Campaign {
                    desk: desk(),
                    campaign: "v2-2013".into(),
                    days: 30,
                },
                format!("campaign|{DESK}|-|v2-2013/+00030"),
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
