//! Cancelling a scheduled change (`vigie desk cancel`): recorded with the
//! desk's notice (pending) and the audit line in one transaction, the
//! notice then delivered like the acknowledgement was.

use crate::alerts::{change_message, ChangeMessage, RunSummary};
use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::model::{Change, ChangeId, ChangeState};
use crate::store::StoreError;

/// Cancels change `id` and returns it, cancelled, with what became of the
/// desk's notice. Only a scheduled change that no push run has started to
/// apply can be cancelled: once an attempt is recorded, the destination may
/// already hold the new value, and the way back is a new change.
pub fn cancel(env: &Env, id: &ChangeId) -> Result<(Change, RunSummary), AppError> {
    let store = env.store()?;
    let change = store.write(|tx| {
        let Some(mut change) = tx.change(id)? else {
            return Err(StoreError::Conflict(format!(
                "no change {id}; `vigie desk changes` lists them"
            )));
        };
        if change.state != ChangeState::Scheduled {
            return Err(StoreError::Conflict(format!(
                "change {id} is {}, not scheduled: nothing to cancel",
                change.state.as_str()
            )));
        }
        if change.attempts > 0 {
            return Err(StoreError::Conflict(format!(
                "change {id} is being applied ({} attempt(s) so far): too late to cancel; schedule the opposite change instead",
                change.attempts
            )));
        }
        change.state = ChangeState::Cancelled;
        change.cancelled_at = Some(env.now);
        tx.put_change(&change)?;
        tx.put_alert(&change_message(
            ChangeMessage::Cancelled,
            &change,
            None,
            env.now,
        ))?;
        tx.audit(
            &AuditEntry::new(env.now, &env.actor, "change.cancel")
                .desk(&change.desk)
                .detail(format!(
                    "{}={} on {} ({})",
                    change.key, change.value, change.on, change.id
                )),
        )?;
        Ok(change)
    })?;
    let delivery = super::schedule::tell_desks(env, &store, std::slice::from_ref(&change.id))?;
    Ok((change, delivery))
}
