//! Removing a desk from the inventory (its history is kept).

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::desk::DeskId;

/// Removes desk `id`; [`AppError::NoDesk`] if there was none.
pub fn remove(env: &Env, id: &DeskId) -> Result<(), AppError> {
    let store = env.store()?;
    let existed = store.write(|tx| {
        let existed = tx.remove_desk(id)?;
        if existed {
            tx.audit(
                &AuditEntry::new(env.now, &env.actor, "desk.remove")
                    .desk(id)
                    .detail("removed from the inventory; history kept"),
            )?;
        }
        Ok(existed)
    })?;
    if !existed {
        return Err(AppError::NoDesk(id.clone()));
    }
    Ok(())
}
