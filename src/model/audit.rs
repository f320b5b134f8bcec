//! A line of the audit log: when, who (the OS user), what, which desk and
//! certificate, and the outcome.

use serde::{Deserialize, Serialize};

use super::{DeskId, Instant, Sha256};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it happened (the command's instant).
    #[serde(with = "crate::model::instant::stored")]
    pub at: Instant,
    /// The OS user who ran the command, or `vigie-serve` for the service.
    pub actor: String,
    /// What was done, as a stable dotted verb (`desk.add`, `cert.ingest`…).
    pub action: String,
    /// The desk concerned, if any.
    pub desk: Option<DeskId>,
    /// The certificate concerned, if any.
    pub sha256: Option<Sha256>,
    /// `ok`, `refused`, `failed`, `unchanged`…
    pub outcome: String,
    /// Free text for people: what changed, or why it was refused.
    pub detail: String,
}

impl AuditEntry {
    /// An entry for `action` by `actor` at `at`, outcome `ok`, no desk yet.
    pub fn new(at: Instant, actor: &str, action: &str) -> AuditEntry {
        AuditEntry {
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            desk: None,
            sha256: None,
            outcome: "ok".into(),
            detail: String::new(),
        }
    }

    /// Names the desk.
    pub fn desk(mut self, desk: &DeskId) -> Self {
        self.desk = Some(desk.clone());
        self
    }

    /// Names the certificate.
    pub fn cert(mut self, sha: Sha256) -> Self {
        self.sha256 = Some(sha);
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: &str) -> Self {
        self.outcome = outcome.to_owned();
        self
    }

    /// Sets the detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}
