//! Alerts through the real binary and a real SMTP server on loopback.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use vigie::alerts::{AlertRecord, AlertSubject};
use vigie::cert::CertRecord;
use vigie::desk::{Desk, DeskId, Email, Lang, Mode};
use vigie::fingerprint::Sha256;

use crate::smtp::{free_port, SmtpServer};
use crate::support::{code, seed, stderr, Case};

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    vigie::clock::parse_instant(s).unwrap()
}

pub(crate) fn desk_id(n: u32) -> DeskId {
    DeskId::parse(&format!("732829320-{n:05}")).unwrap()
}

pub(crate) fn email(n: u32) -> String {
    format!("guichet{n}@example.org")
}

pub(crate) fn config(port: u16) -> String {
    format!(
        "[manager]\nname = \"Gestion territoriale\"\nemail = \"gestion@example.org\"\nteam = [\"equipe@example.org\"]\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"vigie@example.org\"\ntimeout_secs = 5\n"
    )
}

/// A desk to seed: number, addresses, end of its current certificate.
pub(crate) struct Seed {
    pub(crate) n: u32,
    pub(crate) emails: Vec<String>,
    pub(crate) name: String,
    pub(crate) not_after: Option<DateTime<Utc>>,
}

pub(crate) fn seed_desk(n: u32, not_after: &str) -> Seed {
    Seed {
        n,
        emails: vec![email(n)],
        name: format!("Office public de l'habitat n°{n}"),
        not_after: Some(at(not_after)),
    }
}

pub(crate) fn cert_for(id: &DeskId, not_after: DateTime<Utc>) -> CertRecord {
    CertRecord {
        sha256: Sha256::of(format!("{id}{not_after}").as_bytes()),
        subject: format!("CN=Guichet {id}, O=Office public de l'habitat, C=FR"),
        issuer: "CN=Exemple AC Entreprises, O=Exemple Certification, C=FR".into(),
        serial: "0a1b2c".into(),
        source: "guichet.cer".into(),
        ..seed::cert_record(id, &[1, 2, 3], not_after)
    }
}

/// Seeds the store through the library (intake is built elsewhere).
pub(crate) fn seed(case: &Case, seeds: &[Seed]) {
    let store = case.store();
    store
        .write(|tx| {
            for s in seeds {
                let id = desk_id(s.n);
                tx.put_desk(&Desk {
                    id: id.clone(),
                    name: s.name.clone(),
                    emails: s.emails.iter().map(|e| Email::parse(e).unwrap()).collect(),
                    department: None,
                    mode: Mode::Both,
                    lang: Lang::Fr,
                    thresholds: None,
                    suspended: false,
                    settings: Default::default(),
                })?;
                if let Some(na) = s.not_after {
                    let c = cert_for(&id, na);
                    tx.put_cert(&c)?;
                    tx.set_current(&id, &c.sha256)?;
                }
            }
            Ok(())
        })
        .unwrap();
}

