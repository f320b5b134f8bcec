//! The desk inventory through the real binary.

use crate::support::{code, stderr, Case};

#[test]
fn add_list_show_remove_keeps_history() {
    let case = Case::new();
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "OPH du Rhône",
        "--email",
        "a@example.org",
        "--email",
        "b@example.org",
        "--department",
        "69",
    ]);
    let list = case.json(&["desk", "list", "--json"]);
    assert_eq!(list[0]["id"], "732829320-00001");
    assert_eq!(list[0]["emails"].as_array().unwrap().len(), 2);
    assert_eq!(list[0]["department"], "69");
    let again = case.run(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "x",
        "--email",
        "a@example.org",
    ]);
    assert_eq!(code(&again), 1, "{}", stderr(&again));
    case.ok(&["desk", "remove", "732829320-00001"]);
    assert_eq!(
        case.json(&["desk", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let log = case.json(&["log", "--desk", "732829320-00001", "--json"]);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["desk.add", "desk.remove"]);
}

#[test]
fn bad_arguments_are_usage_errors_naming_the_value() {
    let case = Case::new();
    let out = case.run(&[
        "desk",
        "add",
        "069122300012A3B4C5",
        "--name",
        "x",
        "--email",
        "a@example.org",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("application number"),
        "{}",
        stderr(&out)
    );
    let out = case.run(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "x",
        "--email",
        "a@b.org\r\nBcc: c@d.org",
    ]);
    assert_eq!(code(&out), 2);
    let out = case.run(&["--now", "yesterday", "status"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn luhn_failure_warns_but_adds() {
    let case = Case::new();
    let out = case.run(&[
        "desk",
        "add",
        "732829321-00001",
        "--name",
        "x",
        "--email",
        "a@example.org",
    ]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("Luhn"), "{}", stderr(&out));
}

#[test]
fn unknown_configuration_key_is_named() {
    let case = Case::with_config("[alerts]\nthresholds = [30]\nfrequency = 3\n");
    let out = case.run(&["status"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("frequency") && err.contains("line 3"), "{err}");
}

#[test]
fn status_lists_missing_desks_in_every_format() {
    let case = Case::new();
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "A",
        "--email",
        "a@example.org",
    ]);
    let rows = case.json(&["status", "--json"]);
    assert_eq!(rows[0]["desk"], "732829320-00001");
    assert_eq!(rows[0]["state"], "missing");
    assert!(rows[0]["not_after"].is_null());
    let csv = case.ok(&["status", "--csv"]);
    assert!(csv.starts_with("desk;name;department;state"), "{csv}");
    let out = case.run(&["check"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn init_writes_a_configuration_that_loads() {
    let case = Case::new();
    case.ok(&["init", "--write-config", "vigie.toml"]);
    let cfg = case.path("vigie.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("thresholds = [90, 60, 30, 15, 7, 1]"));
    let out = case
        .cmd()
        .env("VIGIE_CONFIG", &cfg)
        .arg("status")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(case.data()).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0);
}
