//! The crash harness: the real `vigie` is SIGKILLed at random moments during
//! a desk import, a bulk `cert ingest` of a folder, an `alerts run` against
//! the loopback SMTP server and a `push run` against the loopback HTTPS
//! server; after each kill the invariants are checked, then an uninterrupted
//! run must complete what the killed one left.
//!
//! Invariants after every kill:
//! - the store opens (every check goes through the binary);
//! - desk import is all or nothing, and every desk has its audit line;
//! - a certificate reported accepted by a completed run is current for its
//!   desk; every current certificate is the expected one and has its
//!   `cert.ingest` audit line;
//! - no alert is recorded twice for one (desk, certificate, kind, threshold),
//!   every record marked sent names a Message-ID the SMTP server received,
//!   and the server received each Message-ID at most once, except at most one
//!   message per kill (the documented window between the server's acceptance
//!   and the `sent` mark reaching the disk);
//! - no push is marked done that the HTTPS server did not receive and answer,
//!   and every done push has its `push.done` audit line.
//!
//! `VIGIE_CRASH_KILLS` sets the number of kills, spread over the four
//! scenarios (default 10, what CI runs); `VIGIE_CRASH_SEED` replays a run.
//! The full run (docs/RELIABILITY.md):
//!
//! ```text
//! VIGIE_CRASH_KILLS=60 cargo test --test lib crash:: -- --nocapture
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant as Monotonic};

use chrono::{TimeZone, Utc};
use vigie::cert::CertRecord;
use vigie::certgen::{Ca, Key, KeyKind, LeafSpec};
use vigie::clock::parse_instant;
use vigie::desk::{Desk, DeskId, Email};
use vigie::fingerprint::Sha256;

use crate::https_server::{Pki, Server};
use crate::smtp::SmtpServer;
use crate::support::{seed, Case};

const NOW: &str = "2027-03-01T09:00:00Z";

/// splitmix64: enough randomness for kill instants, and replayable.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A delay in `0..=max_ms`.
    pub(crate) fn below(&mut self, max_ms: u64) -> u64 {
        self.next() % (max_ms + 1)
    }
}

pub(crate) fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// What became of the killed runs of one scenario.
#[derive(Default)]
struct Tally {
    killed: usize,
    finished_first: usize,
    notes: Vec<String>,
}

/// Spawns `vigie args` in `case`, kills it after `delay_ms` (SIGKILL) unless it
/// ended before; returns whether it was killed.
pub(crate) fn run_and_kill(case: &Case, args: &[&str], delay_ms: u64) -> bool {
    let mut child: Child = case
        .std_cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn vigie");
    let deadline = Monotonic::now() + Duration::from_millis(delay_ms);
    while Monotonic::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1).min(deadline - Monotonic::now()));
    }
    let killed = child.try_wait().unwrap().is_none();
    child.kill().ok(); // SIGKILL
    child.wait().unwrap();
    killed
}

/// Times complete runs of a scenario (each in a case of its own) so that kill
/// instants cover the whole run: the faster of two, since the first start of
/// the binary is slower than the ones the kills interrupt.
fn time_it<C>(mut setup: impl FnMut() -> C, mut run: impl FnMut(&C)) -> u64 {
    (0..2)
        .map(|_| {
            let c = setup();
            let start = Monotonic::now();
            run(&c);
            start.elapsed().as_millis() as u64
        })
        .min()
        .unwrap_or(0)
}

fn audit(case: &Case) -> Vec<serde_json::Value> {
    case.json(&["log", "--json"]).as_array().unwrap().clone()
}

// ---------------------------------------------------------------- desks ---

fn desk_csv(n: usize) -> String {
    let mut s = String::from("id,name,email\n");
    for i in 0..n {
        s.push_str(&format!("732829320-{i:05},Guichet {i},g{i}@example.org\n"));
    }
    s
}

