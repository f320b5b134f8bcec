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

use std::collections::BTreeMap;
use std::time::{Duration, Instant as Monotonic};

use crate::https_server::{Pki, Reply, Server};
use crate::messages::parse;
use crate::smtp::SmtpServer;

const DESK: &str = "732829320-00001";
const OTHER: &str = "732829320-00002";
/// The day the changes are scheduled: 1 March 2013, 11:00 in Paris.
const T0: &str = "2013-03-01T10:00:00Z";

fn smtp_config(port: u16) -> String {
    crate::alerts::config(port)
}

/// The ids `desk schedule` printed on stdout.
/// `desk schedule --all --where version=V1 --set version=V2 --on ON` at
/// T0: the changes it made.
fn schedule_all_v1(case: &Case, on: &str) -> Vec<String> {
    ids(&case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        "--all",
        "--where",
        "version=V1",
        "--set",
        "version=V2",
        "--on",
        on,
    ]))
}

fn ids(stdout: &str) -> Vec<String> {
    stdout.lines().map(str::to_owned).collect()
}

fn changes(case: &Case) -> Vec<serde_json::Value> {
    case.json(&["desk", "changes", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn state_of(case: &Case, id: &str) -> String {
    changes(case)
        .iter()
        .find(|c| c["change"] == id)
        .unwrap_or_else(|| panic!("change {id} listed"))["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits (with a deadline) until the SMTP server has received `n` messages.
fn wait_messages(server: &SmtpServer, n: usize) -> Vec<crate::smtp::Received> {
    let start = Monotonic::now();
    loop {
        let m = server.messages();
        if m.len() >= n {
            return m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited for {n} messages, got {}",
            m.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn acknowledged_applied_on_its_day_through_the_folder_and_confirmed_once() {
    let server = SmtpServer::start();
    let case = Case::with_config(&smtp_config(server.port()));
    for id in [DESK, OTHER] {
        case.ok(&[
            "--now",
            T0,
            "desk",
            "add",
            id,
            "--name",
            "OPH du Rhône",
            "--email",
            &format!("guichet-{id}@example.org"),
        ]);
    }
    let out = case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        DESK,
        "--set",
        "version=V2",
        "--on",
        "2013-03-18",
        "--note",
        "demande du 28/02",
    ]);
    let change = ids(&out).remove(0);
    // The acknowledgement, in French, with the date, as a mail client reads it.
    let ack = parse(wait_messages(&server, 1)[0].data.as_bytes());
    let subject = ack.header("Subject").unwrap();
    assert!(
        subject.contains("Accusé de réception") && subject.contains(DESK),
        "{subject}"
    );
    assert!(ack.text.contains("18/03/2013"), "{}", ack.text);
    assert!(ack.text.contains("version 2"), "{}", ack.text);
    // (minijinja escapes the slashes of the date in HTML.)
    assert!(ack.html.contains("passage en version 2"), "{}", ack.html);
    assert!(ack.html.contains(&change), "{}", ack.html);
    let rows = changes(&case);
    assert_eq!(rows.len(), 1);
    let row = rows[0].as_object().unwrap();
    assert_eq!(
        row.keys().collect::<Vec<_>>(),
        ["change", "desk", "key", "note", "on", "state", "value"]
    );
    assert_eq!(rows[0]["on"], "2013-03-18");
    assert_eq!(rows[0]["state"], "scheduled");
    assert_eq!(rows[0]["note"], "demande du 28/02");

    // A second desk, scheduled then cancelled: told, and never applied.
    let out = case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        OTHER,
        "--set",
        "version=V2",
        "--on",
        "2013-03-18",
    ]);
    let cancelled = ids(&out).remove(0);
    case.ok(&["--now", T0, "desk", "cancel", &cancelled]);
    let notice = parse(wait_messages(&server, 3)[2].data.as_bytes());
    assert!(
        notice.header("Subject").unwrap().contains("Annulation"),
        "{:?}",
        notice.headers
    );
    let out = case.run(&["--now", T0, "desk", "cancel", &cancelled]);
    assert_eq!(
        code(&out),
        1,
        "a cancelled change cannot be cancelled again"
    );

    // The day before (23:59 in Paris): nothing applied.
    let folder = case.data().join("national").join("parametrage");
    let out = case.ok(&["--now", "2013-03-17T22:59:00Z", "push", "run"]);
    assert!(!out.contains("changes:"), "{out}");
    assert!(!folder.join(format!("{DESK}.json")).exists());
    assert_eq!(state_of(&case, &change), "scheduled");
    // From 00:00 local on the day: applied, once.
    let out = case.ok(&["--now", "2013-03-17T23:00:00Z", "push", "run"]);
    assert!(
        out.contains("changes: 1 done, 0 retried, 0 failed"),
        "{out}"
    );
    let file = folder.join(format!("{DESK}.json"));
    let body: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({"version": "V2"}));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert!(
        !folder.join(format!("{OTHER}.json")).exists(),
        "cancelled: never applied"
    );
    assert_eq!(state_of(&case, &change), "done");
    assert_eq!(state_of(&case, &cancelled), "cancelled");
    let out = case.ok(&["--now", "2013-03-18T09:00:00Z", "push", "run"]);
    assert!(!out.contains("changes:"), "nothing left to apply: {out}");
    let show = case.json(&["desk", "show", DESK, "--json"]);
    assert_eq!(show["version"], "V2", "{show}");
    let show = case.json(&["desk", "show", OTHER, "--json"]);
    assert_eq!(show["version"], "V1", "{show}");

    // The confirmation goes with the next alerts run, once.
    case.ok(&["--now", "2013-03-18T09:00:00Z", "alerts", "run"]);
    let confirmation = parse(wait_messages(&server, 4)[3].data.as_bytes());
    assert!(
        confirmation
            .text
            .contains("Dès réception de ce message, vous pouvez, et devez, effectuer vos envois en version 2 ; dès demain, les demandes reçues par le dispatching vous parviendront au format V2"),
        "{}",
        confirmation.text
    );
    case.ok(&["--now", "2013-03-19T09:00:00Z", "alerts", "run"]);
    case.ok(&["--now", "2013-03-20T09:00:00Z", "alerts", "run"]);
    let kinds: Vec<String> = crate::alerts::list(&case)
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "change_applied").count(),
        1,
        "{kinds:?}"
    );
    // Only the threshold-free messages above: 4 in all (no certificate, no
    // reminder); the digest goes to the team, not counted here.
    let to_desk = server
        .messages()
        .iter()
        .filter(|m| m.rcpt.iter().any(|r| r.starts_with("guichet-")))
        .count();
    assert_eq!(to_desk, 4);

    // Every step is in the audit log.
    let log = case.json(&["log", "--desk", DESK, "--json"]);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["change.schedule", "change.done"] {
        assert!(actions.contains(&a), "{actions:?}");
    }
    let log = case.json(&["log", "--desk", OTHER, "--json"]);
    assert!(log.to_string().contains("change.cancel"), "{log}");
}

#[test]
fn a_new_date_replaces_the_pending_change_and_all_where_skips_suspended_and_done_desks() {
    let case = Case::with_config(PROFIL);
    for id in [DESK, OTHER, "732829320-00003"] {
        add(&case, id, &[]);
    }
    case.ok(&["desk", "edit", OTHER, "--set", "version=V2"]);
    case.ok(&["desk", "suspend", "732829320-00003"]);
    let first = ids(&case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        DESK,
        "--set",
        "version=V2",
        "--on",
        "2013-03-18",
    ]))
    .remove(0);
    let second = ids(&case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        DESK,
        "--set",
        "version=V2",
        "--on",
        "2013-03-25",
    ]))
    .remove(0);
    assert_ne!(first, second);
    assert_eq!(state_of(&case, &first), "cancelled");
    assert_eq!(state_of(&case, &second), "scheduled");
    assert_eq!(case.count(&["desk", "changes", "--pending", "--json"]), 1);
    // --all --where: only desks still on V1, not suspended, and without a
    // date of their own: DESK asked for the 25th and keeps it.
    let made = schedule_all_v1(&case, "2013-03-31");
    assert!(made.is_empty(), "{made:?}");
    add(&case, "732829320-00004", &[]);
    let made = schedule_all_v1(&case, "2013-03-31");
    assert_eq!(made.len(), 1, "{made:?}");
    let pending = case.json(&["desk", "changes", "--pending", "--json"]);
    let on: Vec<(&str, &str)> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["desk"].as_str().unwrap(), c["on"].as_str().unwrap()))
        .collect();
    assert_eq!(
        on,
        [(DESK, "2013-03-25"), ("732829320-00004", "2013-03-31")],
        "{pending}"
    );
    // Refusals: a date in the past, a value not allowed, a desk already on it.
    let out = case.run(&[
        "--now",
        T0,
        "desk",
        "schedule",
        DESK,
        "--set",
        "version=V2",
        "--on",
        "2013-02-28",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let out = case.run(&[
        "--now",
        T0,
        "desk",
        "schedule",
        DESK,
        "--set",
        "version=V3",
        "--on",
        "2013-03-28",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("V1, V2"), "{}", stderr(&out));
    let out = case.run(&[
        "--now",
        T0,
        "desk",
        "schedule",
        OTHER,
        "--set",
        "version=V2",
        "--on",
        "2013-03-28",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // An added key too.
    let made = ids(&case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        OTHER,
        "--set",
        "profil=pilote",
        "--on",
        "2013-03-28",
    ]));
    assert_eq!(made.len(), 1);
}

fn https_case(server: &Server, pki: &Pki) -> Case {
    Case::with_config(&format!(
        "[national]\ndestination = \"https\"\nurl = \"{}\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\nserver_ca = \"{}\"\ntimeout_secs = 5\nmax_backoff_secs = 600\n",
        server.url(),
        pki.client_cert.display(),
        pki.client_key.display(),
        pki.ca.display()
    ))
}

#[test]
fn https_puts_the_setting_with_its_idempotency_key_retries_503_and_fails_on_409() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::generate(tmp.path());
    let server = Server::start(
        &pki,
        vec![Reply::Status(503, "Service Unavailable", "maintenance")],
    );
    let case = https_case(&server, &pki);
    add(&case, DESK, &[]);
    add(&case, OTHER, &[]);
    let change = ids(&case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        DESK,
        "--set",
        "version=V2",
        "--on",
        "2013-03-18",
    ]))
    .remove(0);
    // Before the day: no request at all.
    case.ok(&["--now", "2013-03-17T12:00:00Z", "push", "run"]);
    assert!(server.requests().is_empty());
    let out = case.ok(&["--now", "2013-03-18T08:00:00Z", "push", "run"]);
    assert!(
        out.contains("changes: 0 done, 1 retried, 0 failed"),
        "{out}"
    );
    assert_eq!(state_of(&case, &change), "scheduled");
    let out = case.ok(&["--now", "2013-03-18T10:00:00Z", "push", "run"]);
    assert!(
        out.contains("changes: 1 done, 0 retried, 0 failed"),
        "{out}"
    );
    assert_eq!(state_of(&case, &change), "done");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.method, "PUT");
        assert_eq!(r.path, format!("/api/guichets/{DESK}/parametrage"));
        assert_eq!(
            r.header("idempotency-key").unwrap(),
            format!("{DESK}:{change}"),
            "the same key on every attempt"
        );
        assert_eq!(r.header("content-type").unwrap(), "application/json");
        assert_eq!(r.client_certs, 1, "mutual TLS");
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body, serde_json::json!({"version": "V2"}));
    }

    // 409: failed for good, exit 3, and in the team's digest.
    let refused = ids(&case.ok(&[
        "--now",
        T0,
        "desk",
        "schedule",
        OTHER,
        "--set",
        "mode=ws",
        "--on",
        "2013-03-20",
    ]))
    .remove(0);
    server.then(vec![Reply::Status(409, "Conflict", "guichet inconnu")]);
    let out = case.run(&["--now", "2013-03-20T08:00:00Z", "push", "run"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(state_of(&case, &refused), "failed");
    case.ok(&["--now", "2013-03-21T08:00:00Z", "push", "run"]);
    assert_eq!(server.requests().len(), 3, "a failed change is not retried");
    let show = case.json(&["desk", "show", OTHER, "--json"]);
    assert_eq!(show["mode"], "async", "{show}");
    case.ok(&["alerts", "digest", "--now", "2013-03-21T06:00:00Z"]);
    let digest = std::fs::read_dir(case.data().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .map(|b| parse(&b))
        .find(|m| m.header("To").is_some_and(|t| t.contains("equipe@")))
        .expect("the digest was written");
    assert!(
        digest.text.contains(&format!("mode=ws ({refused})")) && digest.text.contains("409"),
        "{}",
        digest.text
    );
}

/// Reads the lines the command destination appended: (desk, change).
fn applied(log: &std::path::Path) -> Vec<(String, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(d, c)| (d.to_owned(), c.to_owned()))
        .collect()
}

#[test]
fn killing_push_run_during_500_due_changes_applies_none_twice_unacknowledged_and_loses_none() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("applied.log");
    let script = tmp.path().join("apply.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s %s\\n' \"$VIGIE_DESK_ID\" \"$VIGIE_CHANGE_ID\" >> {}\n",
            log.display()
        ),
    )
    .unwrap();
    let case = Case::with_config(&format!(
        "[national]\ndestination = \"command\"\ncommand = [\"/bin/sh\", \"{}\"]\n",
        script.display()
    ));
    let desks: Vec<String> = (0..500).map(|i| format!("732829320-{i:05}")).collect();
    case.store()
        .write(|tx| {
            for d in &desks {
                tx.put_desk(&vigie::desk::Desk {
                    id: vigie::desk::DeskId::parse(d).unwrap(),
                    name: format!("Guichet {d}"),
                    emails: vec![vigie::desk::Email::parse("g@example.org").unwrap()],
                    department: None,
                    mode: Default::default(),
                    lang: Default::default(),
                    thresholds: None,
                    suspended: false,
                    settings: Default::default(),
                })?;
            }
            Ok(())
        })
        .unwrap();
    let made = schedule_all_v1(&case, "2013-03-18");
    assert_eq!(made.len(), 500);

    let mut child = case
        .std_cmd()
        .args(["--now", "2013-03-18T08:00:00Z", "push", "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Monotonic::now();
    while applied(&log).len() < 50 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "waited for 50 changes to be applied, saw {}",
            applied(&log).len()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "push run finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let seen = applied(&log);
    assert!(
        seen.len() < 500,
        "killed mid-batch ({} applied)",
        seen.len()
    );
    let rows = changes(&case);
    assert_eq!(rows.len(), 500, "no change lost");
    let state: BTreeMap<String, String> = rows
        .iter()
        .map(|r| {
            (
                r["change"].as_str().unwrap().to_owned(),
                r["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, c) in &seen {
        *count.entry(c.as_str()).or_default() += 1;
    }
    assert!(
        count.values().all(|&n| n == 1),
        "none applied twice in one run"
    );
    for (c, s) in &state {
        if s == "done" {
            assert!(count.contains_key(c.as_str()), "{c} done but never applied");
        }
    }
    let unacknowledged: Vec<&&str> = count.keys().filter(|c| state[**c] != "done").collect();
    assert!(
        unacknowledged.len() <= 1,
        "at most the change in flight is applied and not recorded: {unacknowledged:?}"
    );

    // The next run (a day later, past any booked retry) applies the rest.
    let out = case.ok(&["--now", "2013-03-19T08:00:00Z", "push", "run"]);
    assert!(out.contains("0 retried, 0 failed"), "{out}");
    assert!(changes(&case).iter().all(|r| r["state"] == "done"));
    let seen = applied(&log);
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for (_, c) in seen {
        *count.entry(c).or_default() += 1;
    }
    assert_eq!(count.len(), 500, "every change applied");
    let twice: Vec<&String> = count
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(c, _)| c)
        .collect();
    assert!(
        twice.len() <= 1
            && twice
                .iter()
                .all(|c| unacknowledged.iter().any(|u| **u == c.as_str())),
        "only the change in flight at the kill is applied again: {twice:?}"
    );
    assert!(count.values().all(|&n| n <= 2));
    let list = case.json(&["desk", "list", "--json"]);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["version"] == "V2"));
}
