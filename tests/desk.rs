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
    // Issue 14 asks for a byte-order mark first, for a French Excel.
    assert!(
        csv.starts_with("\u{feff}desk;name;department;state"),
        "{csv}"
    );
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
        // A kill before the store's first write leaves no store at all,
        // which the read-only commands report instead of creating one.
        let stored = case.data().join("store").join("db").is_file();
        let n = if stored {
            case.count(&["desk", "list", "--json"])
        } else {
            0
        };
        assert!(
            n == 0 || n == 10_000,
            "after a kill at {delay_ms} ms the store holds {n} desks"
        );
        let audit = if stored {
            case.count(&["log", "--json"])
        } else {
            0
        };
        assert_eq!(
            audit, n,
            "audit lines and desks disagree after a kill at {delay_ms} ms"
        );
        outcomes.push(n);
    }
    eprintln!("full import {full} ms; desks present after each kill: {outcomes:?}");
}

fn fixture(name: &str) -> String {
    crate::support::fixtures_dir()
        .join(name)
        .display()
        .to_string()
}

fn add(case: &Case, id: &str, name: &str, department: &str) {
    case.ok(&[
        "desk",
        "add",
        id,
        "--name",
        name,
        "--email",
        "a@example.org",
        "--department",
        department,
    ]);
}