fn check_desks(case: &Case, n: usize, delay: u64) -> usize {
    // Killed before the store existed: nothing was written, and read-only
    // commands say so instead of creating an empty store.
    let out = case.run(&["desk", "list", "--json"]);
    if out.status.code() == Some(1)
        && String::from_utf8_lossy(&out.stderr).contains("no vigie store")
    {
        return 0;
    }
    let desks = case.json(&["desk", "list", "--json"]);
    let got = desks.as_array().unwrap().len();
    assert!(
        got == 0 || got == n,
        "import killed at {delay} ms left {got} of {n} desks"
    );
    let lines = audit(case)
        .iter()
        .filter(|e| e["action"].as_str().unwrap_or("").starts_with("desk."))
        .count();
    assert_eq!(lines, got, "desk audit lines and desks disagree");
    got
}

fn desk_import(kills: usize, rng: &mut Rng) -> Tally {
    const N: usize = 2000;
    let csv = desk_csv(N);
    let full = time_it(
        || {
            let case = Case::new();
            let f = case.file("g.csv", &csv);
            (case, f)
        },
        |(case, f)| {
            case.ok(&["desk", "import", f.to_str().unwrap()]);
        },
    );
    let mut t = Tally::default();
    let mut present = 0;
    for _ in 0..kills {
        let case = Case::new();
        let f = case.file("g.csv", &csv);
        let delay = rng.below(full);
        if run_and_kill(&case, &["desk", "import", f.to_str().unwrap()], delay) {
            t.killed += 1;
        } else {
            t.finished_first += 1;
        }
        if check_desks(&case, N, delay) == N {
            present += 1;
        }
        case.ok(&["desk", "import", f.to_str().unwrap()]);
        assert_eq!(check_desks(&case, N, delay), N);
    }
    t.notes.push(format!(
        "{N} desks, full run {full} ms; all desks present after {present} of {kills} kills, none after the others"
    ));
    t
}

// --------------------------------------------------------------- ingest ---