pub(crate) fn list(case: &Case) -> Vec<serde_json::Value> {
    case.json(&["alerts", "list", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_french_alert_arrives_over_smtp_with_everything_it_must_say() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    // 12 days left: threshold 15, the team is copied.
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.from, "vigie@example.org");
    assert_eq!(m.rcpt, [email(1), "equipe@example.org".to_owned()]);
    let subject = m.header("Subject").unwrap();
    assert!(subject.contains("fin de vie"), "{subject}");
    assert!(subject.contains("732829320-00001"), "{subject}");
    assert!(m.header("To").unwrap().contains(&email(1)));
    assert!(m.header("Cc").unwrap().contains("equipe@example.org"));
    assert!(m
        .header("Reply-To")
        .unwrap()
        .contains("gestion@example.org"));
    let text = m.part("text/plain").expect("text part");
    for needle in [
        "30/06/2027",
        "Exemple Certification",
        "0a1b2c",
        "Jours restants      : 12",
        ".cer",
        "N'envoyez jamais la clé privée",
        "gestion@example.org",
        "Office public de l'habitat n°1",
    ] {
        assert!(text.contains(needle), "text lacks {needle}:\n{text}");
    }
    let html = m.part("text/html").expect("html part");
    // minijinja escapes `/` in HTML: 30&#x2f;06&#x2f;2027 reads 30/06/2027.
    assert!(
        html.contains("30&#x2f;06&#x2f;2027") && html.contains("n°1"),
        "{html}"
    );
    assert!(
        html.contains("l&#x27;habitat") || html.contains("l&#39;habitat"),
        "{html}"
    );
    let log = list(&case);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "sent");
    assert_eq!(log[0]["kind"], "threshold");
    assert_eq!(log[0]["threshold_days"], 15);
    assert_eq!(log[0]["sent_at"], "2027-06-18T07:00:00Z");
    assert_eq!(
        m.header("Message-ID").unwrap(),
        log[0]["message_id"].as_str().unwrap()
    );
    let keys: BTreeSet<&str> = log[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "desk",
            "sha256",
            "kind",
            "threshold_days",
            "state",
            "message_id",
            "recipients",
            "sent_at",
            "error",
            "failed_recipients"
        ])
    );
    // The same instant again: nothing more.
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(server.messages().len(), 1);
    server.stop();
}

