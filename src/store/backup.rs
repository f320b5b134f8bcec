//! Backups: the whole store as one JSON document, and back.
//!
//! A backup is taken while holding the data directory's lock, so it is a
//! consistent picture. Values are written as the JSON they are stored as
//! (without the version byte), keys in hexadecimal, so that a person can read
//! a backup and a later release can restore an older one.
//!
//! The `mail` tree (messages taken from the mailbox) is carried since the
//! release that added the alert state `bounced`: its records as JSON, its
//! Message-ID pointers raw. Without it a restored store took every message
//! still in the mailbox in again as new. A backup without it restores as
//! before, with no message known.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::codec::VALUE_VERSION;
use super::disk::{remove_store_dir, swap_in, RESTORING, STORE};
use super::{trees, Store, StoreError, SCHEMA_VERSION};
use crate::model::{
    AlertRecord, AuditEntry, CertRecord, CertSummary, Desk, Instant, JobRun, MailRecord, PushJob,
};

/// The backup document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    /// Always `vigie-backup`.
    pub format: String,
    /// The store schema it was taken from.
    pub schema_version: u32,
    /// When it was taken.
    pub created_at: Instant,
    /// Each tree's entries, in key order.
    pub trees: BTreeMap<String, Vec<Entry>>,
}

/// One key and value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The key, hexadecimal.
    pub key: String,
    /// The value: the stored JSON, or for raw values (fingerprints, markers)
    /// a hexadecimal string under `raw`.
    pub value: serde_json::Value,
}

