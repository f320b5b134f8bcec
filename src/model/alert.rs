//! What the alert log keeps of each message: written as `pending` before the
//! message is handed to SMTP, marked `sent` with its Message-ID after.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// Recorded, not yet acknowledged by the SMTP server.
    Pending,
    /// Accepted by the SMTP server (or written to the outbox folder).
    Sent,
    /// Will not be retried (no valid recipient, for example).
    Failed,
}

/// One message in the alert log. Its key is (kind, desk, certificate,
/// threshold or sequence), so that a message can be recorded only once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
