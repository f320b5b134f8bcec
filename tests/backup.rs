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
