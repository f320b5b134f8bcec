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
}

impl Serve {
    pub fn start(case: &Case, port: u16) -> Serve {
        let child = case
            .std_cmd()
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vigie serve");
        let serve = Serve {
            child: Some(child),
            port,
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
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                return (status.code(), err);
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
    assert!(
        metrics.contains("vigie_job_last_success_timestamp_seconds{job=\"backup\"}"),
        "{metrics}"
    );
    assert_eq!(serve.get("/nope").0, 404);

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
        let store = vigie::store::Store::open(&case.data(), Duration::from_secs(5)).unwrap();
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
