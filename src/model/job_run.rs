//! The last run of each service job, as the store keeps it.

use super::Instant;

/// The last run of a service job, kept so that a restarted service knows what
/// it missed and `/healthz` can tell an overdue job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JobRun {
    /// The job's name (`alerts`, `push`, `digest`, `backup`).
    pub job: String,
    /// When the run started (the instant it evaluated at).
    pub started_at: Instant,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Whether it ended without error.
    pub ok: bool,
    /// The error, if any.
    pub error: Option<String>,
    /// The last run that ended without error.
    pub last_success: Option<Instant>,
}
