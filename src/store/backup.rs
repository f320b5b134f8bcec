//! Backups: the whole store as one JSON document, and back.
//!
//! A backup is taken while holding the data directory's lock, so it is a
//! consistent picture. Values are written as the JSON they are stored as
//! (without the version byte), keys in hexadecimal, so that a person can read
//! a backup and a later release can restore an older one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::codec::VALUE_VERSION;
use super::{trees, Store, StoreError, SCHEMA_VERSION};
use crate::model::Instant;

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
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Trees whose values are raw bytes rather than encoded records.
fn is_raw(tree: &str) -> bool {
    tree == trees::HISTORY
}

impl Store {
    /// Takes a backup of everything.
    pub fn export(&self, at: Instant) -> Result<Backup, StoreError> {
        let mut out = BTreeMap::new();
        for (name, tree) in trees::DATA.iter().zip(self.data_trees()) {
            let mut entries = Vec::with_capacity(tree.len());
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| self.engine(e))?;
                let value = if is_raw(name) {
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

    /// Restores a backup. Refuses a store that holds data unless `replace`,
    /// in which case everything in it is removed first, in the same
    /// transaction as the restore.
    pub fn restore(&self, backup: &Backup, replace: bool) -> Result<usize, BackupError> {
        if backup.format != "vigie-backup" {
            return Err(BackupError::Format(format!(
                "format is «{}»",
                backup.format
            )));
        }
        if backup.schema_version > SCHEMA_VERSION {
            return Err(BackupError::Schema(backup.schema_version));
        }
        if !self.is_empty() && !replace {
            return Err(BackupError::NotEmpty);
        }
        // Decode everything before writing anything.
        let mut writes: Vec<(&str, Vec<u8>, Vec<u8>)> = Vec::new();
        for (name, entries) in &backup.trees {
            let Some(tree) = trees::DATA.iter().find(|t| *t == name) else {
                return Err(BackupError::Format(format!("unknown tree «{name}»")));
            };
            for e in entries {
                let key = hex::decode(&e.key).map_err(|_| {
                    BackupError::Format(format!("{name}: key «{}» is not hexadecimal", e.key))
                })?;
                let value = if is_raw(name) {
                    let raw = e.value.get("raw").and_then(|r| r.as_str()).unwrap_or("");
                    hex::decode(raw).map_err(|_| {
                        BackupError::Format(format!(
                            "{name}: value of {} is not hexadecimal",
                            e.key
                        ))
                    })?
                } else {
                    let mut v = vec![VALUE_VERSION];
                    serde_json::to_writer(&mut v, &e.value)
                        .map_err(|e| BackupError::Format(e.to_string()))?;
                    v
                };
                writes.push((tree, key, value));
            }
        }
        let mut stale: Vec<(&str, Vec<u8>)> = Vec::new();
        if replace {
            for (name, tree) in trees::DATA.iter().zip(self.data_trees()) {
                for k in tree.iter().keys() {
                    stale.push((name, k.map_err(|e| self.engine(e))?.to_vec()));
                }
            }
        }
        self.write(|tx| {
            for (tree, key) in &stale {
                tx.remove_raw(tree, key)?;
            }
            for (tree, key, value) in &writes {
                tx.put_raw(tree, key, value)?;
            }
            Ok(())
        })?;
        // A backup taken before summaries carried their push state.
        self.fill_push_states()?;
        Ok(writes.len())
    }

    fn data_trees(&self) -> [&sled::Tree; 8] {
        [
            &self.t.desks,
            &self.t.certs,
            &self.t.history,
            &self.t.current,
            &self.t.alerts,
            &self.t.outbox,
            &self.t.audit,
            &self.t.jobs,
        ]
    }
}
