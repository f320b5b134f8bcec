//! The command line as a user meets it: help with examples, completions, the
//! man page, the version.

use clap::CommandFactory;

use crate::support::Case;

/// Every runnable command path (`["desk", "add"]`, `["status"]`…).
fn leaf_commands() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        let subs: Vec<_> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(path);
            return;
        }
        for s in subs {
            let mut p = path.clone();
            p.push(s.get_name().to_owned());
            walk(s, p, out);
        }
    }
    let mut out = Vec::new();
    walk(&vigie::cli::Cli::command(), Vec::new(), &mut out);
    out
}

#[test]
fn every_command_has_help_with_an_example() {
    let case = Case::new();
    let commands = leaf_commands();
    assert!(commands.len() >= 10, "{commands:?}");
    for path in commands {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = case.ok(&args);
        assert!(
            help.contains("Example"),
            "`vigie {}` has no example in its help:\n{help}",
            path.join(" ")
        );
    }
}

#[test]
fn completions_man_page_and_version() {
    let case = Case::new();
    for shell in ["bash", "zsh", "fish"] {
        let script = case.ok(&["completions", shell]);
        assert!(
            script.contains("vigie") && script.contains("desk"),
            "{shell}"
        );
    }
    let man = case.ok(&["man"]);
    assert!(man.contains(".TH vigie 1"), "{man}");
    let version = case.ok(&["--version"]);
    assert!(
        version.starts_with("vigie 0.") && version.contains('('),
        "{version}"
    );
    // Nothing above needed a data directory.
    assert!(!case.data().exists());
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let case = Case::new();
    let mut child = case
        .std_cmd()
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

/// Runs vigie with its stdout a pipe whose reader is gone before it writes.
fn with_stdout_closed(case: &Case, args: &[&str]) -> std::process::Output {
    let mut child = case
        .std_cmd()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

fn fixture(name: &str) -> String {
    crate::support::fixtures_dir()
        .join(name)
        .display()
        .to_string()
}

/// Issue 14: `cert ingest`, `alerts preview` and `push run` panicked (exit
/// 101) on a closed stdout; `cert normalize` said "Broken pipe" and exited 1.
/// A listing ends quietly with exit 0, like ripgrep; a command that has
/// acted still reports on stderr and keeps its exit code.
#[test]
fn every_printing_command_ends_quietly_on_a_closed_stdout() {
    const NOW: &str = "2027-03-01T09:00:00Z";
    let case = Case::new();
    for id in ["732829320-00001", "732829320-00002"] {
        case.ok(&["desk", "add", id, "--name", "A", "--email", "a@example.org"]);
    }
    let (valid, expired) = (fixture("valid.der.cer"), fixture("expired.cer"));
    let ingest = [
        "--now",
        NOW,
        "cert",
        "ingest",
        valid.as_str(),
        expired.as_str(),
    ];
    let out = with_stdout_closed(&case, &ingest);
    let err = crate::support::stderr(&out);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "a refusal is still exit 3: {err}"
    );
    assert!(
        err.contains("expired.cer") && err.contains("refusé"),
        "{err}"
    );
    let mut json = ingest.to_vec();
    json.push("--json");
    let out = with_stdout_closed(&case, &json);
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("expired.cer"), "{err}");

    let runs: &[&[&str]] = &[
        &["push", "run"],
        &["alerts", "preview", "732829320-00001"],
        &["-v", "alerts", "preview", "732829320-00001"],
        &["alerts", "list"],
        &["alerts", "list", "--json"],
        &["push", "status"],
        &["push", "status", "--json"],
        &["status"],
        &["status", "--json"],
        &["status", "--csv"],
        &["check"],
        &["log"],
        &["log", "--json"],
        &["log", "--desk", "732829320-00001"],
        &["desk", "list"],
        &["desk", "list", "--json"],
        &["desk", "show", "732829320-00001"],
        &["desk", "show", "732829320-00001", "--json"],
        &["cert", "history", "732829320-00001"],
        &["cert", "history", "732829320-00001", "--json"],
        &["cert", "inspect", &valid],
        &["cert", "inspect", "--json", &valid],
        &["cert", "normalize", &valid],
        &["cert", "normalize", "--der", &valid],
        &["completions", "bash"],
        &["man"],
    ];
    for args in runs {
        let mut args = args.to_vec();
        args.splice(0..0, ["--now", NOW]);
        let out = with_stdout_closed(&case, &args);
        let err = crate::support::stderr(&out);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "vigie {args:?}: {err}"
        );
        // `check` keeps its verdict (1: a desk has no certificate); the rest
        // end as their output would have.
        let expected = if args.contains(&"check") { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "vigie {args:?}: {err}");
    }
}

