//! The report's sections on what came back by mail (DESIGN §10, §11):
//! addresses that bounce or were refused, and messages waiting for people,
//! through the real binary — the HTML page (text present and escaped) and
//! the JSON rows.

use vigie::alerts::{AlertRecord, AlertState, AlertSubject, FailedRecipient};
use vigie::desk::{Department, Desk, Email, Lang, Mode};
use vigie::fingerprint::Sha256;
use vigie::model::{MailAction, MailRecord};

use crate::report::{cert_for, desk_id, NOW};
use crate::support::Case;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    vigie::clock::parse_instant(s).unwrap()
}

/// A subject written to run if it were not escaped.
const NASTY: &str = "Certificat <img src=x onerror=alert(1)>";

fn mail(id: &str, action: MailAction, when: &str, desk: Option<u32>) -> MailRecord {
    MailRecord {
        message_id: format!("<{id}@example.org>"),
        sha256: Sha256::of(id.as_bytes()),
        from: Some(format!("{id} <{id}@example.org>")),
        subject: Some(format!("{NASTY} {id}")),
        date: None,
        desk: desk.map(desk_id),
        attributed_by: None,
        certificates: Vec::new(),
        action,
        note: Some(format!("aucun certificat dans le message ({id})")),
        reply_message_id: None,
        reply_sent_at: None,
        thread: Vec::new(),
        source: format!("{id}.eml"),
        received_at: at(when),
    }
}

/// Desk 1 (31) whose alert bounced, desk 2 (31) whose alert failed, desk 3
/// (76) whose alert reached one of two addresses; messages left to people.
fn seed(case: &Case) {
    let store = case.store();
    store
        .write(|tx| {
            for (n, dept, emails) in [
                (1, "31", vec!["guichet1@example.org"]),
                (2, "31", vec!["guichet2@example.org"]),
                (3, "76", vec!["guichet3@example.org", "ancien3@example.org"]),
            ] {
                let id = desk_id(n);
                tx.put_desk(&Desk {
                    id: id.clone(),
                    name: format!("Guichet {n}"),
                    emails: emails.iter().map(|e| Email::parse(e).unwrap()).collect(),
                    department: Some(Department::parse(dept).unwrap()),
                    mode: Mode::Both,
                    lang: Lang::Fr,
                    thresholds: None,
                    suspended: false,
                    settings: Default::default(),
                })?;
                let cert = cert_for(&id, at("2027-02-01T10:00:00Z"), "");
                tx.put_current_cert(&cert)?;
                let mut a = AlertRecord {
                    message_id: Some(format!("<vigie.{n}@example.org>")),
                    recipients: emails.iter().map(|e| e.to_string()).collect(),
                    sent_at: Some(at("2027-01-05T08:00:00Z")),
                    state: AlertState::Sent,
                    attempts: 1,
                    ..AlertRecord::pending(
                        AlertSubject::Threshold {
                            desk: id,
                            cert: cert.sha256,
                            days: 30,
                        },
                        at("2027-01-05T08:00:00Z"),
                    )
                };
                match n {
                    1 => a.bounce(
                        "smtp; 550 5.1.1 <guichet1@example.org>: user <unknown>",
                        Some("guichet1@example.org"),
                        "<dsn@mx.example.org>",
                        at("2027-01-06T10:00:00Z"),
                    ),
                    2 => {
                        a.state = AlertState::Failed;
                        a.sent_at = None;
                        a.error = Some("550 5.7.1 relay denied".into());
                    }
                    _ => a.failed_recipients.push(FailedRecipient {
                        address: "ancien3@example.org".into(),
                        answer: "550 5.2.1 mailbox disabled".into(),
                    }),
                }
                tx.put_alert(&a)?;
            }
            tx.put_mail(&mail(
                "question",
                MailAction::NeedsHuman,
                "2027-01-10T09:00:00Z",
                Some(1),
            ))?;
            tx.put_mail(&mail(
                "anonyme",
                MailAction::NeedsHuman,
                "2027-01-11T09:00:00Z",
                None,
            ))?;
            tx.put_mail(&mail(
                "rouen",
                MailAction::NeedsHuman,
                "2027-01-12T09:00:00Z",
                Some(3),
            ))?;
            // Taken in, or before the period: not waiting.
            tx.put_mail(&mail(
                "recu",
                MailAction::Ingested,
                "2027-01-12T09:00:00Z",
                Some(1),
            ))?;
            tx.put_mail(&mail(
                "ancien",
                MailAction::NeedsHuman,
                "2026-11-01T09:00:00Z",
                Some(1),
            ))?;
            Ok(())
        })
        .unwrap();
}

