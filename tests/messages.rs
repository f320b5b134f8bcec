//! What vigie's e-mails say and carry, read back the way a mail client reads
//! them: every message is parsed by Python's `email` package (the standard
//! library's RFC 5322/MIME parser), not by vigie's own code.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::alerts::{at, config, list, seed, seed_desk};
use crate::smtp::SmtpServer;
use crate::support::Case;

/// A message as Python's `email` parser reads it.
#[derive(Debug, serde::Deserialize)]
pub struct Parsed {
    /// Every header, decoded, in order.
    pub headers: Vec<(String, String)>,
    /// The text/plain alternative, decoded.
    pub text: String,
    /// The text/html alternative, decoded.
    pub html: String,
    /// The Date header's UTC offset in seconds, as Python parsed it.
    pub date_offset: Option<i64>,
    /// The Date header as an RFC 3339 instant in UTC.
    pub date_utc: Option<String>,
}

impl Parsed {
    /// A header's decoded value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The whole message as text: headers, text and HTML.
    pub fn all(&self) -> String {
        let mut s: String = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect();
        s.push_str(&self.text);
        s.push_str(&self.html);
        s
    }
}

const PARSER: &str = r#"
import sys, json, email, email.policy, email.utils, datetime
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
def body(kind):
    part = msg.get_body(preferencelist=(kind,))
    return part.get_content() if part is not None else ""
out = {"headers": [[k, str(v)] for k, v in msg.items()],
       "text": body("plain"), "html": body("html"),
       "date_offset": None, "date_utc": None}
if msg["Date"] is not None:
    d = email.utils.parsedate_to_datetime(str(msg["Date"]))
    out["date_offset"] = int(d.utcoffset().total_seconds())
    out["date_utc"] = d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print(json.dumps(out))
"#;

/// Parses a message's bytes with Python's `email` package.
pub fn parse(raw: &[u8]) -> Parsed {
    let mut child = Command::new("python3")
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed to read the messages back");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(raw).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "Python's email parser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the parser's JSON")
}

/// The `.eml` files of a case's outbox, sorted by name.
pub fn outbox(case: &Case) -> Vec<PathBuf> {
    let dir = case.data().join("outbox");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Every outbox message, parsed.
pub fn outbox_parsed(case: &Case) -> Vec<Parsed> {
    outbox(case).iter().map(|p| read(p)).collect()
}

fn read(p: &Path) -> Parsed {
    parse(&std::fs::read(p).unwrap())
}

#[test]
fn automatic_messages_say_so_and_are_dated_in_local_time() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    case.ok(&["alerts", "digest", "--now", "2027-12-18T07:30:00Z"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 2);
    // Summer then winter in Europe/Paris: +02:00, then +01:00.
    for (m, offset, utc) in [
        (&msgs[0], 7200, "2027-06-18T07:00:00Z"),
        (&msgs[1], 3600, "2027-12-18T07:30:00Z"),
    ] {
        let p = parse(m.data.as_bytes());
        assert_eq!(p.header("Auto-Submitted"), Some("auto-generated"), "{p:?}");
        assert_eq!(p.header("X-Auto-Response-Suppress"), Some("All"), "{p:?}");
        assert_eq!(p.date_offset, Some(offset), "{:?}", p.header("Date"));
        assert_eq!(p.date_utc.as_deref(), Some(utc));
    }
    // The outbox carries the same headers.
    let case = Case::new();
    seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let p = outbox_parsed(&case);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(p[0].date_offset, Some(7200));
}

/// Ingests `fixture` for desk 732829320-00001 under `name` in a deep folder,
/// sends the refusal to the outbox and returns it.
fn refusal_for(fixture: &str, name: &str) -> (Case, Parsed) {
    let case = Case::new();
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "Office public de l'habitat",
        "--email",
        "guichet@example.org",
    ]);
    let bytes = std::fs::read(crate::support::fixtures_dir().join(fixture)).unwrap();
    let path = case.file(&format!("Dossiers privés/équipe gestion/{name}"), bytes);
    // The fixtures' own instant (certs-fixtures/manifest.json).
    let out = case.run(&[
        "cert",
        "ingest",
        "--now",
        "2027-03-01T09:00:00Z",
        "--desk",
        "732829320-00001",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        crate::support::code(&out),
        3,
        "{}",
        crate::support::stderr(&out)
    );
    case.ok(&["alerts", "run", "--now", "2027-03-01T09:05:00Z"]);
    let mut msgs = outbox_parsed(&case);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    (case, msgs.remove(0))
}