#[test]
fn server_down_keeps_everything_pending_and_back_delivers_each_once() {
    let port = free_port();
    let case = Case::with_config(&config(port));
    seed(
        &case,
        &[
            seed_desk(1, "2027-06-30T10:00:00Z"),
            seed_desk(2, "2027-07-20T10:00:00Z"),
            seed_desk(3, "2027-05-01T10:00:00Z"),
        ],
    );
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("3 pending"), "{}", stderr(&out));
    let log = list(&case);
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|r| r["state"] == "pending" && r["error"].is_string()),
        "{log:?}"
    );
    let server = SmtpServer::start_on(port, &[]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T08:00:00Z"]);
    assert_eq!(server.messages().len(), 3);
    case.ok(&["alerts", "run", "--now", "2027-06-18T09:00:00Z"]);
    assert_eq!(server.messages().len(), 3);
    let log = list(&case);
    assert!(log
        .iter()
        .all(|r| r["state"] == "sent" && r["error"].is_null()));
    let ids: BTreeSet<String> = server
        .messages()
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    let logged: BTreeSet<String> = log
        .iter()
        .map(|r| r["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, logged);
    server.stop();
}

#[test]
fn a_refused_address_is_reported_and_the_others_go_out() {
    let server = SmtpServer::start_on(0, &["guichet2@"]);
    let case = Case::with_config(&config(server.port()));
    seed(
        &case,
        &[
            seed_desk(1, "2027-07-30T10:00:00Z"),
            seed_desk(2, "2027-07-30T10:00:00Z"),
            seed_desk(3, "2027-07-30T10:00:00Z"),
        ],
    );
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let got: Vec<Vec<String>> = server.messages().into_iter().map(|m| m.rcpt).collect();
    assert_eq!(got, [vec![email(1)], vec![email(3)]]);
    assert_eq!(
        server.connections(),
        1,
        "RSET after the 550 kept the connection"
    );
    let log = list(&case);
    let failed: Vec<&serde_json::Value> = log.iter().filter(|r| r["state"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["desk"], "732829320-00002");
    assert!(
        failed[0]["error"].as_str().unwrap().contains("550"),
        "{:?}",
        failed[0]
    );
    // Failed is final: not retried.
    case.ok(&["alerts", "run", "--now", "2027-06-19T07:00:00Z"]);
    assert_eq!(server.messages().len(), 2);
}

#[test]
fn names_cannot_inject_headers() {
    let server = SmtpServer::start();
    let toml = config(server.port()).replace(
        "name = \"Gestion territoriale\"",
        "name = \"Gestion\\r\\nBcc: evil@example.org\"",
    );
    let case = Case::with_config(&toml);
    let mut s = seed_desk(1, "2027-06-30T10:00:00Z");
    s.name = "Office\r\nBcc: evil@example.org\r\nSubject: spam".into();
    seed(&case, &[s]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let m = &server.messages()[0];
    assert!(!m.rcpt.iter().any(|r| r.contains("evil")), "{:?}", m.rcpt);
    let head = m.data.split("\r\n\r\n").next().unwrap();
    for line in head.split("\r\n") {
        assert!(!line.to_ascii_lowercase().starts_with("bcc"), "{head}");
    }
    assert_eq!(
        m.headers()
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("subject"))
            .count(),
        1
    );
}

#[test]
fn without_smtp_messages_are_eml_files_in_the_outbox() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new();
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let files: Vec<_> = std::fs::read_dir(case.data().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().unwrap() == "eml");
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("Message-ID: <vigie."), "{text}");
    assert_eq!(list(&case)[0]["state"], "sent");
}

#[test]
fn refusals_and_confirmations_from_intake_and_push_are_delivered() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed(&case, &[seed_desk(1, "2029-06-30T10:00:00Z")]);
    let store = case.store();
    let refusal = AlertSubject::Refusal {
        desk: desk_id(1),
        cert: None,
        file: "ab".repeat(32).parse().unwrap(),
    };
    let base = AlertRecord {
        details: BTreeMap::from([
            ("file".into(), "guichet.pfx".into()),
            ("code".into(), "pkcs12".into()),
            (
                "reason_fr".into(),
                "le fichier contient une clé privée".into(),
            ),
            ("reason_en".into(), "the file holds a private key".into()),
        ]),
        ..AlertRecord::pending(refusal, at("2027-06-18T06:00:00Z"))
    };
    let confirmation = AlertRecord {
        subject: AlertSubject::Confirmation {
            desk: desk_id(1),
            cert: cert_for(&desk_id(1), at("2029-06-30T10:00:00Z")).sha256,
        },
        details: BTreeMap::new(),
        ..base.clone()
    };
    store
        .write(|tx| {
            tx.put_alert(&base)?;
            tx.put_alert(&confirmation)
        })
        .unwrap();
    drop(store);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 2);
    let subjects: Vec<String> = msgs.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("non accepté") && !s.contains("guichet.pfx")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("paramétré") && s.contains("732829320-00001")),
        "{subjects:?}"
    );
    assert!(msgs.iter().all(|m| m.rcpt == [email(1)]));
    assert!(list(&case).iter().all(|r| r["state"] == "sent"));
}

#[test]
fn the_digest_goes_to_the_team_once_a_day() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    let mut nomail = seed_desk(3, "2027-07-01T10:00:00Z");
    nomail.emails.clear();
    seed(
        &case,
        &[
            seed_desk(1, "2027-06-30T10:00:00Z"),
            Seed {
                not_after: None,
                ..seed_desk(2, "2027-06-30T10:00:00Z")
            },
            nomail,
        ],
    );
    let out = case.run(&[
        "alerts",
        "digest",
        "--dry-run",
        "--now",
        "2027-06-18T06:00:00Z",
    ]);
    assert_eq!(code(&out), 0);
    assert!(server.messages().is_empty());
    case.ok(&["alerts", "digest", "--now", "2027-06-18T06:00:00Z"]);
    case.ok(&["alerts", "digest", "--now", "2027-06-18T12:00:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].rcpt, ["equipe@example.org"]);
    let text = msgs[0].part("text/plain").unwrap();
    assert!(
        text.contains("732829320-00001 Office public de l'habitat n°1 : expire le 30/06/2027"),
        "{text}"
    );
    assert!(
        text.contains("Guichets sans certificat (1)") && text.contains("732829320-00002"),
        "{text}"
    );
    assert!(
        text.contains("Guichets sans adresse e-mail (1)") && text.contains("732829320-00003"),
        "{text}"
    );
    let log = list(&case);
    assert_eq!(log[0]["kind"], "digest");
    assert!(log[0]["desk"].is_null());
}

#[test]
fn a_desk_without_address_is_reported_and_its_alert_goes_to_the_team() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    let mut s = seed_desk(1, "2027-07-30T10:00:00Z");
    s.emails.clear();
    seed(
        &case,
        &[
            s,
            Seed {
                not_after: None,
                ..seed_desk(2, "2027-06-30T10:00:00Z")
            },
        ],
    );
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("732829320-00001 has no e-mail address"),
        "{err}"
    );
    assert!(
        err.contains("no certificate") && err.contains("732829320-00002"),
        "{err}"
    );
    let m = &server.messages()[0];
    assert_eq!(m.rcpt, ["equipe@example.org"]);
    assert!(m
        .part("text/plain")
        .unwrap()
        .contains("aucune adresse e-mail"));
}

