//! Certificate intake through the real binary, driven by
//! `certs-fixtures/manifest.json`: every fixture must be inspected and
//! ingested as the manifest says, `cert inspect` must agree with openssl,
//! refusals must speak French, and a private key must never reach the store.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{code, fixtures_dir, stderr, Case};

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn fixture(name: &str) -> String {
    fixtures_dir().join(name).display().to_string()
}

fn files(m: &Value) -> &Vec<Value> {
    m["files"].as_array().expect("files")
}

/// A case holding the manifest's desks and baseline certificates.
fn seeded(m: &Value, config: Option<&str>) -> Case {
    let case = match config {
        Some(c) => Case::with_config(c),
        None => Case::new(),
    };
    let now = m["now"].as_str().unwrap();
    for d in m["desks"].as_array().unwrap() {
        case.ok(&[
            "desk",
            "add",
            d["id"].as_str().unwrap(),
            "--name",
            d["name"].as_str().unwrap(),
            "--email",
            d["email"].as_str().unwrap(),
        ]);
    }
    for b in m["baseline"].as_array().unwrap() {
        // Forced: a restrictive configuration must not stop the set-up.
        case.ok(&[
            "--now",
            now,
            "cert",
            "ingest",
            "--force",
            &fixture(b.as_str().unwrap()),
        ]);
    }
    case
}

#[test]
fn every_fixture_inspects_as_the_manifest_says() {
    let m = manifest();
    let case = Case::new();
    let mut args = vec!["cert".to_owned(), "inspect".to_owned(), "--json".to_owned()];
    args.extend(
        files(&m)
            .iter()
            .map(|f| fixture(f["file"].as_str().unwrap())),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = case.run(&args);
    assert_eq!(
        code(&out),
        3,
        "some fixtures hold no certificate: {}",
        stderr(&out)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), files(&m).len());
    for (row, want) in rows.iter().zip(files(&m)) {
        let name = want["file"].as_str().unwrap();
        assert_eq!(row["format"], want["format"], "{name}: format");
        assert_eq!(
            row["error"]["code"].as_str(),
            want["inspect_error"].as_str(),
            "{name}: error"
        );
        let got = row["certificates"].as_array().unwrap();
        let exp = want["certificates"].as_array().unwrap();
        assert_eq!(got.len(), exp.len(), "{name}: certificates");
        for (g, e) in got.iter().zip(exp) {
            for k in [
                "sha256",
                "subject",
                "issuer",
                "serial",
                "not_before",
                "not_after",
            ] {
                assert_eq!(g[k], e[k], "{name}: {k}");
            }
            for k in ["key", "is_ca", "key_usage", "extended_key_usage", "san"] {
                assert!(g.get(k).is_some(), "{name}: {k} missing");
            }
        }
    }
}

#[test]
fn every_fixture_ingests_as_the_manifest_says() {
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let case = seeded(&m, None);
    for want in files(&m) {
        let name = want["file"].as_str().unwrap();
        let out = case.run(&[
            "--now",
            now,
            "cert",
            "ingest",
            "--dry-run",
            "--json",
            &fixture(name),
        ]);
        let expected_code = if want["verdict"] == "refused" { 3 } else { 0 };
        assert_eq!(
            code(&out),
            expected_code,
            "{name}: exit code; stderr {}",
            stderr(&out)
        );
        let rows: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let r = &rows[0];
        assert_eq!(r["outcome"], want["verdict"], "{name}: {r}");
        assert_eq!(
            r["code"].as_str(),
            want["reason"].as_str(),
            "{name}: reason {r}"
        );
        assert_eq!(
            r["desk"].as_str(),
            want["desk"].as_str(),
            "{name}: desk {r}"
        );
        // DESIGN §13: each warning is {"code", "message_fr", "message_en"}.
        let mut got: Vec<&str> = r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap())
            .collect();
        let mut exp: Vec<&str> = want["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        got.sort();
        exp.sort();
        assert_eq!(got, exp, "{name}: warnings");
        if want["verdict"] == "refused" {
            assert!(
                !r["reason_fr"].as_str().unwrap().is_empty(),
                "{name}: French reason"
            );
        }
    }
}

