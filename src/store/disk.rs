//! The disk under the store, looked at before sled opens it: a snapshot that
//! sled left half-written, and too little room to open at all.
//!
//! Opening is a write: when the log has grown since sled's last snapshot
//! (after any command that wrote), sled 0.34 writes a new snapshot of its
//! page table while it recovers, before vigie reads anything. On a full disk
//! that write fails half-way and leaves sled's temporary file behind, which
//! sled then reads as its newest snapshot on every later opening and reports
//! as corruption, though the log is intact.

use std::path::Path;

use super::StoreError;

/// The room a store needs to be opened, besides a new copy of its snapshot:
/// two of sled's log segments (512 KiB each, its default, which vigie keeps)
/// for the segment a write may start and the one it may finish, and 1 MiB
/// for the schema line, the flushes and sled's own bookkeeping. Below this,
/// a command would be likely to fill the disk half-way; it is refused before
/// it starts, with the disk-full message.
pub(super) const MARGIN_BYTES: u64 = 2 * 1024 * 1024;

/// The suffix of sled's temporary snapshot file. sled 0.34.7 writes a
/// snapshot to `snap.<lsn>.generating`, syncs it, and only then renames it
/// to `snap.<lsn>` (`write_snapshot` in sled-0.34.7/src/pagecache/snapshot.rs);
/// the rename is the moment the snapshot counts, and the previous snapshot
/// is deleted only after it. But `read_snapshot` there takes the last name
/// in sorted order among all `snap.*` files, `.generating` included, and a
/// file of 12 bytes or less, or with a wrong checksum, is `Corruption`.
const GENERATING: &str = ".generating";

/// Removes every snapshot sled started and did not finish, and says how
/// many. This is always safe: a `.generating` file was never renamed, so
/// the snapshot it would have replaced (or, before the first one, none) is
/// still there, and sled rebuilds the same snapshot from that one and the
/// log, which it does at every opening anyway (sled 0.34 writes snapshots
/// only there: `advance_snapshot`, called by `read_snapshot_or_default`
/// while opening, is `write_snapshot`'s one caller). Nothing of the store is
/// in such a file that is not in the log. Under the data directory's lock,
/// no other vigie is opening the store, so none is being written.
pub(super) fn clear_incomplete_snapshots(store: &Path) -> Result<usize, StoreError> {
    let entries = match std::fs::read_dir(store) {
        Ok(entries) => entries,
        // A new store: sled creates the folder.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(StoreError::Io {
                what: "cannot read the folder",
                path: store.to_owned(),
                source,
            })
        }
    };
    let mut cleared = 0;
    for path in entries.flatten().map(|e| e.path()) {
        if !is_incomplete_snapshot(&path) {
            continue;
        }
        std::fs::remove_file(&path).map_err(|source| StoreError::Io {
            what: "cannot remove sled's incomplete snapshot",
            path: path.clone(),
            source,
        })?;
        tracing::warn!(
            file = %path.display(),
            "removed an incomplete snapshot left by an earlier run (a full disk?); the store is rebuilt from its log"
        );
        cleared += 1;
    }
    Ok(cleared)
}

/// Whether `path` is sled's temporary snapshot file: `snap.<lsn>.generating`.
fn is_incomplete_snapshot(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("snap.") && n.ends_with(GENERATING))
}

/// Refuses to open the store when its disk has less free room than
/// [`MARGIN_BYTES`] plus the size of its current snapshot (sled writes a
/// new one, about as large, at opening). Free room is what an unprivileged
/// process may use (`f_bavail`). When the file system does not say (the
/// call fails, or it reports no blocks at all, as some network and FUSE
/// file systems do), vigie goes on: a full disk is still named if sled hits
/// it.
pub(super) fn check_free_space(data_dir: &Path, store: &Path) -> Result<(), StoreError> {
    let Ok(st) = rustix::fs::statvfs(data_dir) else {
        return Ok(());
    };
    if st.f_blocks == 0 {
        return Ok(());
    }
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let needed = MARGIN_BYTES.saturating_add(snapshot_bytes(store));
    if free < needed {
        tracing::warn!(free, needed, "too little room on the store's disk");
        return Err(StoreError::Full {
            path: store.to_owned(),
        });
    }
    Ok(())
}

/// The size of the store's largest snapshot file, 0 for a new store.
fn snapshot_bytes(store: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(store) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("snap."))
        })
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(0)
}

/// The store's folder in the data directory.
pub(super) const STORE: &str = "store";
/// Where `restore --force` writes the new store, beside the old one.
pub(super) const RESTORING: &str = "store.restoring";
/// Where the old store waits while the restored one takes its place.
pub(super) const REPLACED: &str = "store.replaced";

/// Removes a store folder vigie made aside (`store.restoring`,
/// `store.replaced`), if it is there.
pub(super) fn remove_store_dir(dir: &Path) -> Result<(), StoreError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
            what: "cannot remove the folder",
            path: dir.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Puts the restored store (complete, flushed and closed) in the place of
