//! Backups restore to the same store.

use crate::desk::spreadsheet_csv;
use crate::support::{code, stderr, Case};

#[test]
fn a_ten_thousand_desk_backup_restores_identically() {
    let case = Case::new();
    let csv = case.file("g.csv", spreadsheet_csv(10_000, None));
    case.ok(&["desk", "import", csv.to_str().unwrap()]);
    let status = case.ok(&["status", "--json"]);
    let desks = case.ok(&["desk", "list", "--json"]);
    let backup = case.path("b.json");
    case.ok(&["backup", backup.to_str().unwrap()]);

    let other = Case::new();
    other.ok(&["restore", backup.to_str().unwrap()]);
    assert_eq!(other.ok(&["status", "--json"]), status);
    assert_eq!(other.ok(&["desk", "list", "--json"]), desks);

    // A second restore onto a store that now holds data is refused, then
    // forced.
    let out = other.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    other.ok(&["restore", "--force", backup.to_str().unwrap()]);
    assert_eq!(other.ok(&["status", "--json"]), status);
}

#[test]
fn a_damaged_backup_is_refused_and_the_store_untouched() {
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
    let backup = case.path("b.json");
    case.ok(&["backup", backup.to_str().unwrap()]);
    let text = std::fs::read_to_string(&backup).unwrap();
    let damaged = case.file(
        "damaged.json",
        text.replace("\"format\": \"vigie-backup\"", "\"format\": \"other\""),
    );
    let other = Case::new();
    let out = other.run(&["restore", damaged.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(other.count(&["desk", "list", "--json"]), 0);
    let truncated = case.file("truncated.json", &text[..text.len() / 2]);
    let out = other.run(&["restore", truncated.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
}

/// A backup of one desk, and the case it was taken from.
fn one_desk_backup() -> (Case, std::path::PathBuf, String) {
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
    let backup = case.path("b.json");
    case.ok(&["backup", backup.to_str().unwrap()]);
    let text = std::fs::read_to_string(&backup).unwrap();
    (case, backup, text)
}

#[test]
fn a_backup_with_one_damaged_record_is_refused_naming_it_and_nothing_written() {
    let (case, _, text) = one_desk_backup();
    // Valid JSON, a valid document, but a desk record that no longer reads
    // as a desk.
    assert!(text.contains("\"name\": \"A\""), "{text}");
    let damaged = case.file(
        "damaged.json",
        text.replace("\"name\": \"A\"", "\"name\": 12"),
    );
    let desk_key = hex::encode("732829320-00001");

    let empty = Case::new();
    let out = empty.run(&["restore", damaged.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("desks") && err.contains(&desk_key), "{err}");
    assert_eq!(empty.count(&["desk", "list", "--json"]), 0);
    assert_eq!(empty.count(&["log", "--json"]), 0, "not even an audit line");

    // Over a good store, even with --force: the store is untouched.
    let good = Case::new();
    good.ok(&[
        "desk",
        "add",
        "732829320-00002",
        "--name",
        "B",
        "--email",
        "b@example.org",
    ]);
    let before = good.ok(&["desk", "list", "--json"]);
    let out = good.run(&["restore", "--force", damaged.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(good.ok(&["desk", "list", "--json"]), before);
}

#[test]
fn a_forced_restore_builds_the_new_store_beside_and_swaps_it_in_whole() {
    let (case, backup, text) = one_desk_backup();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let audit_lines = doc["trees"]["audit"].as_array().unwrap().len();
    assert!(audit_lines > 0);
    let other = Case::new();
    other.ok(&[
        "desk",
        "add",
        "732829320-00002",
        "--name",
        "B",
        "--email",
        "b@example.org",
    ]);
    // A left-over of a restore killed before its swap: never the store.
    std::fs::create_dir_all(other.data().join("store.restoring")).unwrap();
    std::fs::write(other.data().join("store.restoring").join("db"), b"half").unwrap();
    other.ok(&["restore", "--force", backup.to_str().unwrap()]);
    assert_eq!(
        other.ok(&["desk", "list", "--json"]),
        case.ok(&["desk", "list", "--json"])
    );
    let mut left: Vec<String> = std::fs::read_dir(other.data())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("store"))
        .collect();
    left.sort();
    assert_eq!(left, ["store"], "nothing left beside the store");
    // The backup's audit lines and the restore's own, none overwritten.
    let log = other.json(&["log", "--json"]);
    assert_eq!(log.as_array().unwrap().len(), audit_lines + 1, "{log}");
    assert_eq!(log.as_array().unwrap().last().unwrap()["action"], "restore");
    // Later lines do not overwrite the restored ones either.
    other.ok(&["desk", "remove", "732829320-00001"]);
    assert_eq!(other.count(&["log", "--json"]), audit_lines + 2);
}
