use std::time::Duration;

use super::*;
use crate::desk::{Lang, Mode};

fn desk(id: &str) -> Desk {
    Desk {
        id: DeskId::parse(id).unwrap(),
        name: format!("Guichet {id}"),
        emails: vec![crate::desk::Email::parse("g@example.org").unwrap()],
        department: None,
        mode: Mode::Async,
        lang: Lang::Fr,
        thresholds: None,
    }
}

#[test]
fn desks_round_trip_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
        assert!(store.is_empty());
        store
            .write(|tx| {
                tx.put_desk(&desk("732829320-00002"))?;
                tx.put_desk(&desk("732829320-00001"))
            })
            .unwrap();
    }
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let ids: Vec<String> = store
        .desks()
        .unwrap()
        .iter()
        .map(|d| d.id.to_string())
        .collect();
    assert_eq!(ids, ["732829320-00001", "732829320-00002"]);
    assert!(!store.is_empty());
}

#[test]
fn an_aborted_write_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let r: Result<(), _> = store.write(|tx| {
        tx.put_desk(&desk("732829320-00001"))?;
        Err(StoreError::Conflict("stop".into()))
    });
    assert!(r.is_err());
    assert_eq!(store.desk_count(), 0);
}

#[test]
fn a_second_opener_waits_then_reports_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let err = Store::open(dir.path(), Duration::from_millis(100))
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(msg.contains(&std::process::id().to_string()), "{msg}");
}

#[test]
fn an_undecodable_value_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    store
        .write(|tx| tx.put_raw(trees::DESKS, b"732829320-00001", &[7, 1, 2]))
        .unwrap();
    let err = store.desks().unwrap_err().to_string();
    assert!(
        err.contains("desks") && err.contains("vigie restore"),
        "{err}"
    );
}

#[test]
fn files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::open(&data, Duration::from_secs(1)).unwrap();
    let mode = std::fs::metadata(&data).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "data dir mode {mode:o}");
    for e in std::fs::read_dir(store.path()).unwrap().flatten() {
        let mode = e.metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} mode {mode:o}", e.path().display());
    }
}