/// Issue 14: the read-only commands created an empty data directory and
/// store wherever `--data-dir` pointed, and `check` answered OK there.
#[test]
fn read_only_commands_never_create_a_store() {
    let case = Case::with_known_issuers();
    let data = case.data().display().to_string();
    let reads: &[&[&str]] = &[
        &["status"],
        &["status", "--json"],
        &["log"],
        &["log", "--desk", "732829320-00001"],
        &["alerts", "list"],
        &["push", "status"],
        &["desk", "list"],
        &["desk", "show", "732829320-00001"],
        &["cert", "history", "732829320-00001"],
    ];
    // A missing data directory, then one that exists but holds no store.
    for made in [false, true] {
        if made {
            std::fs::create_dir(case.data()).unwrap();
        }
        for args in reads {
            let out = case.run(args);
            let err = crate::support::stderr(&out);
            assert_eq!(out.status.code(), Some(1), "vigie {args:?}: {err}");
            assert!(
                err.contains(&data) && err.contains("vigie init") && err.contains("desk add"),
                "vigie {args:?} names the directory and how to create a store: {err}"
            );
            assert!(out.stdout.is_empty(), "vigie {args:?}");
        }
        let out = case.run(&["check"]);
        assert_eq!(out.status.code(), Some(3), "check answers UNKNOWN");
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(
            line.starts_with("VIGIE UNKNOWN - ") && line.contains(&data),
            "{line}"
        );
        assert_eq!(case.data().exists(), made, "no data directory was created");
        if made {
            let left: Vec<_> = std::fs::read_dir(case.data()).unwrap().collect();
            assert!(left.is_empty(), "nothing was created in it: {left:?}");
        }
    }
    // Once a store exists, they read it.
    case.ok(&["init", "--write-config", "vigie.toml"]);
    case.ok(&["status"]);
    assert_eq!(case.run(&["check"]).status.code(), Some(0));
}

