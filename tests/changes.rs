//! Desk settings and scheduled setting changes (issue 16, DESIGN §12)
//! through the real binary.

use crate::support::{code, stderr, Case};

/// A configuration that adds one desk setting.
const PROFIL: &str = "[desk_settings]\nprofil = [\"standard\", \"pilote\"]\n";

fn add(case: &Case, id: &str, extra: &[&str]) {
    let mut args = vec![
        "desk",
        "add",
        id,
        "--name",
        "OPH du Rhône",
        "--email",
        "guichet@example.org",
    ];
    args.extend_from_slice(extra);
    case.ok(&args);
}

#[test]
fn settings_are_shown_set_and_imported_and_bad_values_name_the_allowed_ones() {
    let case = Case::with_config(PROFIL);
    add(&case, "732829320-00001", &[]);
    add(
        &case,
        "732829320-00002",
        &["--set", "version=v2", "--set", "profil=Pilote"],
    );
    let list = case.json(&["desk", "list", "--json"]);
    assert_eq!(list[0]["version"], "V1", "{list}");
    assert_eq!(list[0]["mode"], "async", "{list}");
    assert_eq!(
        list[0]["profil"], "standard",
        "the first value is the default: {list}"
    );
    assert_eq!(list[1]["version"], "V2", "{list}");
    assert_eq!(list[1]["profil"], "pilote", "{list}");
    let show = case.json(&["desk", "show", "732829320-00002", "--json"]);
    assert_eq!(show["version"], "V2", "{show}");
    assert!(case.ok(&["desk", "show", "732829320-00002"]).contains("V2"));

    // A value outside the list: a usage error naming the allowed values.
    let out = case.run(&["desk", "edit", "732829320-00001", "--set", "version=V3"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("V1, V2"), "{}", stderr(&out));
    let out = case.run(&["desk", "edit", "732829320-00001", "--set", "couleur=bleu"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("version, mode, profil"),
        "{}",
        stderr(&out)
    );

    // desk edit sets them now, audited.
    case.ok(&[
        "desk",
        "edit",
        "732829320-00001",
        "--set",
        "version=V2",
        "--mode",
        "ws",
    ]);
    let show = case.json(&["desk", "show", "732829320-00001", "--json"]);
    assert_eq!(show["version"], "V2", "{show}");
    assert_eq!(show["mode"], "ws", "{show}");
    let log = case.json(&["log", "--desk", "732829320-00001", "--json"]);
    let last = &log.as_array().unwrap().last().unwrap()["detail"];
    assert!(last.as_str().unwrap().contains("version: V1 → V2"), "{log}");

    // The roster: columns, and a refused value names its line.
    let roster = case.file(
        "guichets.csv",
        "identifiant;nom;version;profil\n\
         732829320-00003;Commune;V2;pilote\n",
    );
    case.ok(&["desk", "import", roster.to_str().unwrap()]);
    let show = case.json(&["desk", "show", "732829320-00003", "--json"]);
    assert_eq!(
        (&show["version"], &show["profil"]),
        (&"V2".into(), &"pilote".into())
    );
    let bad = case.file(
        "mauvais.csv",
        "identifiant;nom;version\n\
         732829320-00004;A;V1\n\
         732829320-00005;B;V9\n",
    );
    let out = case.run(&["desk", "import", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 3") && stderr(&out).contains("V1, V2"),
        "{}",
        stderr(&out)
    );
    assert_eq!(case.count(&["desk", "list", "--json"]), 3);
}
