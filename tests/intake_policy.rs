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

/// A case whose desks 1 and 2 hold certificates from `ca`, loaded with
/// `--initial`; desk 2's ends 2028-06-01.
fn loaded(ca: &Ca, config: Option<&str>) -> Case {
    let case = match config {
        Some(c) => Case::with_config(c),
        None => Case::new(),
    };
    desks(&case, &[(DESK1, "a@example.org"), (DESK2, "b@example.org")]);
    let one = case.file(
        "depart/1.cer",
        leaf(
            ca,
            DESK1,
            "a@example.org",
            ymd(2026, 1, 1),
            ymd(2028, 6, 1),
            1,
        ),
    );
    let two = case.file(
        "depart/2.cer",
        leaf(
            ca,
            DESK2,
            "b@example.org",
            ymd(2026, 1, 1),
            ymd(2028, 6, 1),
            2,
        ),
    );
    let (code, rows, err) = ingest(
        &case,
        &["--initial", one.to_str().unwrap(), two.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{rows} {err}");
    case
}

/// The outcome and code of a dry-run ingest of `der` with `extra` options.
fn verdict(case: &Case, name: &str, der: &[u8], extra: &[&str]) -> (String, String, Value) {
    let f = case.file(name, der);
    let mut args = vec!["--dry-run"];
    args.extend_from_slice(extra);
    args.push(f.to_str().unwrap());
    let (_, rows, err) = ingest(case, &args);
    let r = rows[0].clone();
    assert!(r.is_object(), "{name}: {err}");
    (
        r["outcome"].as_str().unwrap().to_owned(),
        r["code"].as_str().unwrap_or("").to_owned(),
        r,
    )
}

#[test]
fn without_trust_anchors_a_renewal_must_come_from_a_known_issuer() {
    let ca = root("AC de test");
    let case = loaded(&ca, None);
    // A self-signed certificate naming desk 2 in its CN.
    let key = rcgen::KeyPair::generate().unwrap();
    let forged = crate::support::seed::self_signed(&key, DESK2);
    let (outcome, code, row) = verdict(&case, "forge.cer", &forged, &[]);
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("refused", "self_signed"),
        "{row}"
    );
    assert_eq!(row["overridable"], true, "{row}");
    assert!(
        row["reason_en"].as_str().unwrap().contains("self-signed"),
        "{row}"
    );
    let (outcome, _, row) = verdict(&case, "forge.cer", &forged, &["--force"]);
    assert_eq!(outcome, "accepted", "the team may force it: {row}");
    // Issued by an authority vigie has never seen.
    let other = root("Autre AC");
    let renewal = |ca: &Ca, serial| {
        leaf(
            ca,
            DESK2,
            "b@example.org",
            ymd(2027, 1, 1),
            ymd(2030, 1, 1),
            serial,
        )
    };
    let (outcome, code, row) = verdict(&case, "autre.cer", &renewal(&other, 10), &[]);
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("refused", "unknown_issuer"),
        "{row}"
    );
    assert_eq!(row["overridable"], true, "{row}");
    // From the issuer of the current certificates: accepted.
    let (outcome, _, row) = verdict(&case, "bon.cer", &renewal(&ca, 11), &[]);
    assert_eq!(outcome, "accepted", "{row}");
    // Only desk 2's address in a SAN, another subject than its current
    // certificate's: not desk 2's.
    let mut spec = LeafSpec::desk(DESK2, "b@example.org", ymd(2027, 1, 1), ymd(2030, 1, 1), 12);
    spec.common_name = "Quelqu'un".into();
    spec.organization = "Ailleurs".into();
    spec.siren = None;
    let by_mail = ca
        .issue(&spec, &Key::generate(KeyKind::P256).unwrap())
        .unwrap();
    let (outcome, code, row) = verdict(&case, "mel.cer", &by_mail, &[]);
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("refused", "no_desk"),
        "{row}"
    );
}