/// the old one: the old one is renamed aside, the new one renamed into
/// place, and only then is the old one removed. Each rename is atomic; what
/// a crash between them leaves, [`finish_interrupted_restore`] completes or
/// undoes.
pub(super) fn swap_in(data_dir: &Path) -> Result<(), StoreError> {
    let rename = |from: &str, to: &str| {
        std::fs::rename(data_dir.join(from), data_dir.join(to)).map_err(|source| StoreError::Io {
            what: "cannot rename the store folder",
            path: data_dir.join(from),
            source,
        })
    };
    remove_store_dir(&data_dir.join(REPLACED))?;
    rename(STORE, REPLACED)?;
    if let Err(e) = rename(RESTORING, STORE) {
        // Put the old store back: the restore did not happen.
        let _ = rename(REPLACED, STORE);
        return Err(e);
    }
    sync_dir(data_dir);
    remove_store_dir(&data_dir.join(REPLACED))
}

/// Makes the renames in `dir` durable; a file system that cannot sync a
/// folder still renamed atomically, so a failure is only logged.
fn sync_dir(dir: &Path) {
    if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(dir = %dir.display(), "cannot sync the folder: {e}");
    }
}

/// Puts right what a `restore --force` killed half-way left, under the
/// data directory's lock, before the store is opened:
/// - `store.restoring` beside `store`: the new store was never swapped in
///   and may be incomplete; it is removed, the old store stays.
/// - `store.replaced` and no `store`: killed between the two renames; the
///   old store is put back (the restore did not complete, and said so).
/// - `store.replaced` beside `store`: the swap was done; the old store is
///   removed.
pub(super) fn finish_interrupted_restore(data_dir: &Path) -> Result<(), StoreError> {
    let store = data_dir.join(STORE);
    let replaced = data_dir.join(REPLACED);
    if replaced.is_dir() {
        if store.exists() {
            remove_store_dir(&replaced)?;
        } else {
            std::fs::rename(&replaced, &store).map_err(|source| StoreError::Io {
                what: "cannot put back the store an interrupted restore moved aside",
                path: replaced.clone(),
                source,
            })?;
            tracing::warn!("an interrupted restore was undone: the store is the one before it");
        }
    }
    remove_store_dir(&data_dir.join(RESTORING))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store folder's snapshot files, for the tests.
    fn snapshot_files(store: &Path) -> Vec<std::path::PathBuf> {
        let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(store)
            .map(|es| es.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.retain(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snap."))
        });
        v.sort();
        v
    }

    #[test]
    fn an_interrupted_restore_leaves_one_whole_store() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mark = |sub: &str, what: &str| {
            std::fs::create_dir_all(d.join(sub)).unwrap();
            std::fs::write(d.join(sub).join("db"), what).unwrap();
        };
        let db = || std::fs::read_to_string(d.join(STORE).join("db")).unwrap();
        let only_store = || {
            let mut names: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        // Killed while writing the new store: the old one stays.
        mark(STORE, "old");
        mark(RESTORING, "half");
        finish_interrupted_restore(d).unwrap();
        assert_eq!((db(), only_store()), ("old".into(), vec![STORE.to_owned()]));
        // Killed between the renames: the old one is put back.
        std::fs::rename(d.join(STORE), d.join(REPLACED)).unwrap();
        mark(RESTORING, "new");
        finish_interrupted_restore(d).unwrap();
        assert_eq!((db(), only_store()), ("old".into(), vec![STORE.to_owned()]));
        // Killed after the swap: the new one stays, the old one goes.
        std::fs::rename(d.join(STORE), d.join(REPLACED)).unwrap();
        mark(STORE, "new");
        finish_interrupted_restore(d).unwrap();
        assert_eq!((db(), only_store()), ("new".into(), vec![STORE.to_owned()]));
        // A whole swap.
        mark(RESTORING, "newer");
        swap_in(d).unwrap();
        assert_eq!(
            (db(), only_store()),
            ("newer".into(), vec![STORE.to_owned()])
        );
    }

    #[test]
    fn only_sled_temporary_snapshots_are_incomplete() {
        for (name, incomplete) in [
            ("snap.00000000000A1B2C.generating", true),
            ("snap.00000000000A1B2C", false),
            ("db", false),
            ("conf", false),
            ("blobs", false),
            ("snap.00000000000A1B2C.in___motion", false),
            ("notsnap.generating", false),
        ] {
            assert_eq!(
                is_incomplete_snapshot(Path::new(name)),
                incomplete,
                "{name}"
            );
        }
    }

    #[test]
    fn clearing_keeps_the_finished_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("snap.0000000000000010"), b"done").unwrap();
        std::fs::write(dir.path().join("snap.0000000000000020.generating"), b"").unwrap();
        std::fs::write(dir.path().join("db"), b"log").unwrap();
        assert_eq!(clear_incomplete_snapshots(dir.path()).unwrap(), 1);
        assert_eq!(
            snapshot_files(dir.path()),
            vec![dir.path().join("snap.0000000000000010")]
        );
        assert!(dir.path().join("db").exists());
        assert_eq!(
            clear_incomplete_snapshots(&dir.path().join("none")).unwrap(),
            0
        );
    }
}
