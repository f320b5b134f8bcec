//! Pushing to the national configuration through the real binary: HTTPS with
//! mutual TLS against a real server on loopback, the folder, the command, and
//! a run killed in the middle of a large batch.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant as Monotonic};

use vigie::alerts::AlertKind;
use vigie::clock::{parse_instant, Instant};
use vigie::desk::DeskId;
use vigie::fingerprint::Sha256;
use vigie::push::{normal_pem, PushState};

use crate::https_server::{Pki, Reply, Server};
use crate::support::proxy::ConnectProxy;
use crate::support::{seed, stderr, Case};

const T0: &str = "2027-03-01T09:00:00Z";
const DESK: &str = "732829320-00001";

fn at(s: &str) -> Instant {
    parse_instant(s).unwrap()
}

/// Seeds desks, their current certificates and a pending push job each, the
/// way intake will, through the library; returns each desk's DER.
fn seed(case: &Case, desks: &[String]) -> BTreeMap<String, Vec<u8>> {
    let key = rcgen::KeyPair::generate().unwrap();
    let ders: BTreeMap<String, Vec<u8>> = desks
        .iter()
        .map(|d| (d.clone(), seed::self_signed(&key, d)))
        .collect();
    let now = at(T0);
    case.store()
        .write(|tx| {
            for (d, der) in &ders {
                let id = DeskId::parse(d).unwrap();
                seed::desk_with_pending_push(tx, &id, &format!("Guichet {d}"), der, now)?;
            }
            Ok(())
        })
        .unwrap();
    ders
}

fn one_desk(case: &Case) -> Vec<u8> {
    seed(case, &[DESK.to_owned()]).remove(DESK).unwrap()
}

fn https_case(server: &Server, pki: &Pki, rogue: bool) -> Case {
    let (cert, key) = if rogue {
        (&pki.rogue_cert, &pki.rogue_key)
    } else {
        (&pki.client_cert, &pki.client_key)
    };
    Case::with_config(&format!(
        "[national]\ndestination = \"https\"\nurl = \"{}\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\nserver_ca = \"{}\"\ntimeout_secs = 1\nmax_backoff_secs = 600\n",
        server.url(),
        cert.display(),
        key.display(),
        pki.ca.display()
    ))
}

fn push_run(case: &Case, now: &str) -> String {
    case.ok(&["--now", now, "push", "run"])
}

fn status(case: &Case) -> serde_json::Value {
    let s = case.json(&["push", "status", "--json"]);
    assert_eq!(s.as_array().unwrap().len(), 1, "{s}");
    s[0].clone()
}

#[test]
fn https_put_carries_the_pem_intact_over_mutual_tls() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![Reply::Status(201, "Created", "")]);
    let case = https_case(&server, &pki, false);
    let der = one_desk(&case);
    assert_eq!(
        push_run(&case, T0).trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "PUT");
    assert_eq!(r.path, format!("/api/guichets/{DESK}/certificat"));
    assert_eq!(r.header("content-type"), Some("application/x-pem-file"));
    let sha = Sha256::of(&der).to_hex();
    assert_eq!(
        r.header("idempotency-key"),
        Some(format!("{DESK}:{sha}").as_str())
    );
    let body = String::from_utf8(r.body.clone()).unwrap();
    assert_eq!(body, normal_pem(&der));
    assert!(body.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(body.ends_with("-----END CERTIFICATE-----\n"));
    assert_eq!(r.client_certs, 1, "the server saw the client certificate");
    let s = status(&case);
    assert_eq!(s["state"], "done");
    assert_eq!(s["attempts"], 1);
    assert_eq!(s["destination"], server.url());
    assert_eq!(s["sha256"], sha);
    assert!(s["next_attempt"].is_null() && s["last_error"].is_null());
    // The desk shows as configured, its confirmation waits for the alerts
    // delivery, and the audit log says so.
    let st = case.json(&["status", "--json"]);
    assert_eq!(st[0]["push_state"], "done");
    let log = case.json(&["log", "--json"]);
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "push.done"));
    let store = case.store();
    let alerts = store.alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind(), AlertKind::Confirmation);
    assert_eq!(alerts[0].recipients, vec!["guichet@example.org".to_owned()]);
    // A second run has nothing to do.
    drop(store);
    assert_eq!(
        push_run(&case, "2027-03-02T09:00:00Z").trim(),
        "push: 0 done, 0 retried, 0 failed"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_client_without_the_right_certificate_is_rejected_and_retried() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![]);
    let case = https_case(&server, &pki, true);
    one_desk(&case);
    assert_eq!(
        push_run(&case, T0).trim(),
        "push: 0 done, 1 retried, 0 failed"
    );
    assert!(server.requests().is_empty());
    assert!(server.handshake_failures() >= 1);
    let s = status(&case);
    assert_eq!(s["state"], "pending");
    assert_eq!(s["attempts"], 1);
    assert!(!s["last_error"].as_str().unwrap().is_empty());
}

