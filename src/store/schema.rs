//! The schema version a store is written in, and the upgrades of stores
//! written by earlier releases.

use std::os::unix::fs::OpenOptionsExt;

use super::{trees, Store, StoreError};

/// The schema this release writes and reads. Version 2 keeps the state of
/// each current certificate's push in its summary; a version 1 store is
/// upgraded when it is opened.
pub const SCHEMA_VERSION: u32 = 2;

/// A file in the store's folder, next to sled's own, written once the schema
/// version is on disk: from then on a store without a schema version is a
/// damaged one, not a new one.
const INITIALISED: &str = "vigie-initialised";

impl Store {
    /// Checks the store's schema version, writing it in a new store and
    /// upgrading an older one.
    pub(super) fn check_schema(&self) -> Result<(), StoreError> {
        let current = self
            .t
            .meta
            .get("schema_version")
            .map_err(|e| self.engine(e))?;
        match current {
            // sled recovers a damaged log by dropping everything from the
            // first bad record on, silently: a store that was initialised
            // (its marker says so) and has lost its schema version has lost
            // its data, and must not be mistaken for a new, empty one.
            None if self.path.join(INITIALISED).exists() => Err(StoreError::Engine {
                path: self.path.clone(),
                message: format!(
                    "it was initialised ({} exists) but its schema version is gone: the database file is damaged. Move the folder aside (mv {} {}.damaged) before restoring",
                    INITIALISED,
                    self.path.display(),
                    self.path.display()
                ),
            }),
            None => {
                self.t
                    .meta
                    .insert("schema_version", &SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| self.engine(e))?;
                self.flush()?;
                self.mark_initialised()
            }
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Decode {
                        tree: trees::META.into(),
                        key: "schema_version".into(),
                        reason: "not a 4-byte number".into(),
                    })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::Schema {
                        path: self.path.clone(),
                        found,
                    });
                }
                if found < SCHEMA_VERSION {
                    self.upgrade(found)?;
                }
                // Stores made before the marker existed get it now.
                if !self.path.join(INITIALISED).exists() {
                    self.mark_initialised()?;
                }
                Ok(())
            }
        }
    }

    /// Brings a store written by an earlier release to this schema. Each
    /// step is idempotent and the version is written after it is flushed: a
    /// crash in between only means the step runs again at the next open.
    fn upgrade(&self, from: u32) -> Result<(), StoreError> {
        if from < 2 {
            let n = self.fill_push_states()?;
            tracing::info!(
                "store upgraded to schema 2: {n} current summaries now carry their push state"
            );
        }
        self.t
            .meta
            .insert("schema_version", &SCHEMA_VERSION.to_be_bytes())
            .map_err(|e| self.engine(e))?;
        self.flush()
    }

    /// Copies into each current summary the state of its certificate's push
    /// job (what [`Tx`] keeps up to date on every write): for stores and
    /// backups made before summaries carried it. Returns how many changed.
    pub(crate) fn fill_push_states(&self) -> Result<usize, StoreError> {
        let mut changed = Vec::new();
        for (desk, mut summary) in self.current_summaries()? {
            let push = self.push_job(&desk, &summary.sha256)?.map(|j| j.state);
            if summary.push != push {
                summary.push = push;
                changed.push((desk, summary));
            }
        }
        // In slices: one transaction of 100,000 summaries held a gigabyte.
        // Each summary is right on its own, so a crash between slices only
        // leaves the rest to the next run.
        for slice in changed.chunks(2_000) {
            self.write(|tx| {
                for (desk, summary) in slice {
                    tx.put_summary_as_is(desk, summary)?;
                }
                Ok(())
            })?;
        }
        Ok(changed.len())
    }

    /// Writes the marker saying this store holds its schema version (after
    /// that version was flushed, so that a crash in between leaves a store
    /// that is simply initialised again).
    fn mark_initialised(&self) -> Result<(), StoreError> {
        let marker = self.path.join(INITIALISED);
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&marker)
            .and_then(|mut f| {
                std::io::Write::write_all(
                    &mut f,
                    b"vigie store; its schema version is in the meta tree\n",
                )
            })
            .map_err(|source| StoreError::Io {
                what: "cannot write",
                path: marker,
                source,
            })
    }
}