/// Issue 14 (DESIGN §13): `desk edit` changes only the fields named, and is
/// audited; an edit of an unknown desk is exit 1.
#[test]
fn edit_changes_only_the_named_fields_and_is_audited() {
    let case = Case::new();
    add(&case, "732829320-00001", "OPH du Rhône", "69");
    let out = case.run(&[
        "desk",
        "edit",
        "732829320-00001",
        "--email",
        "nouveau@example.org",
        "--email",
        "chef@example.org",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let d = &case.json(&["desk", "list", "--json"])[0];
    assert_eq!(d["name"], "OPH du Rhône");
    assert_eq!(d["department"], "69");
    assert_eq!(
        d["emails"],
        serde_json::json!(["nouveau@example.org", "chef@example.org"])
    );
    assert_eq!(d["lang"], "en");
    case.ok(&["desk", "edit", "732829320-00001", "--name", "OPH Est"]);
    assert_eq!(case.json(&["desk", "list", "--json"])[0]["name"], "OPH Est");
    let log = case.json(&["log", "--desk", "732829320-00001", "--json"]);
    let edits: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "desk.edit")
        .collect();
    assert_eq!(edits.len(), 2, "{log}");
    let detail = edits[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("a@example.org") && detail.contains("nouveau@example.org"),
        "{detail}"
    );
    // Nothing to change is a usage error; an unknown desk is exit 1.
    assert_eq!(code(&case.run(&["desk", "edit", "732829320-00001"])), 2);
    let out = case.run(&["desk", "edit", "552100554-00001", "--name", "X"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let out = case.run(&["desk", "edit", "732829320-00001", "--lang", "de"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

/// Issue 14 (DESIGN §13): a suspended desk gets no reminders and is listed
/// as `suspended`; resumed, its reminder is due again.
#[test]
fn a_suspended_desk_gets_no_reminders() {
    const SOON: &str = "2029-11-20T09:00:00Z";
    // Trust anchors set, so that `check` judges only the desks (issue 18).
    let case = Case::with_known_issuers();
    add(&case, "732829320-00001", "OPH", "69");
    case.ok(&[
        "--now",
        "2027-03-01T09:00:00Z",
        "cert",
        "ingest",
        &fixture("valid.der.cer"),
    ]);
    let out = case.run(&["desk", "suspend", "732829320-00001"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = case.run(&["--now", SOON, "alerts", "run", "--dry-run"]);
    assert!(
        stderr(&out).contains("0 message(s) would be sent"),
        "{}",
        stderr(&out)
    );
    let rows = case.json(&["--now", SOON, "status", "--json"]);
    assert_eq!(rows[0]["state"], "suspended", "{rows}");
    assert_eq!(rows[0]["days_left"], 5, "{rows}");
    let table = case.ok(&["--now", SOON, "status"]);
    assert!(table.contains("suspended"), "{table}");
    assert_eq!(case.json(&["desk", "list", "--json"])[0]["suspended"], true);
    // A suspended desk is no warning for monitoring either.
    assert_eq!(code(&case.run(&["--now", SOON, "check"])), 0);

    case.ok(&["desk", "resume", "732829320-00001"]);
    let out = case.run(&["--now", SOON, "alerts", "run", "--dry-run"]);
    assert!(
        stderr(&out).contains("1 message(s) would be sent"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        case.json(&["--now", SOON, "status", "--json"])[0]["state"],
        "critical"
    );
    let actions: Vec<String> = case
        .json(&["log", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"desk.suspend".to_owned()) && actions.contains(&"desk.resume".to_owned()),
        "{actions:?}"
    );
    for verb in ["suspend", "resume"] {
        let out = case.run(&["desk", verb, "552100554-00001"]);
        assert_eq!(code(&out), 1, "{verb}: {}", stderr(&out));
    }
}

/// Issue 14: the roster headers a French team writes ("Nom du guichet",
/// "Mél"), tab-separated files, a warning for an unknown column.
#[test]
fn roster_with_french_headers_tabs_and_an_unknown_column() {
    let case = Case::new();
    let csv = case.file(
        "guichets.tsv",
        "Identifiant\tNom du guichet\tMél\tTéléphone\n\
         732829320-00001\tOffice public\ta@example.org\t04 72 00 00 00\n",
    );
    let out = case.run(&["desk", "import", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Téléphone") && err.contains("ignored"),
        "{err}"
    );
    let d = &case.json(&["desk", "list", "--json"])[0];
    assert_eq!(d["name"], "Office public");
    assert_eq!(d["emails"][0], "a@example.org");
}

/// Issue 14: every bad row at once, each with the file and its line.
#[test]
fn roster_reports_every_bad_row_at_once() {
    let case = Case::new();
    let csv = case.file(
        "guichets.csv",
        "identifiant;nom;courriel;département\n\
         73282932-BAD;A;a@example.org;69\n\
         732829320-00002;B;b@example.org;69\n\
         732829320-00003;C;pas-une-adresse;69\n\
         732829320-00004;;d@example.org;69\n",
    );
    let out = case.run(&["desk", "import", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    for line in ["line 2", "line 4", "line 5"] {
        assert!(
            err.contains(&format!("guichets.csv, {line}")),
            "{line}: {err}"
        );
    }
    assert!(!err.contains("line 3"), "{err}");
    assert_eq!(case.count(&["desk", "list", "--json"]), 0);
}

/// Issue 14: an empty cell does not reset what the inventory holds.
#[test]
fn roster_empty_cells_keep_stored_values() {
    let case = Case::new();
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "OPH",
        "--email",
        "a@example.org",
        "--department",
        "69",
        "--mode",
        "ws",
        "--lang",
        "en",
    ]);
    let csv = case.file(
        "g.csv",
        "identifiant;nom;courriel;département;mode;langue\n732829320-00001;;;42;;\n",
    );
    let out = case.run(&["desk", "import", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let d = &case.json(&["desk", "list", "--json"])[0];
    assert_eq!(d["name"], "OPH");
    assert_eq!(d["emails"][0], "a@example.org");
    assert_eq!(d["department"], "42");
    assert_eq!(d["mode"], "ws");
    assert_eq!(d["lang"], "en");
}

/// Issue 14: `status --department D --state S`, most urgent first; `--csv`
/// for a French Excel (BOM, `;`, dd/mm/yyyy) while `--json` keeps RFC 3339.
#[test]
fn status_filters_sorts_by_urgency_and_writes_french_csv() {
    const NOW: &str = "2029-11-20T09:00:00Z";
    let case = Case::new();
    add(&case, "552100554-00001", "Sans certificat", "69");
    add(&case, "732829320-00001", "Bientôt", "69");
    add(&case, "732829320-00002", "Expiré", "69");
    add(&case, "732829320-00003", "Ailleurs", "42");
    for f in ["valid.der.cer", "rsa-2048-desk2.cer"] {
        case.ok(&[
            "--now",
            "2027-03-01T09:00:00Z",
            "cert",
            "ingest",
            &fixture(f),
        ]);
    }
    let desks = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--now", NOW, "status"];
        all.extend_from_slice(args);
        case.json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["desk"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        desks(&["--department", "69", "--json", "--sort", "urgency"]),
        ["732829320-00002", "732829320-00001", "552100554-00001"]
    );
    assert_eq!(
        desks(&["--state", "expired,missing", "--json"]),
        ["552100554-00001", "732829320-00002", "732829320-00003"]
    );
    let table = case.ok(&["--now", NOW, "status", "--department", "69"]);
    let order: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        order,
        ["732829320-00002", "732829320-00001", "552100554-00001"],
        "{table}"
    );
    let out = case.run(&["status", "--state", "pending"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    let csv = case
        .cmd()
        .args(["--now", NOW, "status", "--csv"])
        .output()
        .unwrap();
    let csv = csv.stdout;
    assert!(csv.starts_with(b"\xEF\xBB\xBFdesk;name;"), "{csv:?}");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let soon = text
        .lines()
        .find(|l| l.starts_with("732829320-00001;"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(soon.contains(";25/11/2029;"), "{soon}");
    assert!(text.contains("Bientôt"), "{text}");
    let json = case.json(&["--now", NOW, "status", "--json"]);
    let rfc = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["desk"] == "732829320-00001")
        .unwrap()["not_after"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(rfc.starts_with("2029-11-2") && rfc.ends_with('Z'), "{rfc}");
}
