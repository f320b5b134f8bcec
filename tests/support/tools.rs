//! The programs some tests need besides Rust: independent readers (Python's
//! `email` and `icalendar`, `openssl`), a browser, an IMAP server.
//!
//! On CI (`CI` or `VIGIE_TESTS_NEED_ALL` set, as `.ci/run` does) a missing
//! program fails the test and names the Debian package: those tests must not
//! pass without their reader. On a developer's machine that has only the
//! Rust toolchain, the test says on the terminal that it is skipped and why,
//! then returns; the README's `cargo test` still runs everything else.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A program a test needs.
#[derive(Debug, Clone, Copy)]
pub enum Tool {
    /// Python 3 able to import this module (`email` for the standard library).
    Python(&'static str),
    /// The `openssl` command.
    Openssl,
    /// A headless Chromium.
    Chromium,
    /// Dovecot's IMAP server.
    Dovecot,
}

impl Tool {
    /// The candidates to try, with the arguments that prove each works.
    fn candidates(self) -> Vec<(String, Vec<String>)> {
        let probe = |names: &[&str], args: &[&str]| {
            names
                .iter()
                .map(|n| {
                    (
                        (*n).to_owned(),
                        args.iter().map(|a| (*a).to_owned()).collect(),
                    )
                })
                .collect()
        };
        match self {
            Tool::Python(module) => probe(
                &["/usr/bin/python3", "python3"],
                &["-c", &format!("import {module}")],
            ),
            Tool::Openssl => probe(&["openssl"], &["version"]),
            Tool::Chromium => probe(
                &["chromium", "chromium-browser", "google-chrome"],
                &["--version"],
            ),
            Tool::Dovecot => probe(&["/usr/sbin/dovecot", "dovecot"], &["--version"]),
        }
    }

    /// What to install on Debian.
    fn package(self) -> String {
        match self {
            Tool::Python("email" | "json") => "python3".into(),
            Tool::Python(module) => format!("python3-{module}"),
            Tool::Openssl => "openssl".into(),
            Tool::Chromium => "chromium".into(),
            Tool::Dovecot => "dovecot-imapd".into(),
        }
    }
}

/// Whether every test must run: on CI a missing program is a failure.
pub fn all_needed() -> bool {
    ["CI", "VIGIE_TESTS_NEED_ALL"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty() && s != "false"))
}

/// The program, or `None` once the skip is said; fails on CI.
pub fn find(tool: Tool) -> Option<PathBuf> {
    for (name, args) in tool.candidates() {
        let works = Command::new(&name)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works {
            return Some(PathBuf::from(name));
        }
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_owned();
    let why = format!(
        "{test} needs {tool:?}: apt-get install {} (as .ci/run does)",
        tool.package()
    );
    assert!(!all_needed(), "{why}");
    // Written to the process's stderr, not through eprintln!, which the test
    // harness captures and hides for a test that returns.
    let _ = writeln!(std::io::stderr(), "SKIPPED {why}");
    None
}

/// Returns from the test (skipped, said on the terminal) when a program is
/// missing off CI; evaluates to its path otherwise.
#[macro_export]
macro_rules! need {
    ($tool:expr) => {
        match $crate::support::tools::find($tool) {
            Some(path) => path,
            None => return,
        }
    };
}
