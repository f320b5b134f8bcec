//! A row of the roster: one desk joined with its current certificate.

use super::{CertSummary, Desk};

/// One desk of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// The desk.
    pub desk: Desk,
    /// Its current certificate, if it has one, with the state of its push.
    pub cert: Option<CertSummary>,
}
