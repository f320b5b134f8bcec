//! Bounces of vigie's own messages, and the other answers that come back
//! by mail, through the real binary (DESIGN §10): a bounce marks the alert
//! it names `bounced` with the server's reason and the digest lists the
//! desk's address; a refused certificate gets one answer, not two; a
//! message over `max_message_bytes` is refused without being read whole.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde_json::Value;
use vigie::alerts::{AlertRecord, AlertState, AlertSubject};
use vigie::desk::{Desk, DeskId, Email, Lang, Mode};

use crate::smtp::SmtpServer;
use crate::support::{code, fixtures_dir, seed, stderr, Case};

/// The instant the commands evaluate at.
const NOW: &str = "2027-03-01T09:00:00Z";

fn at(s: &str) -> DateTime<Utc> {
    vigie::clock::parse_instant(s).unwrap()
}

fn desk_id(n: u32) -> DeskId {
    DeskId::parse(&format!("732829320-{n:05}")).unwrap()
}

fn config(port: u16, extra: &str) -> String {
    format!(
        "[manager]\nname = \"Gestion territoriale\"\nemail = \"gestion@example.org\"\nteam = [\"equipe@example.org\"]\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"vigie@example.org\"\ntimeout_secs = 5\n{extra}"
    )
}

/// The Message-ID vigie gave the 30-day alert of desk `n`.
fn alert_id(n: u32) -> String {
    format!("<vigie.t30-{n}@example.org>")
}

/// Desks 1 to 3, each with a certificate ending in 20 days and its 30-day
/// alert sent to `guichet<n>@example.org` a week ago.
fn seed_sent_alerts(case: &Case) {
    let store = case.store();
    store
        .write(|tx| {
            for n in 1..=3 {
                let id = desk_id(n);
                tx.put_desk(&Desk {
                    id: id.clone(),
                    name: format!("Guichet <b>{n}</b>"),
                    emails: vec![Email::parse(&format!("guichet{n}@example.org")).unwrap()],
                    department: None,
                    mode: Mode::Both,
                    lang: Lang::Fr,
                    thresholds: None,
                    suspended: false,
                    settings: Default::default(),
                })?;
                let cert = seed::cert_record(&id, &[n as u8], at("2027-03-21T10:00:00Z"));
                tx.put_current_cert(&cert)?;
                tx.put_alert(&AlertRecord {
                    message_id: Some(alert_id(n)),
                    recipients: vec![format!("guichet{n}@example.org")],
                    sent_at: Some(at("2027-02-20T08:00:00Z")),
                    state: AlertState::Sent,
                    attempts: 1,
                    ..AlertRecord::pending(
                        AlertSubject::Threshold {
                            desk: id,
                            cert: cert.sha256,
                            days: 30,
                        },
                        at("2027-02-20T08:00:00Z"),
                    )
                })?;
            }
            Ok(())
        })
        .unwrap();
}

/// An RFC 3464 report for the message `id` sent to `rcpt`.
fn dsn(id: &str, rcpt: &str) -> String {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
         To: vigie@example.org\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Message-ID: <dsn-{n}@mx.example.org>\r\n\
         Date: Sat, 27 Feb 2027 10:00:00 +0100\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain\r\n\
         \r\n\
         Your message could not be delivered.\r\n\
         --b1\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; mx.example.org\r\n\
         \r\n\
         Final-Recipient: rfc822; {rcpt}\r\n\
         Action: failed\r\n\
         Status: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n\
         Message-ID: {id}\r\n\
         To: {rcpt}\r\n\
         Subject: Certificat en fin de vie\r\n\
         \r\n\
         --b1--\r\n",
        n = id.len()
    )
}