#[test]
fn preview_prints_without_sending_and_templates_check_catches_errors() {
    let case = Case::new();
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    let out = case.ok(&[
        "alerts",
        "preview",
        "732829320-00001",
        "--now",
        "2027-06-18T07:00:00Z",
    ]);
    assert!(
        out.contains("Subject: Alerte de fin de vie du certificat pour le guichet 732829320-00001"),
        "{out}"
    );
    assert!(out.contains("30/06/2027"));
    assert!(list(&case).is_empty());
    assert!(!case.data().join("outbox").exists());
    case.ok(&["templates", "check"]);
    std::fs::create_dir_all(case.path("tpl")).unwrap();
    case.file("tpl/threshold.fr.txt", "{{ desk.nom }}");
    let bad = Case::with_config(&format!(
        "templates_dir = \"{}\"\n",
        case.path("tpl").display()
    ));
    let out = bad.run(&["templates", "check"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("threshold.fr.txt"),
        "{}",
        stderr(&out)
    );
}

/// Varied certificates for `n` desks: ends spread from 40 days before the
/// simulated year to 200 days after it, at varied hours.
fn fleet(n: u32) -> Vec<Seed> {
    let start = at("2027-01-01T00:00:00Z");
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (1..=n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let days = (x % 605) as i64 - 40;
            let hours = ((x >> 20) % 24) as i64;
            let na = start + chrono::Duration::days(days) + chrono::Duration::hours(hours);
            Seed {
                n: i,
                emails: vec![email(i)],
                name: format!("Guichet {i}"),
                not_after: Some(na),
            }
        })
        .collect()
}

/// What a run at each instant must send, computed the simple way: remember,
/// per desk, the last threshold and the last reminder sent.
fn oracle(seeds: &[Seed], runs: &[DateTime<Utc>]) -> BTreeMap<(String, String, i64), usize> {
    let tz = chrono_tz::Europe::Paris;
    let thresholds = [90i64, 60, 30, 15, 7, 1];
    let mut out = BTreeMap::new();
    for s in seeds {
        let na = s.not_after.unwrap();
        let (mut last_t, mut last_k) = (None::<i64>, None::<i64>);
        for &now in runs {
            let d = vigie::clock::days_between(now, na, tz);
            let key = if now >= na {
                let k = (-d).max(0) / 7;
                if last_k == Some(k) {
                    continue;
                }
                last_k = Some(k);
                ("expired", k * 7)
            } else {
                let Some(m) = thresholds.iter().copied().filter(|&t| d <= t).min() else {
                    continue;
                };
                if last_t.is_some_and(|l| m >= l) {
                    continue;
                }
                last_t = Some(m);
                ("threshold", m)
            };
            *out.entry((desk_id(s.n).to_string(), key.0.to_owned(), key.1))
                .or_default() += 1;
        }
    }
    out
}

