//! Reading the audit log.

use crate::app::stream::Streamed;
use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::desk::DeskId;

/// One desk's lines of the audit log, oldest first (they are few: picked out
/// of the log at once).
pub fn of_desk(env: &Env, desk: &DeskId) -> Result<Vec<AuditEntry>, AppError> {
    Ok(env.store()?.audit(Some(desk))?)
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
