//! Changing a desk's record (`vigie desk edit`) and suspending or resuming
//! its reminders (`vigie desk suspend|resume`), each audited.

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::desk::edit::{describe, Changes};
use crate::desk::{Desk, DeskId};

/// A desk before and after an edit.
pub struct Edited {
    /// As it was.
    pub old: Desk,
    /// As it is now (the same when nothing changed).
    pub new: Desk,
}

/// Applies `changes` to desk `id`; [`AppError::NoDesk`] if there is none. An
/// edit that changes nothing writes nothing and is not audited.
pub fn edit(env: &Env, id: &DeskId, changes: &Changes) -> Result<Edited, AppError> {
    let store = env.store()?;
    let edited = store.write(|tx| {
        let Some(old) = tx.desk(id)? else {
            return Ok(None);
        };
        let new = changes.apply(&old);
        if new != old {
            tx.put_desk(&new)?;
            tx.audit(
                &AuditEntry::new(env.now, &env.actor, "desk.edit")
                    .desk(id)
                    .detail(describe(&old, &new)),
            )?;
        }
        Ok(Some(Edited { old, new }))
    })?;
    edited.ok_or_else(|| AppError::NoDesk(id.clone()))
}

/// Suspends (`suspended`) or resumes desk `id`'s reminders; returns whether
/// that changed anything (suspending a suspended desk is not an error, and
/// is not audited). [`AppError::NoDesk`] if there is no such desk.
pub fn set_suspended(env: &Env, id: &DeskId, suspended: bool) -> Result<bool, AppError> {
    let store = env.store()?;
    let changed = store.write(|tx| {
        let Some(mut desk) = tx.desk(id)? else {
            return Ok(None);
        };
        if desk.suspended == suspended {
            return Ok(Some(false));
        }
        desk.suspended = suspended;
        tx.put_desk(&desk)?;
        let (action, detail) = if suspended {
            ("desk.suspend", "suspended: no reminders until resumed")
        } else {
            ("desk.resume", "resumed: reminders as usual")
        };
        tx.audit(
            &AuditEntry::new(env.now, &env.actor, action)
                .desk(id)
                .detail(detail),
        )?;
        Ok(Some(true))
    })?;
    changed.ok_or_else(|| AppError::NoDesk(id.clone()))
}