#[test]
fn two_503_then_200_ends_done_after_three_attempts() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let unavailable = Reply::Status(503, "Service Unavailable", "maintenance");
    let server = Server::start(&pki, vec![unavailable.clone(), unavailable]);
    let case = https_case(&server, &pki, false);
    one_desk(&case);
    assert_eq!(
        push_run(&case, T0).trim(),
        "push: 0 done, 1 retried, 0 failed"
    );
    let s = status(&case);
    assert_eq!(s["state"], "pending");
    assert!(s["last_error"].as_str().unwrap().contains("503"), "{s}");
    let next = at(s["next_attempt"].as_str().unwrap());
    assert!(
        next > at(T0) && next <= at("2027-03-01T09:01:00Z"),
        "{next}"
    );
    // Not yet due: nothing is sent.
    assert_eq!(
        push_run(&case, T0).trim(),
        "push: 0 done, 0 retried, 0 failed"
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(
        push_run(&case, "2027-03-01T10:00:00Z").trim(),
        "push: 0 done, 1 retried, 0 failed"
    );
    assert_eq!(
        push_run(&case, "2027-03-01T11:00:00Z").trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    let s = status(&case);
    assert_eq!(s["state"], "done");
    assert_eq!(s["attempts"], 3);
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(
        keys.iter().all(|k| k == &keys[0]),
        "one key for every attempt"
    );
}

#[test]
fn a_409_fails_for_good_until_push_retry_re_arms_it() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(
        &pki,
        vec![Reply::Status(
            409,
            "Conflict",
            "a newer certificate is configured",
        )],
    );
    let case = https_case(&server, &pki, false);
    one_desk(&case);
    let out = case.run(&["--now", T0, "push", "run"]);
    // Issue 14: a push refused for good is exit 3, like a refused alert.
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "push: 0 done, 0 retried, 1 failed"
    );
    assert!(stderr(&out).contains("push retry"), "{}", stderr(&out));
    let s = status(&case);
    assert_eq!(s["state"], "failed");
    assert!(s["next_attempt"].is_null());
    let err = s["last_error"].as_str().unwrap();
    assert!(
        err.contains("409") && err.contains("newer certificate"),
        "{err}"
    );
    let table = case.ok(&["push", "status"]);
    assert!(table.contains("failed") && table.contains(DESK), "{table}");
    // Failed jobs are not attempted again on their own.
    assert_eq!(
        push_run(&case, "2027-04-01T09:00:00Z").trim(),
        "push: 0 done, 0 retried, 0 failed"
    );
    let log = case.json(&["log", "--json"]);
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "push.failed" && e["outcome"] == "failed"));
    // The failure reaches the team in the digest (written to the outbox
    // folder: this case has no SMTP server).
    case.ok(&["--now", "2027-04-01T08:00:00Z", "alerts", "digest"]);
    let digest = std::fs::read_dir(case.data().join("outbox"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .find(|m| m.contains("Synth"))
        .expect("a digest in the outbox");
    let text = digest.replace("=\r\n", "");
    assert!(text.contains(DESK) && text.contains("409"), "{digest}");
    // The operator fixed it on the national side.
    let none = case.run(&["push", "retry", "732829320-00002"]);
    assert_eq!(none.status.code(), Some(1), "{}", stderr(&none));
    case.ok(&["--now", "2027-04-01T10:00:00Z", "push", "retry", DESK]);
    let s = status(&case);
    assert_eq!(
        (s["state"].as_str(), s["attempts"].as_u64()),
        (Some("pending"), Some(0))
    );
    assert_eq!(
        push_run(&case, "2027-04-01T10:00:00Z").trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    assert_eq!(status(&case)["state"], "done");
}

#[test]
fn a_server_that_never_answers_is_given_up_on_and_retried_later() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![Reply::Hang]);
    let case = https_case(&server, &pki, false);
    one_desk(&case);
    let start = Monotonic::now();
    assert_eq!(
        push_run(&case, T0).trim(),
        "push: 0 done, 1 retried, 0 failed"
    );
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    let s = status(&case);
    assert_eq!(s["state"], "pending");
    assert!(
        s["last_error"]
            .as_str()
            .unwrap()
            .contains("no answer within 1 s"),
        "{s}"
    );
    assert!(at(s["next_attempt"].as_str().unwrap()) > at(T0));
    assert_eq!(
        push_run(&case, "2027-03-01T10:00:00Z").trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    assert_eq!(status(&case)["attempts"], 2);
}

fn manifest(dir: &Path) -> BTreeMap<String, serde_json::Value> {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["desk"].as_str().unwrap().to_owned(), e.clone()))
        .collect()
}

