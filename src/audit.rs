//! The audit log: an append-only record of every change — when, who (the OS
//! user), what, which desk and certificate, and the outcome.

use serde::{Deserialize, Serialize};

use crate::clock::Instant;
use crate::desk::DeskId;
use crate::fingerprint::Sha256;

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it happened (the command's instant).
    #[serde(with = "crate::clock::stored")]
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

/// The name of the OS user running this process, for the audit log: `USER` or
/// `LOGNAME` when set, else the name /etc/passwd gives the process's uid.
pub fn os_user() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() && !v.chars().any(char::is_control) {
                return v;
            }
        }
    }
    use std::os::unix::fs::MetadataExt;
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return "unknown".into();
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_owned())
        })
        .next()
        .unwrap_or_else(|| format!("uid {uid}"))
}