/// Runs the alerts once a day over `days` days but the skipped ones, for
/// `desks` desks, through the binary (one process per day, `--now`
/// advancing) or through the library's `run` (what the service calls; one
/// process, so that a whole year stays fast), then checks the alert log and
/// what the SMTP server received against the oracle.
fn simulate(desks: u32, days: i64, skip: &[i64], via_binary: bool) {
    let server = SmtpServer::start();
    let toml = config(server.port());
    let case = Case::with_config(&toml);
    let seeds = fleet(desks);
    seed(&case, &seeds);
    let runs: Vec<DateTime<Utc>> = (0..days)
        .filter(|d| !skip.contains(d))
        .map(|d| at("2027-01-01T08:00:00Z") + chrono::Duration::days(d))
        .collect();
    if via_binary {
        for now in &runs {
            case.ok(&["-q", "alerts", "run", "--now", &vigie::clock::rfc3339(*now)]);
        }
    } else {
        let cfg = vigie::config::Config::parse(&toml, std::path::Path::new("test")).unwrap();
        let store = case.store();
        for &now in &runs {
            let s = vigie::alerts::run(&store, &cfg, &case.data(), now, "test", false).unwrap();
            assert_eq!(s.total().pending + s.total().failed, 0);
        }
    }
    let expected = oracle(&seeds, &runs);
    let log = list(&case);
    let mut got: BTreeMap<(String, String, i64), usize> = BTreeMap::new();
    let mut per_run: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in &log {
        assert_eq!(r["state"], "sent", "{r:?}");
        let desk = r["desk"].as_str().unwrap().to_owned();
        *got.entry((
            desk.clone(),
            r["kind"].as_str().unwrap().to_owned(),
            r["threshold_days"].as_i64().unwrap(),
        ))
        .or_default() += 1;
        *per_run
            .entry((desk, r["sent_at"].as_str().unwrap().to_owned()))
            .or_default() += 1;
    }
    assert_eq!(got, expected);
    assert!(got.values().all(|&n| n == 1));
    assert!(
        per_run.values().all(|&n| n == 1),
        "two messages to one desk in one run"
    );
    // What the server received is what the log says, once each.
    let msgs = server.messages();
    assert_eq!(msgs.len(), log.len());
    let ids: BTreeSet<String> = msgs
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), msgs.len(), "a Message-ID arrived twice");
    let logged: BTreeSet<String> = log
        .iter()
        .map(|r| r["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, logged);
    for s in &seeds {
        let id = desk_id(s.n).to_string();
        let want = expected.keys().filter(|k| k.0 == id).count();
        let have = msgs.iter().filter(|m| m.rcpt[0] == email(s.n)).count();
        assert_eq!(have, want, "desk {id}");
    }
    server.stop();
}

#[test]
fn a_year_day_by_day_sends_each_threshold_once_and_weekly_reminders() {
    simulate(200, 365, &[], false);
}

#[test]
fn forty_days_through_the_binary_with_now_advancing() {
    // Certificates spread from 40 days before to 565 after: over 40 days a
    // quarter of the fleet crosses a threshold or gets reminders.
    simulate(60, 40, &[3, 4, 5, 17], true);
}

#[test]
fn a_year_with_30_days_skipped_sends_only_the_most_urgent_per_gap() {
    let mut x: u64 = 42;
    let mut skip = BTreeSet::new();
    while skip.len() < 30 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        skip.insert(((x >> 33) % 365) as i64);
    }
    let skip: Vec<i64> = skip.into_iter().collect();
    simulate(200, 365, &skip, false);
}