/// Why a backup cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Not a vigie backup, or damaged.
    #[error("not a vigie backup: {0}")]
    Format(String),
    /// Taken from a newer store.
    #[error("the backup has schema version {0}; this vigie knows version {SCHEMA_VERSION}: upgrade vigie")]
    Schema(u32),
    /// The store already holds data.
    #[error("the store is not empty; restoring would mix two stores (use --force to replace its content)")]
    NotEmpty,
    /// A record of the backup does not decode: named by its tree and key.
    #[error("record {key} of «{tree}» is damaged ({reason}); nothing was restored")]
    Record {
        /// The tree.
        tree: String,
        /// The key, hexadecimal as in the backup.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One record to write: tree, key, encoded value.
type Write = (&'static str, Vec<u8>, Vec<u8>);

/// Checks a whole backup and encodes its records, before anything is
/// written: the format, the schema version, every key, and every value
/// decoded as the record its tree holds. A backup that a later reading would
/// find damaged is refused here, naming the record, rather than restored
/// into a store that fails later.
pub fn decode_backup(backup: &Backup) -> Result<Vec<Write>, BackupError> {
    if backup.format != "vigie-backup" {
        return Err(BackupError::Format(format!(
            "format is «{}»",
            backup.format
        )));
    }
    if backup.schema_version > SCHEMA_VERSION {
        return Err(BackupError::Schema(backup.schema_version));
    }
    let mut writes = Vec::new();
    for (name, entries) in &backup.trees {
        let Some(tree) = trees::DATA.iter().find(|t| *t == name) else {
            return Err(BackupError::Format(format!("unknown tree «{name}»")));
        };
        for e in entries {
            let damaged = |reason: String| BackupError::Record {
                tree: name.clone(),
                key: crate::model::printable(&e.key),
                reason,
            };
            let key = hex::decode(&e.key).map_err(|_| damaged("key not hexadecimal".into()))?;
            if *tree == trees::MAIL && !(key.starts_with(b"s/") || key.starts_with(b"m/")) {
                return Err(damaged("not a message's key (s/… or m/…)".into()));
            }
            let value = if is_raw(name, &key) {
                let raw = e
                    .value
                    .get("raw")
                    .and_then(|r| r.as_str())
                    .ok_or_else(|| damaged("no \"raw\" value".into()))?;
                let v = hex::decode(raw).map_err(|_| damaged("value not hexadecimal".into()))?;
                // A Message-ID points to a message's SHA-256, in hexadecimal.
                let sha = |v: &[u8]| crate::model::Sha256::from_hex(v).is_some();
                if *tree == trees::MAIL && !sha(&v) {
                    return Err(damaged("not a message's SHA-256".into()));
                }
                v
            } else {
                check_record(tree, &e.value).map_err(damaged)?;
                let mut v = vec![VALUE_VERSION];
                serde_json::to_writer(&mut v, &e.value).map_err(|e| damaged(e.to_string()))?;
                v
            };
            writes.push((*tree, key, value));
        }
    }
    Ok(writes)
}

/// Decodes a value as the record its tree holds.
fn check_record(tree: &str, value: &serde_json::Value) -> Result<(), String> {
    fn read<T: DeserializeOwned>(value: &serde_json::Value) -> Result<(), String> {
        T::deserialize(value).map(|_| ()).map_err(|e| e.to_string())
    }
    match tree {
        trees::MAIL => read::<MailRecord>(value),
        trees::DESKS => read::<Desk>(value),
        trees::CERTS => read::<CertRecord>(value),
        trees::CURRENT => read::<CertSummary>(value),
        trees::ALERTS => read::<AlertRecord>(value),
        trees::OUTBOX => read::<PushJob>(value),
        trees::AUDIT => read::<AuditEntry>(value),
        trees::JOBS => read::<JobRun>(value),
        trees::CHANGES => super::changes::check_backup_value(value),
        trees::CAMPAIGNS => read::<crate::model::Campaign>(value),
        other => Err(format!("no record type for tree «{other}»")),
    }
}

/// Whether a value is raw bytes rather than an encoded record: the
/// history tree's, and the mail tree's Message-ID pointers (`m/…`, whose
/// value is the SHA-256 of the message's record, in hexadecimal).
fn is_raw(tree: &str, key: &[u8]) -> bool {
    tree == trees::HISTORY || (tree == trees::MAIL && key.starts_with(b"m/"))
}

impl Store {
    /// Takes a backup of everything.
    pub fn export(&self, at: Instant) -> Result<Backup, StoreError> {
        let mut out = BTreeMap::new();
        for (name, tree) in trees::DATA.iter().zip(self.data_trees()) {
            let mut entries = Vec::with_capacity(tree.len());
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| self.engine(e))?;
                let value = if is_raw(name, &k) {
                    serde_json::json!({ "raw": hex::encode(&v) })
                } else if *name == trees::CERTS {
                    // Certificate records have their own encoding; the
                    // backup shows them as JSON like every other record.
                    let rec = super::cert_codec::decode_cert(&v, name, &k)?;
                    serde_json::to_value(&rec).map_err(|e| StoreError::Decode {
                        tree: name.to_string(),
                        key: hex::encode(&k),
                        reason: e.to_string(),
                    })?
                } else {
                    match v.split_first() {
                        Some((&VALUE_VERSION, rest)) => {
                            serde_json::from_slice(rest).map_err(|e| StoreError::Decode {
                                tree: name.to_string(),
                                key: hex::encode(&k),
                                reason: e.to_string(),
                            })?
                        }
                        _ => {
                            return Err(StoreError::Decode {
                                tree: name.to_string(),
                                key: hex::encode(&k),
                                reason: "unknown value encoding".into(),
                            })
                        }
                    }
                };
                entries.push(Entry {
                    key: hex::encode(&k),
                    value,
                });
            }
            out.insert(name.to_string(), entries);
        }
        Ok(Backup {
            format: "vigie-backup".into(),
            schema_version: SCHEMA_VERSION,
            created_at: at,
            trees: out,
        })
    }

    /// Restores a backup into this store. Refuses a store that holds data
    /// unless `replace`, in which case everything in it is removed first, in
    /// the same transaction as the restore. Every record is decoded first
    /// ([`decode_backup`]): a damaged backup writes nothing. The commands
    /// use [`Store::restore_into`], which never empties a store in place.
    pub fn restore(&self, backup: &Backup, replace: bool) -> Result<usize, BackupError> {
        let writes = decode_backup(backup)?;
        if !self.is_empty() && !replace {
            return Err(BackupError::NotEmpty);
        }
        self.restore_decoded(&writes, replace, None)
    }

    /// Writes records [`decode_backup`] checked, after removing everything
    /// when `replace`, with the audit line `audit` makes from their number.
    fn restore_decoded(
        &self,
        writes: &[Write],
        replace: bool,
        audit: Option<&dyn Fn(usize) -> AuditEntry>,
    ) -> Result<usize, BackupError> {
        let mut stale: Vec<(&str, Vec<u8>)> = Vec::new();
        if replace {
            for (name, tree) in trees::DATA.iter().zip(self.data_trees()) {
                for k in tree.iter().keys() {
                    stale.push((name, k.map_err(|e| self.engine(e))?.to_vec()));
                }
            }
        }
        let writes = &self.rekey_audit(writes)?;
        let line = audit.map(|f| f(writes.len()));
        self.write(|tx| {
            for (tree, key) in &stale {
                tx.remove_raw(tree, key)?;
            }
            for (tree, key, value) in writes {
                tx.put_raw(tree, key, value)?;
            }
            match &line {
                Some(line) => tx.audit(line),
                None => Ok(()),
            }
        })?;
        // A backup taken before summaries carried their push state.
        self.fill_push_states()?;
        Ok(writes.len())
    }

    /// Audit keys are ids from sled's counter, which a new store starts at
    /// 0: kept as they were in the backup, the next audit lines (the
    /// restore's own first) would overwrite the oldest restored ones. The
    /// restored lines get fresh ids from this store's counter instead, in
    /// their order: the log reads the same, and later ids come after them.
    fn rekey_audit(&self, writes: &[Write]) -> Result<Vec<Write>, StoreError> {
        writes
            .iter()
            .map(|(tree, key, value)| {
                let key = if *tree == trees::AUDIT {
                    let id = self.db.generate_id().map_err(|e| self.engine(e))?;
                    id.to_be_bytes().to_vec()
                } else {
                    key.clone()
                };
                Ok((*tree, key, value.clone()))
            })
            .collect()
    }

    /// Restores a backup into the store of `data_dir`, waiting up to `wait`
    /// for the data directory's lock; returns how many records it restored.
    ///
    /// Every record is decoded before anything is written ([`decode_backup`]).
    /// An empty store is filled in place. A store that holds data is refused
    /// unless `replace`; then the backup is written into a new store beside
    /// it (`store.restoring`), which replaces the old one only once it is
    /// complete and flushed: the old store is renamed aside, the new one put
    /// in its place, and only then is the old one removed. A crash at any
    /// point leaves either the old store or the restored one, whole (see
    /// [`super::disk::finish_interrupted_restore`]).
    pub fn restore_into(
        data_dir: &Path,
        wait: Duration,
        backup: &Backup,
        replace: bool,
        audit: &dyn Fn(usize) -> AuditEntry,
    ) -> Result<usize, BackupError> {
        let sled_wait = wait.max(Duration::from_secs(5));
        let lock = Arc::new(Store::lock(data_dir, wait)?);
        let old = Store::open_locked(
            data_dir,
            &data_dir.join(STORE),
            Arc::clone(&lock),
            sled_wait,
        )?;
        // Before anything is written, into either store.
        let writes = decode_backup(backup)?;
        if old.is_empty() {
            return old.restore_decoded(&writes, false, Some(audit));
        }
        if !replace {
            return Err(BackupError::NotEmpty);
        }
        let beside = data_dir.join(RESTORING);
        // A left-over of a restore that did not finish: never swapped in,
        // so nothing refers to it (we hold the lock).
        remove_store_dir(&beside)?;
        let new = Store::open_locked(data_dir, &beside, Arc::clone(&lock), sled_wait)?;
        let n = new.restore_decoded(&writes, false, Some(audit))?;
        new.flush()?;
        drop(new);
        drop(old);
        swap_in(data_dir)?;
        Ok(n)
    }
    fn data_trees(&self) -> [&sled::Tree; 11] {
        [
            &self.t.desks,
            &self.t.certs,
            &self.t.history,
            &self.t.current,
            &self.t.alerts,
            &self.t.outbox,
            &self.t.audit,
            &self.t.jobs,
            &self.t.mail,
            // Issue 16: scheduled changes.
            &self.t.changes,
            // Issue 16: deadline campaigns.
            &self.t.campaigns,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MailAction, Sha256};

    fn message(id: &str, bytes: &[u8]) -> MailRecord {
        MailRecord {
            message_id: id.into(),
            sha256: Sha256::of(bytes),
            from: Some("guichet@example.org".into()),
            subject: Some("Certificat".into()),
            date: None,
            desk: None,
            attributed_by: None,
            certificates: Vec::new(),
            action: MailAction::NeedsHuman,
            note: Some("aucun certificat dans le message".into()),
            reply_message_id: None,
            reply_sent_at: None,
            thread: Vec::new(),
            source: "m.eml".into(),
            received_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), Duration::from_secs(5)).unwrap();
        (dir, s)
    }

    #[test]
    fn the_mail_tree_is_backed_up_and_restored_with_its_message_ids() {
        let (_d, from) = store();
        let rec = message("<q@example.org>", b"a question");
        from.write(|tx| tx.put_mail(&rec)).unwrap();
        let backup = from.export(chrono::DateTime::UNIX_EPOCH).unwrap();
        let mail = &backup.trees[trees::MAIL];
        assert_eq!(mail.len(), 2, "{mail:?}");
        // Readable: the record as JSON, the pointer as the record's hex.
        let json = serde_json::to_string(&backup).unwrap();
        assert!(json.contains(r#""action":"needs_human""#), "{json}");
        assert!(mail
            .iter()
            .any(|e| e.value["raw"] == hex::encode(rec.sha256.to_hex())));

        let (_d2, to) = store();
        to.restore(&serde_json::from_str(&json).unwrap(), false)
            .unwrap();
        assert_eq!(to.mail_records().unwrap(), vec![rec.clone()]);
        // Met again by its Message-ID from bytes the server rewrote: known.
        let other = Sha256::of(b"rewritten");
        assert_eq!(
            to.mail_seen("<q@example.org>", &other).unwrap(),
            Some(rec.clone())
        );
        // A replacing restore leaves no message of the store it replaced.
        let (_d3, full) = store();
        let stale = message("<old@example.org>", b"old");
        full.write(|tx| tx.put_mail(&stale)).unwrap();
        full.restore(&backup, true).unwrap();
        assert_eq!(full.mail_records().unwrap(), vec![rec]);
    }

    #[test]
    fn a_backup_taken_before_the_mail_tree_was_carried_still_restores() {
        let (_d, from) = store();
        from.write(|tx| tx.put_mail(&message("<x@y>", b"x")))
            .unwrap();
        let mut old = from.export(chrono::DateTime::UNIX_EPOCH).unwrap();
        old.trees.remove(trees::MAIL);
        let (_d2, to) = store();
        to.restore(&old, false).unwrap();
        assert!(to.mail_records().unwrap().is_empty());
    }

    #[test]
    fn a_damaged_mail_entry_is_refused_by_its_key() {
        let (_d, from) = store();
        from.write(|tx| tx.put_mail(&message("<x@y>", b"x")))
            .unwrap();
        let good = from.export(chrono::DateTime::UNIX_EPOCH).unwrap();
        let mut bad = good.clone();
        for e in bad.trees.get_mut(trees::MAIL).unwrap() {
            if e.key.starts_with(&hex::encode("m/")) {
                e.value = serde_json::json!({ "raw": hex::encode("nope") });
            }
        }
        let err = decode_backup(&bad).unwrap_err().to_string();
        assert!(err.contains("«mail»") && err.contains("SHA-256"), "{err}");
        let mut bad = good;
        bad.trees.get_mut(trees::MAIL).unwrap().push(Entry {
            key: hex::encode("z/1"),
            value: serde_json::json!({}),
        });
        let err = decode_backup(&bad).unwrap_err().to_string();
        assert!(err.contains("«mail»"), "{err}");
    }
}
