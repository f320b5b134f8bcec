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

fn cert(desk: &str, der: &[u8], not_after: &str) -> CertRecord {
    let at = crate::clock::parse_instant(not_after).unwrap();
    CertRecord {
        sha256: Sha256::of(der),
        desk: DeskId::parse(desk).unwrap(),
        subject: "CN=x".into(),
        issuer: "CN=ca".into(),
        serial: "01".into(),
        not_before: at - chrono::TimeDelta::days(700),
        not_after: at,
        der: der.to_vec(),
        original: der.to_vec(),
        source: "x.cer".into(),
        chain: vec![],
        ingested_at: at - chrono::TimeDelta::days(700),
        ingested_by: "test".into(),
        warnings: vec![],
    }
}

#[test]
fn current_certificate_summary_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let old = cert("732829320-00001", b"old", "2027-01-01T00:00:00Z");
    let new = cert("732829320-00001", b"new", "2029-01-01T00:00:00Z");
    store
        .write(|tx| {
            tx.put_cert(&new)?;
            tx.put_cert(&old)?;
            tx.set_current(&new.desk, &new.sha256)
        })
        .unwrap();
    let all = store.current_summaries().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].1, new.summary());
    assert_eq!(store.current_sha(&new.desk).unwrap(), Some(new.sha256));
    let history: Vec<_> = store
        .history(&new.desk)
        .unwrap()
        .into_iter()
        .map(|c| c.sha256)
        .collect();
    assert_eq!(history, [old.sha256, new.sha256]);
    // A certificate that is not stored cannot become current.
    let err = store.write(|tx| tx.set_current(&new.desk, &Sha256::of(b"missing")));
    assert!(err.is_err());
    assert_eq!(store.current_sha(&new.desk).unwrap(), Some(new.sha256));
}

#[test]
fn reopening_at_once_in_the_same_process_never_fails() {
    // The service opens the store for every job and for metrics, from
    // different threads; sled lets go of its own file lock a moment after a
    // drop, while our lock is already free.
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let path = dir.path().to_owned();
            std::thread::spawn(move || {
                for i in 0..40 {
                    let store = Store::open(&path, Duration::from_secs(10))
                        .unwrap_or_else(|e| panic!("thread {t}, open {i}: {e}"));
                    store
                        .write(|tx| tx.put_desk(&desk("732829320-00001")))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