/// Certificates for `n` desks in a folder, one file each, in varied shapes
/// (DER, PEM, PKCS#7); returns the folder and each desk's expected SHA-256.
fn cert_folder(dir: &std::path::Path, n: usize) -> (PathBuf, BTreeMap<String, String>) {
    let nb = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let na = Utc.with_ymd_and_hms(2029, 1, 1, 0, 0, 0).unwrap();
    let ca = Ca::root("AC de test", Key::generate(KeyKind::P256).unwrap(), nb, na).unwrap();
    let key = Key::generate(KeyKind::P256).unwrap();
    let folder = dir.join("certs");
    std::fs::create_dir_all(&folder).unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..n {
        let desk = format!("732829320-{i:05}");
        let spec = LeafSpec::desk(&desk, &format!("g{i}@example.org"), nb, na, i as u64 + 1);
        let der = ca.issue(&spec, &key).unwrap();
        expected.insert(desk.clone(), Sha256::of(&der).to_hex());
        let (name, bytes) = match i % 3 {
            0 => (format!("{desk}.cer"), der),
            1 => (
                format!("{desk}.pem"),
                vigie::certgen::pem("CERTIFICATE", &der).into_bytes(),
            ),
            _ => (format!("{desk}.p7b"), vigie::certgen::pkcs7(&[&der])),
        };
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    (folder, expected)
}

fn ingest_case(csv: &str) -> Case {
    let case = Case::new();
    let f = case.file("g.csv", csv);
    case.ok(&["desk", "import", f.to_str().unwrap()]);
    case
}

/// Checks a case after a kill; returns how many desks have their certificate.
fn check_ingest(case: &Case, expected: &BTreeMap<String, String>) -> usize {
    let status = case.json(&["--now", NOW, "status", "--json"]);
    let ingested: BTreeSet<String> = audit(case)
        .iter()
        .filter(|e| e["action"] == "cert.ingest" && e["outcome"] == "ok")
        .filter_map(|e| e["sha256"].as_str().map(str::to_owned))
        .collect();
    let mut have = 0;
    for row in status.as_array().unwrap() {
        let Some(sha) = row["sha256"].as_str() else {
            continue;
        };
        let desk = row["desk"].as_str().unwrap();
        assert_eq!(Some(&sha.to_owned()), expected.get(desk), "{desk}");
        assert!(
            ingested.contains(sha),
            "{desk}: current certificate {sha} has no cert.ingest audit line"
        );
        have += 1;
    }
    have
}

fn bulk_ingest(kills: usize, rng: &mut Rng) -> Tally {
    // Three intake batches (two whole, one short): each is one flushed
    // transaction, stored while the next one is parsed.
    const BATCH: usize = vigie::cert::ingest::BATCH;
    const N: usize = 2 * BATCH + 100;
    let tmp = tempfile::tempdir().unwrap();
    let (folder, expected) = cert_folder(tmp.path(), N);
    let csv = desk_csv(N);
    let folder = folder.to_str().unwrap().to_owned();
    let args = ["--now", NOW, "cert", "ingest", folder.as_str(), "--json"];
    let full = time_it(
        || ingest_case(&csv),
        |case| {
            case.ok(&args);
        },
    );
    let mut t = Tally::default();
    let mut partial = Vec::new();
    for _ in 0..kills {
        let case = ingest_case(&csv);
        let delay = rng.below(full);
        if run_and_kill(&case, &args, delay) {
            t.killed += 1;
        } else {
            t.finished_first += 1;
        }
        let kept = check_ingest(&case, &expected);
        assert!(
            kept.is_multiple_of(BATCH) || kept == N,
            "{kept} certificates kept: a batch was cut"
        );
        partial.push(kept);
        // The uninterrupted run reports each file accepted or unchanged, and
        // everything it reports accepted is there.
        let rows = case.json(&args);
        let mut accepted = 0;
        for r in rows.as_array().unwrap() {
            let desk = r["desk"].as_str().unwrap();
            assert!(
                r["outcome"] == "accepted" || r["outcome"] == "unchanged",
                "{r}"
            );
            assert_eq!(r["sha256"].as_str(), expected.get(desk).map(|s| s.as_str()));
            if r["outcome"] == "accepted" {
                accepted += 1;
            }
        }
        assert_eq!(accepted + partial.last().unwrap(), N, "accepted once each");
        assert_eq!(check_ingest(&case, &expected), N);
    }
    t.notes.push(format!(
        "{N} certificates (DER, PEM, PKCS#7), full run {full} ms; certificates kept after each kill: {partial:?}"
    ));
    t
}

// --------------------------------------------------------------- alerts ---

/// Seeds `n` desks whose certificates end 10 days after `NOW` (threshold 15
/// is due for each: one message per desk).
fn seed_alerting(case: &Case, n: usize) {
    let store = case.store();
    let now = parse_instant(NOW).unwrap();
    store
        .write(|tx| {
            for i in 0..n {
                let id = DeskId::parse(&format!("732829320-{i:05}")).unwrap();
                tx.put_desk(&Desk {
                    id: id.clone(),
                    name: format!("Guichet {i}"),
                    emails: vec![Email::parse(&format!("g{i}@example.org")).unwrap()],
                    department: None,
                    mode: Default::default(),
                    lang: Default::default(),
                    thresholds: None,
                    suspended: false,
                    settings: Default::default(),
                })?;
                let not_after = now + chrono::Duration::days(10);
                let c = CertRecord {
                    der: vec![1, 2, 3],
                    original: vec![1, 2, 3],
                    source: "seed".into(),
                    ingested_at: now,
                    ..seed::cert_record(&id, id.as_str().as_bytes(), not_after)
                };
                tx.put_cert(&c)?;
                tx.set_current(&id, &c.sha256)?;
            }
            Ok(())
        })
        .unwrap();
}

fn smtp_config(port: u16) -> String {
    format!(
        "[manager]\nname = \"Gestion\"\nemail = \"gestion@example.org\"\nteam = [\"equipe@example.org\"]\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"vigie@example.org\"\ntimeout_secs = 5\n"
    )
}

/// Checks the alert log against what the server received; returns the number
/// of duplicated deliveries.
fn check_alerts(case: &Case, server: &SmtpServer, kills_so_far: usize) -> usize {
    let log = case.json(&["alerts", "list", "--json"]);
    let log = log.as_array().unwrap();
    let mut keys = BTreeSet::new();
    for r in log {
        let k = (
            r["desk"].to_string(),
            r["sha256"].to_string(),
            r["kind"].to_string(),
            r["threshold_days"].to_string(),
        );
        assert!(keys.insert(k.clone()), "alert recorded twice: {k:?}");
    }
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for m in server.messages() {
        *received
            .entry(m.header("Message-ID").expect("Message-ID"))
            .or_default() += 1;
    }
    for r in log.iter().filter(|r| r["state"] == "sent") {
        let id = r["message_id"].as_str().unwrap();
        assert!(
            received.contains_key(id),
            "{id} marked sent, never received"
        );
    }
    let sends: BTreeMap<String, usize> = audit(case)
        .iter()
        .filter(|e| e["action"] == "alert.send" && e["outcome"] == "ok")
        .fold(BTreeMap::new(), |mut m, e| {
            *m.entry(format!("{} {} {}", e["desk"], e["sha256"], e["detail"]))
                .or_default() += 1;
            m
        });
    assert!(
        sends.values().all(|&n| n == 1),
        "an alert recorded sent twice: {sends:?}"
    );
    let dups: usize = received.values().map(|n| n - 1).sum();
    assert!(
        dups <= kills_so_far,
        "{dups} duplicate deliveries after {kills_so_far} kills: {received:?}"
    );
    dups
}

fn alerts_run(kills: usize, rng: &mut Rng) -> Tally {
    const N: usize = 150;
    let args = ["--now", NOW, "alerts", "run"];
    let full = time_it(
        || {
            let server = SmtpServer::start();
            let case = Case::with_config(&smtp_config(server.port()));
            seed_alerting(&case, N);
            (server, case)
        },
        |(_server, case)| {
            case.ok(&args);
        },
    );
    let mut t = Tally::default();
    let mut dups_total = 0;
    let mut sent_before = Vec::new();
    for _ in 0..kills {
        let server = SmtpServer::start();
        let case = Case::with_config(&smtp_config(server.port()));
        seed_alerting(&case, N);
        let delay = rng.below(full);
        let killed = run_and_kill(&case, &args, delay);
        if killed {
            t.killed += 1;
        } else {
            t.finished_first += 1;
        }
        check_alerts(&case, &server, usize::from(killed));
        sent_before.push(server.messages().len());
        case.ok(&args);
        let dups = check_alerts(&case, &server, usize::from(killed));
        dups_total += dups;
        let log = case.json(&["alerts", "list", "--json"]);
        let log = log.as_array().unwrap();
        assert!(log.iter().all(|r| r["state"] == "sent"), "{log:?}");
        let ids: BTreeSet<String> = server
            .messages()
            .iter()
            .map(|m| m.header("Message-ID").unwrap())
            .collect();
        let logged: BTreeSet<String> = log
            .iter()
            .map(|r| r["message_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, logged, "every message received is in the log");
    }
    t.notes.push(format!(
        "{N} messages, full run {full} ms; messages received before each kill: {sent_before:?}; duplicate deliveries in all: {dups_total}"
    ));
    t
}

// ----------------------------------------------------------------- push ---

/// Seeds `n` desks, their current certificates and a pending push job each.
fn seed_pushing(case: &Case, n: usize) {
    let key = rcgen::KeyPair::generate().unwrap();
    let now = parse_instant(NOW).unwrap();
    case.store()
        .write(|tx| {
            for i in 0..n {
                let id = DeskId::parse(&format!("732829320-{i:05}")).unwrap();
                let der = seed::self_signed(&key, id.as_str());
                seed::desk_with_pending_push(tx, &id, &format!("Guichet {i}"), &der, now)?;
            }
            Ok(())
        })
        .unwrap();
}

fn https_config(server: &Server, pki: &Pki) -> String {
    format!(
        "[national]\ndestination = \"https\"\nurl = \"{}\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\nserver_ca = \"{}\"\ntimeout_secs = 5\nmax_backoff_secs = 60\n",
        server.url(),
        pki.client_cert.display(),
        pki.client_key.display(),
        pki.ca.display()
    )
}

/// Checks the outbox against the server's record; returns how many are done.
fn check_push(case: &Case, server: &Server) -> usize {
    let jobs = case.json(&["push", "status", "--json"]);
    let keys: BTreeSet<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    let done_audit: BTreeSet<String> = audit(case)
        .iter()
        .filter(|e| e["action"] == "push.done")
        .map(|e| {
            format!(
                "{}:{}",
                e["desk"].as_str().unwrap(),
                e["sha256"].as_str().unwrap()
            )
        })
        .collect();
    let mut done = 0;
    for j in jobs.as_array().unwrap() {
        if j["state"] != "done" {
            continue;
        }
        let key = format!(
            "{}:{}",
            j["desk"].as_str().unwrap(),
            j["sha256"].as_str().unwrap()
        );
        assert!(
            keys.contains(&key),
            "{key} done, never received by the server"
        );
        assert!(
            done_audit.contains(&key),
            "{key} done without push.done audit line"
        );
        done += 1;
    }
    assert_eq!(
        done,
        done_audit.len(),
        "push.done lines and done jobs disagree"
    );
    done
}

fn push_run(kills: usize, rng: &mut Rng) -> Tally {
    const N: usize = 100;
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let args = ["--now", NOW, "push", "run"];
    // A later instant: attempts booked by a killed run are due again.
    let later = ["--now", "2027-03-01T10:00:00Z", "push", "run"];
    let full = time_it(
        || {
            let server = Server::start(&pki, vec![]);
            let case = Case::with_config(&https_config(&server, &pki));
            seed_pushing(&case, N);
            (server, case)
        },
        |(_server, case)| {
            case.ok(&args);
        },
    );
    let mut t = Tally::default();
    let mut done_after = Vec::new();
    for _ in 0..kills {
        let server = Server::start(&pki, vec![]);
        let case = Case::with_config(&https_config(&server, &pki));
        seed_pushing(&case, N);
        let delay = rng.below(full);
        if run_and_kill(&case, &args, delay) {
            t.killed += 1;
        } else {
            t.finished_first += 1;
        }
        done_after.push(check_push(&case, &server));
        case.ok(&later);
        assert_eq!(check_push(&case, &server), N, "the next run completes");
    }
    t.notes.push(format!(
        "{N} pushes over mutual TLS, full run {full} ms; done after each kill: {done_after:?}"
    ));
    t
}

// ---------------------------------------------------------------- driver ---

/// A scenario: given its number of kills and the random source, its tally.
type Scenario = fn(usize, &mut Rng) -> Tally;

#[test]
fn random_kills_lose_nothing() {
    let kills = env_u64("VIGIE_CRASH_KILLS").unwrap_or(10) as usize;
    let seed = env_u64("VIGIE_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    eprintln!("crash harness: {kills} kills, VIGIE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let share = |i: usize| kills / 4 + usize::from(i < kills % 4);
    let start = Monotonic::now();
    let scenarios: [(&str, Scenario); 4] = [
        ("cert ingest", bulk_ingest),
        ("alerts run", alerts_run),
        ("push run", push_run),
        ("desk import", desk_import),
    ];
    for (i, (name, f)) in scenarios.into_iter().enumerate() {
        let t0 = Monotonic::now();
        let t = f(share(i), &mut rng);
        eprintln!(
            "crash harness: {name}: {} kills ({} killed mid-run, {} had finished) in {:.1} s; {}",
            share(i),
            t.killed,
            t.finished_first,
            t0.elapsed().as_secs_f64(),
            t.notes.join("; ")
        );
    }
    eprintln!(
        "crash harness: {kills} kills in {:.1} s (VIGIE_CRASH_SEED={seed})",
        start.elapsed().as_secs_f64()
    );
}