#[test]
fn known_issuers_dir_adds_issuers_checked_by_signature_and_names_unreadable_files() {
    let ca = root("AC de test");
    let other = root("Autre AC");
    // Same name as the other authority, another key.
    let impostor = root("Autre AC");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("autre.pem"), pem("CERTIFICATE", &other.der)).unwrap();
    std::fs::write(dir.path().join("abime.pem"), "pas un certificat").unwrap();
    let cfg = format!(
        "[intake]\nknown_issuers_dir = \"{}\"\n",
        dir.path().display()
    );
    let case = loaded(&ca, Some(&cfg));
    let renewal = |ca: &Ca, serial| {
        leaf(
            ca,
            DESK2,
            "b@example.org",
            ymd(2027, 1, 1),
            ymd(2030, 1, 1),
            serial,
        )
    };
    let f = case.file("autre.cer", renewal(&other, 20));
    let (code, rows, err) = ingest(&case, &["--dry-run", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{rows}");
    assert_eq!(rows[0]["outcome"], "accepted", "{rows}");
    assert!(
        err.contains("abime.pem"),
        "an unusable file is named: {err}"
    );
    let (outcome, code, row) = verdict(&case, "imposteur.cer", &renewal(&impostor, 21), &[]);
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("refused", "unknown_issuer"),
        "{row}"
    );
}

#[test]
fn init_and_check_tell_the_team_to_configure_trust_anchors() {
    let case = Case::new();
    let out = case.run(&["init", "--write-config", "vigie.toml"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("trust_anchors_dir") && err.contains("--initial"),
        "{err}"
    );
    let out = case.run(&["check"]);
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(code(&out), 1, "{line}");
    assert!(
        line.starts_with("VIGIE WARNING - ") && line.contains("no trust anchors"),
        "{line}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ac.pem"),
        pem("CERTIFICATE", &root("AC de test").der),
    )
    .unwrap();
    let cfg = case.file(
        "avec-ancres.toml",
        format!(
            "[intake]\nknown_issuers_dir = \"{}\"\n",
            dir.path().display()
        ),
    );
    let out = case
        .cmd()
        .env("VIGIE_CONFIG", &cfg)
        .arg("check")
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(code(&out), 0, "{line}");
    assert!(!line.contains("trust anchors"), "{line}");
}

#[test]
fn desk_names_a_desk_the_certificate_contradicts_even_outside_the_inventory() {
    let ca = root("AC de test");
    let case = Case::new();
    desks(&case, &[(DESK1, "a@example.org")]);
    let dates = (ymd(2027, 1, 1), ymd(2030, 1, 1));
    // Another desk id, not in the inventory.
    let other_id = leaf(&ca, "732829320-00009", "z@example.org", dates.0, dates.1, 1);
    let (outcome, code, row) = verdict(&case, "autre.cer", &other_id, &["--desk", DESK1]);
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("refused", "desk_mismatch"),
        "{row}"
    );
    assert_eq!(row["overridable"], true, "{row}");
    assert!(
        row["reason_fr"]
            .as_str()
            .unwrap()
            .contains("732829320-00009"),
        "{row}"
    );
    // Another organisation's SIREN only, not in the inventory.
    let mut spec = LeafSpec::desk("552100554-00001", "z@example.org", dates.0, dates.1, 2);
    spec.common_name = "Guichet principal".into();
    let other_siren = ca
        .issue(&spec, &Key::generate(KeyKind::P256).unwrap())
        .unwrap();
    let (outcome, code, row) = verdict(&case, "siren.cer", &other_siren, &["--desk", DESK1]);
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("refused", "desk_mismatch"),
        "{row}"
    );
    assert!(
        row["reason_fr"].as_str().unwrap().contains("552100554"),
        "{row}"
    );
    let (outcome, _, row) = verdict(
        &case,
        "siren.cer",
        &other_siren,
        &["--desk", DESK1, "--force"],
    );
    assert_eq!(outcome, "accepted", "{row}");
    // The named desk's own SIREN without a desk id: its own.
    let mut spec = LeafSpec::desk(DESK1, "a@example.org", dates.0, dates.1, 3);
    spec.common_name = "Guichet principal".into();
    let own = ca
        .issue(&spec, &Key::generate(KeyKind::P256).unwrap())
        .unwrap();
    let (outcome, _, row) = verdict(&case, "own.cer", &own, &["--desk", DESK1]);
    assert_eq!(outcome, "accepted", "{row}");
}

