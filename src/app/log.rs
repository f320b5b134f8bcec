//! Reading the audit log.

use crate::app::stream::Streamed;
use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::clock::Instant;
use crate::desk::DeskId;

/// Which lines of the audit log a listing keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only the lines about this desk.
    pub desk: Option<DeskId>,
    /// Only the lines from this instant on.
    pub since: Option<Instant>,
}

impl Filter {
    /// Whether `entry` is kept.
    pub fn keeps(&self, entry: &AuditEntry) -> bool {
        self.desk
            .as_ref()
            .is_none_or(|d| entry.desk.as_ref() == Some(d))
            && self.since.is_none_or(|s| entry.at >= s)
    }
}

/// One desk's lines of the audit log, oldest first (they are few: picked out
/// of the log at once). [`AppError::NoHistory`] when vigie has never heard
/// of the desk: no line, not in the inventory — a mistyped id, most likely.
pub fn of_desk(env: &Env, desk: &DeskId) -> Result<Vec<AuditEntry>, AppError> {
    let store = env.store()?;
    let lines = store.audit(Some(desk))?;
    if lines.is_empty() && store.desk(desk)?.is_none() && store.history(desk)?.is_empty() {
        return Err(AppError::NoHistory(desk.clone()));
    }
    Ok(lines)
}

/// Calls `each` with every line of the audit log, oldest first, as it is
/// read.
pub fn each<E: From<AppError>>(
    env: &Env,
    mut each: impl FnMut(AuditEntry) -> Result<(), E>,
) -> Result<(), E> {
    env.store()?
        .audit_each(|e| each(e).map_err(Streamed::Sink))
        .map_err(Streamed::into_sink)
}