#[test]
fn a_refusal_shows_only_the_file_base_name_in_the_body_and_advice_by_reason() {
    // A hostile or clumsy name: bidi override, zero-width, line break.
    let name = "export-sne\u{202e}rec.exe\u{200b}\n\u{7}Bcc: x.pem";
    let (case, m) = refusal_for("key-pkcs8.pem", name);
    let subject = m.header("Subject").unwrap();
    assert!(subject.contains("732829320-00001"), "{subject}");
    assert!(
        !subject.contains("export-sne"),
        "file name in subject: {subject}"
    );
    let folder = case.path("Dossiers privés").display().to_string();
    for (part, body) in [("text", &m.text), ("html", &m.html)] {
        assert!(
            body.contains("export-sne"),
            "{part} lacks the file name:\n{body}"
        );
        assert!(!body.contains(&folder), "{part} shows the folder:\n{body}");
        assert!(
            !body.contains("Dossiers privés"),
            "{part} shows the folder:\n{body}"
        );
        for c in ['\u{202e}', '\u{200b}', '\u{7}'] {
            assert!(!body.contains(c), "{part} keeps {c:?}");
        }
        // A private key: revoke it.
        assert!(
            body.contains("révoquer"),
            "{part} lacks the revocation advice:\n{body}"
        );
    }
    // The line break stays inside the name: no line of the message starts
    // with what followed it.
    assert!(m.header("Bcc").is_none());
    assert!(
        !m.all().lines().any(|l| l.starts_with("Bcc")),
        "{}",
        m.all()
    );

    // Expired: a new certificate, not the export steps.
    let (_, m) = refusal_for("expired.cer", "guichet.cer");
    assert!(m.text.contains("nouveau certificat"), "{}", m.text);
    assert!(!m.text.contains("révoquer"), "{}", m.text);
    // Not a certificate: how to export one.
    let (_, m) = refusal_for("request.csr", "guichet.csr");
    for needle in ["Exporter", "Non, ne pas exporter la clé privée", ".cer"] {
        assert!(m.text.contains(needle), "lacks «{needle}»:\n{}", m.text);
        assert!(
            m.html.contains(needle),
            "html lacks «{needle}»:\n{}",
            m.html
        );
    }
    assert!(!m.text.contains("révoquer"), "{}", m.text);
}

#[test]
fn from_seven_days_the_subject_says_urgent_and_the_text_says_to_call() {
    let case = Case::new();
    seed(
        &case,
        &[
            seed_desk(1, "2027-06-30T10:00:00Z"),
            seed_desk(2, "2027-06-24T10:00:00Z"),
            seed_desk(3, "2027-06-10T10:00:00Z"),
        ],
    );
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let msgs = outbox_parsed(&case);
    assert_eq!(msgs.len(), 3);
    let by_desk = |n: u32| {
        msgs.iter()
            .find(|m| {
                m.header("Subject")
                    .unwrap()
                    .contains(&format!("732829320-0000{n}"))
            })
            .unwrap()
    };
    // 12 days left: not yet urgent.
    let calm = by_desk(1);
    assert!(!calm.header("Subject").unwrap().contains("URGENT"));
    assert!(!calm.text.contains("contactez votre gestionnaire"));
    // 6 days left, and expired: urgent, call the team.
    for n in [2, 3] {
        let m = by_desk(n);
        let subject = m.header("Subject").unwrap();
        assert!(subject.starts_with("URGENT"), "{subject}");
        assert!(subject.contains("fin de vie"), "{subject}");
        for body in [&m.text, &m.html] {
            assert!(body.contains("contactez votre gestionnaire"), "{body}");
        }
    }

    // With the team's phone and address in the configuration, they are given.
    let case = Case::with_config(
        "[manager]\nname = \"Gestion territoriale\"\nemail = \"gestion@example.org\"\n\
         phone = \"01 23 45 67 89\"\naddress = \"1 place de la Préfecture, 69000 Lyon\"\n",
    );
    seed(&case, &[seed_desk(2, "2027-06-24T10:00:00Z")]);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let m = &outbox_parsed(&case)[0];
    for body in [&m.text, &m.html] {
        assert!(body.contains("01 23 45 67 89"), "{body}");
        assert!(
            body.contains("1 place de la Préfecture, 69000 Lyon"),
            "{body}"
        );
    }
}