#[test]
fn a_renewal_from_another_issuer_is_flagged_issuer_changed() {
    let ca = root("AC de test");
    let other = root("Autre AC");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("autre.pem"), pem("CERTIFICATE", &other.der)).unwrap();
    let cfg = format!(
        "[intake]\nknown_issuers_dir = \"{}\"\n",
        dir.path().display()
    );
    let case = loaded(&ca, Some(&cfg));
    let f = case.file(
        "autre.cer",
        leaf(
            &other,
            DESK2,
            "b@example.org",
            ymd(2027, 1, 1),
            ymd(2030, 1, 1),
            30,
        ),
    );
    let (code, rows, err) = ingest(&case, &[f.to_str().unwrap()]);
    assert_eq!(code, 0, "{rows} {err}");
    let w = &rows[0]["warnings"];
    assert_eq!(w.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(w[0]["code"], "issuer_changed", "{rows}");
    assert!(
        w[0]["message_fr"].as_str().unwrap().contains("Autre AC"),
        "{rows}"
    );
    assert!(
        w[0]["message_en"].as_str().unwrap().contains("Autre AC"),
        "{rows}"
    );
    // In the log the digest reads.
    let log = case.ok(&["log", "--desk", DESK2]);
    assert!(log.contains("autre autorité"), "{log}");
    // And in the team's digest, read from that log line.
    case.ok(&["--now", NOW, "alerts", "digest"]);
    let digest = std::fs::read_dir(case.data().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|m| m.contains("Changements d'autorit"))
        .unwrap_or_default();
    assert!(digest.contains(DESK2), "the digest lists the issuer change");
    // And in the text output.
    let f = case.file(
        "autre2.cer",
        leaf(
            &ca,
            DESK1,
            "a@example.org",
            ymd(2027, 1, 1),
            ymd(2030, 1, 1),
            31,
        ),
    );
    let out = case.ok(&["--now", NOW, "cert", "ingest", f.to_str().unwrap()]);
    assert!(
        !out.contains("autre autorité"),
        "same issuer: no warning: {out}"
    );
}

#[test]
fn contacts_break_ties_among_a_sirens_desks_and_ambiguity_says_why() {
    let ca = root("AC de test");
    let case = Case::new();
    let desk3 = "732829320-00003";
    desks(
        &case,
        &[
            (DESK1, "accueil@example.org"),
            (DESK2, "siege@example.org"),
            (desk3, "siege@example.org"),
        ],
    );
    let dates = (ymd(2027, 1, 1), ymd(2030, 1, 1));
    // `OU=0002 <SIREN>` and no desk id, as real subjects have.
    let org_cert = |email: &str, serial| {
        let mut spec = LeafSpec::desk(DESK1, email, dates.0, dates.1, serial);
        spec.common_name = "Office public de l'habitat".into();
        ca.issue(&spec, &Key::generate(KeyKind::P256).unwrap())
            .unwrap()
    };
    // The SAN address is desk 1's contact: desk 1.
    let (outcome, _, row) = verdict(&case, "san.cer", &org_cert("accueil@example.org", 1), &[]);
    assert_eq!(outcome, "accepted", "{row}");
    assert_eq!(row["desk"], DESK1, "{row}");
    // The address shared by desks 2 and 3: still ambiguous, and the refusal
    // says which desks and which evidence.
    let (outcome, code, row) = verdict(&case, "siege.cer", &org_cert("siege@example.org", 2), &[]);
    assert_eq!(
        (outcome.as_str(), code.as_str()),
        ("refused", "ambiguous_desk"),
        "{row}"
    );
    let fr = row["reason_fr"].as_str().unwrap();
    assert!(
        fr.contains(DESK2) && fr.contains(desk3) && !fr.contains(DESK1),
        "{fr}"
    );
    assert!(
        fr.contains("732829320") && fr.contains("siege@example.org"),
        "names the evidence: {fr}"
    );
    // An emailAddress in the subject counts as a SAN address does.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec![]).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::OrganizationalUnitName, "0002 732829320");
    p.distinguished_name.push(
        rcgen::DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
        rcgen::DnValue::Ia5String("accueil@example.org".try_into().unwrap()),
    );
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "Office public de l'habitat");
    p.not_before = rcgen::date_time_ymd(2027, 1, 1);
    p.not_after = rcgen::date_time_ymd(2030, 1, 1);
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(vec![]).unwrap();
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "AC sujet");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let in_subject = p.signed_by(&key, &issuer).unwrap().der().to_vec();
    let (outcome, _, row) = verdict(&case, "sujet.cer", &in_subject, &[]);
    assert_eq!(outcome, "accepted", "{row}");
    assert_eq!(row["desk"], DESK1, "{row}");
}

