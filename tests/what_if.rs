//! Safe what-if (DESIGN §13, issue 14 "Not sending by accident"): `--now`
//! sends nothing unless `VIGIE_NOW_SENDS=1`, and a dry run tells exactly what
//! the real run would send.

use chrono::{DateTime, Utc};
use vigie::desk::{Desk, DeskId, Email, Lang, Mode};
use vigie::fingerprint::Sha256;

use crate::smtp::SmtpServer;
use crate::support::{code, seed, stderr, Case, NOW_SENDS};

fn at(s: &str) -> DateTime<Utc> {
    vigie::clock::parse_instant(s).unwrap()
}

fn desk_id(n: u32) -> DeskId {
    DeskId::parse(&format!("732829320-{n:05}")).unwrap()
}

fn config(port: u16) -> String {
    format!(
        "[manager]\nname = \"Gestion territoriale\"\nemail = \"gestion@example.org\"\nteam = [\"equipe@example.org\"]\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"vigie@example.org\"\ntimeout_secs = 5\n"
    )
}

/// Desk 1 with a certificate ending at `not_after` and a push job due at
/// `pushed_at`.
fn seed_desk(case: &Case, not_after: &str, pushed_at: &str) {
    let store = case.store();
    let id = desk_id(1);
    let der = format!("{id}{not_after}").into_bytes();
    store
        .write(|tx| {
            seed::desk_with_pending_push(tx, &id, "Guichet 1", &der, at(pushed_at))?;
            tx.put_desk(&Desk {
                id: id.clone(),
                name: "Office public de l'habitat".into(),
                emails: vec![Email::parse("guichet1@example.org").unwrap()],
                department: None,
                mode: Mode::Both,
                lang: Lang::Fr,
                thresholds: None,
                suspended: false,
                settings: Default::default(),
            })?;
            let c = seed::cert_record(&id, &der, at(not_after));
            tx.put_cert(&c)?;
            tx.set_current(&id, &Sha256::of(&der))
        })
        .unwrap();
}

