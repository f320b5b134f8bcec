//! The push outbox: one job per accepted certificate, persisted so that a
//! crash, a reboot or an unreachable national system never loses a renewal.

use serde::{Deserialize, Serialize};

use super::{DeskId, Instant, Sha256};

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PushState {
    /// To be pushed (first time or retry).
    Pending,
    /// Acknowledged by the destination.
    Done,
    /// Refused permanently; waits for `vigie push retry`.
    Failed,
    /// A newer certificate for the desk replaced it before it was done.
    Superseded,
}

impl PushState {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            PushState::Pending => "pending",
            PushState::Done => "done",
            PushState::Failed => "failed",
            PushState::Superseded => "superseded",
        }
    }
}

/// One push of one certificate to the national configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushJob {
    /// The desk.
    pub desk: DeskId,
    /// The certificate.
    pub sha256: Sha256,
    /// The destination kind and address, as configured when the job was made.
    pub destination: String,
    /// Where it stands.
    pub state: PushState,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before this instant.
    #[serde(with = "crate::model::instant::stored::option")]
    pub next_attempt: Option<Instant>,
    /// The last error, for people.
    pub last_error: Option<String>,
    /// When the job was made.
    #[serde(with = "crate::model::instant::stored")]
    pub created_at: Instant,
    /// When it was done.
    #[serde(default, with = "crate::model::instant::stored::option")]
    pub done_at: Option<Instant>,
}
