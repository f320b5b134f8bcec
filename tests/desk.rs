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
    assert_eq!(case.count(&["desk", "list", "--json"]), 0);
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

/// A desk inventory as a French spreadsheet saves it: `;`, Windows-1252, CRLF.
pub fn spreadsheet_csv(n: usize, bad_line: Option<usize>) -> Vec<u8> {
    let mut text = String::from("Identifiant;Nom;Département;Courriels;Mode\r\n");
    for i in 0..n {
        // Line numbers are 1-based and the header is line 1.
        let line = i + 2;
        let id = if Some(line) == bad_line {
            "73282932-BAD".to_owned()
        } else {
            format!("732829320-{i:05}")
        };
        text.push_str(&format!(
            "{id};Guichet n°{i} de l'Office Public Élan;{};g{i}@example.org; ws\r\n",
            ["69", "42", "01", "2A", "971", "75"][i % 6]
        ));
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn a_thousand_desk_spreadsheet_imports_once() {
    let case = Case::new();
    let csv = case.file("guichets.csv", spreadsheet_csv(1000, None));
    let csv = csv.to_str().unwrap();
    let out = case.run(&["desk", "import", csv]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("added 1000"), "{}", stderr(&out));
    let desks = case.json(&["desk", "list", "--json"]);
    assert_eq!(desks.as_array().unwrap().len(), 1000);
    assert_eq!(desks[7]["name"], "Guichet n°7 de l'Office Public Élan");
    assert_eq!(desks[7]["mode"], "ws");
    let audit_before = case.count(&["log", "--json"]);

    let out = case.run(&["desk", "import", csv]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("added 0, updated 0, 1000 unchanged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(case.count(&["log", "--json"]), audit_before);
}

#[test]
fn a_bad_row_stops_the_import_naming_its_line_and_changes_nothing() {
    let case = Case::new();
    case.ok(&[
        "desk",
        "add",
        "732829320-99999",
        "--name",
        "Déjà là",
        "--email",
        "x@example.org",
    ]);
    let before = case.ok(&["desk", "list", "--json"]);
    let csv = case.file("guichets.csv", spreadsheet_csv(1000, Some(517)));
    let out = case.run(&["desk", "import", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("line 517") && err.contains("guichets.csv"),
        "{err}"
    );
    assert_eq!(case.ok(&["desk", "list", "--json"]), before);
}

#[test]
fn dry_run_writes_nothing() {
    let case = Case::new();
    let csv = case.file("g.csv", spreadsheet_csv(10, None));
    let out = case.run(&["desk", "import", "--dry-run", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("would add 10"), "{}", stderr(&out));
    assert_eq!(case.count(&["desk", "list", "--json"]), 0);
}

#[test]
fn commands_run_together_wait_for_each_other() {
    let case = Case::new();
    case.ok(&[
        "desk",
        "add",
        "732829320-00000",
        "--name",
        "seed",
        "--email",
        "s@example.org",
    ]);
    let children: Vec<_> = (1..=6)
        .map(|i| {
            let mut c = case.std_cmd();
            if i % 2 == 0 {
                c.args(["status", "--json"]);
            } else {
                c.args([
                    "desk",
                    "add",
                    &format!("732829320-{i:05}"),
                    "--name",
                    "n",
                    "--email",
                    "a@example.org",
                ]);
            }
            c.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(!err.to_lowercase().contains("lock"), "{err}");
    }
    assert_eq!(case.count(&["desk", "list", "--json"]), 4);
}

#[test]
fn an_import_killed_midway_leaves_none_or_all() {
    let csv_bytes = spreadsheet_csv(10_000, None);
    // Time one complete import, then kill others at fractions of that time so
    // that some kills land while the transaction is being written.
    let timing = Case::new();
    let csv = timing.file("g.csv", &csv_bytes);
    let start = std::time::Instant::now();
    timing.ok(&["desk", "import", csv.to_str().unwrap()]);
    let full = start.elapsed().as_millis() as u64;
    let mut outcomes = Vec::new();
    for percent in [20, 50, 70, 80, 90, 95, 100, 105, 110, 120, 135, 150] {
        let delay_ms = full * percent / 100;
        let case = Case::new();
        let csv = case.file("g.csv", &csv_bytes);
        let mut child = case
            .std_cmd()
            .args(["desk", "import", csv.to_str().unwrap()])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let n = case.count(&["desk", "list", "--json"]);
        assert!(
            n == 0 || n == 10_000,
            "after a kill at {delay_ms} ms the store holds {n} desks"
        );
        let audit = case.count(&["log", "--json"]);
        assert_eq!(
            audit, n,
            "audit lines and desks disagree after a kill at {delay_ms} ms"
        );
        outcomes.push(n);
    }
    eprintln!("full import {full} ms; desks present after each kill: {outcomes:?}");
}