/// The text of one section of the page, by its id.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("section {id} in {html}"));
    let end = html[start..].find("</section>").unwrap() + start;
    &html[start..end]
}

#[test]
fn the_report_lists_bouncing_and_refused_addresses_and_messages_waiting_for_people() {
    let case = Case::new();
    seed(&case);
    let html = case.ok(&["--now", NOW, "report"]);

    let s = section(&html, "non-remis");
    assert!(
        s.contains("Adresses qui reviennent en erreur ou refusées"),
        "{s}"
    );
    // The bounce, with its reason escaped, listed first.
    let bounced = s
        .find("<td>guichet1@example.org</td><td>revenu en erreur</td><td>smtp; 550 5.1.1 &lt;guichet1@example.org&gt;: user &lt;unknown&gt;</td><td>06/01/2027</td>")
        .unwrap_or_else(|| panic!("{s}"));
    let failed = s
        .find("<td>guichet2@example.org</td><td>non envoyé</td><td>550 5.7.1 relay denied</td>")
        .unwrap_or_else(|| panic!("{s}"));
    assert!(bounced < failed);
    assert!(
        s.contains("<td>ancien3@example.org</td><td>refusé par le serveur</td><td>550 5.2.1 mailbox disabled</td>"),
        "{s}"
    );
    assert!(!s.contains("<unknown>"));

    let w = section(&html, "a-lire");
    assert!(w.contains("Messages en attente d'une personne (3)"), "{w}");
    for id in ["question", "anonyme", "rouen"] {
        assert!(
            w.contains(&format!(
                "<td>{id} &lt;{id}@example.org&gt;</td><td>Certificat &lt;img src=x onerror=alert(1)&gt; {id}</td>"
            )),
            "{id}: {w}"
        );
        assert!(w.contains(&format!("aucun certificat dans le message ({id})")));
    }
    assert!(w.contains("<td>10/01/2027</td>"), "{w}");
    assert!(w.contains("non attribué"), "{w}");
    assert!(!w.contains("recu@") && !w.contains("ancien@"), "{w}");
    assert!(!html.contains("<img"), "unescaped subject");

    // A department's report keeps its own desks' lines; messages no desk
    // claims belong to no department.
    let html = case.ok(&["--now", NOW, "report", "--department", "76"]);
    let s = section(&html, "non-remis");
    assert!(
        s.contains("ancien3@example.org") && !s.contains("guichet1@"),
        "{s}"
    );
    let w = section(&html, "a-lire");
    assert!(w.contains("(1)") && w.contains("rouen"), "{w}");
    assert!(!w.contains("anonyme"), "{w}");

    // The JSON rows say the last alert bounced.
    let rows = case.json(&["--now", NOW, "report", "--format", "json"]);
    let row = |n: u32| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["desk"] == desk_id(n).to_string())
            .unwrap()
            .clone()
    };
    assert_eq!(row(1)["last_alert_state"], "bounced");
    assert_eq!(row(2)["last_alert_state"], "failed");
    assert_eq!(row(3)["last_alert_state"], "sent");

    // Once the desk's address is fixed, it no longer shows as bouncing.
    case.ok(&[
        "desk",
        "edit",
        &desk_id(1).to_string(),
        "--email",
        "nouveau1@example.org",
    ]);
    let html = case.ok(&["--now", NOW, "report"]);
    assert!(!section(&html, "non-remis").contains("guichet1@"));
}