#[test]
fn a_newer_certificate_silences_the_old_one_even_when_pending() {
    let port = free_port();
    let case = Case::with_config(&config(port));
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    // Server down: the 15-day alert stays pending.
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(code(&out), 1);
    // The desk renews before the server comes back.
    let store = case.store();
    let newer = cert_for(&desk_id(1), at("2030-06-30T10:00:00Z"));
    store
        .write(|tx| {
            tx.put_cert(&newer)?;
            tx.set_current(&desk_id(1), &newer.sha256)
        })
        .unwrap();
    drop(store);
    let server = SmtpServer::start_on(port, &[]);
    let out = case.run(&["alerts", "run", "--now", "2027-06-19T07:00:00Z"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("replaced by a newer one"),
        "{}",
        stderr(&out)
    );
    // Nor anything later for the old one: the new one has three years left.
    case.ok(&["alerts", "run", "--now", "2027-07-19T07:00:00Z"]);
    assert!(server.messages().is_empty());
    let log = list(&case);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "failed");
    assert!(log[0]["error"].as_str().unwrap().starts_with("superseded"));
}

/// A server TLS configuration for 127.0.0.1, and the PEM of the private CA
/// that signed its certificate.
fn private_tls() -> (std::sync::Arc<rustls::ServerConfig>, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &Issuer::new(ca_params, ca_key))
        .unwrap();
    let tls = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    )
    .unwrap();
    (std::sync::Arc::new(tls), ca.pem())
}

/// A case whose `[smtp]` points at `port` with `extra` in place of
/// `tls = "none"` (TLS mode, CA file, user); `files` are written first, as
/// (name, contents), and `{name}` in `extra` is replaced by the file's path.
fn smtp_case(port: u16, extra: &str, files: &[(&str, &str)]) -> Case {
    let case = Case::new();
    let mut extra = extra.to_owned();
    for (name, contents) in files {
        let path = case.file(name, contents);
        extra = extra.replace(&format!("{{{name}}}"), &path.display().to_string());
    }
    let toml = config(port).replace("tls = \"none\"", &extra);
    Case {
        config: Some(case.file("vigie.toml", toml)),
        ..case
    }
}

#[test]
fn implicit_tls_with_a_private_ca_file() {
    let (tls, ca) = private_tls();
    let server = SmtpServer::start_tls(tls);
    let case = smtp_case(
        server.port(),
        "tls = \"implicit\"\nca_file = \"{ca.pem}\"",
        &[("ca.pem", &ca)],
    );
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].tls);
    assert!(msgs[0].header("Subject").unwrap().contains("fin de vie"));
    assert_eq!(list(&case)[0]["state"], "sent");
}

// ------------------------------------------------- the SMTP connection ---

#[test]
fn starttls_then_auth_plain() {
    let (tls, ca) = private_tls();
    let server = SmtpServer::builder()
        .starttls(tls)
        .auth("vigie", "s3cret", "PLAIN LOGIN")
        .start();
    let case = smtp_case(
        server.port(),
        "tls = \"starttls\"\nca_file = \"{ca.pem}\"\n\
         username = \"vigie\"\npassword_file = \"{password}\"",
        &[("ca.pem", &ca), ("password", "s3cret\n")],
    );
    seed(
        &case,
        &[
            seed_desk(1, "2027-06-30T10:00:00Z"),
            seed_desk(2, "2027-06-30T10:00:00Z"),
        ],
    );
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 2);
    assert!(msgs.iter().all(|m| m.tls), "sent after STARTTLS");
    assert!(msgs.iter().all(|m| m.user.as_deref() == Some("vigie")));
    assert_eq!(server.connections(), 1, "one connection for both");
    assert!(list(&case).iter().all(|r| r["state"] == "sent"));
}

#[test]
fn implicit_tls_then_auth_login() {
    let (tls, ca) = private_tls();
    let server = SmtpServer::builder()
        .implicit_tls(tls)
        .auth("vigie", "s3cret", "LOGIN")
        .start();
    let case = smtp_case(
        server.port(),
        "tls = \"implicit\"\nca_file = \"{ca.pem}\"\n\
         username = \"vigie\"\npassword_file = \"{password}\"",
        &[("ca.pem", &ca), ("password", "s3cret\n")],
    );
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].tls);
    assert_eq!(msgs[0].user.as_deref(), Some("vigie"));
}