#[test]
fn desks_sharing_an_organisation_dn_give_no_false_desk_mismatch() {
    let ca = root("AC de test");
    let case = Case::new();
    desks(&case, &[(DESK1, "a@example.org"), (DESK2, "b@example.org")]);
    let dates = (ymd(2026, 1, 1), ymd(2029, 1, 1));
    // One organisation DN, no desk id: desk 1's current certificate.
    let shared = |serial| {
        let mut spec = LeafSpec::desk(DESK1, "x@example.org", dates.0, dates.1, serial);
        spec.common_name = "Office public de l'habitat".into();
        spec.siren = None;
        spec.email = None;
        ca.issue(&spec, &Key::generate(KeyKind::P256).unwrap())
            .unwrap()
    };
    let one = case.file("1.cer", shared(1));
    let (code, rows, err) = ingest(
        &case,
        &["--initial", "--desk", DESK1, one.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{rows} {err}");
    // Desk 2's own certificate with the same DN, named with --desk.
    let (outcome, code, row) = verdict(&case, "2.cer", &shared(2), &["--desk", DESK2]);
    assert_eq!(outcome, "accepted", "{code} {row}");
}

#[test]
fn folder_intake_skips_system_files_reads_sub_folders_and_a_missing_path_is_an_error() {
    let ca = root("AC de test");
    let case = Case::new();
    desks(&case, &[(DESK1, "a@example.org"), (DESK2, "b@example.org")]);
    let dates = (ymd(2027, 1, 1), ymd(2030, 1, 1));
    case.file(
        "recus/1.cer",
        leaf(&ca, DESK1, "a@example.org", dates.0, dates.1, 1),
    );
    case.file(
        "recus/guichet 2/2.cer",
        leaf(&ca, DESK2, "b@example.org", dates.0, dates.1, 2),
    );
    for junk in [
        "Thumbs.db",
        "desktop.ini",
        ".DS_Store",
        ".cache.cer",
        "~$note.docx",
        "copie.TMP",
        "guichet 2/Thumbs.db",
    ] {
        case.file(&format!("recus/{junk}"), "pas un certificat");
    }
    let folder = case.path("recus");
    let (code, rows, err) = ingest(&case, &["--dry-run", folder.to_str().unwrap()]);
    assert_eq!(code, 0, "nothing refused: {rows} {err}");
    let rows = rows.as_array().unwrap();
    let by = |o: &str| rows.iter().filter(|r| r["outcome"] == o).count();
    assert_eq!(by("accepted"), 2, "the sub-folder is read: {rows:?}");
    assert_eq!(by("skipped"), 7, "{rows:?}");
    assert_eq!(by("refused"), 0, "{rows:?}");
    // Not recursive when asked not to be.
    let (_, rows, _) = ingest(
        &case,
        &["--dry-run", "--no-recursive", folder.to_str().unwrap()],
    );
    let accepted: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "accepted")
        .collect();
    assert_eq!(accepted.len(), 1, "{rows}");
    assert_eq!(accepted[0]["desk"], DESK1);
    // Ingested for real: no refusal recorded for the junk.
    case.ok(&["--now", NOW, "cert", "ingest", folder.to_str().unwrap()]);
    assert_eq!(alert_kinds(&case), Vec::<(String, String)>::new());
    // A path that does not exist: an error of the command (exit 1), no
    // refusal row, nothing recorded.
    let missing = case.path("absent.cer");
    let out = case.run(&[
        "--now",
        NOW,
        "cert",
        "ingest",
        "--json",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code_of(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("absent.cer"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let log = case.ok(&["log"]);
    assert!(!log.contains("absent.cer"), "{log}");
}

fn code_of(out: &std::process::Output) -> i32 {
    code(out)
}

/// A CA made with rcgen: its parameters (to issue), key and DER.
struct RawCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    der: Vec<u8>,
}

fn raw_ca(
    cn: &str,
    parent: Option<&RawCa>,
    eku: Vec<rcgen::ExtendedKeyUsagePurpose>,
    nb: (i32, u8, u8),
    na: (i32, u8, u8),
) -> RawCa {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec![]).unwrap();
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    p.extended_key_usages = eku;
    p.not_before = rcgen::date_time_ymd(nb.0, nb.1, nb.2);
    p.not_after = rcgen::date_time_ymd(na.0, na.1, na.2);
    let der = match parent {
        Some(parent) => p.signed_by(&key, &parent.issuer).unwrap(),
        None => p.self_signed(&key).unwrap(),
    }
    .der()
    .to_vec();
    RawCa {
        issuer: rcgen::Issuer::new(p, key),
        der,
    }
}

/// A desk 1 certificate from `ca`, valid 2027–2030, with these key usages.
fn raw_leaf(ca: &RawCa, serial: u8, key_usages: Vec<rcgen::KeyUsagePurpose>) -> Vec<u8> {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec![]).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, format!("Guichet {DESK1}"));
    p.serial_number = Some(rcgen::SerialNumber::from_slice(&[serial]));
    p.key_usages = key_usages;
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    p.not_before = rcgen::date_time_ymd(2027, 1, 1);
    p.not_after = rcgen::date_time_ymd(2030, 1, 1);
    p.signed_by(&key, &ca.issuer).unwrap().der().to_vec()
}

fn bundle(certs: &[&[u8]]) -> String {
    certs.iter().map(|c| pem("CERTIFICATE", c)).collect()
}

#[test]
fn chain_refusals_say_precisely_what_is_wrong_in_french_and_english() {
    let any = vec![];
    let root_ca = raw_ca(
        "Racine de test",
        None,
        any.clone(),
        (2020, 1, 1),
        (2040, 1, 1),
    );
    let case = Case::new();
    let anchors = case.file("ancres/racine.pem", pem("CERTIFICATE", &root_ca.der));
    case.file("ancres/vide.pem", "rien");
    let cfg = case.file(
        "vigie.toml",
        format!(
            "[intake]\ntrust_anchors_dir = \"{}\"\n",
            anchors.parent().unwrap().display()
        ),
    );
    let case = Case {
        config: Some(cfg),
        ..case
    };
    desks(&case, &[(DESK1, "a@example.org")]);
    let digital = || vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let inter = raw_ca(
        "AC intermediaire",
        Some(&root_ca),
        any.clone(),
        (2021, 1, 1),
        (2035, 1, 1),
    );
    let good = raw_leaf(&inter, 1, digital());
    let (outcome, _, row) = verdict(
        &case,
        "bon.pem",
        bundle(&[&good, &inter.der]).as_bytes(),
        &[],
    );
    assert_eq!(outcome, "accepted", "{row}");
    let reasons = |name: &str, bytes: &[u8]| {
        let (outcome, code, row) = verdict(&case, name, bytes, &[]);
        assert_eq!(outcome, "refused", "{name}: {row}");
        (
            code,
            row["reason_fr"].as_str().unwrap().to_owned(),
            row["reason_en"].as_str().unwrap().to_owned(),
        )
    };
    // The intermediate is missing.
    let (code, fr, en) = reasons("seul.cer", &good);
    assert_eq!(code, "untrusted");
    assert!(
        fr.contains("intermédiaire") && fr.contains("manque"),
        "{fr}"
    );
    assert!(
        en.contains("missing") && en.contains("AC intermediaire"),
        "{en}"
    );
    // An expired intermediate.
    let old = raw_ca(
        "AC ancienne",
        Some(&root_ca),
        any.clone(),
        (2020, 1, 1),
        (2026, 1, 1),
    );
    let (_, fr, en) = reasons(
        "ancienne.pem",
        bundle(&[&raw_leaf(&old, 2, digital()), &old.der]).as_bytes(),
    );
    assert!(fr.contains("expiré") && fr.contains("AC ancienne"), "{fr}");
    assert!(en.contains("expired"), "{en}");
    // Another root.
    let other = raw_ca(
        "Racine inconnue",
        None,
        any.clone(),
        (2020, 1, 1),
        (2040, 1, 1),
    );
    let (_, fr, en) = reasons(
        "autre.pem",
        bundle(&[&raw_leaf(&other, 3, digital()), &other.der]).as_bytes(),
    );
    assert!(
        fr.contains("Racine inconnue") && fr.contains("racine"),
        "{fr}"
    );
    assert!(en.contains("root") && en.contains("not trusted"), "{en}");
    // Signed by another key than the intermediate's sent with it.
    let twin = raw_ca(
        "AC intermediaire",
        Some(&root_ca),
        any.clone(),
        (2021, 1, 1),
        (2035, 1, 1),
    );
    let (_, fr, en) = reasons(
        "jumeau.pem",
        bundle(&[&raw_leaf(&twin, 4, digital()), &inter.der]).as_bytes(),
    );
    assert!(fr.contains("signature"), "{fr}");
    assert!(en.contains("signature"), "{en}");
    // An intermediate for servers only.
    let servers = raw_ca(
        "AC serveurs",
        Some(&root_ca),
        vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth],
        (2021, 1, 1),
        (2035, 1, 1),
    );
    let (_, fr, en) = reasons(
        "serveurs.pem",
        bundle(&[&raw_leaf(&servers, 5, digital()), &servers.der]).as_bytes(),
    );
    assert!(fr.contains("usage") && fr.contains("AC serveurs"), "{fr}");
    assert!(en.contains("usage"), "{en}");
    for s in [&fr, &en] {
        assert!(
            !s.contains('{') && !s.contains("Error"),
            "no debug output: {s}"
        );
    }
    // A desk certificate whose only key usage is signing certificates.
    let (code, _, en) = reasons(
        "signe.pem",
        bundle(&[
            &raw_leaf(&inter, 6, vec![rcgen::KeyUsagePurpose::KeyCertSign]),
            &inter.der,
        ])
        .as_bytes(),
    );
    assert_eq!(code, "wrong_key_usage", "{en}");
    // The anchor file without a certificate is named at start.
    let f = case.file("x.pem", bundle(&[&good, &inter.der]));
    let (_, _, err) = ingest(&case, &["--dry-run", f.to_str().unwrap()]);
    assert!(err.contains("vide.pem"), "{err}");
    // The audit keeps the precise cause.
    let out = case.run(&[
        "--now",
        NOW,
        "cert",
        "ingest",
        case.path("seul.cer").to_str().unwrap(),
    ]);
    assert_eq!(code_of(&out), 3);
    let log = case.ok(&["log"]);
    assert!(
        log.contains("AC intermediaire") && log.contains("manque"),
        "{log}"
    );
}