/// The `.pem` files of the folder, by desk, with their content.
fn pem_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let desk = name.strip_suffix(".pem")?.to_owned();
            (!name.starts_with('.'))
                .then(|| (desk, std::fs::read_to_string(dir.join(&name)).unwrap()))
        })
        .collect()
}

#[test]
fn the_default_destination_is_a_folder_with_a_manifest() {
    let case = Case::new();
    let der = one_desk(&case);
    assert_eq!(
        push_run(&case, T0).trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    let dir = case.data().join("national");
    let files = pem_files(&dir);
    assert_eq!(files.len(), 1);
    assert_eq!(files[DESK], normal_pem(&der));
    let m = manifest(&dir);
    assert_eq!(m.len(), 1);
    assert_eq!(m[DESK]["sha256"], Sha256::of(&der).to_hex());
    assert_eq!(m[DESK]["not_after"], "2029-01-01T00:00:00Z");
    assert_eq!(m[DESK]["pushed_at"], T0);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary file left"
    );
    assert_eq!(
        status(&case)["destination"],
        format!("directory:{}", dir.display())
    );
}

#[test]
fn the_command_gets_the_pem_on_stdin_and_the_environment() {
    let case = Case::new();
    let out = case.path("received");
    std::fs::create_dir_all(&out).unwrap();
    let case = Case {
        config: Some(case.file(
            "vigie.toml",
            format!(
                "[national]\ndestination = \"command\"\ncommand = [\"/bin/sh\", \"-c\", \"cat > {0}/$VIGIE_DESK_ID.pem && env | grep -E '^VIGIE_(DESK_ID|SHA256|NOT_AFTER)=' | sort > {0}/env\"]\ntimeout_secs = 5\n",
                out.display()
            ),
        )),
        ..case
    };
    let der = one_desk(&case);
    assert_eq!(
        push_run(&case, T0).trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    assert_eq!(
        std::fs::read_to_string(out.join(format!("{DESK}.pem"))).unwrap(),
        normal_pem(&der)
    );
    let env = std::fs::read_to_string(out.join("env")).unwrap();
    assert_eq!(
        env,
        format!(
            "VIGIE_DESK_ID={DESK}\nVIGIE_NOT_AFTER=2029-01-01T00:00:00Z\nVIGIE_SHA256={}\n",
            Sha256::of(&der).to_hex()
        )
    );
}

#[test]
fn killing_a_large_folder_batch_loses_nothing_and_leaves_no_half_file() {
    let case = Case::new();
    let desks: Vec<String> = (0..2000).map(|i| format!("732829320-{i:05}")).collect();
    let ders = seed(&case, &desks);
    let dir = case.data().join("national");
    let mut child = case
        .std_cmd()
        .args(["--now", T0, "push", "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Monotonic::now();
    while dir.exists() && pem_files(&dir).len() < 50 || !dir.exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let files = pem_files(&dir);
    assert!(
        files.len() < 2000,
        "killed mid-batch ({} files)",
        files.len()
    );
    for (desk, text) in &files {
        assert_eq!(text, &normal_pem(&ders[desk]), "{desk}.pem is whole");
    }
    let m = manifest(&dir);
    for (desk, e) in &m {
        assert!(files.contains_key(desk), "{desk} listed but absent");
        assert_eq!(e["sha256"], Sha256::of(&ders[desk]).to_hex());
    }
    let unlisted: Vec<&String> = files.keys().filter(|d| !m.contains_key(*d)).collect();
    assert!(
        unlisted.len() <= 1,
        "at most the file in flight is unlisted: {unlisted:?}"
    );
    let store = case.store();
    let jobs = store.push_jobs().unwrap();
    assert_eq!(jobs.len(), 2000, "no job lost");
    for j in &jobs {
        if j.state == PushState::Done {
            assert!(
                m.contains_key(j.desk.as_str()),
                "{} done but not listed",
                j.desk
            );
        }
    }
    for d in unlisted {
        let j = jobs.iter().find(|j| j.desk.as_str() == d).unwrap();
        assert_eq!(j.state, PushState::Pending, "{d} unlisted, so not done");
    }
    drop(store);

    // The next run (an hour later, when booked attempts are due) completes.
    let out = push_run(&case, "2027-03-01T10:00:00Z");
    assert!(out.contains("0 retried, 0 failed"), "{out}");
    let files = pem_files(&dir);
    let m = manifest(&dir);
    assert_eq!(files.len(), 2000);
    assert_eq!(
        m.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>()
    );
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with('.')));
    let s = case.json(&["push", "status", "--json"]);
    assert!(s.as_array().unwrap().iter().all(|j| j["state"] == "done"));
}

#[test]
fn killing_vigie_while_the_server_has_not_answered_leaves_the_job_pending() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![Reply::Hang]);
    let config = https_case(&server, &pki, false)
        .config
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap()
        .replace("timeout_secs = 1", "timeout_secs = 30");
    let case = Case::with_config(&config);
    one_desk(&case);
    let mut child = case
        .std_cmd()
        .args(["--now", T0, "push", "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Monotonic::now();
    while server.requests().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(20), "no request");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let s = status(&case);
    assert_eq!(s["state"], "pending", "{s}");
    assert_eq!(
        s["attempts"], 1,
        "the attempt was booked before the request"
    );
    assert!(at(s["next_attempt"].as_str().unwrap()) > at(T0));
    // The server answers next time; the same certificate, same key, is done.
    assert_eq!(
        push_run(&case, "2027-03-01T10:00:00Z").trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].header("idempotency-key"),
        reqs[1].header("idempotency-key")
    );
}