fn alerts(case: &Case) -> Vec<Value> {
    case.json(&["alerts", "list", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn alert_of(all: &[Value], n: u32) -> Value {
    all.iter()
        .find(|a| a["desk"] == desk_id(n).to_string() && a["kind"] == "threshold")
        .unwrap_or_else(|| panic!("desk {n}'s alert in {all:?}"))
        .clone()
}

/// Runs `mail ingest --json` on one file; returns its rows. Exit 0, or 3
/// when a certificate was refused (DESIGN §10).
fn ingest(case: &Case, file: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--now", NOW, "mail", "ingest", "--json"];
    args.extend_from_slice(extra);
    let f = file.display().to_string();
    args.push(&f);
    let out = case.run(&args);
    let rows = serde_json::from_slice::<Value>(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
        .as_array()
        .unwrap()
        .clone();
    let refused = rows.iter().any(|r| {
        r["certificates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["outcome"] == "refused"))
    });
    assert_eq!(code(&out), if refused { 3 } else { 0 }, "{}", stderr(&out));
    rows
}

#[test]
fn a_bounce_marks_its_alert_bounced_once_and_the_digest_lists_the_address() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port(), ""));
    seed_sent_alerts(&case);
    let before = alerts(&case);
    assert!(before.iter().all(|a| a["state"] == "sent"), "{before:?}");

    // A dry run decides and marks nothing.
    let file = case.file("dsn.eml", dsn(&alert_id(1), "guichet1@example.org"));
    let rows = ingest(&case, &file, &["--dry-run"]);
    assert_eq!(rows[0]["action"], "bounce");
    assert_eq!(alerts(&case), before);

    let rows = ingest(&case, &file, &[]);
    assert_eq!(rows[0]["action"], "bounce", "{rows:?}");
    assert_eq!(rows[0]["desk"], desk_id(1).to_string());
    let after = alerts(&case);
    let a1 = alert_of(&after, 1);
    assert_eq!(a1["state"], "bounced", "{a1}");
    let error = a1["error"].as_str().unwrap();
    assert!(
        error.contains("550 5.1.1 <guichet1@example.org>: Recipient address rejected"),
        "{a1}"
    );
    assert_eq!(
        a1["failed_recipients"][0]["address"], "guichet1@example.org",
        "{a1}"
    );
    // The other alerts are listed as they were, byte for byte.
    for n in [2, 3] {
        assert_eq!(alert_of(&after, n), alert_of(&before, n));
    }
    // The log says which alert bounced and why.
    let log = case.ok(&["log", "--desk", &desk_id(1).to_string()]);
    assert!(
        log.contains("alert.bounced") && log.contains("Recipient address rejected"),
        "{log}"
    );

    // The same bounce again is a duplicate: nothing changes.
    let rows = ingest(&case, &file, &[]);
    assert_eq!(rows[0]["action"], "duplicate");
    assert_eq!(alerts(&case), after);

    // A bounced alert is not sent again: one message per threshold.
    case.ok(&["--now", NOW, "alerts", "run"]);
    let run = alerts(&case);
    let thirty: Vec<&Value> = run
        .iter()
        .filter(|a| a["desk"] == desk_id(1).to_string() && a["threshold_days"] == 30)
        .collect();
    assert_eq!(thirty.len(), 1, "{run:?}");
    assert_eq!(thirty[0]["state"], "bounced");

    // The digest tells people, with the address and the reason.
    let sent_before = server.messages().len();
    case.ok(&["--now", NOW, "alerts", "digest"]);
    let msgs = server.messages();
    let digest = msgs[sent_before..]
        .iter()
        .find(|m| m.rcpt == ["equipe@example.org"])
        .expect("the digest went to the team");
    let text = digest.part("text/plain").unwrap();
    assert!(
        text.contains("Adresses de guichets qui reviennent en erreur (1)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{} Guichet <b>1</b> : guichet1@example.org, non remis le 01/03/2027 : smtp; 550 5.1.1",
            desk_id(1)
        )),
        "{text}"
    );
    let html = digest.part("text/html").unwrap();
    assert!(
        html.contains("<strong>guichet1@example.org</strong>, non remis")
            && html.contains("Guichet &lt;b&gt;1&lt;"),
        "{html}"
    );
    server.stop();
}

#[test]
fn a_bounce_naming_only_the_desk_address_marks_its_latest_alert() {
    let case = Case::new();
    seed_sent_alerts(&case);
    // qmail's form, quoting no Message-ID of vigie's.
    let qmail = "From: MAILER-DAEMON@mx.example.org\r\nTo: vigie@example.org\r\n\
                 Subject: failure notice\r\nMessage-ID: <q1@mx.example.org>\r\n\r\n\
                 Hi. This is the qmail-send program at mx.example.org.\r\n\
                 I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n\
                 <guichet3@example.org>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n";
    let file = case.file("qmail.eml", qmail);
    let rows = ingest(&case, &file, &[]);
    assert_eq!(rows[0]["action"], "bounce", "{rows:?}");
    assert_eq!(rows[0]["desk"], desk_id(3).to_string());
    let all = alerts(&case);
    let a3 = alert_of(&all, 3);
    assert_eq!(a3["state"], "bounced", "{a3}");
    assert!(
        a3["error"]
            .as_str()
            .unwrap()
            .contains("Sorry, no mailbox here by that name. (#5.1.1)"),
        "{a3}"
    );
    assert_eq!(alert_of(&all, 1)["state"], "sent");
    // A bounce about an address vigie never wrote to marks nothing.
    let stranger = qmail
        .replace("guichet3@", "inconnu@")
        .replace("<q1@", "<q2@");
    let file = case.file("stranger.eml", stranger);
    let rows = ingest(&case, &file, &[]);
    assert_eq!(rows[0]["action"], "bounce");
    assert_eq!(rows[0]["desk"], Value::Null);
    assert_eq!(alerts(&case), all);
    // A bounce of one of vigie's replies (no alert) names desk 2's address:
    // the reply bounced, not desk 2's alert, which stays sent.
    let reply = qmail
        .replace("guichet3@", "guichet2@")
        .replace("<q1@", "<q3@")
        + "\r\n--- Below this line is a copy of the message.\r\n\r\nMessage-ID: <vigie.reply.0123@example.org>\r\n";
    let file = case.file("reply-bounce.eml", reply);
    let rows = ingest(&case, &file, &[]);
    assert_eq!(rows[0]["action"], "bounce");
    assert_eq!(alerts(&case), all);
}

/// A desk's message carrying an expired certificate, from its contact.
fn refused_message(n: u32) -> String {
    use base64::Engine;
    let der = std::fs::read(fixtures_dir().join("expired.cer")).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!(
        "From: Guichet <guichet-a@example.org>\r\nTo: gestion@example.org\r\n\
         Subject: Notre certificat\r\nMessage-ID: <desk-{n}@example.org>\r\n\
         Date: Mon, 1 Mar 2027 09:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n\
         --x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoici le certificat (envoi {n}).\r\n\
         --x\r\nContent-Type: application/octet-stream; name=\"guichet.cer\"\r\n\
         Content-Disposition: attachment; filename=\"guichet.cer\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--x--\r\n"
    )
}

/// Desk A, with its current certificate loaded from the fixtures' CA (so
/// the issuer of a renewal is known); its id.
fn desk_a_with_its_certificate(case: &Case) -> &'static str {
    let desk = "732829320-00001";
    case.ok(&[
        "desk",
        "add",
        desk,
        "--name",
        "Guichet A",
        "--email",
        "guichet-a@example.org",
    ]);
    // Its current certificate, from the same CA: the issuer is known.
    let valid = fixtures_dir().join("valid.der.cer");
    case.ok(&[
        "--now",
        NOW,
        "cert",
        "ingest",
        "--initial",
        "--desk",
        desk,
        valid.to_str().unwrap(),
    ]);
    desk
}