#[test]
fn relative_paths_in_the_configuration_are_read_from_its_folder() {
    let ca = root("AC de test");
    let case = Case::new();
    case.file("etc/emetteurs/ac.pem", pem("CERTIFICATE", &ca.der));
    let cfg = case.file(
        "etc/vigie.toml",
        "[intake]\nknown_issuers_dir = \"emetteurs\"\n",
    );
    let case = Case {
        config: Some(cfg),
        ..case
    };
    desks(&case, &[(DESK1, "a@example.org")]);
    let f = case.file(
        "1.cer",
        leaf(
            &ca,
            DESK1,
            "a@example.org",
            ymd(2027, 1, 1),
            ymd(2030, 1, 1),
            1,
        ),
    );
    // Run from the case's folder, not the configuration's.
    let (code, rows, err) = ingest(&case, &["--dry-run", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{rows} {err}");
    let out = case.run(&["check"]);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("trust anchors"),
        "{}",
        stderr(&out)
    );
}

/// Issue 14, "Done when": a first load of 300 desks and their current
/// certificates, then `push run` and `alerts run`, sends and pushes nothing;
/// the next day's run sends only what became due that day (the desks whose
/// certificate then reaches the first threshold, 90 days).
#[test]
fn a_first_load_of_300_desks_sends_and_pushes_nothing_and_the_next_day_only_what_is_due() {
    const DESKS: u64 = 300;
    const DUE_NEXT_DAY: u64 = 10;
    let ca = root("AC de test");
    let case = Case::new();
    let mut roster = String::from("id,name,email\n");
    let id = |n: u64| format!("732829320-{n:05}");
    for n in 1..=DESKS {
        roster.push_str(&format!("{},Guichet {n},g{n}@example.org\n", id(n)));
    }
    let csv = case.file("guichets.csv", roster);
    case.ok(&["desk", "import", csv.to_str().unwrap()]);
    let now = ymd(2027, 3, 1);
    for n in 1..=DESKS {
        // The first ones end 91 days from now (one day before the first
        // threshold), the others well after it.
        let days = if n <= DUE_NEXT_DAY {
            91
        } else {
            120 + n as i64
        };
        let der = leaf(
            &ca,
            &id(n),
            &format!("g{n}@example.org"),
            ymd(2025, 6, 1),
            now + chrono::Duration::days(days),
            n,
        );
        case.file(&format!("existants/g{n}.cer"), der);
    }
    let (code, rows, err) = ingest(
        &case,
        &["--initial", case.path("existants").to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len() as u64, DESKS);
    assert!(rows.iter().all(|r| r["outcome"] == "accepted"), "{err}");

    let outbox = || {
        std::fs::read_dir(case.data().join("outbox"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let pushed = || {
        std::fs::read_dir(case.data().join("national"))
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .map(|e| e.file_name().to_string_lossy().ends_with(".pem"))
                        .unwrap_or(false)
                })
                .count()
            })
            .unwrap_or(0)
    };
    case.ok(&["--now", NOW, "push", "run"]);
    case.ok(&["--now", NOW, "alerts", "run"]);
    assert_eq!(pushed(), 0, "a first load pushes nothing");
    assert_eq!(outbox(), 0, "a first load sends nothing");

    const NEXT_DAY: &str = "2027-03-02T09:00:00Z";
    case.ok(&["--now", NEXT_DAY, "push", "run"]);
    case.ok(&["--now", NEXT_DAY, "alerts", "run"]);
    assert_eq!(pushed(), 0);
    assert_eq!(outbox() as u64, DUE_NEXT_DAY, "only the 90-day reminders");
    let mut alerted: Vec<String> = case
        .json(&["alerts", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["threshold_days"], 90, "{a}");
            a["desk"].as_str().unwrap().to_owned()
        })
        .collect();
    alerted.sort();
    let expected: Vec<String> = (1..=DUE_NEXT_DAY).map(id).collect();
    assert_eq!(alerted, expected);
}

