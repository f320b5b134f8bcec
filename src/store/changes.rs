//! Scheduled setting changes (DESIGN §12), in their own tree:
//!
//! - `c/<change id>` → the [`Change`] record;
//! - `p/<desk id>\0<key>` → the id of the desk's one *scheduled* change of
//!   that key, so that "at most one pending change per desk and key" is
//!   checked inside a transaction (sled's transactions cannot scan).
//!
//! Both are encoded values (the index's is the id as a JSON string), so a
//! backup shows and checks them like every other record. Every write goes
//! through [`Tx::put_change`] or [`Tx::schedule_change`], which keep the
//! index in step with the records' states.
//!
//! A store made before this tree existed opens as it is: sled creates the
//! empty tree on first open.

use super::codec::{decode, encode};
use super::tx::Tx;
use super::{trees, Store, StoreError};
use crate::model::{Change, ChangeId, ChangeState, DeskId};

fn record_key(id: &ChangeId) -> Vec<u8> {
    let mut k = b"c/".to_vec();
    k.extend_from_slice(id.as_str().as_bytes());
    k
}

fn pending_key(desk: &DeskId, key: &str) -> Vec<u8> {
    let mut k = b"p/".to_vec();
    k.extend_from_slice(desk.as_str().as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

/// Checks a backed-up value of the `changes` tree: a change record or an
/// index entry (a change id).
pub(super) fn check_backup_value(value: &serde_json::Value) -> Result<(), String> {
    use serde::Deserialize;
    if value.is_string() {
        return ChangeId::deserialize(value)
            .map(|_| ())
            .map_err(|e| e.to_string());
    }
    Change::deserialize(value)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

impl Tx<'_> {
    /// One change.
    pub fn change(&self, id: &ChangeId) -> Result<Option<Change>, StoreError> {
        let key = record_key(id);
        match self.changes.get(&key)? {
            None => Ok(None),
            Some(v) => decode(&v, trees::CHANGES, &key).map(Some),
        }
    }

    /// The desk's scheduled (pending) change of `key`, if any.
    pub fn pending_change_for(
        &self,
        desk: &DeskId,
        key: &str,
    ) -> Result<Option<Change>, StoreError> {
        let pkey = pending_key(desk, key);
        let Some(v) = self.changes.get(&pkey)? else {
            return Ok(None);
        };
        let id: ChangeId = decode(&v, trees::CHANGES, &pkey)?;
        Ok(self.change(&id)?.filter(Change::is_pending))
    }

    /// A fresh change id, not used in this store: 40 random bits (see
    /// [`ChangeId`] for why not a counter), drawn again if taken.
    pub fn new_change_id(&self) -> Result<ChangeId, StoreError> {
        loop {
            let bytes = uuid::Uuid::new_v4().into_bytes();
            let mut bits = [0u8; 8];
            bits.copy_from_slice(&bytes[..8]);
            let id = ChangeId::from_bits(u64::from_be_bytes(bits));
            if self.changes.get(record_key(&id))?.is_none() {
                return Ok(id);
            }
        }
    }

    /// Writes a change as it is (an attempt, its outcome, a cancellation),
    /// and keeps the pending index in step: a scheduled change becomes its
    /// desk's pending one for its key; any other state leaves the index
    /// if it was there. To add a new scheduled change, use
    /// [`Tx::schedule_change`], which replaces the previous one.
    pub fn put_change(&mut self, change: &Change) -> Result<(), StoreError> {
        self.changes
            .insert(record_key(&change.id), encode(change))?;
        let pkey = pending_key(&change.desk, &change.key);
        if change.state == ChangeState::Scheduled {
            self.changes.insert(pkey, encode(&change.id))?;
        } else if let Some(v) = self.changes.get(&pkey)? {
            let id: ChangeId = decode(&v, trees::CHANGES, &pkey)?;
            if id == change.id {
                self.changes.remove(pkey)?;
            }
        }
        Ok(())
    }

    /// Adds a scheduled change. The desk's previous scheduled change of the
    /// same key, if any, is replaced: written as cancelled (at the new
    /// change's `created_at`) and returned, for the audit line and the
    /// desk's message. Refuses a change that is not in the scheduled state.
    pub fn schedule_change(&mut self, change: &Change) -> Result<Option<Change>, StoreError> {
        if change.state != ChangeState::Scheduled {
            return Err(StoreError::Conflict(format!(
                "change {} is {}, not scheduled",
                change.id,
                change.state.as_str()
            )));
        }
        let replaced = match self.pending_change_for(&change.desk, &change.key)? {
            Some(mut old) if old.id != change.id => {
                old.state = ChangeState::Cancelled;
                old.cancelled_at = Some(change.created_at);
                old.next_attempt = None;
                self.put_change(&old)?;
                Some(old)
            }
            _ => None,
        };
        self.put_change(change)?;
        Ok(replaced)
    }
}

impl Store {
    /// One change.
    pub fn change(&self, id: &ChangeId) -> Result<Option<Change>, StoreError> {
        self.get(&self.t.changes, trees::CHANGES, &record_key(id))
    }

    /// Every change, by date, then desk, key and creation.
    pub fn changes(&self) -> Result<Vec<Change>, StoreError> {
        let mut all: Vec<Change> = self.scan(&self.t.changes, trees::CHANGES, b"c/")?;
        all.sort_by(|a, b| {
            (a.on, &a.desk, &a.key, a.created_at, &a.id).cmp(&(
                b.on,
                &b.desk,
                &b.key,
                b.created_at,
                &b.id,
            ))
        });
        Ok(all)
    }

    /// The scheduled (pending) changes, in the order of [`Store::changes`].
    pub fn pending_changes(&self) -> Result<Vec<Change>, StoreError> {
        let mut all = self.changes()?;
        all.retain(Change::is_pending);
        Ok(all)
    }

    /// The desk's scheduled (pending) change of `key`, if any.
    pub fn pending_change_for(
        &self,
        desk: &DeskId,
        key: &str,
    ) -> Result<Option<Change>, StoreError> {
        let pkey = pending_key(desk, key);
        let Some(id) = self.get::<ChangeId>(&self.t.changes, trees::CHANGES, &pkey)? else {
            return Ok(None);
        };
        Ok(self.change(&id)?.filter(Change::is_pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn change(desk: &str, key: &str, value: &str, at: i64) -> Change {
        Change::new(
            ChangeId::from_bits(at as u64),
            DeskId::parse(desk).unwrap(),
            key.into(),
            value.into(),
            NaiveDate::from_ymd_opt(2013, 3, 18).unwrap(),
            chrono::DateTime::from_timestamp(at, 0).unwrap(),
        )
    }

    #[test]
    fn one_pending_change_per_desk_and_key_the_new_one_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), std::time::Duration::from_secs(1)).unwrap();
        let a = change("732829320-00001", "version", "V2", 1);
        let other_key = change("732829320-00001", "mode", "ws", 2);
        let other_desk = change("732829320-00002", "version", "V2", 3);
        for c in [&a, &other_key, &other_desk] {
            assert_eq!(store.write(|tx| tx.schedule_change(c)).unwrap(), None);
        }
        let b = change("732829320-00001", "version", "V1", 4);
        let replaced = store.write(|tx| tx.schedule_change(&b)).unwrap().unwrap();
        assert_eq!(replaced.id, a.id);
        assert_eq!(replaced.state, ChangeState::Cancelled);
        assert_eq!(replaced.cancelled_at, Some(b.created_at));
        assert_eq!(store.change(&a.id).unwrap(), Some(replaced));
        assert_eq!(
            store.pending_change_for(&b.desk, "version").unwrap(),
            Some(b.clone())
        );
        assert_eq!(store.changes().unwrap().len(), 4);
        assert_eq!(store.pending_changes().unwrap().len(), 3);

        // Done: no longer pending, and the index forgets it.
        let mut done = b.clone();
        done.state = ChangeState::Done;
        store.write(|tx| tx.put_change(&done)).unwrap();
        assert_eq!(store.pending_change_for(&b.desk, "version").unwrap(), None);
        store
            .write(|tx| {
                assert_eq!(tx.pending_change_for(&b.desk, "version")?, None);
                assert_eq!(tx.change(&b.id)?, Some(done.clone()));
                Ok(())
            })
            .unwrap();
        // A replaced change stays replaced when written again as it is.
        assert!(store.write(|tx| tx.schedule_change(&done)).is_err());
    }

    #[test]
    fn new_ids_are_free_and_the_tree_survives_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), std::time::Duration::from_secs(1)).unwrap();
        let id = store.write(|tx| tx.new_change_id()).unwrap();
        assert!(ChangeId::parse(id.as_str()).is_ok());
        let c = change("732829320-00001", "version", "V2", 7);
        store.write(|tx| tx.schedule_change(&c)).unwrap();
        let backup = store.export(chrono::DateTime::UNIX_EPOCH).unwrap();
        assert_eq!(backup.trees["changes"].len(), 2);
        let other = tempfile::tempdir().unwrap();
        let restored = Store::open(other.path(), std::time::Duration::from_secs(1)).unwrap();
        restored.restore(&backup, false).unwrap();
        assert_eq!(restored.changes().unwrap(), vec![c.clone()]);
        assert_eq!(
            restored.pending_change_for(&c.desk, "version").unwrap(),
            Some(c)
        );
    }
}
