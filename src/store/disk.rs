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
