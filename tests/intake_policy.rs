//! Intake policy through the real binary, on certificates made for each test
//! by the generator: validity, first load, issuers, attribution, folders
//! (issues 14 and 18).

use chrono::{TimeZone, Utc};
use serde_json::Value;
use vigie::certgen::{pem, Ca, Key, KeyKind, LeafSpec};
use vigie::clock::Instant;

use crate::support::{code, stderr, Case};

const NOW: &str = "2027-03-01T09:00:00Z";
const DESK1: &str = "732829320-00001";
const DESK2: &str = "732829320-00002";

fn ymd(y: i32, m: u32, d: u32) -> Instant {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
}

/// A root CA valid 2020–2040.
fn root(cn: &str) -> Ca {
    Ca::root(
        cn,
        Key::generate(KeyKind::P256).unwrap(),
        ymd(2020, 1, 1),
        ymd(2040, 1, 1),
    )
    .unwrap()
}

/// A desk certificate from `ca`, valid `nb`–`na`.
fn leaf(ca: &Ca, desk: &str, email: &str, nb: Instant, na: Instant, serial: u64) -> Vec<u8> {
    ca.issue(
        &LeafSpec::desk(desk, email, nb, na, serial),
        &Key::generate(KeyKind::P256).unwrap(),
    )
    .unwrap()
}

/// Adds desks with one contact each.
fn desks(case: &Case, list: &[(&str, &str)]) {
    for (id, email) in list {
        case.ok(&["desk", "add", id, "--name", "Guichet", "--email", email]);
    }
}

/// Runs `cert ingest --json` with `args` at [`NOW`]; exit code and rows.
fn ingest(case: &Case, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["--now", NOW, "cert", "ingest", "--json"];
    all.extend_from_slice(args);
    let out = case.run(&all);
    let rows = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code(&out), rows, stderr(&out))
}

#[test]
fn a_start_after_the_end_is_refused_as_invalid_validity_never_a_panic() {
    let ca = root("AC de test");
    let case = Case::new();
    let anchors = case.file("anchors/root.pem", pem("CERTIFICATE", &ca.der));
    let cfg = format!(
        "[intake]\ntrust_anchors_dir = \"{}\"\n",
        anchors.parent().unwrap().display()
    );
    let case = Case {
        config: Some(case.file("vigie.toml", cfg)),
        ..case
    };
    desks(&case, &[(DESK1, "a@example.org")]);
    let inverted = case.file(
        "inverse.cer",
        leaf(
            &ca,
            DESK1,
            "a@example.org",
            ymd(2028, 1, 1),
            ymd(2026, 1, 1),
            1,
        ),
    );
    let good = case.file(
        "bon.cer",
        leaf(
            &ca,
            DESK1,
            "a@example.org",
            ymd(2027, 1, 1),
            ymd(2030, 1, 1),
            2,
        ),
    );
    let (code, rows, err) = ingest(&case, &[inverted.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(rows[0]["code"], "invalid_validity", "{rows}");
    assert_eq!(rows[0]["overridable"], false, "{rows}");
    // The rest of the batch is not lost.
    assert_eq!(rows[1]["outcome"], "accepted", "{rows}");
    // Not even --force accepts dates that contradict each other.
    let (code, rows, _) = ingest(&case, &["--force", inverted.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert_eq!(rows[0]["code"], "invalid_validity", "{rows}");
}

/// The kinds of the alerts recorded, sorted, with their desk.
fn alert_kinds(case: &Case) -> Vec<(String, String)> {
    let list = case.json(&["--now", NOW, "alerts", "list", "--json"]);
    let mut kinds: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["desk"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    kinds.sort();
    kinds
}

#[test]
fn a_first_load_pushes_nothing_confirms_nothing_mails_no_refusal_and_keeps_expired_ones() {
    let ca = root("AC de test");
    let case = Case::new();
    desks(&case, &[(DESK1, "a@example.org"), (DESK2, "b@example.org")]);
    let current = case.file(
        "depart/guichet1.cer",
        leaf(
            &ca,
            DESK1,
            "a@example.org",
            ymd(2026, 1, 1),
            ymd(2029, 1, 1),
            1,
        ),
    );
    let expired = case.file(
        "depart/guichet2.cer",
        leaf(
            &ca,
            DESK2,
            "b@example.org",
            ymd(2024, 1, 1),
            ymd(2027, 1, 10),
            2,
        ),
    );
    // The team's own file with a private key in it, naming desk 1.
    let key = Key::generate(KeyKind::P256).unwrap();
    let with_key = format!(
        "{}{}",
        pem(
            "CERTIFICATE",
            &leaf(
                &ca,
                DESK1,
                "a@example.org",
                ymd(2026, 1, 1),
                ymd(2029, 1, 1),
                3
            )
        ),
        pem("PRIVATE KEY", &key.pkcs8)
    );
    let with_key = case.file("depart/guichet1.pem", with_key);
    let (code, rows, err) = ingest(
        &case,
        &[
            "--initial",
            current.to_str().unwrap(),
            expired.to_str().unwrap(),
            with_key.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 3, "the refusal still shows in the exit code: {err}");
    assert_eq!(rows[0]["outcome"], "accepted", "{rows}");
    assert_eq!(
        rows[1]["outcome"], "accepted",
        "an expired one becomes current: {rows}"
    );
    assert_eq!(rows[2]["code"], "private_key", "{rows}");
    assert!(
        err.contains("guichet1.pem"),
        "refusals on the terminal: {err}"
    );
    // Already configured nationally: nothing to push, the status says done.
    let pushes = case.json(&["--now", NOW, "push", "status", "--json"]);
    assert!(
        pushes
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "done"),
        "{pushes}"
    );
    case.ok(&["--now", NOW, "push", "run"]);
    let national = case.data().join("national");
    let pushed = std::fs::read_dir(&national)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".pem"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(pushed, 0, "nothing pushed by a first load");
    let status = case.json(&["--now", NOW, "status", "--json"]);
    let state = |d: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["desk"] == d)
            .map(|r| (r["state"].clone(), r["push_state"].clone()))
            .unwrap()
    };
    assert_eq!(state(DESK1), ("ok".into(), "done".into()));
    assert_eq!(state(DESK2), ("expired".into(), "done".into()));
    // No refusal mailed, no confirmation; the expired desk's reminders start.
    assert_eq!(alert_kinds(&case), Vec::<(String, String)>::new());
    case.ok(&["--now", NOW, "alerts", "run"]);
    assert_eq!(
        alert_kinds(&case),
        [("expired".to_owned(), DESK2.to_owned())]
    );
    // The log keeps the refusal for the team.
    let log = case.ok(&["log"]);
    assert!(
        log.contains("guichet1.pem") && log.contains("private_key"),
        "{log}"
    );
}
