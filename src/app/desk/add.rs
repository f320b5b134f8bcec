//! Adding one desk to the inventory.

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::desk::Desk;

/// Adds `desk`; a desk with the same id is a conflict.
pub fn add(env: &Env, desk: &Desk) -> Result<(), AppError> {
    let store = env.store()?;
    store.write(|tx| {
        if tx.desk(&desk.id)?.is_some() {
            return Err(crate::store::StoreError::Conflict(format!(
                "the desk {} already exists; remove it first or update it with `vigie desk import`",
                desk.id
            )));
        }
        tx.put_desk(desk)?;
        tx.audit(
            &AuditEntry::new(env.now, &env.actor, "desk.add")
                .desk(&desk.id)
                .detail(desk.name.clone()),
        )
    })?;
    Ok(())
}
