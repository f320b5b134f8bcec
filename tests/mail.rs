//! Mail intake through the real binary (DESIGN §10): messages built at run
//! time by Python's `email` package (tests/mail_messages.py), a MIME
//! implementation independent of vigie's, carrying the certificates of
//! `certs-fixtures/`; expected fingerprints and desks come from the
//! fixtures' manifest.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::smtp::SmtpServer;
use crate::support::{code, fixtures_dir, stderr, Case};

pub(crate) fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// The manifest's entry for a fixture file.
fn fixture_entry(m: &Value, file: &str) -> Value {
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == file)
        .unwrap_or_else(|| panic!("{file} in the manifest"))
        .clone()
}

pub(crate) fn leaf_sha(m: &Value, file: &str) -> String {
    fixture_entry(m, file)["certificates"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The desk whose only contact is `email`, per the manifest.
fn desk_of_contact(m: &Value, email: &str) -> String {
    let ids: Vec<&Value> = m["desks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["email"] == email)
        .collect();
    assert_eq!(ids.len(), 1, "{email} is one desk's contact");
    ids[0]["id"].as_str().unwrap().to_owned()
}

/// A case holding the manifest's desks and baseline certificates, and the
/// messages written by the generator in `<case>/messages`.
fn seeded() -> (Case, Value, PathBuf) {
    seeded_with(None)
}

/// [`seeded`] with a configuration file.
pub(crate) fn seeded_with(config: Option<&str>) -> (Case, Value, PathBuf) {
    let m = manifest();
    let case = match config {
        Some(c) => Case::with_config(c),
        None => Case::new(),
    };
    for d in m["desks"].as_array().unwrap() {
        case.ok(&[
            "desk",
            "add",
            d["id"].as_str().unwrap(),
            "--name",
            d["name"].as_str().unwrap(),
            "--email",
            d["email"].as_str().unwrap(),
        ]);
    }
    let now = m["now"].as_str().unwrap().to_owned();
    for b in m["baseline"].as_array().unwrap() {
        let f = fixtures_dir().join(b.as_str().unwrap());
        case.ok(&[
            "--now",
            &now,
            "cert",
            "ingest",
            "--force",
            f.to_str().unwrap(),
        ]);
    }
    let out = case.path("messages");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mail_messages.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(fixtures_dir())
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the message generator");
    assert!(status.success(), "the message generator failed");
    (case, m, out)
}

/// Runs `mail ingest --json` on paths; returns the rows and the exit code.
fn ingest(case: &Case, m: &Value, paths: &[PathBuf], extra: &[&str]) -> (Vec<Value>, i32) {
    let now = m["now"].as_str().unwrap();
    let mut args = vec!["--now", now, "mail", "ingest", "--json"];
    args.extend_from_slice(extra);
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    let out = case.run(&args);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (rows.as_array().unwrap().clone(), code(&out))
}

fn one(case: &Case, m: &Value, dir: &std::path::Path, name: &str) -> (Value, i32) {
    let (rows, code) = ingest(case, m, &[dir.join(format!("{name}.eml"))], &[]);
    assert_eq!(rows.len(), 1, "{name}");
    (rows[0].clone(), code)
}

#[test]
fn every_shape_is_found_attributed_and_decided_as_cert_ingest_would() {
    let (case, m, dir) = seeded();
    // (message, fixture inside, where, file name vigie reports)
    let accepted = [
        (
            "der-attachment",
            "valid.der.cer",
            "attachment",
            "certificat_guichet_été.cer",
        ),
        (
            "pem-in-text",
            "rsa-2048-desk2.cer",
            "body",
            "corps du message",
        ),
        (
            "pem-in-html",
            "renewal-same-key-desk3.cer",
            "body",
            "corps du message",
        ),
        (
            "zip",
            "siren-luhn-desk5.cer",
            "archive",
            "certificat.zip/certificat/siren-luhn.cer",
        ),
        (
            "forwarded",
            "by-email-desk4.cer",
            "forwarded",
            "accueil.cer",
        ),
    ];
    for (name, fixture, found_in, file) in accepted {
        let (row, code) = one(&case, &m, &dir, name);
        assert_eq!(code, 0, "{name}: {row}");
        assert_eq!(row["action"], "ingested", "{name}: {row}");
        assert_eq!(row["desk"], fixture_entry(&m, fixture)["desk"], "{name}");
        assert_eq!(row["attributed_by"], "certificate", "{name}");
        let certs = row["certificates"].as_array().unwrap();
        assert_eq!(certs.len(), 1, "{name}: {row}");
        assert_eq!(certs[0]["sha256"], leaf_sha(&m, fixture), "{name}");
        assert_eq!(certs[0]["found_in"], found_in, "{name}");
        assert_eq!(certs[0]["file"], file, "{name}");
        assert_eq!(certs[0]["outcome"], "accepted", "{name}");
        assert_eq!(certs[0]["reason"], Value::Null, "{name}");
        assert_eq!(certs[0]["signature_verified"], Value::Null, "{name}");
        assert!(row["message_id"]
            .as_str()
            .unwrap()
            .ends_with("@guichet.example.org>"));
        assert_eq!(row["date"], "2027-03-01T08:00:00Z");
        // The very certificate is the desk's current one, as `cert ingest`
        // would have made it.
        let hist = case.json(&["cert", "history", row["desk"].as_str().unwrap(), "--json"]);
        let current: Vec<&Value> = hist
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["current"] == true)
            .collect();
        assert_eq!(current[0]["sha256"], leaf_sha(&m, fixture), "{name}");
        assert!(
            current[0]["source"]
                .as_str()
                .unwrap()
                .contains(row["message_id"].as_str().unwrap()),
            "{name}: the store says which message brought it"
        );
    }

    // A certs-only PKCS#7 holding the certificate already current.
    let (row, code) = one(&case, &m, &dir, "p7b");
    assert_eq!(code, 0);
    assert_eq!(row["action"], "ingested");
    assert_eq!(row["certificates"][0]["outcome"], "unchanged");
    assert_eq!(row["certificates"][0]["sha256"], leaf_sha(&m, "valid.p7b"));

    // Refused shapes: exit 3, a French reason.
    for (name, reason) in [("winmail", "winmail_dat"), ("private-key", "private_key")] {
        let (row, code) = one(&case, &m, &dir, name);
        assert_eq!(code, 3, "{name}: {row}");
        assert_eq!(row["action"], "refused", "{name}");
        let c = &row["certificates"][0];
        assert_eq!(c["outcome"], "refused", "{name}");
        assert_eq!(c["reason"]["code"], reason, "{name}");
        let text = c["reason"]["message"].as_str().unwrap();
        assert!(
            text.contains("Renvoyez") || text.contains("Ne transmettez jamais"),
            "{text}"
        );
    }

    // No certificate: a question goes to people, an out-of-office is ignored.
    let (row, code) = one(&case, &m, &dir, "question");
    assert_eq!((row["action"].as_str(), code), (Some("needs_human"), 0));
    assert_eq!(row["certificates"], serde_json::json!([]));
    let (row, _) = one(&case, &m, &dir, "out-of-office");
    assert_eq!(row["action"], "ignored");

    // The subject names one desk, the certificate another: for people, and
    // nothing is stored.
    let (row, code) = one(&case, &m, &dir, "disagree");
    assert_eq!((row["action"].as_str(), code), (Some("needs_human"), 0));
    assert_eq!(row["desk"], Value::Null);
    let sha = leaf_sha(&m, "code-signing-only.cer");
    let desk1 = fixture_entry(&m, "code-signing-only.cer")["desk"].clone();
    let hist = case.json(&["cert", "history", desk1.as_str().unwrap(), "--json"]);
    assert!(hist
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["sha256"] != sha.as_str()));

    // A certificate naming no desk (refused by `cert ingest` as no_desk),
    // sent from the one contact address of a desk: that desk's.
    assert_eq!(fixture_entry(&m, "no-desk-id.cer")["reason"], "no_desk");
    let (row, code) = one(&case, &m, &dir, "by-sender");
    assert_eq!(code, 0, "{row}");
    assert_eq!(row["attributed_by"], "sender");
    assert_eq!(
        row["desk"],
        desk_of_contact(&m, "guichet-00002@example.org")
    );
    assert_eq!(row["certificates"][0]["outcome"], "accepted");

    // Everything is recorded once, and listed.
    let list = case.json(&["mail", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 12);
}

#[test]
fn a_message_is_taken_in_exactly_once_whatever_the_source() {
    let (case, m, dir) = seeded();
    let (rows, code) = ingest(&case, &m, &[dir.join("der-attachment.eml")], &["--dry-run"]);
    assert_eq!((rows[0]["action"].as_str(), code), (Some("ingested"), 0));
    // A dry run writes nothing.
    assert_eq!(
        case.json(&["mail", "list", "--json"]),
        serde_json::json!([])
    );
    let (rows, _) = ingest(&case, &m, &[dir.join("der-attachment.eml")], &[]);
    assert_eq!(rows[0]["action"], "ingested");
    let (rows, code) = ingest(&case, &m, &[dir.join("der-attachment.eml")], &[]);
    assert_eq!((rows[0]["action"].as_str(), code), (Some("duplicate"), 0));
    assert_eq!(rows[0]["certificates"], serde_json::json!([]));
    // The same messages from a Maildir, then from an mbox: the one taken in
    // already is a duplicate, the others are taken in once.
    let (rows, code) = ingest(&case, &m, &[dir.join("Maildir")], &[]);
    assert_eq!(rows.len(), 12);
    assert_eq!(
        code, 3,
        "the winmail.dat and private key messages are refused"
    );
    let dups = rows.iter().filter(|r| r["action"] == "duplicate").count();
    assert_eq!(dups, 1);
    let (rows, code) = ingest(&case, &m, &[dir.join("all.mbox")], &[]);
    assert_eq!(rows.len(), 12);
    assert_eq!(code, 0, "nothing is decided again");
    assert!(rows.iter().all(|r| r["action"] == "duplicate"), "{rows:?}");
    assert_eq!(
        case.json(&["mail", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        12
    );
}

#[test]
fn a_reply_to_an_alert_names_its_desk_and_disagreement_goes_to_people() {
    let (case, m, _) = seeded();
    let now = m["now"].as_str().unwrap();
    // The baseline certificate is within 90 days of its end: an alert goes.
    case.ok(&["--now", now, "alerts", "run"]);
    let alerts = case.json(&["alerts", "list", "--json"]);
    let alert = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "threshold")
        .expect("a threshold alert")
        .clone();
    let desk = alert["desk"].as_str().unwrap().to_owned();
    let id = alert["message_id"].as_str().unwrap().to_owned();
    let dir = case.path("replies");
    let status = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/mail_messages.py"
        ))
        .arg(fixtures_dir())
        .arg(&dir)
        .arg(&id)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3");
    assert!(status.success());
    // A certificate that names no desk, in reply to the alert: that desk's.
    let (row, code) = one(&case, &m, &dir, "reply-no-desk");
    assert_eq!(code, 0, "{row}");
    assert_eq!(row["attributed_by"], "reply");
    assert_eq!(row["desk"], desk.as_str());
    assert_eq!(row["certificates"][0]["outcome"], "accepted");
    assert_eq!(
        row["certificates"][0]["sha256"],
        leaf_sha(&m, "no-desk-id.cer")
    );
    // Another desk's certificate in reply to the alert: for people.
    let (row, code) = one(&case, &m, &dir, "reply-other-desk");
    assert_eq!(
        (row["action"].as_str(), code),
        (Some("needs_human"), 0),
        "{row}"
    );
    let other = fixture_entry(&m, "valid.der.cer")["desk"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(other, desk);
    let hist = case.json(&["cert", "history", &other, "--json"]);
    assert_eq!(hist, serde_json::json!([]), "nothing stored for {other}");

    // Bounces of the alert, standard and qmail's: matched to its desk,
    // with the server's reason, and never answered.
    for (name, reason) in [
        (
            "dsn",
            "550 5.1.1 <ancien@bailleur.example.org>: user unknown",
        ),
        (
            "qmail-bounce",
            "Sorry, no mailbox here by that name. (#5.1.1)",
        ),
    ] {
        let (row, code) = one(&case, &m, &dir, name);
        assert_eq!(
            (row["action"].as_str(), code),
            (Some("bounce"), 0),
            "{name}: {row}"
        );
        assert_eq!(row["desk"], desk.as_str(), "{name}");
        assert_eq!(row["reply_message_id"], Value::Null, "{name}");
        let log = case.ok(&["log"]);
        assert!(log.contains(reason), "{name}: {log}");
    }
}

/// The headers of a received message, as Python's `email` package reads
/// them (an implementation independent of the one that wrote them).
fn headers_by_python(data: &str) -> Value {
    let script = r#"
import email, json, sys
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
body = m.get_body(preferencelist=("plain",))
print(json.dumps({k: str(m[k]) for k in ["To", "Subject", "In-Reply-To", "References", "Auto-Submitted", "Message-ID"]} | {"text": body.get_content() if body else ""}))
"#;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(data.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn replies_go_in_the_thread_once_and_never_to_machines_or_questions() {
    let server = SmtpServer::start();
    let config = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigie@example.org\"\ntimeout_secs = 5\n",
        server.port()
    );
    let (case, m, dir) = seeded_with(Some(&config));
    let (accepted, _) = one(&case, &m, &dir, "der-attachment");
    let (refused, code) = one(&case, &m, &dir, "winmail");
    assert_eq!(code, 3);
    for name in ["question", "out-of-office", "disagree"] {
        let (row, _) = one(&case, &m, &dir, name);
        assert_eq!(row["reply_message_id"], Value::Null, "{name}: no reply");
    }
    // The same message again: a duplicate, no second reply.
    let (dup, _) = one(&case, &m, &dir, "der-attachment");
    assert_eq!(dup["action"], "duplicate");
    assert_eq!(dup["reply_message_id"], Value::Null);
    // --no-reply.
    let (quiet, _) = ingest(&case, &m, &[dir.join("zip.eml")], &["--no-reply"]);
    assert_eq!(quiet[0]["reply_message_id"], Value::Null);

    let msgs = server.messages();
    assert_eq!(
        msgs.len(),
        2,
        "one reply to each message with a certificate"
    );
    for (original, msg) in [(&accepted, &msgs[0]), (&refused, &msgs[1])] {
        let h = headers_by_python(&msg.data);
        assert_eq!(h["Message-ID"], original["reply_message_id"]);
        assert_eq!(h["In-Reply-To"], original["message_id"]);
        assert!(
            h["References"]
                .as_str()
                .unwrap()
                .contains(original["message_id"].as_str().unwrap()),
            "{h}"
        );
        assert_eq!(h["Auto-Submitted"], "auto-replied");
        assert_eq!(h["To"], original["from"]);
        assert_eq!(
            msg.rcpt,
            vec![original["from"].as_str().unwrap().to_owned()]
        );
        assert_eq!(
            h["Subject"],
            format!("Re: {}", original["subject"].as_str().unwrap())
        );
    }
    let first = headers_by_python(&msgs[0].data);
    let text = first["text"].as_str().unwrap();
    assert!(text.contains("accepté"), "{text}");
    assert!(
        text.contains(accepted["certificates"][0]["sha256"].as_str().unwrap()),
        "{text}"
    );
    let second = headers_by_python(&msgs[1].data);
    assert!(second["text"].as_str().unwrap().contains("winmail.dat"));
    // The reply is recorded as sent: a later run sends nothing again.
    one(&case, &m, &dir, "p7b");
    assert_eq!(server.messages().len(), 3, "only the new message's reply");
    server.stop();
}

#[test]
fn replies_stop_at_the_daily_limit_per_sender() {
    let server = SmtpServer::start();
    let config = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigie@example.org\"\ntimeout_secs = 5\n[mail]\nreply_limit_per_day = 1\n",
        server.port()
    );
    let (case, m, dir) = seeded_with(Some(&config));
    // Both from the same address.
    let (a, _) = one(&case, &m, &dir, "der-attachment");
    let (b, _) = one(&case, &m, &dir, "pem-in-html");
    assert_eq!(a["from"], b["from"]);
    assert!(a["reply_message_id"].is_string());
    assert_eq!(b["reply_message_id"], Value::Null);
    assert_eq!(server.messages().len(), 1);
    server.stop();
}

