//! The `command` destination: a program run once per certificate, fed the
//! normal-form PEM on stdin, with `VIGIE_DESK_ID`, `VIGIE_SHA256` and
//! `VIGIE_NOT_AFTER` in its environment; and once per scheduled setting
//! change, fed `{"<key>": "<value>"}` on stdin, with `VIGIE_DESK_ID`,
//! `VIGIE_CHANGE_ID`, `VIGIE_CHANGE_KEY` and `VIGIE_CHANGE_VALUE` (a
//! program tells the two apart by `VIGIE_CHANGE_KEY`).
//!
//! Exit 0 means done; exit 65 (`EX_DATAERR`) means the certificate is refused
//! for good; anything else, or running past the time limit (the program is
//! then killed), is tried again later.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant as Monotonic};

use super::plan::{classify_exit, Outcome};
use super::{ChangeItem, PushItem, Target};
use crate::clock::{rfc3339, Instant};

/// How much of the program's stderr is kept for `last_error`.
const STDERR_KEPT: usize = 300;

/// The program and its time limit.
pub struct CommandTarget {
    argv: Vec<String>,
    timeout: Duration,
}

impl CommandTarget {
    /// The program (`argv[0]`) with its arguments; `timeout` at least a second.
    pub fn new(argv: Vec<String>, timeout: Duration) -> CommandTarget {
        CommandTarget {
            argv,
            timeout: timeout.max(Duration::from_secs(1)),
        }
    }

    fn run(&self, item: &PushItem) -> Outcome {
        self.run_with(
            &[
                ("VIGIE_DESK_ID", item.desk.to_string()),
                ("VIGIE_SHA256", item.sha256.to_hex()),
                ("VIGIE_NOT_AFTER", rfc3339(item.not_after)),
            ],
            item.pem.clone(),
        )
    }

    /// Runs the program with `env` added and `input` on its stdin.
    fn run_with(&self, env: &[(&str, String)], input: String) -> Outcome {
        let Some((program, args)) = self.argv.split_first() else {
            return Outcome::Retry("national.command is empty".into());
        };
        let child = Command::new(program)
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => return Outcome::Retry(format!("cannot run {program}: {e}")),
        };
        // Fed from a thread so that a program that does not read its stdin
        // cannot block vigie; a PEM fits a pipe's buffer anyway.
        let stdin = child.stdin.take();
        std::thread::spawn(move || {
            if let Some(mut s) = stdin {
                let _ = s.write_all(input.as_bytes());
            }
        });
        // stderr is read from a thread, never joined after a kill: a child of
        // the program may hold the pipe open long after.
        let (tx, rx) = std::sync::mpsc::channel();
        if let Some(mut err) = child.stderr.take() {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = err.by_ref().take(64 * 1024).read_to_end(&mut buf);
                let _ = tx.send(buf);
            });
        }
        let deadline = Monotonic::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Monotonic::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Outcome::Retry(format!(
                        "{program} was still running after {} s and was stopped",
                        self.timeout.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Outcome::Retry(format!("waiting for {program}: {e}")),
            }
        };
        let stderr = rx
            .recv_timeout(Duration::from_millis(500))
            .map(|b| tail(&String::from_utf8_lossy(&b)))
            .unwrap_or_default();
        classify_exit(status.code(), &stderr)
    }
}

/// The last line-ish of a program's stderr, one line, no control characters.
fn tail(s: &str) -> String {
    let flat = crate::escape::flat_line(s);
    let n = flat.chars().count();
    flat.chars().skip(n.saturating_sub(STDERR_KEPT)).collect()
}

impl Target for CommandTarget {
    fn push(&mut self, item: &PushItem, _now: Instant) -> Outcome {
        self.run(item)
    }

    fn apply(&mut self, change: &ChangeItem, _now: Instant) -> Outcome {
        self.run_with(
            &[
                ("VIGIE_DESK_ID", change.desk.to_string()),
                ("VIGIE_CHANGE_ID", change.change.to_string()),
                ("VIGIE_CHANGE_KEY", change.key.clone()),
                ("VIGIE_CHANGE_VALUE", change.value.clone()),
            ],
            change.body(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;
    use crate::desk::DeskId;
    use crate::fingerprint::Sha256;

    fn item() -> PushItem {
        PushItem {
            desk: DeskId::parse("732829320-00001").unwrap(),
            sha256: Sha256::of(b"x"),
            not_after: parse_instant("2029-01-01T00:00:00Z").unwrap(),
            pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
        }
    }

    fn sh(script: &str, secs: u64) -> CommandTarget {
        CommandTarget::new(
            vec!["/bin/sh".into(), "-c".into(), script.into()],
            Duration::from_secs(secs),
        )
    }

    #[test]
    fn exit_codes_and_environment() {
        let ok = sh(
            r#"test "$VIGIE_DESK_ID" = 732829320-00001 && test "$VIGIE_NOT_AFTER" = 2029-01-01T00:00:00Z && grep -q 'BEGIN CERTIFICATE'"#,
            5,
        );
        assert_eq!(ok.run(&item()), Outcome::Done);
        assert!(
            matches!(sh("echo nope >&2; exit 65", 5).run(&item()), Outcome::Refused(m) if m.contains("nope"))
        );
        assert!(matches!(sh("exit 3", 5).run(&item()), Outcome::Retry(_)));
        let missing = CommandTarget::new(vec!["/nonexistent/prog".into()], Duration::from_secs(1));
        assert!(matches!(missing.run(&item()), Outcome::Retry(m) if m.contains("cannot run")));
    }

    #[test]
    fn a_program_past_its_time_limit_is_stopped_and_retried() {
        let start = Monotonic::now();
        let out = sh("sleep 30", 1).run(&item());
        assert!(matches!(out, Outcome::Retry(m) if m.contains("still running")));
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
