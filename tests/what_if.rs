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