#[test]
fn ingest_writes_cert_push_job_audit_and_is_idempotent() {
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let case = seeded(&m, None);
    case.ok(&["--now", now, "cert", "ingest", &fixture("valid.der.cer")]);
    let again = case.ok(&[
        "--now",
        now,
        "cert",
        "ingest",
        &fixture("valid-crlf.pem.cer"),
    ]);
    assert!(again.contains("déjà le certificat actuel"), "{again}");
    case.ok(&[
        "--now",
        now,
        "cert",
        "ingest",
        &fixture("not-yet-valid-soon.cer"),
    ]);
    let hist = case.json(&["cert", "history", "732829320-00001", "--json"]);
    let hist = hist.as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist.iter().filter(|h| h["current"] == true).count(), 1);
    let store = case.store();
    let desk = vigie::desk::DeskId::parse("732829320-00001").unwrap();
    let jobs: Vec<_> = store
        .push_jobs()
        .unwrap()
        .into_iter()
        .filter(|j| j.desk == desk)
        .collect();
    let states: Vec<&str> = jobs.iter().map(|j| j.state.as_str()).collect();
    assert_eq!(jobs.len(), 2, "{states:?}");
    assert!(
        states.contains(&"superseded") && states.contains(&"pending"),
        "{states:?}"
    );
    let current = store.current_cert(&desk).unwrap().unwrap();
    assert_eq!(current.not_after.to_rfc3339(), "2030-03-05T09:00:00+00:00");
    let audit = store.audit(Some(&desk)).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "cert.ingest" && a.outcome == "ok")
            .count(),
        2
    );
}

#[test]
fn a_renewal_in_a_later_batch_supersedes_the_push_of_an_earlier_one() {
    // Bulk intake stores batch after batch while it parses: a desk's first
    // certificate in batch 1 and its renewal in batch 2 must end as one
    // superseded push and one pending, the renewal current, the status
    // showing its push.
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let case = seeded(&m, None);
    let same = std::fs::read(fixture("valid-crlf.pem.cer")).unwrap();
    let mut args = vec![
        "--now".to_owned(),
        now.to_owned(),
        "cert".into(),
        "ingest".into(),
        "--json".into(),
        fixture("valid.der.cer"),
    ];
    let filler = vigie::cert::ingest::BATCH + 50;
    for i in 0..filler {
        let f = case.file(&format!("same-{i:04}.cer"), &same);
        args.push(f.display().to_string());
    }
    args.push(fixture("not-yet-valid-soon.cer"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let rows = case.json(&args);
    let outcomes: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.len(), filler + 2);
    assert_eq!(outcomes[0], "accepted");
    assert!(outcomes[1..=filler].iter().all(|o| *o == "unchanged"));
    assert_eq!(outcomes[filler + 1], "accepted");
    let status = case.json(&["--now", now, "status", "--json"]);
    let row = status
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["desk"] == "732829320-00001")
        .unwrap();
    assert_eq!(row["not_after"], "2030-03-05T09:00:00Z");
    assert_eq!(row["push_state"], "pending");
    let pushes = case.json(&["push", "status", "--json"]);
    let mut states: Vec<&str> = pushes
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["desk"] == "732829320-00001")
        .map(|p| p["state"].as_str().unwrap())
        .collect();
    states.sort();
    assert_eq!(states, ["pending", "superseded"]);
}