#[test]
fn an_untrusted_certificate_after_starttls_sends_nothing() {
    // The server's CA is not given in ca_file: the public roots do not know it.
    let (tls, _ca) = private_tls();
    let server = SmtpServer::builder().starttls(tls).start();
    let case = smtp_case(server.port(), "tls = \"starttls\"", &[]);
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(server.messages().is_empty());
    let log = list(&case);
    assert_eq!(log[0]["state"], "pending");
    let err = log[0]["error"].as_str().unwrap();
    assert!(err.contains("STARTTLS"), "names the step: {err}");
    assert!(
        err.to_lowercase().contains("certificate"),
        "names the cause: {err}"
    );
}

#[test]
fn starttls_not_offered_sends_nothing_in_clear() {
    let server = SmtpServer::start();
    let case = smtp_case(server.port(), "tls = \"starttls\"", &[]);
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(server.messages().is_empty());
    let log = list(&case);
    assert_eq!(log[0]["state"], "pending");
    assert!(
        log[0]["error"].as_str().unwrap().contains("STARTTLS"),
        "{log:?}"
    );
}

#[test]
fn a_wrong_password_leaves_the_alerts_pending_not_failed() {
    let server = SmtpServer::builder()
        .auth("vigie", "s3cret", "PLAIN")
        .start();
    let case = smtp_case(
        server.port(),
        "tls = \"none\"\nusername = \"vigie\"\npassword_file = \"{password}\"",
        &[("password", "wrong\n")],
    );
    seed(
        &case,
        &[
            seed_desk(1, "2027-06-30T10:00:00Z"),
            seed_desk(2, "2027-06-30T10:00:00Z"),
        ],
    );
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(server.messages().is_empty());
    // The configuration is wrong, not the messages: they wait for a fix.
    let log = list(&case);
    assert!(log.iter().all(|r| r["state"] == "pending"), "{log:?}");
    assert!(
        log.iter()
            .all(|r| r["error"].as_str().unwrap().contains("535")),
        "{log:?}"
    );
}

#[test]
fn a_server_that_hangs_up_after_each_message_still_gets_them_all() {
    let server = SmtpServer::builder().close_after(1).start();
    let case = Case::with_config(&config(server.port()));
    let seeds: Vec<Seed> = (1..=4)
        .map(|n| seed_desk(n, "2027-06-30T10:00:00Z"))
        .collect();
    seed(&case, &seeds);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    // Each message after the first found the connection closed, went on a
    // new one, and went once.
    let msgs = server.messages();
    assert_eq!(msgs.len(), 4);
    let to: BTreeSet<String> = msgs.iter().map(|m| m.rcpt[0].clone()).collect();
    assert_eq!(to, (1..=4).map(email).collect());
    assert_eq!(server.connections(), 4);
    assert!(list(&case).iter().all(|r| r["state"] == "sent"));
}

#[test]
fn two_hundred_messages_to_a_server_that_delays_its_acks() {
    let server = SmtpServer::builder().delayed_acks().start();
    let case = Case::with_config(&config(server.port()));
    let seeds: Vec<Seed> = (1..=200)
        .map(|n| seed_desk(n, "2027-06-30T10:00:00Z"))
        .collect();
    seed(&case, &seeds);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 200);
    let to: BTreeSet<String> = msgs.iter().map(|m| m.rcpt[0].clone()).collect();
    assert_eq!(to.len(), 200, "each desk once");
    assert_eq!(server.connections(), 1, "one connection for the run");
    let log = list(&case);
    assert_eq!(log.len(), 200);
    assert!(log.iter().all(|r| r["state"] == "sent"));
}