#[test]
fn a_refused_certificate_gets_the_reply_or_the_refusal_alert_never_both() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(
        server.port(),
        "[mail]\nreply = true\nreply_limit_per_day = 1\n",
    ));
    let desk = desk_a_with_its_certificate(&case);
    let refusals = |case: &Case| -> Vec<Value> {
        alerts(case)
            .into_iter()
            .filter(|a| a["kind"] == "refusal")
            .collect()
    };

    // The reply can go: it is the one answer.
    let rows = ingest(&case, &case.file("one.eml", refused_message(1)), &[]);
    let row = &rows[0];
    assert_eq!(row["action"], "refused", "{row}");
    assert_eq!(row["desk"], desk);
    assert_eq!(row["certificates"][0]["outcome"], "refused");
    let reason = row["certificates"][0]["reason"]["code"].as_str().unwrap();
    assert!(
        reason != "unknown_issuer" && reason != "self_signed",
        "{row}"
    );
    assert!(row["reply_message_id"].is_string(), "{row}");
    assert_eq!(refusals(&case), Vec::<Value>::new());
    let replies = server.messages();
    assert_eq!(replies.len(), 1, "one reply");
    assert_eq!(replies[0].rcpt, ["guichet-a@example.org"]);
    assert_eq!(
        replies[0].header("In-Reply-To").as_deref(),
        Some("<desk-1@example.org>")
    );

    // The day's reply limit is reached: the refusal alert tells the desk.
    let rows = ingest(&case, &case.file("two.eml", refused_message(2)), &[]);
    assert_eq!(rows[0]["action"], "refused");
    assert_eq!(rows[0]["reply_message_id"], Value::Null, "{:?}", rows[0]);
    let r = refusals(&case);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["desk"], desk);
    server.stop();
}