/// The configuration of `https_case` with `national.proxy` added.
fn https_case_through(server: &Server, pki: &Pki, proxy: &ConnectProxy) -> Case {
    let config = std::fs::read_to_string(https_case(server, pki, false).config.unwrap()).unwrap();
    // [national] is the configuration's last section.
    Case::with_config(&format!("{config}proxy = \"{}\"\n", proxy.url()))
}

/// `host:port` of the server, as a CONNECT names it.
fn authority(server: &Server) -> String {
    let url = server.url();
    let rest = url.strip_prefix("https://").unwrap();
    rest.split('/').next().unwrap().to_owned()
}

/// `vigie push run` with these environment variables set on the command only
/// (the proxy variables, removed first so that the caller's do not leak in).
fn push_run_with_env(case: &Case, now: &str, env: &[(&str, &str)]) -> String {
    let mut cmd = case.cmd();
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(["--now", now, "push", "run"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_push_through_the_configured_proxy_opens_one_tunnel_to_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![Reply::Status(201, "Created", "")]);
    let proxy = ConnectProxy::start();
    let case = https_case_through(&server, &pki, &proxy);
    let der = one_desk(&case);
    assert_eq!(
        push_run_with_env(&case, T0, &[]).trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    assert_eq!(proxy.tunnels(), vec![authority(&server)]);
    // Mutual TLS ran end to end inside the tunnel.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].client_certs, 1);
    assert_eq!(
        String::from_utf8(reqs[0].body.clone()).unwrap(),
        normal_pem(&der)
    );
    assert_eq!(status(&case)["state"], "done");
}

#[test]
fn without_the_key_the_https_proxy_variable_is_used_unless_no_proxy_names_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![]);
    let proxy = ConnectProxy::start();
    let case = https_case(&server, &pki, false);
    seed(&case, &["732829320-00001".into(), "732829320-00002".into()]);
    // The variable is set on the vigie command only: the test process's
    // environment, shared by the tests running alongside, is not touched.
    let out = push_run_with_env(
        &case,
        T0,
        &[("HTTPS_PROXY", &proxy.url()), ("NO_PROXY", "localhost")],
    );
    assert_eq!(out.trim(), "push: 2 done, 0 retried, 0 failed");
    assert_eq!(proxy.tunnels(), vec![authority(&server); 2]);
    assert_eq!(server.requests().len(), 2);

    // NO_PROXY naming the server: straight there, the proxy sees nothing.
    let tmp2 = tempfile::tempdir().unwrap();
    let pki2 = Pki::generate(tmp2.path());
    let server2 = Server::start(&pki2, vec![]);
    let case2 = https_case(&server2, &pki2, false);
    one_desk(&case2);
    let out = push_run_with_env(
        &case2,
        T0,
        &[
            ("https_proxy", &proxy.url()),
            ("no_proxy", "example.org,127.0.0.1"),
        ],
    );
    assert_eq!(out.trim(), "push: 1 done, 0 retried, 0 failed");
    assert_eq!(proxy.tunnels().len(), 2, "no new tunnel");
    assert_eq!(server2.requests().len(), 1);
}

