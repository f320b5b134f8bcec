use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::model::{AuditEntry, CertRecord, Desk, DeskId, Lang, Mode, PushJob, Sha256};

fn desk(id: &str) -> Desk {
    Desk {
        id: DeskId::parse(id).unwrap(),
        name: format!("Guichet {id}"),
        emails: vec![crate::model::Email::parse("g@example.org").unwrap()],
        department: None,
        mode: Mode::Async,
        lang: Lang::Fr,
        thresholds: None,
        suspended: false,
        settings: Default::default(),
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

fn job(c: &CertRecord, state: crate::model::PushState) -> PushJob {
    PushJob {
        desk: c.desk.clone(),
        sha256: c.sha256,
        destination: "directory:/tmp".into(),
        state,
        attempts: 0,
        next_attempt: None,
        last_error: None,
        created_at: c.ingested_at,
        done_at: None,
    }
}

#[test]
fn the_roster_joins_desks_summaries_and_the_current_push() {
    use crate::model::PushState;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let (a, b, c, gone) = (
        "732829320-00001",
        "732829320-00002",
        "732829320-00003",
        "732829320-00009",
    );
    let a_old = cert(a, b"a-old", "2027-01-01T00:00:00Z");
    let a_new = cert(a, b"a-new", "2029-01-01T00:00:00Z");
    let c_old = cert(c, b"c-old", "2027-01-01T00:00:00Z");
    let c_new = cert(c, b"c-new", "2029-01-01T00:00:00Z");
    let g = cert(gone, b"gone", "2029-01-01T00:00:00Z");
    store
        .write(|tx| {
            for d in [a, b, c] {
                tx.put_desk(&desk(d))?;
            }
            for rec in [&a_old, &c_old, &c_new, &g] {
                tx.put_cert(rec)?;
            }
            tx.put_current_cert(&a_new)?;
            tx.set_current(&c_new.desk, &c_new.sha256)?;
            // A desk removed from the inventory keeps its records; it is
            // not on the roster.
            tx.set_current(&g.desk, &g.sha256)?;
            tx.put_push_job(&job(&a_old, PushState::Superseded))?;
            tx.put_push_job(&job(&a_new, PushState::Pending))?;
            // Only an older certificate of c was pushed.
            tx.put_push_job(&job(&c_old, PushState::Done))?;
            tx.put_push_job(&job(&g, PushState::Failed))
        })
        .unwrap();
    let mut seen = Vec::new();
    store
        .roster(|e| {
            seen.push((
                e.desk.id.to_string(),
                e.cert.as_ref().map(|c| c.sha256),
                e.cert.and_then(|c| c.push),
            ));
            Ok::<(), StoreError>(())
        })
        .unwrap();
    assert_eq!(
        seen,
        [
            (a.to_owned(), Some(a_new.sha256), Some(PushState::Pending)),
            (b.to_owned(), None, None),
            (c.to_owned(), Some(c_new.sha256), None),
        ]
    );
    // The push goes on: the summary follows its job.
    store
        .write(|tx| {
            let mut done = job(&a_new, PushState::Done);
            done.done_at = Some(done.created_at);
            tx.put_push_job(&done)
        })
        .unwrap();
    let a_id = DeskId::parse(a).unwrap();
    let push_of = |d: &DeskId| store.current_summary(d).unwrap().and_then(|s| s.push);
    assert_eq!(push_of(&a_id), Some(PushState::Done));
    // A job written before its certificate becomes current (as intake
    // does) is in the summary from its first write.
    let a_next = cert(a, b"a-next", "2031-01-01T00:00:00Z");
    store
        .write(|tx| {
            tx.put_push_job(&job(&a_next, PushState::Pending))?;
            tx.put_current_cert(&a_next)
        })
        .unwrap();
    assert_eq!(push_of(&a_id), Some(PushState::Pending));
    // The callback's error stops the pass and comes back as it is.
    let mut calls = 0;
    let r = store.roster(|_| {
        calls += 1;
        Err(StoreError::Conflict("enough".into()))
    });
    assert!(matches!(r, Err(StoreError::Conflict(_))));
    assert_eq!(calls, 1);
}

#[test]
fn the_audit_log_of_one_desk_skips_lines_that_only_mention_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let (a, b) = (
        DeskId::parse("732829320-00001").unwrap(),
        DeskId::parse("732829320-00002").unwrap(),
    );
    let at = crate::clock::parse_instant("2027-01-01T00:00:00Z").unwrap();
    store
        .write(|tx| {
            tx.audit(&AuditEntry::new(at, "t", "desk.add").desk(&a))?;
            tx.audit(
                &AuditEntry::new(at, "t", "desk.add")
                    .desk(&b)
                    .detail(format!("\"desk\":\"{a}\"")),
            )?;
            tx.audit(&AuditEntry::new(at, "t", "init"))?;
            tx.audit(&AuditEntry::new(at, "t", "desk.remove").desk(&a))
        })
        .unwrap();
    let actions = |d: Option<&DeskId>| -> Vec<String> {
        store
            .audit(d)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    assert_eq!(actions(Some(&a)), ["desk.add", "desk.remove"]);
    assert_eq!(actions(Some(&b)), ["desk.add"]);
    assert_eq!(actions(None).len(), 4);
}

/// Alert subjects named "a" and "b" (threshold alerts of `desk`, in key
/// order) and "c" and "d" (digests, in key order), for tests that follow
/// records through the store's queries by name.
fn alert_names(desk: &DeskId) -> BTreeMap<&'static str, crate::model::AlertSubject> {
    use crate::model::AlertSubject;
    let threshold = |days| AlertSubject::Threshold {
        desk: desk.clone(),
        cert: Sha256::of(b"a certificate"),
        days,
    };
    let digest = |day| AlertSubject::Digest {
        date: chrono::NaiveDate::from_ymd_opt(2027, 1, day).unwrap(),
    };
    BTreeMap::from([
        ("a", threshold(1)),
        ("b", threshold(2)),
        ("c", digest(3)),
        ("d", digest(4)),
    ])
}

/// The name `names` gives the subject of `rec`.
fn name_of(
    names: &BTreeMap<&str, crate::model::AlertSubject>,
    rec: &crate::model::AlertRecord,
) -> String {
    let found = names.iter().find(|(_, s)| **s == rec.subject);
    found.map(|(n, _)| n.to_string()).unwrap()
}

#[test]
fn alert_and_audit_queries_skip_records_without_decoding_them_wrongly() {
    use crate::model::{AlertKind, AlertRecord, AlertState};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let at = crate::clock::parse_instant("2027-01-01T00:00:00Z").unwrap();
    let d = DeskId::parse("732829320-00001").unwrap();
    // Records "a" and "b" are threshold alerts, "c" and "d" digests, each
    // with a subject of its own; `slots` names them back.
    let names = alert_names(&d);
    let rec = |name: &str, state, error: Option<&str>| AlertRecord {
        state,
        // An error that quotes another state must not fool the query.
        error: error.map(str::to_owned),
        ..AlertRecord::pending(names[name].clone(), at)
    };
    store
        .write(|tx| {
            tx.put_alert(&rec("a", AlertState::Pending, None))?;
            tx.put_alert(&rec("b", AlertState::Sent, Some(r#""state":"pending""#)))?;
            tx.put_alert(&rec("c", AlertState::Failed, None))?;
            tx.put_alert(&rec("d", AlertState::Pending, None))?;
            tx.audit(&AuditEntry::new(at, "t", "cert.ingest").outcome("refused"))?;
            tx.audit(&AuditEntry::new(at, "t", "cert.ingest"))?;
            tx.audit(&AuditEntry::new(at, "t", "push.run").outcome("refused"))
        })
        .unwrap();
    let slots = |recs: Vec<AlertRecord>| -> Vec<String> {
        recs.into_iter().map(|r| name_of(&names, &r)).collect()
    };
    assert_eq!(
        slots(store.alerts_in(AlertState::Pending).unwrap()),
        ["d", "a"]
    );
    assert_eq!(slots(store.alerts_in(AlertState::Sent).unwrap()), ["b"]);
    assert_eq!(
        slots(store.alerts_of(AlertKind::Digest).unwrap()),
        ["c", "d"]
    );
    let refused = store.audit_of("cert.ingest", "refused").unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].outcome, "refused");
    // Both outcomes of one action in one read, in the log's order; another
    // action's line with the same outcome is not one of them.
    let both = store
        .audit_of_any("cert.ingest", &["ok", "refused"])
        .unwrap();
    let outcomes: Vec<&str> = both.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["refused", "ok"]);
    assert!(store
        .audit_of_any("cert.ingest", &["failed"])
        .unwrap()
        .is_empty());
}

#[test]
fn superseded_alerts_are_stored_as_failed_and_queried_apart() {
    use crate::model::{AlertRecord, AlertState, SUPERSEDED};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let at = crate::clock::parse_instant("2027-01-01T00:00:00Z").unwrap();
    // "s" and "f" are threshold alerts, named back by `slots`.
    let names = alert_names(&DeskId::parse("732829320-00001").unwrap());
    let (s, f) = (names["a"].clone(), names["b"].clone());
    let names = BTreeMap::from([("s", s), ("f", f)]);
    let rec = |name: &str, state| AlertRecord {
        state,
        ..AlertRecord::pending(names[name].clone(), at)
    };
    let mut superseded = rec("s", AlertState::Pending);
    superseded.supersede();
    store
        .write(|tx| {
            tx.put_alert(&rec("f", AlertState::Failed))?;
            tx.put_alert(&superseded)
        })
        .unwrap();
    let raw = store.t.alerts.get(alert_key(&superseded)).unwrap().unwrap();
    let text = String::from_utf8_lossy(&raw[1..]);
    assert!(text.contains(r#""state":"failed""#), "{text}");
    assert!(text.contains(SUPERSEDED), "{text}");
    let slots = |state| -> Vec<String> {
        let recs = store.alerts_in(state).unwrap();
        recs.into_iter().map(|r| name_of(&names, &r)).collect()
    };
    assert_eq!(slots(AlertState::Failed), ["f"]);
    assert_eq!(slots(AlertState::Superseded), ["s"]);
    // Read one at a time, the log gives the same records in the same order.
    let mut each = Vec::new();
    store
        .alerts_each(|r| {
            each.push(r);
            Ok::<(), StoreError>(())
        })
        .unwrap();
    assert_eq!(each, store.alerts().unwrap());
    assert_eq!(each.len(), 2);
}

#[test]
fn an_alert_record_that_fits_no_subject_is_a_decode_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    // A threshold alert with neither desk nor certificate: no release wrote
    // one, so it was damaged or edited by hand.
    let key = b"threshold|-|-|s";
    let value = concat!(
        r#"{"desk":null,"sha256":null,"kind":"threshold","threshold_days":null,"#,
        r#""slot":"s","state":"pending","message_id":null,"recipients":[],"#,
        r#""created_at":"2027-01-01T00:00:00Z","sent_at":null,"attempts":0,"error":null}"#
    );
    let mut bytes = vec![codec::VALUE_VERSION];
    bytes.extend_from_slice(value.as_bytes());
    store.t.alerts.insert(key, bytes).unwrap();
    for err in [
        store.alerts().unwrap_err(),
        store.alert(key).unwrap_err(),
        store
            .alerts_in(crate::model::AlertState::Pending)
            .unwrap_err(),
        store.alerts_each(|_| Ok::<(), StoreError>(())).unwrap_err(),
    ] {
        let StoreError::Decode { tree, key, reason } = &err else {
            panic!("{err:?}");
        };
        assert_eq!((tree.as_str(), key.as_str()), ("alerts", "threshold|-|-|s"));
        assert!(reason.contains("«threshold» alert"), "{reason}");
        assert!(err.to_string().contains("vigie restore"), "{err}");
    }
}

#[test]
fn a_schema_1_store_is_upgraded_on_opening() {
    use crate::model::PushState;
    let dir = tempfile::tempdir().unwrap();
    let a = cert("732829320-00001", b"a", "2029-01-01T00:00:00Z");
    let b = cert("732829320-00002", b"b", "2029-01-01T00:00:00Z");
    {
        let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
        store
            .write(|tx| {
                tx.put_current_cert(&a)?;
                tx.put_current_cert(&b)?;
                tx.put_push_job(&job(&a, PushState::Failed))?;
                // As release 1 wrote them: summaries without a push state.
                tx.put_summary_as_is(&a.desk, &a.summary())?;
                tx.put_summary_as_is(&b.desk, &b.summary())
            })
            .unwrap();
        store
            .t
            .meta
            .insert("schema_version", &1u32.to_be_bytes())
            .unwrap();
    }
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let push_of = |d: &DeskId| store.current_summary(d).unwrap().and_then(|s| s.push);
    assert_eq!(push_of(&a.desk), Some(PushState::Failed));
    assert_eq!(push_of(&b.desk), None);
    let version = store.t.meta.get("schema_version").unwrap().unwrap();
    assert_eq!(version.as_ref(), SCHEMA_VERSION.to_be_bytes());
}

#[test]
fn a_backup_from_schema_1_restores_with_push_states() {
    use crate::model::PushState;
    let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = cert("732829320-00001", b"a", "2029-01-01T00:00:00Z");
    let at = a.ingested_at;
    let mut backup = {
        let store = Store::open(from.path(), Duration::from_secs(1)).unwrap();
        store
            .write(|tx| {
                tx.put_push_job(&job(&a, PushState::Done))?;
                tx.put_current_cert(&a)
            })
            .unwrap();
        store.export(at).unwrap()
    };
    // What release 1 exported: no push state in the summaries.
    backup.schema_version = 1;
    for e in backup.trees.get_mut(trees::CURRENT).unwrap() {
        assert!(e.value.as_object_mut().unwrap().remove("push").is_some());
    }
    let store = Store::open(to.path(), Duration::from_secs(1)).unwrap();
    store.restore(&backup, false).unwrap();
    let summary = store.current_summary(&a.desk).unwrap().unwrap();
    assert_eq!(summary.push, Some(PushState::Done));
}

#[test]
fn the_audit_log_streams_in_order_and_an_early_stop_ends_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Duration::from_secs(1)).unwrap();
    let at = crate::clock::parse_instant("2027-01-01T00:00:00Z").unwrap();
    // More lines than the reader's batches and channel hold together, so
    // that the reader is blocked on a full channel when the caller stops.
    let n = 5_000;
    store
        .write(|tx| {
            for i in 0..n {
                tx.audit(&AuditEntry::new(at, "t", "desk.add").detail(i.to_string()))?;
            }
            Ok(())
        })
        .unwrap();
    let mut seen = Vec::new();
    store
        .audit_each(|e| {
            seen.push(e.detail);
            Ok::<(), StoreError>(())
        })
        .unwrap();
    let expected: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    assert_eq!(seen, expected);
    let mut calls = 0;
    let stopped = store.audit_each(|_| {
        calls += 1;
        if calls == 10 {
            Err(StoreError::Conflict("enough".into()))
        } else {
            Ok(())
        }
    });
    assert!(matches!(stopped, Err(StoreError::Conflict(_))));
    assert_eq!(calls, 10);
}