/// Issue 14: a configuration error made `check` exit 2, which a monitoring
/// system reads as CRITICAL; it is UNKNOWN (3).
#[test]
fn check_answers_unknown_on_a_bad_configuration() {
    let case = Case::with_config("[status]\nwarn_days = \"soon\"\n");
    let out = case.run(&["check"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        crate::support::stderr(&out)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(line.starts_with("VIGIE UNKNOWN - "), "{line}");
    // Other commands keep exit 2 for a bad configuration.
    assert_eq!(case.run(&["status"]).status.code(), Some(2));
}

/// Issue 14: `check` named missing desks before expired ones, said "1
/// desks", and `--warn 0` still warned about a desk without a certificate.
#[test]
fn check_names_the_most_urgent_desks_first() {
    let case = Case::with_known_issuers();
    case.ok(&[
        "desk",
        "add",
        "552100554-00001",
        "--name",
        "M",
        "--email",
        "m@example.org",
    ]);
    let out = case.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(line.starts_with("VIGIE WARNING - 1 desk: "), "{line}");
    // No warning band: a missing certificate is no warning either.
    let out = case.run(&["check", "--warn", "0", "--crit", "0"]);
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{line}");
    assert!(
        line.starts_with("VIGIE OK - 1 desk: ") && line.contains("1 missing"),
        "{line}"
    );

    for id in ["732829320-00001", "732829320-00002"] {
        case.ok(&["desk", "add", id, "--name", "A", "--email", "a@example.org"]);
    }
    for f in ["valid.der.cer", "rsa-2048-desk2.cer"] {
        case.ok(&[
            "--now",
            "2027-03-01T09:00:00Z",
            "cert",
            "ingest",
            &fixture(f),
        ]);
    }
    // 00001 ends on 2029-11-25 (5 days left), 00002 ended on 2029-08-17.
    let out = case.run(&["--now", "2029-11-20T09:00:00Z", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let names = line
        .split_once("; ")
        .and_then(|(_, rest)| rest.split_once(" | "))
        .map(|(names, _)| names)
        .unwrap_or_else(|| panic!("{line}"));
    assert_eq!(
        names,
        "732829320-00002 expired (-95 d), 732829320-00001 critical (5 d), 552100554-00001 missing",
        "{line}"
    );
    assert!(line.starts_with("VIGIE CRITICAL - 3 desks: "), "{line}");
}

/// Issue 14 (DESIGN §8): exit codes agree across commands. An unknown desk
/// is 1 wherever it is named; a missing input path is 1, before anything is
/// done; a push the national side refused for good is 3, like an alert.
#[test]
fn exit_codes_agree_across_commands() {
    const UNKNOWN: &str = "552100554-00001";
    let case = Case::with_config(
        "[national]\ndestination = \"command\"\ncommand = [\"/bin/sh\", \"-c\", \"echo refusé >&2; exit 65\"]\n",
    );
    case.ok(&[
        "desk",
        "add",
        "732829320-00001",
        "--name",
        "A",
        "--email",
        "a@example.org",
    ]);
    let valid = fixture("valid.der.cer");
    let unknown: &[&[&str]] = &[
        &["desk", "show", UNKNOWN],
        &["desk", "remove", UNKNOWN],
        &["desk", "edit", UNKNOWN, "--name", "X"],
        &["desk", "suspend", UNKNOWN],
        &["desk", "resume", UNKNOWN],
        &["cert", "history", UNKNOWN],
        &["cert", "ingest", "--desk", UNKNOWN, &valid],
        &["log", "--desk", UNKNOWN],
        &["alerts", "list", "--desk", UNKNOWN],
        &["alerts", "preview", UNKNOWN],
        &["push", "retry", UNKNOWN],
    ];
    for args in unknown {
        let out = case.run(args);
        let err = crate::support::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "vigie {args:?}: {err}");
        assert!(err.contains(UNKNOWN), "vigie {args:?}: {err}");
    }
    let missing: &[&[&str]] = &[
        &["cert", "ingest", "absent.cer"],
        &["cert", "ingest", "--dry-run", &valid, "absent.cer"],
        &["cert", "inspect", "absent.cer"],
        &["cert", "normalize", "absent.cer"],
        &["desk", "import", "absent.csv"],
        &["restore", "absent.json"],
    ];
    for args in missing {
        let out = case.run(args);
        let err = crate::support::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "vigie {args:?}: {err}");
        assert!(err.contains("absent."), "vigie {args:?}: {err}");
    }
    // Nothing was ingested by the run naming a missing file with a good one.
    assert_eq!(
        case.count(&["cert", "history", "732829320-00001", "--json"]),
        0
    );

    case.ok(&["--now", "2027-03-01T09:00:00Z", "cert", "ingest", &valid]);
    let out = case.run(&["--now", "2027-03-01T09:00:00Z", "push", "run"]);
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "push: 0 done, 0 retried, 1 failed"
    );
}

/// Issue 14: `log --since DATE --desk ID` and `alerts list --desk ID`.
#[test]
fn log_and_alerts_list_filter_by_date_and_desk() {
    let case = Case::new();
    for (id, now) in [
        ("732829320-00001", "2027-03-01T09:00:00Z"),
        ("732829320-00002", "2027-03-05T09:00:00Z"),
    ] {
        case.ok(&[
            "--now",
            now,
            "desk",
            "add",
            id,
            "--name",
            "A",
            "--email",
            "a@example.org",
        ]);
    }
    case.ok(&[
        "--now",
        "2027-03-06T09:00:00Z",
        "desk",
        "edit",
        "732829320-00001",
        "--name",
        "B",
    ]);
    let actions = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["log", "--json"];
        all.extend_from_slice(args);
        case.json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["action"].as_str().unwrap(),
                    e["desk"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        actions(&["--since", "2027-03-05"]),
        ["desk.add 732829320-00002", "desk.edit 732829320-00001"]
    );
    assert_eq!(
        actions(&["--since", "2027-03-05", "--desk", "732829320-00001"]),
        ["desk.edit 732829320-00001"]
    );
    assert_eq!(
        actions(&["--since", "2027-03-06T10:00:00+01:00"]),
        ["desk.edit 732829320-00001"]
    );
    let out = case.run(&["log", "--since", "last week"]);
    assert_eq!(out.status.code(), Some(2));

    // Two desks with a certificate each; a reminder is due for both.
    for f in ["valid.der.cer", "rsa-2048-desk2.cer"] {
        case.ok(&[
            "--now",
            "2027-03-01T09:00:00Z",
            "cert",
            "ingest",
            &fixture(f),
        ]);
    }
    let out = case.run(&["--now", "2029-08-30T09:00:00Z", "alerts", "run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&out)
    );
    let all = case.count(&["alerts", "list", "--json"]);
    let one = case.json(&["alerts", "list", "--json", "--desk", "732829320-00002"]);
    assert!(all >= 2, "{all}");
    let one = one.as_array().unwrap();
    assert!(!one.is_empty() && one.len() < all);
    assert!(
        one.iter().all(|r| r["desk"] == "732829320-00002"),
        "{one:?}"
    );
}

/// The name `id -un` gives the test's user.
fn user_name() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Issue 14: the audit's "who" is the uid's name, and `SUDO_USER` when run
/// through sudo; never `$USER` alone, which anyone may set.
#[test]
fn the_audit_names_the_real_user() {
    let me = user_name();
    let case = Case::new();
    let add = |id: &str, sudo: Option<&str>| {
        let mut cmd = case.cmd();
        cmd.env("USER", "mallory").env("LOGNAME", "mallory");
        match sudo {
            Some(s) => cmd.env("SUDO_USER", s),
            None => cmd.env_remove("SUDO_USER"),
        };
        let out = cmd
            .args(["desk", "add", id, "--name", "A", "--email", "a@example.org"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", crate::support::stderr(&out));
    };
    add("732829320-00001", None);
    add("732829320-00002", Some("alice"));
    let log = case.json(&["log", "--json"]);
    let actors: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    let expected = if me == "alice" {
        me.clone()
    } else {
        format!("alice (sudo as {me})")
    };
    assert_eq!(actors, [me.as_str(), expected.as_str()]);
}

/// The command lines of the README's tour, as written.
fn readme_tour() -> Vec<String> {
    let readme = include_str!("../README.md");
    let tour = readme
        .split_once("## A ten-minute tour")
        .and_then(|(_, rest)| rest.split_once("```sh\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("the README has a tour in a sh block");
    tour.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Issue 14: the README tour works literally: every line, run by a shell in
/// an empty folder with `vigie` on the PATH, does what it says (the service
/// excepted: it runs until stopped).
#[test]
fn the_readme_tour_works_as_written() {
    let case = Case::new();
    let bin = assert_cmd::cargo::cargo_bin("vigie");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let lines = readme_tour();
    assert!(lines.len() >= 20, "{lines:?}");
    for line in lines.iter().filter(|l| !l.contains(" serve")) {
        let mut cmd = std::process::Command::new("/bin/sh");
        for var in crate::support::PROXY_VARIABLES {
            cmd.env_remove(var);
        }
        let out = cmd
            .args(["-c", line])
            .env("PATH", &path)
            .env_remove("VIGIE_CONFIG")
            .env_remove("VIGIE_DATA_DIR")
            .current_dir(case.dir.path())
            .output()
            .unwrap();
        let code = out.status.code();
        let ok = if line.starts_with("vigie check") {
            matches!(code, Some(0..=2))
        } else {
            code == Some(0)
        };
        assert!(
            ok,
            "README tour: `{line}` exited {code:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            crate::support::stderr(&out)
        );
    }
    let csv = std::fs::read(case.path("etat-des-guichets.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFdesk;"));
    assert!(case.path("vigie-data/national/manifest.json").exists());
    assert!(case.path("vigie.toml").exists());
}

/// Issue 14: `vigie man DIR` writes a page per command, each with EXIT
/// STATUS, FILES, ENVIRONMENT and EXAMPLES; bash completion offers the
/// values an option takes from a fixed list.
#[test]
fn man_pages_per_command_and_completion_of_enumerated_values() {
    let case = Case::new();
    let dir = case.path("man");
    let out = case.run(&["man", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&out)
    );
    let mut expected: Vec<String> = leaf_commands()
        .iter()
        .map(|p| format!("vigie-{}.1", p.join("-")))
        .collect();
    expected.extend(["vigie.1".to_owned(), "vigie-desk.1".to_owned()]);
    for name in &expected {
        let page =
            std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        for section in [
            ".SH \"EXIT STATUS\"",
            ".SH FILES",
            ".SH ENVIRONMENT",
            ".SH EXAMPLES",
        ] {
            assert!(page.contains(section), "{name} lacks {section}");
        }
    }
    let add = std::fs::read_to_string(dir.join("vigie-desk-add.1")).unwrap();
    assert!(add.contains(".TH vigie-desk-add 1"), "{add}");
    assert!(add.contains("vigie desk add 732829320\\-00001"), "{add}");
    let check = std::fs::read_to_string(dir.join("vigie-check.1")).unwrap();
    assert!(check.contains("3 UNKNOWN"), "{check}");
    assert!(!case.data().exists());

    let bash = case.ok(&["completions", "bash"]);
    for values in [
        "async ws both",
        "fr en",
        "expired critical warning missing ok suspended",
        "urgency desk",
    ] {
        assert!(bash.contains(values), "bash completion lacks «{values}»");
    }
}
