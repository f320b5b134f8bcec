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