/// The characters that reorder or hide text, and the line separators.
const HIDDEN: [char; 16] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200e}', '\u{200f}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{feff}', '\u{2028}',
];

#[test]
fn hidden_characters_are_neutralised_far_dates_print_and_huge_certificates_stay_small() {
    use vigie::alerts::{AlertRecord, AlertSubject};
    let case = Case::new();
    let mut s = seed_desk(1, "9999-12-31T23:59:59Z");
    s.name = "Office\u{202e}lituo\u{200b}\u{2028}\u{2029}\u{feff}\u{2066}x\u{2069} habitat".into();
    seed(&case, &[s]);
    let id = crate::alerts::desk_id(1);
    let store = case.store();
    // A huge certificate: a subject of thousands of attributes and an issuer
    // to match, hidden characters inside.
    let mut cert = crate::alerts::cert_for(&id, at("9999-12-31T23:59:59Z"));
    cert.subject = format!(
        "CN=Guichet\u{202e}\u{200f} {id}, {}",
        (0..3000)
            .map(|i| format!("OU=unité {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    cert.issuer = format!("CN=AC\u{2067}, O={}", "x".repeat(50_000));
    cert.serial = "0a".repeat(5000);
    store
        .write(|tx| {
            tx.put_cert(&cert)?;
            tx.set_current(&id, &cert.sha256)?;
            tx.put_alert(&AlertRecord::pending(
                AlertSubject::Confirmation {
                    desk: id.clone(),
                    cert: cert.sha256,
                },
                at("2027-06-18T06:00:00Z"),
            ))
        })
        .unwrap();
    drop(store);
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let files = outbox(&case);
    assert_eq!(files.len(), 1);
    let size = std::fs::metadata(&files[0]).unwrap().len();
    assert!(
        size < 32 * 1024,
        "a {size}-byte message for one certificate"
    );
    let m = read(&files[0]);
    let all = m.all();
    for c in HIDDEN.iter().chain(&['\u{2029}']) {
        assert!(!all.contains(*c), "{c:?} left in the message:\n{all}");
    }
    assert!(m.text.contains("31/12/9999"), "{}", m.text);
    assert!(m.text.contains("Guichet"), "{}", m.text);
    assert!(m.text.contains('…'), "a cut field says so:\n{}", m.text);
    assert!(m.html.contains('…'), "{}", m.html);
}

#[test]
fn a_refused_recipient_loses_nothing_else_and_is_recorded_with_the_answer() {
    let server = SmtpServer::start_on(0, &["guichet1@"]);
    let case = Case::with_config(&config(server.port()));
    let mut s = seed_desk(1, "2027-06-30T10:00:00Z");
    s.emails.push("secretariat1@example.org".into());
    seed(&case, &[s]);
    // 12 days left: the desk's two addresses and the team.
    let out = case.run(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    let err = crate::support::stderr(&out);
    assert!(err.contains("guichet1@example.org"), "{err}");
    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        msgs[0].rcpt,
        ["secretariat1@example.org", "equipe@example.org"]
    );
    let log = list(&case);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "sent", "{log:?}");
    let failed = log[0]["failed_recipients"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{log:?}");
    assert_eq!(failed[0]["address"], "guichet1@example.org");
    assert!(
        failed[0]["answer"].as_str().unwrap().contains("550"),
        "{failed:?}"
    );
    // Sent is final: the run after does not send it again.
    case.run(&["alerts", "run", "--now", "2027-06-18T08:00:00Z"]);
    assert_eq!(server.messages().len(), 1);
    // The digest names desk, address and answer.
    case.run(&["alerts", "digest", "--now", "2027-06-19T06:00:00Z"]);
    let digest = server
        .messages()
        .into_iter()
        .find(|m| m.rcpt == ["equipe@example.org"])
        .expect("the digest");
    let p = parse(digest.data.as_bytes());
    assert!(p.text.contains("Adresses en échec (1)"), "{}", p.text);
    let line = p
        .text
        .lines()
        .find(|l| l.contains("guichet1@example.org"))
        .unwrap_or_else(|| panic!("{}", p.text));
    assert!(
        line.contains("732829320-00001") && line.contains("550"),
        "{line}"
    );
    assert!(p.html.contains("guichet1@example.org"), "{}", p.html);
}

/// Refuses `files` for no desk, in one `cert ingest` run.
fn refuse(case: &Case, files: &[PathBuf]) {
    let mut args = vec!["cert".to_owned(), "ingest".to_owned()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = case.run(&args);
    assert_eq!(
        crate::support::code(&out),
        3,
        "{}",
        crate::support::stderr(&out)
    );
}

#[test]
fn the_digest_groups_repeated_refusals_and_caps_its_sections() {
    let case = Case::new();
    seed(&case, &[seed_desk(1, "2030-06-30T10:00:00Z")]);
    let same = case.file("envoi/guichet.cer", b"not a certificate at all");
    for _ in 0..5 {
        refuse(&case, std::slice::from_ref(&same));
    }
    let many: Vec<PathBuf> = (0..260)
        .map(|i| case.file(&format!("lot/f{i:03}.cer"), format!("junk {i}")))
        .collect();
    refuse(&case, &many);
    case.ok(&["alerts", "digest"]);
    let msgs = outbox_parsed(&case);
    assert_eq!(msgs.len(), 1);
    let text = &msgs[0].text;
    let same_lines: Vec<&str> = text.lines().filter(|l| l.contains("guichet.cer")).collect();
    assert_eq!(same_lines.len(), 1, "{text}");
    assert!(same_lines[0].contains("5 fois"), "{}", same_lines[0]);
    let listed = text
        .lines()
        .filter(|l| l.contains("lot/f") || l.contains(" f"))
        .count();
    assert!(listed <= 200, "{listed} refusal lines");
    assert!(text.contains("vigie log"), "{text}");
    assert!(text.contains("61 autres"), "{text}");
    assert!(msgs[0].html.contains("61 autres"), "{}", msgs[0].html);
}

#[test]
fn message_ids_are_unique_per_installation_and_kept_on_retry() {
    let ids: Vec<String> = (0..2)
        .map(|_| {
            let case = Case::new();
            seed(&case, &[seed_desk(1, "2027-06-30T10:00:00Z")]);
            case.ok(&["alerts", "digest", "--now", "2027-06-18T06:00:00Z"]);
            case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
            let mut ids: Vec<String> = outbox_parsed(&case)
                .iter()
                .map(|m| m.header("Message-ID").unwrap().to_owned())
                .collect();
            ids.sort();
            // The same installation keeps its identity from run to run.
            case.ok(&["alerts", "digest", "--now", "2027-06-19T06:00:00Z"]);
            let later: Vec<String> = list(&case)
                .iter()
                .map(|r| r["message_id"].as_str().unwrap().to_owned())
                .collect();
            assert!(ids.iter().all(|i| later.contains(i)));
            ids.join(" ")
        })
        .collect();
    assert_eq!(ids[0].split(' ').count(), 2);
    for id in ids[0].split(' ') {
        assert!(!ids[1].contains(id), "{id} in both installations");
    }
}

#[test]
fn the_digest_shows_issuer_changes() {
    use vigie::audit::AuditEntry;
    let case = Case::new();
    seed(&case, &[seed_desk(1, "2030-06-30T10:00:00Z")]);
    let id = crate::alerts::desk_id(1);
    let store = case.store();
    store
        .write(|tx| {
            tx.audit(
                &AuditEntry::new(at("2027-06-17T10:00:00Z"), "gestion", "cert.ingest")
                    .desk(&id)
                    .detail(
                        "guichet.cer accepted (issuer_changed: l'autorité émettrice a changé \
                         (Exemple Certification, puis Autre AC))",
                    ),
            )
        })
        .unwrap();
    drop(store);
    case.ok(&["alerts", "digest", "--now", "2027-06-18T06:00:00Z"]);
    let m = &outbox_parsed(&case)[0];
    assert!(
        m.text.contains("Changements d'autorité émettrice (1)"),
        "{}",
        m.text
    );
    let line = m.text.lines().find(|l| l.contains("Autre AC")).unwrap();
    assert!(line.contains("732829320-00001"), "{line}");
    assert!(m.html.contains("Autre AC"), "{}", m.html);
}

#[test]
fn alerts_test_sends_one_sample_and_reports_the_answer() {
    let server = SmtpServer::start_on(0, &["refuse@"]);
    let case = Case::with_config(&config(server.port()));
    let out = case.run(&["alerts", "test", "someone@example.org"]);
    assert_eq!(
        crate::support::code(&out),
        0,
        "{}",
        crate::support::stderr(&out)
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("250"), "the server's answer: {said}");
    let msgs = server.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].rcpt, ["someone@example.org"]);
    let p = parse(msgs[0].data.as_bytes());
    assert_eq!(p.header("Auto-Submitted"), Some("auto-generated"));
    assert!(p.header("Subject").unwrap().contains("essai"), "{p:?}");
    // Nothing recorded: no data directory made.
    assert!(!case.data().join("store").exists());

    let out = case.run(&["alerts", "test", "refuse@example.org"]);
    assert_eq!(
        crate::support::code(&out),
        3,
        "{}",
        crate::support::stderr(&out)
    );
    assert!(crate::support::stderr(&out).contains("550"));
    let out = case.run(&["alerts", "test", "not an address"]);
    assert_eq!(
        crate::support::code(&out),
        2,
        "{}",
        crate::support::stderr(&out)
    );
    drop(server);
    // Unreachable: an operational error (DESIGN §8), exit 1.
    let case = Case::with_config(&config(crate::smtp::free_port()));
    let out = case.run(&["alerts", "test", "someone@example.org"]);
    assert_eq!(
        crate::support::code(&out),
        1,
        "{}",
        crate::support::stderr(&out)
    );
    assert!(crate::support::stderr(&out).contains("connect"));
}

/// The HTML part as a real browser builds it: chromium loads the file
/// headless and dumps the DOM it built; Python's HTML parser then reads
/// the DOM's text, and the text of its `<strong>` elements.
struct Rendered {
    /// Every word the page shows, lower case.
    words: std::collections::BTreeSet<String>,
    /// The page's text, one space between words.
    text: String,
    /// The text of each `<strong>` element: what stands out.
    strong: Vec<String>,
}

const DOM_TEXT: &str = r#"
import sys, json, html.parser
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.strong, self.depth, self.skip = [], [], 0, 0
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title", "head"): self.skip += 1
        if tag == "strong":
            self.depth += 1
            if self.depth == 1: self.strong.append("")
        if tag in ("br", "p", "li", "tr", "td", "th", "div", "h3"): self.text.append(" ")
    def handle_endtag(self, tag):
        if tag in ("script", "style", "title", "head"): self.skip -= 1
        if tag == "strong": self.depth -= 1
    def handle_data(self, data):
        if self.skip: return
        self.text.append(data)
        if self.depth: self.strong[-1] += data
p = P()
p.feed(sys.stdin.read())
print(json.dumps({"text": " ".join("".join(p.text).split()),
                  "strong": [" ".join(s.split()) for s in p.strong]}))
"#;

/// Loads `html` in headless chromium and reads back what it shows.
fn render(browser: &Path, html: &str) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("message.html");
    std::fs::write(&page, html).unwrap();
    let profile = dir.path().join("profile");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // Never hang the test run on the browser.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not render the page within 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    let dom = String::from_utf8(out.stdout).unwrap();
    assert!(dom.contains("<body"), "chromium dumped no DOM: {dom}");
    let mut py = Command::new("python3")
        .args(["-c", DOM_TEXT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        py.stdin.take().unwrap().write_all(dom.as_bytes()).unwrap();
    }
    let out = py.wait_with_output().unwrap();
    #[derive(serde::Deserialize)]
    struct Dom {
        text: String,
        strong: Vec<String>,
    }
    let d: Dom = serde_json::from_slice(&out.stdout).unwrap();
    Rendered {
        words: words(&d.text),
        text: d.text,
        strong: d.strong,
    }
}

/// The words of `s`, lower case: letters and digits, the rest separates.
fn words(s: &str) -> std::collections::BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Checks that the HTML part, as chromium renders it, says every word the
/// text part says, and that each of `facts` stands out (is in a `<strong>`).
fn check_html(browser: &Path, m: &Parsed, facts: &[&str]) {
    let r = render(browser, &m.html);
    // The text numbers its steps by hand; the HTML's <ol> draws the
    // numbers, which are not text of the page.
    let text: String = m
        .text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            match t.split_once(". ") {
                Some((n, rest)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => rest,
                _ => t,
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let missing: Vec<String> = words(&text).difference(&r.words).cloned().collect();
    assert!(
        missing.is_empty(),
        "the HTML part lacks {missing:?} of the text part.\ntext:\n{}\nrendered HTML:\n{}",
        m.text,
        r.text
    );
    for fact in facts {
        assert!(
            r.strong.iter().any(|s| s.contains(fact)),
            "«{fact}» does not stand out; strong: {:?}",
            r.strong
        );
    }
}

#[test]
fn the_html_part_says_what_the_text_says_with_the_key_facts_standing_out() {
    let browser = crate::need!(crate::support::tools::Tool::Chromium);
    let case = Case::new();
    let mut urgent = seed_desk(2, "2027-06-24T10:00:00Z");
    urgent.emails.clear();
    seed(
        &case,
        &[
            seed_desk(1, "2027-06-30T10:00:00Z"),
            urgent,
            seed_desk(3, "2027-06-10T10:00:00Z"),
        ],
    );
    case.ok(&["alerts", "run", "--now", "2027-06-18T07:00:00Z"]);
    case.ok(&["alerts", "digest", "--now", "2027-06-18T07:30:00Z"]);
    let msgs = outbox_parsed(&case);
    assert_eq!(msgs.len(), 4);
    let about = |needle: &str| {
        msgs.iter()
            .find(|m| m.header("Subject").unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no message about {needle}"))
    };
    // Desk, end date, days left and what to do stand out.
    check_html(
        &browser,
        about("732829320-00001"),
        &[
            "732829320-00001",
            "30/06/2027",
            "12",
            "Demandez le renouvellement",
        ],
    );
    check_html(
        &browser,
        about("732829320-00002"),
        &[
            "URGENT",
            "732829320-00002",
            "24/06/2027",
            "6",
            "contactez votre gestionnaire",
        ],
    );
    check_html(
        &browser,
        about("732829320-00003"),
        &[
            "732829320-00003",
            "10/06/2027",
            "8 jours",
            "Demandez le renouvellement",
        ],
    );
    check_html(&browser, about("Synthèse"), &["732829320-00001"]);

    // A refusal and its advice.
    let (_, m) = refusal_for("request.csr", "guichet.csr");
    check_html(
        &browser,
        &m,
        &[
            "732829320-00001",
            "guichet.csr",
            "Non, ne pas exporter la clé privée",
        ],
    );
}
