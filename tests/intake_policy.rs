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
