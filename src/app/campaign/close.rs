//! Closing a campaign: no more reminders; it stays listed.

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::model::Campaign;

/// Closes the campaign `name`; `None` when there is none. Closing a closed
/// campaign changes nothing and writes no audit line.
pub fn close(env: &Env, name: &str) -> Result<Option<Campaign>, AppError> {
    let store = env.store()?;
    Ok(store.write(|tx| {
        let Some(mut c) = tx.campaign(name)? else {
            return Ok(None);
        };
        if !c.closed {
            c.closed = true;
            tx.put_campaign(&c)?;
            tx.audit(
                &AuditEntry::new(env.now, &env.actor, "campaign.close").detail(c.name.clone()),
            )?;
        }
        Ok(Some(c))
    })?)
}