#[test]
fn a_proxy_that_refuses_the_tunnel_leaves_the_push_pending_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![]);
    let proxy = ConnectProxy::refusing(403, "Forbidden");
    let case = https_case_through(&server, &pki, &proxy);
    one_desk(&case);
    assert_eq!(
        push_run_with_env(&case, T0, &[]).trim(),
        "push: 0 done, 1 retried, 0 failed"
    );
    assert_eq!(proxy.tunnels(), vec![authority(&server)]);
    assert!(server.requests().is_empty());
    let s = status(&case);
    assert_eq!(s["state"], "pending");
    assert_eq!(s["attempts"], 1);
    assert!(at(s["next_attempt"].as_str().unwrap()) > at(T0));
    let err = s["last_error"].as_str().unwrap();
    assert!(
        err.contains("proxy refused the tunnel") && err.contains("403"),
        "{err}"
    );
    assert!(err.contains(&proxy.url()["http://".len()..]), "{err}");
}

#[test]
fn a_proxy_that_is_not_an_http_url_is_refused_at_load() {
    for bad in ["socks5://127.0.0.1:1080", "proxy:3128", "http://proxy:port"] {
        let case = Case::with_config(&format!("[national]\nproxy = \"{bad}\"\n"));
        let out = case.run(&["push", "status"]);
        assert!(!out.status.success(), "{bad}");
        assert!(stderr(&out).contains("national.proxy"), "{}", stderr(&out));
    }
}

#[test]
fn a_proxy_that_is_down_leaves_the_push_pending_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(&pki, vec![]);
    // A port nothing listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = std::fs::read_to_string(https_case(&server, &pki, false).config.unwrap()).unwrap();
    let case = Case::with_config(&format!("{config}proxy = \"http://127.0.0.1:{port}\"\n"));
    one_desk(&case);
    assert_eq!(
        push_run_with_env(&case, T0, &[]).trim(),
        "push: 0 done, 1 retried, 0 failed"
    );
    assert!(server.requests().is_empty());
    let s = status(&case);
    assert_eq!(s["state"], "pending");
    let err = s["last_error"].as_str().unwrap();
    assert!(
        err.contains(&format!("through the proxy 127.0.0.1:{port}")),
        "{err}"
    );
}

/// How long a folder push may take before the test kills it: far more than
/// one certificate needs, far less than "for ever".
const PROMPTLY: Duration = Duration::from_secs(30);