fn alerts(case: &Case) -> Vec<serde_json::Value> {
    case.json(&["alerts", "list", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn national_files(case: &Case) -> usize {
    std::fs::read_dir(case.data().join("national"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".pem"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn now_without_the_test_variable_sends_nothing_and_records_nothing() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed_desk(&case, "2027-06-30T10:00:00Z", "2027-06-01T00:00:00Z");
    let now = "2027-06-18T07:00:00Z";

    // 12 days left: a reminder is due, and the push is due.
    let out = case
        .cmd()
        .env_remove(NOW_SENDS)
        .args(["alerts", "run", "--now", now])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("what-if").count(), 1, "said once: {err}");
    assert!(err.contains("VIGIE_NOW_SENDS"), "{err}");
    assert!(err.contains("due: threshold 732829320-00001 15"), "{err}");
    assert_eq!(server.connections(), 0, "no SMTP connection");
    assert!(alerts(&case).is_empty(), "nothing recorded");

    let out = case
        .cmd()
        .env_remove(NOW_SENDS)
        .args(["alerts", "digest", "--now", now])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(server.connections(), 0, "no digest either");
    assert!(alerts(&case).is_empty());

    let out = case
        .cmd()
        .env_remove(NOW_SENDS)
        .args(["push", "run", "--now", now])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("1 push(es) due"), "{}", stderr(&out));
    assert_eq!(national_files(&case), 0, "nothing pushed");
    let jobs = case.json(&["push", "status", "--json"]);
    assert_eq!(jobs[0]["state"], "pending");
    assert_eq!(jobs[0]["attempts"], 0, "no attempt booked: {jobs}");

    // The same commands with the test variable (what every other test
    // does through `Case::cmd`) do send.
    case.ok(&["alerts", "run", "--now", now]);
    assert_eq!(server.messages().len(), 1);
    assert_eq!(alerts(&case)[0]["state"], "sent");
    case.ok(&["push", "run", "--now", now]);
    assert_eq!(national_files(&case), 1);
    server.stop();
}

/// A pending message written as intake or push write them: no recipients
/// and no Message-ID yet.
fn pending(case: &Case, subject: vigie::alerts::AlertSubject) {
    let mut rec = vigie::alerts::AlertRecord::pending(subject, at("2027-06-17T10:00:00Z"));
    // What intake writes with a refusal.
    for (k, v) in [
        ("file", "guichet.cer"),
        ("code", "expired"),
        ("reason_fr", "le certificat a expiré"),
        ("reason_en", "the certificate has expired"),
    ] {
        rec.details.insert(k.to_owned(), v.to_owned());
    }
    case.store().write(|tx| tx.put_alert(&rec)).unwrap();
}

#[test]
fn a_dry_run_lists_exactly_what_the_run_sends_pending_messages_included() {
    use vigie::alerts::AlertSubject;
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed_desk(&case, "2027-06-30T10:00:00Z", "2027-06-01T00:00:00Z");
    let id = desk_id(1);
    let current = case.store().current_sha(&id).unwrap().unwrap();
    let other = Sha256::of(b"a certificate replaced since");
    pending(
        &case,
        AlertSubject::Refusal {
            desk: id.clone(),
            cert: None,
            file: Sha256::of(b"a refused file"),
        },
    );
    pending(
        &case,
        AlertSubject::Confirmation {
            desk: id.clone(),
            cert: current,
        },
    );
    // About a certificate that is no longer current: dropped, not sent.
    pending(
        &case,
        AlertSubject::Threshold {
            desk: id.clone(),
            cert: other,
            days: 30,
        },
    );
    let now = "2027-06-18T07:00:00Z";
    let out = case.run(&["alerts", "run", "--dry-run", "--now", now]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    for line in [
        "due: threshold 732829320-00001 15 to guichet1@example.org, equipe@example.org",
        "pending: refusal 732829320-00001  to guichet1@example.org",
        "pending: confirmation 732829320-00001  to guichet1@example.org",
        "dropped: threshold 732829320-00001: superseded",
        "dry run: 3 message(s) would be sent (1 new, 2 already pending)",
    ] {
        assert!(err.contains(line), "no «{line}» in:\n{err}");
    }
    assert_eq!(server.connections(), 0);
    assert_eq!(alerts(&case).len(), 3, "nothing recorded by the dry run");

    // The real run sends exactly those three.
    case.ok(&["alerts", "run", "--now", now]);
    let mut kinds: Vec<String> = alerts(&case)
        .iter()
        .filter(|a| a["state"] == "sent")
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["confirmation", "refusal", "threshold"]);
    assert_eq!(server.messages().len(), 3);
    server.stop();
}

#[test]
fn a_clock_earlier_than_the_last_run_sends_no_stale_notice() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed_desk(&case, "2027-06-30T10:00:00Z", "2027-06-01T00:00:00Z");
    // 12 days left: the 15-day reminder.
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    case.ok(&["alerts", "digest", "--now", "2027-06-18T07:00:00Z"]);
    let sent = server.messages().len();
    let recorded = alerts(&case).len();
    // The clock goes back 17 days: 29 days left would make a 30-day
    // reminder due, long after the 15-day one went out.
    let out = case.run(&["alerts", "run", "--now", "2027-06-01T07:00:00Z"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("earlier than the last alerts run (2027-06-18T07:00:00Z)"),
        "{}",
        stderr(&out)
    );
    let out = case.run(&["alerts", "digest", "--now", "2027-06-17T07:00:00Z"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(server.messages().len(), sent, "nothing sent");
    assert_eq!(alerts(&case).len(), recorded, "nothing recorded");
    // A dry run at that instant says why the real one would refuse.
    let out = case.run(&[
        "alerts",
        "run",
        "--dry-run",
        "--now",
        "2027-06-01T07:00:00Z",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a real run now would send nothing"),
        "{}",
        stderr(&out)
    );
    // Time moving on is fine.
    case.ok(&["alerts", "run", "--now", "2027-06-25T07:00:00Z"]);
    server.stop();
}