#[test]
fn refusals_name_file_desk_and_reason_in_french_and_alert_the_desk() {
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let case = seeded(&m, None);
    let out = case.run(&["--now", now, "cert", "ingest", &fixture("expired.cer")]);
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(err.contains("expired.cer"), "{err}");
    assert!(err.contains("guichet 732829320-00001"), "{err}");
    assert!(err.contains("refusé : le certificat a expiré le"), "{err}");
    let out = case.run(&[
        "--now",
        now,
        "cert",
        "ingest",
        &fixture("siren-two-desks.cer"),
    ]);
    let err = stderr(&out);
    assert!(
        err.contains("732829320-00001, 732829320-00002"),
        "candidates listed: {err}"
    );
    let store = case.store();
    let alerts = store.alerts().unwrap();
    let refusal = alerts
        .iter()
        .find(|a| a.kind() == vigie::alerts::AlertKind::Refusal)
        .expect("refusal alert");
    assert_eq!(refusal.desk().unwrap().as_str(), "732829320-00001");
    assert_eq!(refusal.details["code"], "expired");
    assert!(refusal.details["reason_fr"].contains("a expiré"));
    let vigie::alerts::AlertSubject::Refusal { file, .. } = &refusal.subject else {
        panic!("a refusal's subject: {refusal:?}");
    };
    assert!(file.to_hex().len() == 64);
    let refused = store
        .audit(None)
        .unwrap()
        .into_iter()
        .filter(|a| a.outcome == "refused")
        .count();
    assert_eq!(refused, 2);
    drop(store);
    // The team's digest gives the reasons in French, as the desk got them.
    case.ok(&["--now", now, "alerts", "digest"]);
    let digest = std::fs::read_dir(case.data().join("outbox"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .map(|m| m.replace("=\r\n", ""))
        // The digest, not the desk's own refusal notice.
        .find(|m| m.contains("Synth") && m.contains("expired.cer"))
        .expect("a digest naming the refused file");
    assert!(digest.contains("le certificat a expir"), "{digest}");
}

#[test]
fn force_overrides_only_what_may_be_overridden() {
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let case = seeded(&m, None);
    let forced = case.json(&[
        "--now",
        now,
        "cert",
        "ingest",
        "--force",
        "--json",
        &fixture("expired.cer"),
    ]);
    assert_eq!(forced[0]["outcome"], "accepted");
    assert_eq!(forced[0]["warnings"][0]["code"], "forced:expired");
    let out = case.run(&[
        "--now",
        now,
        "cert",
        "ingest",
        "--force",
        &fixture("cert-and-key.pem"),
    ]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("Ne transmettez jamais votre clé privée"),
        "{}",
        stderr(&out)
    );
    // Another desk's certificate named for this desk: refused, forceable.
    let out = case.run(&[
        "--now",
        now,
        "cert",
        "ingest",
        "--desk",
        "732829320-00002",
        "--dry-run",
        "--json",
        &fixture("valid.der.cer"),
    ]);
    assert_eq!(code(&out), 3);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["code"], "desk_mismatch");
}

/// Every file under a folder, recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_private_key_is_never_copied_into_the_data_dir() {
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let case = seeded(&m, None);
    for f in [
        "cert-and-key.pem",
        "key-pkcs8.pem",
        "key-pkcs8.der",
        "bundle.pfx",
        "key-sec1-ec.der",
    ] {
        let out = case.run(&["--now", now, "cert", "ingest", &fixture(f)]);
        assert_eq!(code(&out), 3, "{f}");
        assert!(
            stderr(&out).contains("Ne transmettez jamais votre clé privée"),
            "{f}: {}",
            stderr(&out)
        );
    }
    let key = std::fs::read(fixtures_dir().join("key-pkcs8.der")).unwrap();
    let pem = std::fs::read_to_string(fixtures_dir().join("key-pkcs8.pem")).unwrap();
    let b64_line = pem.lines().nth(1).unwrap().as_bytes().to_vec();
    let sec1 = std::fs::read(fixtures_dir().join("key-sec1-ec.der")).unwrap();
    let mut all = Vec::new();
    walk(&case.data(), &mut all);
    for p in all {
        let bytes = std::fs::read(&p).unwrap();
        assert!(
            !contains(&bytes, &key[key.len() - 32..]),
            "key bytes in {}",
            p.display()
        );
        assert!(
            !contains(&bytes, &sec1[7..39]),
            "key scalar in {}",
            p.display()
        );
        assert!(
            !contains(&bytes, &b64_line),
            "key Base64 in {}",
            p.display()
        );
    }
}

