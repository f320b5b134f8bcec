//! Adding a deadline campaign.

use chrono::NaiveDate;

use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::config::Setting;
use crate::model::Campaign;
use crate::store::StoreError;

/// A campaign as the shell checked it: name, `--set` and `--where` checked
/// against the configuration's settings, the deadline a future local day.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// Its name, checked ([`crate::model::check_campaign_name`]).
    pub name: String,
    /// The setting to reach.
    pub set: Setting,
    /// The deadline.
    pub deadline: NaiveDate,
    /// The desks concerned.
    pub filter: Setting,
}

/// Adds a campaign; a name already used is a conflict (the name is the id,
/// and reminders already sent are keyed by it).
pub fn add(env: &Env, new: &NewCampaign) -> Result<Campaign, AppError> {
    let campaign = Campaign {
        name: new.name.clone(),
        key: new.set.key.clone(),
        value: new.set.value.clone(),
        deadline: new.deadline,
        where_key: new.filter.key.clone(),
        where_value: new.filter.value.clone(),
        created_at: env.now,
        closed: false,
    };
    let store = env.store()?;
    store.write(|tx| {
        if tx.campaign(&campaign.name)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "a campaign named {} already exists; choose another name (`vigie campaign list` lists them)",
                campaign.name
            )));
        }
        tx.put_campaign(&campaign)?;
        tx.audit(
            &AuditEntry::new(env.now, &env.actor, "campaign.add").detail(format!(
                "{}: {} by {} where {}",
                campaign.name,
                campaign.set_pair(),
                campaign.deadline,
                campaign.where_pair()
            )),
        )
    })?;
    Ok(campaign)
}
