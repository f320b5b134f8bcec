//! Deadline campaigns (issue 16), in their own tree: `<name>` → the
//! [`Campaign`] record. The name is the id, so "a name used twice is
//! refused" is one read inside the write transaction.
//!
//! A store made before this tree existed opens as it is: sled creates the
//! empty tree on first open, and a backup without it restores none.

use super::codec::{decode, encode};
use super::tx::Tx;
use super::{trees, Store, StoreError};
use crate::model::Campaign;

impl Tx<'_> {
    /// One campaign, by its (checked) name.
    pub fn campaign(&self, name: &str) -> Result<Option<Campaign>, StoreError> {
        match self.campaigns.get(name.as_bytes())? {
            None => Ok(None),
            Some(v) => decode(&v, trees::CAMPAIGNS, name.as_bytes()).map(Some),
        }
    }

    /// Adds or replaces a campaign (closing one writes it again).
    pub fn put_campaign(&mut self, campaign: &Campaign) -> Result<(), StoreError> {
        self.campaigns
            .insert(campaign.name.as_bytes(), encode(campaign))?;
        Ok(())
    }
}

impl Store {
    /// One campaign, by its (checked) name.
    pub fn campaign(&self, name: &str) -> Result<Option<Campaign>, StoreError> {
        self.get(&self.t.campaigns, trees::CAMPAIGNS, name.as_bytes())
    }

    /// Every campaign, by deadline then name.
    pub fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let mut all: Vec<Campaign> = self.scan(&self.t.campaigns, trees::CAMPAIGNS, b"")?;
        all.sort_by(|a, b| (a.deadline, &a.name).cmp(&(b.deadline, &b.name)));
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn campaign(name: &str, day: u32) -> Campaign {
        Campaign {
            name: name.into(),
            key: "version".into(),
            value: "V2".into(),
            deadline: NaiveDate::from_ymd_opt(2013, 3, day).unwrap(),
            where_key: "version".into(),
            where_value: "V1".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            closed: false,
        }
    }

    #[test]
    fn campaigns_are_kept_by_name_listed_by_deadline_and_backed_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), std::time::Duration::from_secs(1)).unwrap();
        let late = campaign("a-late", 31);
        let early = campaign("z-early", 1);
        for c in [&late, &early] {
            store.write(|tx| tx.put_campaign(c)).unwrap();
        }
        assert_eq!(store.campaign("a-late").unwrap(), Some(late.clone()));
        assert_eq!(store.campaign("nope").unwrap(), None);
        assert_eq!(
            store.campaigns().unwrap(),
            vec![early.clone(), late.clone()]
        );
        store
            .write(|tx| {
                assert_eq!(tx.campaign("z-early")?, Some(early.clone()));
                Ok(())
            })
            .unwrap();

        let backup = store.export(chrono::DateTime::UNIX_EPOCH).unwrap();
        assert_eq!(backup.trees["campaigns"].len(), 2);
        let other = tempfile::tempdir().unwrap();
        let restored = Store::open(other.path(), std::time::Duration::from_secs(1)).unwrap();
        restored.restore(&backup, false).unwrap();
        assert_eq!(restored.campaigns().unwrap(), vec![early, late]);
    }
}