#[test]
fn with_replies_off_the_refusal_alert_stays() {
    let case = Case::with_config("[mail]\nreply = false\n");
    desk_a_with_its_certificate(&case);
    let rows = ingest(&case, &case.file("one.eml", refused_message(1)), &[]);
    assert_eq!(rows[0]["reply_message_id"], Value::Null);
    let r: Vec<Value> = alerts(&case)
        .into_iter()
        .filter(|a| a["kind"] == "refusal")
        .collect();
    assert_eq!(r.len(), 1, "{r:?}");
}

#[test]
fn a_huge_message_in_an_mbox_is_refused_without_being_held_naming_file_and_cap() {
    let case = Case::with_config("[mail]\nmax_message_bytes = 1048576\n");
    // A sparse mbox: a small message, then one of 1.5 GiB (zeros: one line
    // with no end, that takes no room on disk), then a small one.
    let path = case.path("huge.mbox");
    {
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(b"From a@example.org Mon Mar  1 09:00:00 2027\nSubject: avant\n\nbonjour\nFrom b@example.org Mon Mar  1 09:00:00 2027\nSubject: enorme\n\n")
            .unwrap();
        let end = f.metadata().unwrap().len() + (3 << 29);
        f.set_len(end).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"\nFrom c@example.org Mon Mar  1 09:00:00 2027\nSubject: apres\n\nbonjour\n")
            .unwrap();
    }
    // Under a 1 GiB address-space limit: holding the big message would
    // fail; streaming it needs a few MiB.
    let bin = assert_cmd::cargo::cargo_bin("vigie");
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 1048576 && exec \"$VIGIE_BIN\" --now \"$NOW\" mail ingest --no-reply \"$MBOX\"")
        .env("VIGIE_BIN", &bin)
        .env("NOW", NOW)
        .env("MBOX", &path)
        .env("VIGIE_DATA_DIR", case.data())
        .env("VIGIE_CONFIG", case.config.as_ref().unwrap())
        .env("VIGIE_NOW_SENDS", "1")
        .current_dir(case.dir.path());
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains("huge.mbox#2"), "{text}");
    assert!(
        lines[1].contains("plus de 1048576 octets (mail.max_message_bytes)"),
        "{text}"
    );
    assert!(lines[2].contains("huge.mbox#3"), "{text}");
}
