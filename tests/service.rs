//! The real `vigie serve`, started as a user would, driven and stopped by the test.

use std::io::Read;
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::Case;

/// A free loopback port (bound, then released for the service to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `vigie serve`, killed if the test ends without stopping it.
pub struct Serve {
    pub child: Option<Child>,
    pub port: u16,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Serve {
    pub fn start(case: &Case, port: u16) -> Serve {
        let mut child = case
            .std_cmd()
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vigie serve");
        // Drain the service's log as it comes, so a full pipe never blocks it.
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let serve = Serve {
            child: Some(child),
            port,
            log,
            reader: Some(reader),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "vigie serve did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        serve
    }

    /// GET a path; returns (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        use std::io::Write;
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let code = text[9..12].parse().unwrap();
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (code, body)
    }

    /// Sends a signal (`-HUP`, `-TERM`…) to the service.
    pub fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let ok = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// What the service has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits; returns the exit code and stderr.
    pub fn stop(mut self) -> (Option<i32>, String) {
        let mut child = self.child.take().unwrap();
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                if let Some(r) = self.reader.take() {
                    r.join().unwrap();
                }
                return (status.code(), self.log());
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("vigie serve did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn backups(case: &Case) -> usize {
    std::fs::read_dir(case.data().join("backups"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn serve_runs_jobs_answers_health_refuses_a_twin_and_stops_on_sigterm() {
    let port = free_port();
    let case = Case::with_config(&format!(
        "[service]\nbackup = \"*/2 * * * * *\"\nkeep_backups = 2\nalerts = \"0 0 9 1 1 *\"\npush = \"0 0 9 1 1 *\"\ndigest = \"0 0 9 1 1 *\"\nlisten = \"127.0.0.1:{port}\"\n"
    ));
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "A",
        "--email",
        "a@example.org",
    ]);
    let serve = Serve::start(&case, port);
    // The CLI works while the service runs, and no lock error reaches the user.
    case.ok(&[
        "desk",
        "add",
        "732829320-00002",
        "--name",
        "B",
        "--email",
        "b@example.org",
    ]);
    let rows = case.json(&["status", "--json"]);
    assert_eq!(rows.as_array().unwrap().len(), 2);

    // A second service on the same data directory is refused, naming the first.
    let twin = case.run(&["serve"]);
    assert_eq!(twin.status.code(), Some(1));
    let err = String::from_utf8_lossy(&twin.stderr);
    assert!(
        err.contains("already running")
            && err.contains(&serve.child.as_ref().unwrap().id().to_string()),
        "{err}"
    );

    // The backup job runs on its schedule and keeps only the newest two.
    let deadline = Instant::now() + Duration::from_secs(20);
    while backups(&case) < 2 {
        assert!(Instant::now() < deadline, "no backups after 20 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(backups(&case), 2);

    let (code, health) = serve.get("/healthz");
    assert_eq!(code, 200, "{health}");
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok");
    let backup = health["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"] == "backup")
        .unwrap();
    assert_eq!(backup["last_ok"], true);

    let (code, metrics) = serve.get("/metrics");
    assert_eq!(code, 200);
    assert!(
        metrics.contains("vigie_desks{state=\"missing\"} 2"),
        "{metrics}"
    );
    // Every state's series exists from the start, suspended desks' included.
    assert!(
        metrics.contains("vigie_desks{state=\"suspended\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("vigie_job_last_success_timestamp_seconds{job=\"backup\"}"),
        "{metrics}"
    );
    assert_eq!(serve.get("/nope").0, 404);

    // SIGHUP with a broken configuration: refused, the old one kept, still serving.
    let cfg = case.config.clone().unwrap();
    let good = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{good}\n[alerts]\nthresholds = []\n")).unwrap();
    serve.signal("-HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !serve.log().contains("refused on reload") {
        assert!(
            Instant::now() < deadline,
            "no refusal logged:\n{}",
            serve.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(serve.get("/healthz").0, 200);
    // A good one is taken.
    std::fs::write(&cfg, &good).unwrap();
    serve.signal("-HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !serve.log().contains("configuration reloaded") {
        assert!(
            Instant::now() < deadline,
            "no reload logged:\n{}",
            serve.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let (code, err) = serve.stop();
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.to_lowercase().contains("lock"), "{err}");
}

#[test]
fn a_run_missed_while_down_is_performed_once_on_start() {
    let port = free_port();
    let case = Case::with_config(&format!(
        "[service]\nbackup = \"0 30 2 * * *\"\nalerts = \"0 0 9 1 1 *\"\npush = \"0 0 9 1 1 *\"\ndigest = \"0 0 9 1 1 *\"\nlisten = \"127.0.0.1:{port}\"\n"
    ));
    // The store remembers a backup two days ago: today's 02:30 run was missed.
    {
        let store = case.store();
        let two_days_ago = chrono::Utc::now() - chrono::TimeDelta::days(2);
        store
            .write(|tx| {
                tx.record_job_run(&vigie::store::JobRun {
                    job: "backup".into(),
                    started_at: two_days_ago,
                    duration_ms: 1,
                    ok: true,
                    error: None,
                    last_success: Some(two_days_ago),
                })
            })
            .unwrap();
    }
    let serve = Serve::start(&case, port);
    let deadline = Instant::now() + Duration::from_secs(20);
    while backups(&case) < 1 {
        assert!(
            Instant::now() < deadline,
            "the missed backup was not performed on start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        backups(&case),
        1,
        "the missed run must be performed once, not once per missed day"
    );
    let (code, err) = serve.stop();
    assert_eq!(code, Some(0), "{err}");
}

/// A desk certificate ending `days` from now (real clock: the service uses it).
fn desk_cert(desk: &str, email: &str, days: i64, serial: u64) -> Vec<u8> {
    use vigie::certgen::{Ca, Key, KeyKind, LeafSpec};
    let now = chrono::Utc::now();
    let ca = Ca::root(
        "AC de test du service",
        Key::generate(KeyKind::P256).unwrap(),
        now - chrono::TimeDelta::days(3650),
        now + chrono::TimeDelta::days(3650),
    )
    .unwrap();
    let spec = LeafSpec::desk(
        desk,
        email,
        now - chrono::TimeDelta::days(700),
        now + chrono::TimeDelta::days(days),
        serial,
    );
    ca.issue(&spec, &Key::generate(KeyKind::P256).unwrap())
        .unwrap()
}

#[test]
fn the_service_alerts_by_smtp_and_pushes_by_https_while_the_cli_works() {
    use crate::https_server::{Pki, Server};
    use crate::smtp::SmtpServer;

    let smtp = SmtpServer::start();
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = Pki::generate(pki_dir.path());
    let national = Server::start(&pki, vec![]);
    let port = free_port();
    let case = Case::with_config(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigie@example.org\"\n\n\
         [national]\ndestination = \"https\"\nurl = \"{}\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\nserver_ca = \"{}\"\ntimeout_secs = 5\n\n\
         [service]\nalerts = \"*/2 * * * * *\"\npush = \"*/2 * * * * *\"\ndigest = \"0 0 9 1 1 *\"\nbackup = \"0 0 9 1 1 *\"\nlisten = \"127.0.0.1:{port}\"\n",
        smtp.port(),
        national.url(),
        pki.client_cert.display(),
        pki.client_key.display(),
        pki.ca.display()
    ));
    let serve = Serve::start(&case, port);

    // The CLI, while the service runs: add a desk, ingest its certificate
    // (ending in 20 days: the 30-day threshold is crossed), read the status.
    let desk = "732829320-00001";
    let email = "guichet@example.org";
    let out = case.run(&[
        "desk",
        "add",
        desk,
        "--name",
        "Office du Rhône",
        "--email",
        email,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cer = case.file("renouvele.cer", desk_cert(desk, email, 20, 42));
    let out = case.run(&["cert", "ingest", cer.to_str().unwrap(), "--desk", desk]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    assert!(!err.to_lowercase().contains("lock"), "{err}");
    let rows = case.json(&["status", "--json"]);
    assert_eq!(rows[0]["desk"], desk);
    assert_eq!(rows[0]["state"], "warning");

    // The service sends the threshold alert and pushes the certificate.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mails = smtp.messages();
        let alert = mails.iter().any(|m| {
            m.header("Subject")
                .is_some_and(|s| s.contains("fin de vie") && s.contains(desk))
        });
        if alert && !national.requests().is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 60 s: {} message(s), {} push request(s); the service said:\n{}",
            mails.len(),
            national.requests().len(),
            serve.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let put = &national.requests()[0];
    assert_eq!(put.path, format!("/api/guichets/{desk}/certificat"));

    // Metrics show the push done and the alert sent (the confirmation may
    // still be on its way).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, metrics) = serve.get("/metrics");
        assert_eq!(code, 200);
        if metrics.contains("vigie_pushes{state=\"done\"} 1")
            && metrics.contains("vigie_alerts{kind=\"threshold\",state=\"sent\"} 1")
            && metrics.contains(&format!("vigie_cert_days_left{{desk=\"{desk}\"}} 20"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "metrics never showed the work done:\n{metrics}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    let (code, err) = serve.stop();
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.to_lowercase().contains("lock"), "{err}");

    // Nothing the servers acknowledged is left pending: every message the
    // SMTP server received is recorded sent, and the push is done.
    let alerts = case.json(&["alerts", "list", "--json"]);
    let received: Vec<String> = smtp
        .messages()
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    for id in &received {
        let rec = alerts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                a["message_id"]
                    .as_str()
                    .is_some_and(|m| id.contains(m.trim_matches(['<', '>'])))
            })
            .unwrap_or_else(|| panic!("message {id} received but not in the alert log: {alerts}"));
        assert_eq!(rec["state"], "sent", "{rec}");
    }
    let pushes = case.json(&["push", "status", "--json"]);
    assert_eq!(pushes[0]["state"], "done");
    smtp.stop();
}

/// A case whose service listens on `port`, with the configuration `head`,
/// runs the alerts on schedule `alerts` and the other jobs never.
fn quiet_service(port: u16, head: &str, alerts: &str) -> Case {
    Case::with_config(&format!(
        "{head}\n[service]\nalerts = \"{alerts}\"\npush = \"0 0 9 1 1 *\"\ndigest = \"0 0 9 1 1 *\"\nbackup = \"0 0 9 1 1 *\"\nlisten = \"127.0.0.1:{port}\"\n"
    ))
}

#[test]
fn many_idle_connections_do_not_delay_healthz() {
    let port = free_port();
    let case = quiet_service(port, "", "0 0 9 1 1 *");
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "A",
        "--email",
        "a@example.org",
    ]);
    let serve = Serve::start(&case, port);
    // Sockets that connect and say nothing (issue 18: 500 of them made
    // /healthz time out).
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..3 {
        let start = Instant::now();
        let (code, body) = serve.get("/healthz");
        assert_eq!(code, 200, "{body}");
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "/healthz took {:?} behind idle connections",
            start.elapsed()
        );
    }
    drop(idle);
    // /metrics reads the store at most every few seconds: a scrape right
    // after another serves the same snapshot, a later one sees the change.
    let missing = |n: u32| format!("vigie_desks{{state=\"missing\"}} {n}");
    assert!(serve.get("/metrics").1.contains(&missing(1)));
    case.ok(&[
        "desk",
        "add",
        "732829320-00002",
        "--name",
        "B",
        "--email",
        "b@example.org",
    ]);
    assert!(serve.get("/metrics").1.contains(&missing(1)), "not cached");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !serve.get("/metrics").1.contains(&missing(2)) {
        assert!(Instant::now() < deadline, "the snapshot is never refreshed");
        std::thread::sleep(Duration::from_millis(500));
    }
    let (code, err) = serve.stop();
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn healthz_is_503_while_the_alerts_job_cannot_deliver() {
    let port = free_port();
    // Nobody listens on the SMTP port: the relay is down.
    let smtp_port = free_port();
    let case = quiet_service(
        port,
        &format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\ntls = \"none\"\nfrom = \"vigie@example.org\"\ntimeout_secs = 2\n"
        ),
        "*/2 * * * * *",
    );
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "A",
        "--email",
        "a@example.org",
    ]);
    let cert = case.file(
        "a.pem",
        desk_cert("732829320-00001", "a@example.org", 10, 7),
    );
    case.ok(&[
        "cert",
        "ingest",
        "--force",
        "--desk",
        "732829320-00001",
        cert.to_str().unwrap(),
    ]);
    let serve = Serve::start(&case, port);
    // The failure series exist at 0 before anything failed.
    let (_, metrics) = serve.get("/metrics");
    for series in [
        "vigie_pushes{state=\"failed\"} 0",
        "vigie_alerts{kind=\"refusal\",state=\"failed\"} 0",
        "vigie_alerts{kind=\"digest\",state=\"pending\"} 0",
    ] {
        assert!(metrics.contains(series), "no {series}:\n{metrics}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        let (code, body) = serve.get("/healthz");
        if code == 503 {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "still {code}: {body}\n{}",
            serve.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "degraded");
    let alerts = health["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"] == "alerts")
        .unwrap();
    assert_eq!(alerts["last_ok"], false, "{health}");
    let error = alerts["error"].as_str().unwrap();
    assert!(error.contains("stay pending"), "{error}");
    let (_, metrics) = serve.get("/metrics");
    assert!(
        metrics.contains("vigie_job_last_run_ok{job=\"alerts\"} 0"),
        "{metrics}"
    );
    let (code, err) = serve.stop();
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn sighup_moves_the_listener_to_a_changed_address() {
    let (old, new) = (free_port(), free_port());
    let case = quiet_service(old, "", "0 0 9 1 1 *");
    let mut serve = Serve::start(&case, old);
    assert_eq!(serve.get("/healthz").0, 200);
    let cfg = case.config.clone().unwrap();
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace(&format!(":{old}\""), &format!(":{new}\"")),
    )
    .unwrap();
    serve.signal("-HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", new)).is_err() {
        assert!(
            Instant::now() < deadline,
            "not listening on the new address:\n{}",
            serve.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    serve.port = new;
    assert_eq!(serve.get("/healthz").0, 200);
    // The old address is closed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", old)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "still listening on the old address"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, err) = serve.stop();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("configuration reloaded"), "{err}");
}