/// Issue 18: through the mailbox, a self-signed certificate naming a desk
/// (sent from that desk's own contact address) goes to people: no refusal
/// e-mailed to the desk, no automatic reply, nothing replaced.
#[test]
fn a_forged_certificate_by_mail_goes_to_people_never_to_the_desk() {
    use base64::Engine as _;
    let ca = root("AC de test");
    let case = loaded(&ca, None);
    let key = rcgen::KeyPair::generate().unwrap();
    let forged = crate::support::seed::self_signed(&key, DESK2);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&forged);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let eml = format!(
        "From: b@example.org\r\nTo: gestion@example.org\r\nSubject: Nouveau certificat\r\n\
         Message-ID: <forge-1@example.org>\r\nDate: Mon, 1 Mar 2027 08:00:00 +0100\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoici le certificat.\r\n\
         --b\r\nContent-Type: application/pkix-cert; name=\"guichet.cer\"\r\n\
         Content-Disposition: attachment; filename=\"guichet.cer\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        lines.join("\r\n")
    );
    let msg = case.file("forge.eml", eml);
    let outbox = || {
        std::fs::read_dir(case.data().join("outbox"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let before = outbox();
    let out = case.run(&[
        "--now",
        NOW,
        "mail",
        "ingest",
        "--json",
        msg.to_str().unwrap(),
    ]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let row = &rows[0];
    assert_eq!(row["action"], "needs_human", "{rows} {}", stderr(&out));
    assert_eq!(row["certificates"][0]["reason"]["code"], "self_signed");
    assert_eq!(row["reply_message_id"], Value::Null, "{row}");
    assert_eq!(outbox(), before, "no reply");
    let kinds = alert_kinds(&case);
    assert!(
        !kinds.iter().any(|(k, _)| k == "refusal"),
        "no refusal for the desk: {kinds:?}"
    );
    // The desk keeps its certificate.
    let status = case.json(&["--now", NOW, "status", "--json"]);
    let two = status
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["desk"] == DESK2)
        .unwrap();
    assert_eq!(
        two["issuer"].as_str().map(|i| i.contains("AC de test")),
        Some(true)
    );
}