/// `push run`, killed after [`PROMPTLY`], so that a regression that waits on
/// a pipe (or reads `/dev/zero`) fails the test instead of hanging the suite.
fn push_run_bounded(case: &Case, now: &str) -> String {
    let start = Monotonic::now();
    let out = case
        .cmd()
        .args(["--now", now, "push", "run"])
        .timeout(PROMPTLY)
        .output()
        .expect("run vigie");
    assert!(
        start.elapsed() < PROMPTLY,
        "push run did not return within {PROMPTLY:?}: killed"
    );
    assert!(out.status.success(), "push run: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(ok.success(), "mkfifo {}", path.display());
}

/// A manifest line naming `desk`, as vigie writes them.
fn manifest_line(desk: &str, der: &[u8]) -> String {
    format!(
        r#"{{"desk":"{desk}","sha256":"{}","not_after":"2029-01-01T00:00:00Z","pushed_at":"{T0}"}}"#,
        Sha256::of(der).to_hex()
    )
}

#[test]
fn named_pipes_in_the_national_folder_do_not_stop_the_push() {
    let case = Case::new();
    let der = one_desk(&case);
    let dir = case.data().join("national");
    std::fs::create_dir_all(&dir).unwrap();
    // One at the name of the desk being pushed, one at another desk's name
    // that the manifest lists.
    mkfifo(&dir.join(format!("{DESK}.pem")));
    mkfifo(&dir.join("732829320-00002.pem"));
    std::fs::write(
        dir.join("manifest.json"),
        format!("[{}]\n", manifest_line("732829320-00002", &der)),
    )
    .unwrap();
    assert_eq!(
        push_run_bounded(&case, T0).trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(format!("{DESK}.pem"))).unwrap(),
        normal_pem(&der)
    );
    assert_eq!(manifest(&dir).keys().collect::<Vec<_>>(), [DESK]);

    // A pipe in place of the manifest too.
    let case = Case::new();
    one_desk(&case);
    let dir = case.data().join("national");
    std::fs::create_dir_all(&dir).unwrap();
    mkfifo(&dir.join("manifest.json"));
    assert_eq!(
        push_run_bounded(&case, T0).trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    assert_eq!(manifest(&dir).keys().collect::<Vec<_>>(), [DESK]);
}

#[test]
fn links_in_the_national_folder_are_not_followed() {
    let case = Case::new();
    let der = one_desk(&case);
    let dir = case.data().join("national");
    std::fs::create_dir_all(&dir).unwrap();
    // Listed in the manifest: one leads to /dev/zero, which reading would
    // never finish, the other to a certificate kept outside the folder.
    std::os::unix::fs::symlink("/dev/zero", dir.join("732829320-00002.pem")).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let outside = seed::self_signed(&key, "732829320-00003");
    let target = case.file("outside.pem", normal_pem(&outside));
    std::os::unix::fs::symlink(&target, dir.join("732829320-00003.pem")).unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        format!(
            "[{},\n{}]\n",
            manifest_line("732829320-00002", &der),
            manifest_line("732829320-00003", &outside)
        ),
    )
    .unwrap();
    assert_eq!(
        push_run_bounded(&case, T0).trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    assert_eq!(manifest(&dir).keys().collect::<Vec<_>>(), [DESK]);
    for desk in ["732829320-00002", "732829320-00003"] {
        let link = std::fs::symlink_metadata(dir.join(format!("{desk}.pem"))).unwrap();
        assert!(link.file_type().is_symlink(), "{desk}.pem left alone");
    }
}

#[test]
fn the_manifest_lists_only_what_vigie_wrote_there() {
    let case = Case::new();
    let der = one_desk(&case);
    let dir = case.data().join("national");
    push_run(&case, T0);
    assert_eq!(manifest(&dir).keys().collect::<Vec<_>>(), [DESK]);

    // Someone plants a certificate for a desk vigie never pushed, and swaps
    // the pushed desk's file for another certificate.
    let key = rcgen::KeyPair::generate().unwrap();
    let planted = seed::self_signed(&key, "732829320-00009");
    std::fs::write(dir.join("732829320-00009.pem"), normal_pem(&planted)).unwrap();
    let swapped = seed::self_signed(&key, DESK);
    std::fs::write(dir.join(format!("{DESK}.pem")), normal_pem(&swapped)).unwrap();

    // The next push (another desk's) looks at the folder again.
    let second = "732829320-00002";
    let der2 = seed(&case, &[second.to_owned()]).remove(second).unwrap();
    assert_eq!(
        push_run(&case, "2027-03-01T10:00:00Z").trim(),
        "push: 1 done, 0 retried, 0 failed"
    );
    let m = manifest(&dir);
    assert_eq!(m.keys().collect::<Vec<_>>(), [second], "{m:?}");
    assert_eq!(m[second]["sha256"], Sha256::of(&der2).to_hex());
    assert_ne!(Sha256::of(&der), Sha256::of(&swapped));
    // Neither file is vigie's to remove.
    assert!(dir.join("732829320-00009.pem").exists());
}

#[test]
fn national_files_are_0644_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new();
    one_desk(&case);
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", "umask 077 && exec \"$0\" \"$@\""])
        .arg(assert_cmd::cargo::cargo_bin("vigie"))
        .args(["--now", T0, "push", "run"])
        .env_remove("VIGIE_CONFIG")
        .env(crate::support::NOW_SENDS, "1")
        .env("VIGIE_DATA_DIR", case.data())
        .current_dir(case.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = case.data().join("national");
    for name in [format!("{DESK}.pem"), "manifest.json".to_owned()] {
        let mode = std::fs::metadata(dir.join(&name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "{name}: {mode:o}");
    }
}