#[test]
fn oversized_files_are_refused_and_folders_are_ingested_whole() {
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let case = Case::with_config("[intake]\nmax_file_bytes = 200\n");
    let out = case.run(&[
        "--now",
        now,
        "cert",
        "inspect",
        "--json",
        &fixture("valid-chain.pem"),
    ]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["error"]["code"], "too_large");
    let case = seeded(&m, None);
    for f in ["valid.der.cer", "rsa-2048-desk2.cer", "empty.cer"] {
        case.file(
            &format!("recus/{f}"),
            std::fs::read(fixtures_dir().join(f)).unwrap(),
        );
    }
    let out = case.run(&["--now", now, "cert", "ingest", "recus"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("2 accepté(s), 0 inchangé(s), 1 refusé(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn chains_are_checked_against_configured_anchors() {
    let m = manifest();
    let now = m["now"].as_str().unwrap();
    let anchors = fixtures_dir().join("anchors");
    let cfg = format!("[intake]\ntrust_anchors_dir = \"{}\"\n", anchors.display());
    let case = seeded(&m, Some(&cfg));
    let verdict = |f: &str| {
        let out = case.run(&[
            "--now",
            now,
            "cert",
            "ingest",
            "--dry-run",
            "--json",
            &fixture(f),
        ]);
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            rows[0]["outcome"].as_str().unwrap().to_owned(),
            rows[0]["code"].as_str().map(str::to_owned),
        )
    };
    assert_eq!(verdict("valid-chain.pem").0, "accepted");
    assert_eq!(verdict("valid.p7b").0, "accepted");
    assert_eq!(verdict("rsa-2048-desk2.cer").0, "accepted");
    // The leaf alone lacks its intermediate.
    assert_eq!(
        verdict("valid.der.cer"),
        ("refused".to_owned(), Some("untrusted".to_owned()))
    );
}

#[test]
fn normalize_gives_the_normal_form() {
    let case = Case::new();
    let pem = case.ok(&["cert", "normalize", &fixture("valid-bag-attributes.pem")]);
    assert!(
        pem.starts_with("-----BEGIN CERTIFICATE-----\n")
            && pem.ends_with("-----END CERTIFICATE-----\n")
    );
    assert!(!pem.contains('\r'));
    assert!(pem.lines().all(|l| l.len() <= 64));
    let lf = std::fs::read_to_string(fixtures_dir().join("valid-lf.pem.cer")).unwrap();
    assert_eq!(pem, lf);
    let out = case.path("leaf.der");
    case.ok(&[
        "cert",
        "normalize",
        &fixture("valid.p7b"),
        "--der",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(out).unwrap(),
        std::fs::read(fixtures_dir().join("valid.der.cer")).unwrap()
    );
    let refused = case.run(&["cert", "normalize", &fixture("key-pkcs8.pem")]);
    assert_eq!(code(&refused), 3);
}

/// openssl's view of a fixture's certificates: (subject, serial, notBefore,
/// notAfter, sha256) for each, in file order.
fn openssl_view(file: &str, format: &str) -> Vec<[String; 5]> {
    let f = fixture(file);
    let script = match format {
        "der" => format!("openssl x509 -inform DER -in '{f}'"),
        "pem" => format!("openssl crl2pkcs7 -nocrl -certfile '{f}' | openssl pkcs7 -print_certs"),
        "base64" => format!("tr -d '\\r' < '{f}' | openssl base64 -d | openssl x509 -inform DER"),
        "pkcs7-der" => format!("openssl pkcs7 -inform DER -in '{f}' -print_certs"),
        "pkcs7-pem" => format!("openssl pkcs7 -inform PEM -in '{f}' -print_certs"),
        other => panic!("format {other}"),
    };
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pems = String::from_utf8(out.stdout).unwrap();
    let mut views = Vec::new();
    for block in pems
        .split("-----END CERTIFICATE-----")
        .filter(|b| b.contains("-----BEGIN CERTIFICATE-----"))
    {
        let pem = format!(
            "{}-----END CERTIFICATE-----\n",
            &block[block.find("-----BEGIN").unwrap()..]
        );
        let mut child = Command::new("openssl")
            .args([
                "x509",
                "-noout",
                "-subject",
                "-serial",
                "-startdate",
                "-enddate",
                "-fingerprint",
                "-sha256",
                "-nameopt",
                "oneline,-esc_msb",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(pem.as_bytes())
            .unwrap();
        let text = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
        let field = |p: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(p))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let date = |s: String| {
            chrono::NaiveDateTime::parse_from_str(&s, "%b %e %H:%M:%S %Y GMT")
                .map(|d| {
                    d.and_utc()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                })
                .unwrap_or(s)
        };
        views.push([
            field("subject=").replace(" = ", "="),
            field("serial=").trim_start_matches('0').to_lowercase(),
            date(field("notBefore=")),
            date(field("notAfter=")),
            field("sha256 Fingerprint=").replace(':', "").to_lowercase(),
        ]);
    }
    views
}

#[test]
fn inspect_agrees_with_openssl() {
    crate::need!(crate::support::tools::Tool::Openssl);
    let m = manifest();
    let case = Case::new();
    let mut compared = 0;
    for want in files(&m) {
        let (Some(format), name) = (want["format"].as_str(), want["file"].as_str().unwrap()) else {
            continue;
        };
        if want["certificates"].as_array().unwrap().is_empty() {
            continue;
        }
        let ours = case.run(&["cert", "inspect", "--json", &fixture(name)]);
        let ours: Value = serde_json::from_slice(&ours.stdout).unwrap();
        let ours = ours[0]["certificates"].as_array().unwrap().clone();
        let theirs = openssl_view(name, format);
        assert_eq!(ours.len(), theirs.len(), "{name}: number of certificates");
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(o["subject"].as_str().unwrap(), t[0], "{name}: subject");
            assert_eq!(
                o["serial"].as_str().unwrap().trim_start_matches('0'),
                t[1],
                "{name}: serial"
            );
            assert_eq!(
                o["not_before"].as_str().unwrap(),
                t[2],
                "{name}: not before"
            );
            assert_eq!(o["not_after"].as_str().unwrap(), t[3], "{name}: not after");
            assert_eq!(o["sha256"].as_str().unwrap(), t[4], "{name}: sha256");
            compared += 1;
        }
    }
    assert!(compared >= 20, "compared only {compared} certificates");
    eprintln!("openssl agreed on {compared} certificates");
}

/// How long a command that reads a pipe or a device may take before the test
/// kills it: far more than intake needs, far less than "for ever".
const PROMPTLY: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs vigie, killing it after [`PROMPTLY`], so that a regression that waits
/// on a pipe fails the test instead of hanging the suite.
fn run_bounded(case: &Case, args: &[&str]) -> std::process::Output {
    let start = std::time::Instant::now();
    let out = case
        .cmd()
        .args(args)
        .timeout(PROMPTLY)
        .output()
        .expect("run vigie");
    assert!(
        start.elapsed() < PROMPTLY,
        "vigie {args:?} did not return within {PROMPTLY:?}: killed"
    );
    out
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success(), "mkfifo {}", path.display());
}

#[test]
fn ingesting_a_named_pipe_returns_at_once_with_the_reason() {
    let case = Case::new();
    let pipe = case.path("renouvellement.cer");
    mkfifo(&pipe);
    let out = run_bounded(&case, &["cert", "ingest", pipe.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("renouvellement.cer refusé"), "{err}");
    assert!(err.contains("not a regular file: a named pipe"), "{err}");
    // The data directory's lock was let go: the next command runs.
    run_bounded(&case, &["desk", "list"]);
    // Inspecting and normalising read it the same way.
    let out = run_bounded(&case, &["cert", "inspect", pipe.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not a regular file: a named pipe"), "{text}");
    let out = run_bounded(&case, &["cert", "normalize", pipe.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file: a named pipe"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ingesting_a_link_to_dev_zero_is_refused_without_reading_it() {
    let case = Case::new();
    let link = case.path("zero.cer");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let out = run_bounded(&case, &["cert", "ingest", link.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("zero.cer refusé"), "{err}");
    assert!(
        err.contains("not a regular file: a character device"),
        "{err}"
    );
}

#[test]
fn a_named_pipe_in_an_ingested_folder_gets_its_refused_row() {
    let case = Case::new();
    case.file(
        "recus/empty.cer",
        std::fs::read(fixtures_dir().join("empty.cer")).unwrap(),
    );
    mkfifo(&case.path("recus/tube.cer"));
    std::fs::create_dir(case.path("recus/sous-dossier")).unwrap();
    let out = run_bounded(&case, &["cert", "ingest", "recus"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("tube.cer refusé"), "{err}");
    assert!(err.contains("not a regular file: a named pipe"), "{err}");
    // The sub-folder is still no row of its own.
    assert!(
        err.contains("0 accepté(s), 0 inchangé(s), 2 refusé(s)"),
        "{err}"
    );
}