/// Runs openssl (tests only: vigie itself never links it).
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn smime_signatures_made_by_openssl_are_verified_and_a_tampered_one_proves_nothing() {
    crate::need!(crate::support::tools::Tool::Openssl);
    let (case, m, _) = seeded();
    let dir = case.path("smime");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("content.txt"),
        "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voici notre message signé.\r\n",
    )
    .unwrap();
    // Desk 1's certificate with its key (EC P-256), as a desk would sign.
    let desk_key = fixtures_dir().join("cert-and-key.pem");
    let desk_key = desk_key.to_str().unwrap();
    let sign = |out: &str, signer: &str, key: &str, extra: &[&str]| {
        let mut args = vec![
            "cms",
            "-sign",
            "-in",
            "content.txt",
            "-signer",
            signer,
            "-inkey",
            key,
            "-from",
            "informatique@bailleur.example.org",
            "-subject",
            out,
            "-out",
            out,
        ];
        args.extend_from_slice(extra);
        openssl(&dir, &args);
    };
    sign("detached.eml", desk_key, desk_key, &["-md", "sha256"]);
    sign(
        "opaque.eml",
        desk_key,
        desk_key,
        &["-nodetach", "-md", "sha256"],
    );
    let detached = std::fs::read_to_string(dir.join("detached.eml")).unwrap();
    let tampered = detached.replace("voici notre message", "voici notre MESSAGE");
    assert_ne!(tampered, detached);
    std::fs::write(dir.join("tampered.eml"), &tampered).unwrap();
    // The same signed message as a Maildir or mbox file keeps it: LF only.
    std::fs::write(
        dir.join("lf.eml"),
        detached
            .replace("\r\n", "\n")
            .replace("Subject: detached.eml", "Subject: lf"),
    )
    .unwrap();
    // Other keys and digests, with throwaway signers.
    openssl(
        &dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out",
            "rsa.pem", "-subj", "/CN=rsa", "-days", "30",
        ],
    );
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-keyout",
            "ec.key",
            "-out",
            "ec.pem",
            "-subj",
            "/CN=ec",
            "-days",
            "30",
        ],
    );
    sign("rsa-sha512.eml", "rsa.pem", "rsa.key", &["-md", "sha512"]);
    sign(
        "rsa-pss.eml",
        "rsa.pem",
        "rsa.key",
        &[
            "-md",
            "sha256",
            "-keyopt",
            "rsa_padding_mode:pss",
            "-keyopt",
            "rsa_pss_saltlen:digest",
        ],
    );
    sign("ec-p384.eml", "ec.pem", "ec.key", &["-md", "sha384"]);

    let sig_cert = |name: &str| -> Value {
        let (rows, _) = ingest(&case, &m, &[dir.join(name)], &["--no-reply"]);
        let certs = rows[0]["certificates"].as_array().unwrap().clone();
        let c: Vec<&Value> = certs
            .iter()
            .filter(|c| c["found_in"] == "signature")
            .collect();
        assert_eq!(c.len(), 1, "{name}: {rows:?}");
        let mut c = c[0].clone();
        c["desk"] = rows[0]["desk"].clone();
        c
    };
    let desk1 = fixture_entry(&m, "valid.der.cer")["desk"].clone();
    let c = sig_cert("detached.eml");
    assert_eq!(c["signature_verified"], true, "{c}");
    assert_eq!(c["outcome"], "accepted");
    assert_eq!(c["sha256"], leaf_sha(&m, "valid.der.cer"));
    assert_eq!(c["desk"], desk1);
    let c = sig_cert("tampered.eml");
    assert_eq!(
        c["signature_verified"], false,
        "a tampered message proves nothing: {c}"
    );
    let c = sig_cert("opaque.eml");
    assert_eq!(c["signature_verified"], true, "{c}");
    assert_eq!(c["outcome"], "unchanged");
    let c = sig_cert("lf.eml");
    assert_eq!(c["signature_verified"], true, "{c}");
    for name in ["rsa-sha512.eml", "rsa-pss.eml", "ec-p384.eml"] {
        let c = sig_cert(name);
        assert_eq!(c["signature_verified"], true, "{name}: {c}");
    }
}

fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn fetch_moves_each_message_to_its_folder_only_once_it_is_recorded() {
    let (case, m, dir) = seeded_with(Some("\n"));
    let now = m["now"].as_str().unwrap();
    // Without a mailbox configured, fetch says so (usage error).
    let out = case.run(&["--now", now, "mail", "fetch"]);
    assert_eq!(code(&out), 2);
    let root = dir.join("Maildir");
    std::fs::write(
        case.path("vigie.toml"),
        format!(
            "[mail]\nsource = \"maildir\"\nmaildir = \"{}\"\n",
            root.display()
        ),
    )
    .unwrap();
    let inbox_count = |sub: &str| files_in(&root.join(sub)).len();
    assert_eq!(inbox_count("new"), 12);
    // A dry run moves nothing.
    let out = case.run(&["--now", now, "mail", "fetch", "--dry-run", "--json"]);
    assert_eq!(code(&out), 3);
    assert_eq!(inbox_count("new"), 12);

    let out = case.run(&["--now", now, "mail", "fetch", "--json"]);
    assert_eq!(code(&out), 3, "winmail.dat and the private key are refused");
    let rows: Vec<Value> = serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 12);
    let for_people = rows.iter().filter(|r| r["action"] == "needs_human").count();
    assert_eq!(for_people, 2, "the question and the disagreeing message");
    let processed = root.join(".vigie.traites/cur");
    let people = root.join(".vigie.a-traiter/cur");
    assert_eq!(
        inbox_count("new") + inbox_count("cur"),
        0,
        "INBOX ends empty"
    );
    assert_eq!(files_in(&people).len(), for_people);
    assert_eq!(files_in(&processed).len(), 12 - for_people);
    let replies = files_in(&case.data().join("outbox")).len();
    assert!(replies > 0);

    // A crash between the commit and the move leaves messages in INBOX:
    // the next fetch finds them recorded and moves them where they belong,
    // with no new certificate and no new reply.
    for f in [
        files_in(&processed)[0].clone(),
        files_in(&people)[0].clone(),
    ] {
        let back = root.join("cur").join(f.file_name().unwrap());
        std::fs::rename(&f, &back).unwrap();
    }
    let out = case.run(&["--now", now, "mail", "fetch", "--json"]);
    assert_eq!(code(&out), 0);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["action"] == "duplicate"), "{rows:?}");
    assert_eq!(inbox_count("new") + inbox_count("cur"), 0);
    assert_eq!(files_in(&people).len(), for_people);
    assert_eq!(files_in(&processed).len(), 12 - for_people);
    assert_eq!(files_in(&case.data().join("outbox")).len(), replies);
    assert_eq!(
        case.json(&["mail", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        12
    );
}

/// DESIGN §13: with `--now` and without `VIGIE_NOW_SENDS=1`, mail intake is
/// a what-if: the mailbox is left as it is, no reply goes out, and nothing
/// is recorded (so the real fetch later takes every message in).
#[test]
fn now_without_the_test_variable_moves_replies_and_records_nothing() {
    let (case, m, dir) = seeded();
    let now = m["now"].as_str().unwrap();
    let root = dir.join("Maildir");
    std::fs::write(
        case.path("vigie.toml"),
        format!(
            "[mail]\nsource = \"maildir\"\nmaildir = \"{}\"\n",
            root.display()
        ),
    )
    .unwrap();
    let case = Case {
        config: Some(case.path("vigie.toml")),
        ..case
    };
    let before = files_in(&root.join("new")).len();
    assert!(before > 0);
    let outbox = || files_in(&case.data().join("outbox")).len();
    let sent_before = outbox();
    let out = case
        .std_cmd()
        .env_remove(crate::support::NOW_SENDS)
        .args(["--now", now, "mail", "fetch", "--json"])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows.as_array().unwrap().len(),
        before,
        "every message judged"
    );
    assert!(stderr(&out).contains("what-if"), "{}", stderr(&out));
    assert_eq!(files_in(&root.join("new")).len(), before, "nothing moved");
    assert_eq!(outbox(), sent_before, "no reply");
    let listed = case.json(&["mail", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing recorded");
}

/// A scanned document beside the certificate is not copied nor judged, and
/// a part too large to be a certificate file is refused as `cert ingest`
/// refuses such a file (`too_large`), before being examined.
#[test]
fn parts_larger_than_a_certificate_file_can_be_are_not_examined() {
    let (case, m, dir) = seeded();
    let script = r#"
import os, random, sys
from email.message import EmailMessage
fix, out = sys.argv[1], sys.argv[2]
rand = random.Random(7)
m = EmailMessage()
m["From"] = "Guichet 1 <guichet-00001@example.org>"
m["To"] = "gestion@example.org"
m["Subject"] = "Certificat et dossier"
m["Message-ID"] = "<gros@guichet.example.org>"
m.set_content("Le certificat, et le dossier scanné.")
m.add_attachment(open(os.path.join(fix, "valid.der.cer"), "rb").read(),
                 maintype="application", subtype="octet-stream", filename="certificat.cer")
m.add_attachment(rand.randbytes(3 << 20), maintype="application", subtype="pdf", filename="dossier.pdf")
m.add_attachment(rand.randbytes(2 << 20), maintype="application", subtype="octet-stream", filename="gros.cer")
open(out, "wb").write(bytes(m))
"#;
    let eml = dir.join("gros.eml");
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(fixtures_dir())
        .arg(&eml)
        .status()
        .expect("python3");
    assert!(status.success());
    let (rows, code) = ingest(&case, &m, &[eml], &[]);
    let certs = rows[0]["certificates"].as_array().unwrap();
    let files: Vec<&str> = certs.iter().map(|c| c["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["certificat.cer", "gros.cer"], "{rows:?}");
    assert_eq!(certs[0]["outcome"], "accepted");
    assert_eq!(certs[0]["sha256"], leaf_sha(&m, "valid.der.cer"));
    assert_eq!(certs[1]["outcome"], "refused");
    assert_eq!(certs[1]["reason"]["code"], "too_large", "{:?}", certs[1]);
    assert_eq!(code, 3, "a refused certificate file makes the exit code 3");
}
