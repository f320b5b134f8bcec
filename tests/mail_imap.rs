//! `vigie mail fetch` over IMAP against a real Dovecot (DESIGN §10):
//! TLS, STARTTLS and plain text to loopback; messages moved only once
//! recorded, exactly once across a crash; wrong passwords, stalling and
//! hostile servers given up on with a clear error; the service's `mail`
//! job. Messages are built by Python's `email` package
//! (tests/mail_messages.py) and delivered and counted by `doveadm`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::mail::{leaf_sha, seeded_with};
use crate::support::imap::Dovecot;
use crate::support::{code, stderr, Case};

/// Dovecot's names of vigie's folders (its hierarchy delimiter is `.`).
const PROCESSED: &str = "vigie.traites";
const PEOPLE: &str = "vigie.a-traiter";

fn rows(out: &std::process::Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v.as_array().unwrap().clone()
}

fn outbox(case: &Case) -> usize {
    std::fs::read_dir(case.data().join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn tls_fetch_moves_each_message_once_recorded_and_a_crash_before_the_move_is_a_duplicate() {
    crate::need!(crate::support::tools::Tool::Dovecot);
    let server = Dovecot::start();
    let (case, m, dir) = seeded_with(Some(&server.mail_config("tls", 30)));
    let now = m["now"].as_str().unwrap();
    let reply = std::fs::read(dir.join("der-attachment.eml")).unwrap();
    server.deliver(&reply);
    server.deliver(&std::fs::read(dir.join("question.eml")).unwrap());
    assert_eq!(server.count("INBOX"), 2);

    // A dry run reads and moves nothing, creates no folder; so does `--now`
    // without VIGIE_NOW_SENDS (DESIGN §13), which records nothing either.
    let out = case.run(&["--now", now, "mail", "fetch", "--dry-run", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(rows(&out).len(), 2);
    let out = case
        .std_cmd()
        .env_remove(crate::support::NOW_SENDS)
        .args(["--now", now, "mail", "fetch", "--json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(rows(&out).len(), 2);
    assert!(stderr(&out).contains("what-if"), "{}", stderr(&out));
    assert_eq!(server.count("INBOX"), 2);
    assert_eq!(server.folders(), ["INBOX"], "no folder created");
    let listed = case.json(&["mail", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing recorded");

    let out = case.run(&["--now", now, "mail", "fetch", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows1 = rows(&out);
    assert_eq!(rows1.len(), 2);
    let taken = rows1
        .iter()
        .find(|r| r["action"] == "ingested")
        .unwrap_or_else(|| panic!("{rows1:?}"));
    let sha = leaf_sha(&m, "valid.der.cer");
    assert_eq!(taken["certificates"][0]["sha256"], sha.as_str());
    assert_eq!(taken["certificates"][0]["outcome"], "accepted");
    assert!(rows1.iter().any(|r| r["action"] == "needs_human"));
    assert_eq!(server.count("INBOX"), 0, "INBOX ends empty");
    assert_eq!(server.count(PROCESSED), 1);
    assert_eq!(server.count(PEOPLE), 1, "the question goes to people");
    // The certificate is the desk's current one.
    let desk = taken["desk"].as_str().unwrap();
    let status = case.json(&["--now", now, "status", "--json"]);
    let row = status
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["desk"] == desk)
        .unwrap();
    assert_eq!(row["sha256"], sha.as_str());
    let replies = outbox(&case);
    assert!(replies > 0, "the desk got its reply");

    // A crash between the commit and the move leaves the message in INBOX:
    // put it back. The next fetch finds it recorded and moves it, with no
    // new certificate and no new reply.
    server.deliver(&reply);
    let out = case.run(&["--now", now, "mail", "fetch", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let again = rows(&out);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["action"], "duplicate");
    assert_eq!(again[0]["certificates"], serde_json::json!([]));
    assert_eq!(server.count("INBOX"), 0);
    assert_eq!(server.count(PROCESSED), 2);
    assert_eq!(outbox(&case), replies, "no second reply");
    let listed = case.json(&["mail", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 2, "recorded once");
    // The audit log says where each message came from.
    let log = case.ok(&["log", "--json"]);
    assert!(
        log.contains(&format!(
            "imaps://gestion@127.0.0.1:{}/INBOX;UID=",
            server.imaps_port
        )),
        "the origin names the server, folder and UID: {log}"
    );
}

#[test]
fn starttls_and_plain_text_to_loopback_work_and_without_move_it_copies_then_expunges() {
    crate::need!(crate::support::tools::Tool::Dovecot);
    // Without MOVE (and without UIDPLUS), the fallback: COPY, \Deleted,
    // EXPUNGE.
    let server =
        Dovecot::start_with("protocol imap {\n  imap_capability = IMAP4rev1 LITERAL+ SASL-IR\n}\n");
    let case = Case::with_config(&server.mail_config("starttls", 30));
    let msg = |n: u32| {
        format!(
            "From: guichet@example.org\r\nTo: gestion@example.org\r\nSubject: Question {n}\r\n\
             Message-ID: <q{n}@example.org>\r\nDate: Mon, 1 Mar 2027 08:00:00 +0000\r\n\r\nBonjour.\r\n"
        )
    };
    server.deliver(msg(1).as_bytes());
    let out = case.run(&["mail", "fetch", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(rows(&out)[0]["action"], "needs_human");
    assert_eq!(server.count("INBOX"), 0);
    assert_eq!(server.count(PEOPLE), 1);

    // Plain text to this machine (`plain` is read as `none`).
    let config = server
        .mail_config("none", 30)
        .replace("\"none\"", "\"plain\"");
    std::fs::write(case.config.as_ref().unwrap(), config).unwrap();
    server.deliver(msg(2).as_bytes());
    let out = case.run(&["mail", "fetch", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(rows(&out).len(), 1);
    assert_eq!(server.count("INBOX"), 0);
    assert_eq!(server.count(PEOPLE), 2);
}

#[test]
fn plain_text_to_another_host_is_refused_when_the_configuration_is_read() {
    for security in ["none", "plain"] {
        let case = Case::with_config(&format!(
            "[mail]\nsource = \"imap\"\nimap_host = \"imap.example.org\"\n\
             imap_security = \"{security}\"\nimap_user = \"gestion\"\n\
             imap_password_env = \"VIGIE_TEST_IMAP_PW\"\n"
        ));
        let out = case.run(&["mail", "fetch"]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("mail.imap_security") && err.contains("imap.example.org"),
            "{err}"
        );
    }
    // What source = "imap" needs is named.
    let case = Case::with_config("[mail]\nsource = \"imap\"\nimap_user = \"gestion\"\n");
    let out = case.run(&["mail", "fetch"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("mail.imap_host"), "{}", stderr(&out));
}

#[test]
fn a_wrong_password_names_the_server_and_user_moves_nothing_and_is_never_printed() {
    crate::need!(crate::support::tools::Tool::Dovecot);
    let server = Dovecot::start();
    let case = Case::with_config(&server.mail_config("tls", 30));
    server
        .deliver(b"From: a@example.org\r\nSubject: x\r\nMessage-ID: <x@example.org>\r\n\r\nx\r\n");
    let wrong = "not-the-password-4711";
    let pw = server.dir.path().join("imap-password");
    std::fs::write(&pw, wrong).unwrap();
    let out = case.run(&["mail", "fetch", "--json"]);
    assert_eq!(code(&out), 1, "an operational error: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("127.0.0.1:{}", server.imaps_port)) && err.contains("gestion"),
        "names the server and user: {err}"
    );
    assert!(err.contains("login"), "{err}");
    assert!(!err.contains(wrong), "the password is never printed: {err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(wrong));
    assert_eq!(server.count("INBOX"), 1, "nothing moved");
    assert_eq!(server.count(PROCESSED) + server.count(PEOPLE), 0);
    // The right password, from an environment variable this time; it
    // appears in no output either.
    let config = server.mail_config("tls", 30).replace(
        &format!("imap_password_file = \"{}\"", pw.display()),
        "imap_password_env = \"VIGIE_TEST_IMAP_PW\"",
    );
    std::fs::write(case.config.as_ref().unwrap(), config).unwrap();
    let out = case
        .cmd()
        .env("VIGIE_TEST_IMAP_PW", &server.password)
        .args(["mail", "fetch", "--json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(server.count("INBOX"), 0);
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(&server.password));
    }
}

/// A fake IMAP server on loopback: greets, then answers each command with
/// `answer`, until the test ends. Returns its port.
fn fake_server(answer: fn(&str, &str, &mut std::net::TcpStream) -> bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let _ = conn.write_all(b"* OK fake ready\r\n");
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let (tag, command) = line.trim_end().split_once(' ').unwrap_or(("", ""));
                    if !answer(tag, command, &mut conn) {
                        // Stall: hold the connection without a word.
                        std::thread::sleep(Duration::from_secs(120));
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

fn fake_config(port: u16) -> String {
    format!(
        "[mail]\nsource = \"imap\"\nimap_host = \"127.0.0.1\"\nimap_port = {port}\n\
         imap_security = \"none\"\nimap_user = \"gestion\"\n\
         imap_password_env = \"VIGIE_TEST_IMAP_PW\"\nimap_timeout_secs = 2\n"
    )
}

/// Runs `mail fetch` with a deadline; returns its output and how long it took.
fn fetch_within(case: &Case, limit: Duration) -> (std::process::Output, Duration) {
    let start = Instant::now();
    let mut child = case
        .std_cmd()
        .env("VIGIE_TEST_IMAP_PW", "pw")
        .args(["mail", "fetch", "--dry-run"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return (child.wait_with_output().unwrap(), start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("vigie mail fetch still waiting after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_server_that_stalls_is_given_up_on_within_the_timeout() {
    // Greets, then never answers LOGIN.
    let port = fake_server(|_, _, _| false);
    let case = Case::with_config(&fake_config(port));
    let (out, took) = fetch_within(&case, Duration::from_secs(60));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("timed out") && err.contains("LOGIN"), "{err}");
    // Generous for a slow machine, far below "forever".
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn a_server_announcing_a_huge_literal_is_refused_naming_the_message() {
    let port = fake_server(|tag, command, conn| {
        let c = command.to_ascii_uppercase();
        let reply = if c.starts_with("LOGIN") || c.starts_with("LOGOUT") {
            format!("{tag} OK done\r\n")
        } else if c.starts_with("CAPABILITY") {
            format!("* CAPABILITY IMAP4rev1 MOVE\r\n{tag} OK done\r\n")
        } else if c.starts_with("LIST") {
            format!("* LIST () \".\" INBOX\r\n{tag} OK done\r\n")
        } else if c.starts_with("EXAMINE") || c.starts_with("SELECT") {
            format!("* 1 EXISTS\r\n{tag} OK [READ-ONLY] done\r\n")
        } else if c.starts_with("UID SEARCH") {
            format!("* SEARCH 7\r\n{tag} OK done\r\n")
        } else if c.contains("RFC822.SIZE") {
            // It lies about the size...
            format!("* 1 FETCH (UID 7 RFC822.SIZE 100)\r\n{tag} OK done\r\n")
        } else if c.contains("BODY.PEEK[]") {
            // ...then announces 2 GiB and sends them slowly.
            let _ = conn.write_all(b"* 1 FETCH (UID 7 BODY[] {2147483648}\r\n");
            for _ in 0..1000 {
                if conn.write_all(&[b'x'; 65536]).is_err() {
                    break;
                }
            }
            return false;
        } else {
            format!("{tag} BAD unknown\r\n")
        };
        conn.write_all(reply.as_bytes()).is_ok()
    });
    let case = Case::with_config(&fake_config(port));
    let (out, _) = fetch_within(&case, Duration::from_secs(60));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("message UID 7") && err.contains("literal of more than"),
        "{err}"
    );
}

/// GET a path of the service's listener; the body.
fn get(port: u16, path: &str) -> String {
    use std::io::Read;
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text
}

#[test]
fn the_service_fetches_the_mailbox_on_its_schedule_and_logs_no_password() {
    crate::need!(crate::support::tools::Tool::Dovecot);
    let server = Dovecot::start();
    let port = crate::service::free_port();
    let case = Case::with_config(&format!(
        "{}\n[service]\nmail = \"* * * * * *\"\nalerts = \"0 0 9 1 1 *\"\npush = \"0 0 9 1 1 *\"\n\
         digest = \"0 0 9 1 1 *\"\nbackup = \"0 0 9 1 1 *\"\nlisten = \"127.0.0.1:{port}\"\n",
        server.mail_config("tls", 30)
    ));
    server.deliver(
        b"From: guichet@example.org\r\nSubject: Question\r\nMessage-ID: <s1@example.org>\r\n\r\nBonjour.\r\n",
    );
    // Everything logged, the IMAP client's traces included if they were let
    // through.
    let log_path = case.path("serve.log");
    let mut child = case
        .std_cmd()
        .env("VIGIE_LOG", "trace")
        .arg("serve")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut healthy = false;
    while server.count(PEOPLE) < 1 || !healthy {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the service did not fetch the mailbox, or /healthz did not list the mail job, within 60 s: {}",
                log()
            );
        }
        healthy = get(port, "/healthz").contains("\"mail\"");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(server.count("INBOX"), 0);
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vigie serve did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = log();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("mail:"), "{log}");
    assert!(
        !log.contains(&server.password),
        "the password is never logged"
    );
    let listed = case.json(&["mail", "list", "--json"]);
    assert!(!listed.as_array().unwrap().is_empty(), "taken in");
    assert_eq!(listed.as_array().unwrap().len(), 1, "taken in once");
}

/// Issue 13's crash harness: `mail fetch` against Dovecot, killed (SIGKILL)
/// at random instants, then run to the end. Afterwards every message is in
/// exactly one of vigie's folders, INBOX is empty, each message and each
/// certificate is recorded once, and each kill repeats at most the one
/// reply in flight. `VIGIE_CRASH_KILLS` (default 6) and `VIGIE_CRASH_SEED`
/// as in tests/crash.rs.
#[test]
fn killing_mail_fetch_at_random_loses_nothing_and_repeats_at_most_a_reply_per_kill() {
    use vigie::certgen::{pem, Ca, Key, KeyKind, LeafSpec};
    crate::need!(crate::support::tools::Tool::Dovecot);
    let python = crate::need!(crate::support::tools::Tool::Python("email"));
    // Ten messages before each run: the first run is timed, each of the
    // others killed at a random instant within that time.
    const BATCH: usize = 10;
    let kills = crate::crash::env_u64("VIGIE_CRASH_KILLS").unwrap_or(6) as usize;
    let n = BATCH * (kills + 1);
    let server = Dovecot::start();
    let case = Case::new();
    // The desks' CA is known, so that each renewal is accepted.
    let now = chrono::Utc::now();
    let day = chrono::TimeDelta::days(1);
    let ca = Ca::root(
        "AC du harnais de relève",
        Key::generate(KeyKind::P256).unwrap(),
        now - day * 400,
        now + day * 4000,
    )
    .unwrap();
    let anchors = case.path("ac");
    std::fs::create_dir_all(&anchors).unwrap();
    std::fs::write(anchors.join("ac.pem"), pem("CERTIFICATE", &ca.der)).unwrap();
    let config = format!(
        "{}\n[intake]\nknown_issuers_dir = \"{}\"\n",
        server.mail_config("tls", 30),
        anchors.display()
    );
    let case = Case {
        config: Some(case.file("vigie.toml", config)),
        ..case
    };
    let mut csv = String::from("identifiant;nom;courriel\n");
    let certs = case.path("certs");
    std::fs::create_dir_all(&certs).unwrap();
    let mut want = std::collections::BTreeMap::new();
    for i in 0..n {
        let id = crate::alerts::desk_id(i as u32 + 1).to_string();
        let email = format!("guichet{i}@example.org");
        csv.push_str(&format!("{id};Guichet {i};{email}\n"));
        let spec = LeafSpec::desk(&id, &email, now - day, now + day * 700, 0x5000 + i as u64);
        let der = ca
            .issue(&spec, &Key::generate(KeyKind::P256).unwrap())
            .unwrap();
        want.insert(id.clone(), vigie::fingerprint::Sha256::of(&der).to_hex());
        std::fs::write(certs.join(format!("{i}.cer")), der).unwrap();
    }
    let roster = case.file("guichets.csv", csv);
    case.ok(&["desk", "import", roster.to_str().unwrap()]);
    // Each desk's e-mail with its certificate, built by Python's `email`.
    let script = r#"
import email.message, email.utils, os, sys
certs, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    m = email.message.EmailMessage()
    m["From"] = f"Guichet {i} <guichet{i}@example.org>"
    m["To"] = "gestion@example.org"
    m["Subject"] = f"Certificat renouvelé {i}"
    m["Message-ID"] = f"<harnais{i}@guichet.example.org>"
    m["Date"] = email.utils.formatdate()
    m.set_content("Bonjour,\nvoici notre nouveau certificat.\n")
    m.add_attachment(open(os.path.join(certs, f"{i}.cer"), "rb").read(),
                     maintype="application", subtype="pkix-cert", filename=f"{i}.cer")
    open(os.path.join(certs, f"{i}.eml"), "wb").write(bytes(m))
"#;
    let status = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&certs)
        .arg(n.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "the message builder failed");
    let deliver = |round: usize| {
        for i in round * BATCH..(round + 1) * BATCH {
            server.deliver(&std::fs::read(certs.join(format!("{i}.eml"))).unwrap());
        }
    };
    deliver(0);
    let start = std::time::Instant::now();
    case.ok(&["mail", "fetch"]);
    let full = start.elapsed().as_millis() as u64;
    let seed = crate::crash::env_u64("VIGIE_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    let mut rng = crate::crash::Rng(seed);
    let mut killed = 0;
    let mut delays = Vec::new();
    for round in 1..=kills {
        deliver(round);
        let delay = rng.below(full);
        delays.push(delay);
        if crate::crash::run_and_kill(&case, &["mail", "fetch"], delay) {
            killed += 1;
        }
    }
    let out = case.run(&["mail", "fetch", "--json"]);
    assert_eq!(
        code(&out),
        0,
        "seed {seed}, kills at {delays:?} ms: {}",
        stderr(&out)
    );
    let context =
        format!("seed {seed} (VIGIE_CRASH_SEED), a full run {full} ms, kills at {delays:?} ms");
    assert!(killed > 0, "no run was killed before its end: {context}");
    assert_eq!(server.count("INBOX"), 0, "INBOX ends empty; {context}");
    assert_eq!(
        server.count(PROCESSED),
        n,
        "each message in exactly one folder; {context}"
    );
    assert_eq!(server.count(PEOPLE), 0, "{context}");
    // Each message recorded once, each certificate current once.
    let listed = case.json(&["mail", "list", "--json"]);
    let ids: std::collections::BTreeSet<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed.as_array().unwrap().len(), n, "{context}");
    assert_eq!(ids.len(), n, "{context}");
    let status = case.json(&["status", "--json"]);
    for row in status.as_array().unwrap() {
        let desk = row["desk"].as_str().unwrap();
        assert_eq!(row["sha256"], want[desk].as_str(), "{desk}; {context}");
        let history = case.json(&["cert", "history", desk, "--json"]);
        assert_eq!(
            history.as_array().unwrap().len(),
            1,
            "{desk}: one certificate recorded; {context}"
        );
    }
    // One reply per message, plus at most the one in flight per kill.
    let replies = outbox(&case);
    assert!(
        (n..=n + killed).contains(&replies),
        "{replies} replies for {n} messages and {killed} kills; {context}"
    );
    eprintln!("{killed} kills ({context}): {replies} replies for {n} messages");
}

/// Issue 13, against Dovecot: every shape the generator makes (attachments,
/// PEM in text and HTML, zip, forward, PKCS#7, winmail.dat, a private key, a
/// question, an out-of-office, disagreeing evidence, attribution by sender)
/// is decided by `mail fetch` over IMAP exactly as `mail ingest` decides the
/// same files, goes to the folder its decision names, and gets the same
/// replies; INBOX ends empty.
#[test]
fn over_imap_every_shape_is_decided_as_from_files_and_filed_by_its_decision() {
    crate::need!(crate::support::tools::Tool::Dovecot);
    crate::need!(crate::support::tools::Tool::Python("email"));
    let (files, m, dir) = seeded_with(None);
    let now = m["now"].as_str().unwrap();
    let mut emls: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    emls.sort();
    let mut by_file = std::collections::BTreeMap::new();
    for eml in &emls {
        let out = files.run(&[
            "--now",
            now,
            "mail",
            "ingest",
            "--json",
            eml.to_str().unwrap(),
        ]);
        by_file.insert(eml.clone(), rows(&out).remove(0));
    }

    let server = Dovecot::start();
    let (case, _, _) = seeded_with(Some(&server.mail_config("tls", 30)));
    for eml in &emls {
        server.deliver(&std::fs::read(eml).unwrap());
    }
    let out = case.run(&["--now", now, "mail", "fetch", "--json"]);
    let fetched = rows(&out);
    assert_eq!(fetched.len(), emls.len(), "{}", stderr(&out));
    let decision = |r: &Value| {
        let certs: Vec<Value> = r["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                serde_json::json!([
                    c["sha256"],
                    c["found_in"],
                    c["outcome"],
                    c["reason"]["code"]
                ])
            })
            .collect();
        serde_json::json!([r["action"], r["desk"], r["attributed_by"], certs])
    };
    let mut people = 0;
    for (eml, want) in &by_file {
        let got = fetched
            .iter()
            .find(|r| r["message_id"] == want["message_id"])
            .unwrap_or_else(|| panic!("{} was not fetched", eml.display()));
        assert_eq!(decision(got), decision(want), "{}", eml.display());
        if want["action"] == "needs_human" {
            people += 1;
        }
    }
    assert!(people > 0, "the generator's question goes to people");
    assert_eq!(server.count("INBOX"), 0, "INBOX ends empty");
    assert_eq!(server.count(PEOPLE), people);
    assert_eq!(server.count(PROCESSED), emls.len() - people);
    assert_eq!(outbox(&case), outbox(&files), "the same replies");
}
