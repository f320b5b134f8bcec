//! Shared set-up for the integration tests: a case is a temporary data
//! directory (and configuration) in which the real `vigie` binary runs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub mod certgen;
pub mod imap;
pub mod proxy;
pub mod seed;
pub mod tools;

/// The variable that lets `--now` send (DESIGN §13). Tests set it in
/// [`Case::cmd`] and [`Case::std_cmd`], since most use `--now` to pin the
/// day they send on; a test of the what-if rule removes it.
pub const NOW_SENDS: &str = "VIGIE_NOW_SENDS";

/// A temporary vigie installation.
pub struct Case {
    pub dir: tempfile::TempDir,
    pub config: Option<PathBuf>,
}

/// The environment variables through which a proxy reaches an HTTP client.
pub const PROXY_VARIABLES: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

impl Case {
    /// A case on the embedded defaults.
    pub fn new() -> Case {
        Case {
            dir: tempfile::tempdir().expect("temp dir"),
            config: None,
        }
    }

    /// A case with this configuration text (written to `vigie.toml`).
    pub fn with_config(toml: &str) -> Case {
        let mut case = Case::new();
        let path = case.dir.path().join("vigie.toml");
        std::fs::write(&path, toml).expect("write config");
        case.config = Some(path);
        case
    }

    /// A case whose configuration knows the fixtures' issuing CAs
    /// (`[intake] known_issuers_dir`): without trust anchors, a renewal
    /// must come from a known issuer (issue 18), and `check` warns.
    pub fn with_known_issuers() -> Case {
        Case::with_config(&format!(
            "[intake]\nknown_issuers_dir = \"{}\"\n",
            fixtures_dir().join("anchors").display()
        ))
    }

    /// The data directory.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A path inside the case's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the case's folder and returns its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The `vigie` command, pointed at this case, without the caller's
    /// proxy settings.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("vigie").expect("vigie binary");
        // A proxy in the test runner's environment would carry the pushes
        // of tests that expect a direct connection.
        for var in PROXY_VARIABLES {
            c.env_remove(var);
        }
        c.env_remove("VIGIE_CONFIG")
            .env_remove("NO_COLOR")
            .env("VIGIE_DATA_DIR", self.data())
            .env(NOW_SENDS, "1")
            .current_dir(self.dir.path());
        if let Some(cfg) = &self.config {
            c.env("VIGIE_CONFIG", cfg);
        }
        c
    }

    /// A plain `std::process::Command` for vigie, pointed at this case, for
    /// processes the test must control while they run (the service, kills).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("vigie"));
        // A proxy in the test runner's environment would carry the pushes
        // of tests that expect a direct connection.
        for var in PROXY_VARIABLES {
            c.env_remove(var);
        }
        c.env_remove("VIGIE_CONFIG")
            .env_remove("NO_COLOR")
            .env("VIGIE_DATA_DIR", self.data())
            .env(NOW_SENDS, "1")
            .current_dir(self.dir.path());
        if let Some(cfg) = &self.config {
            c.env("VIGIE_CONFIG", cfg);
        }
        c
    }

    /// Runs vigie with these arguments and returns its output (any exit code).
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run vigie")
    }

    /// Runs vigie, expects exit 0, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "vigie {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs vigie with `--json` output already in `args`, parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }
}

impl Case {
    /// Opens the case's store from the test process (to seed it or read it
    /// back), waiting for a vigie process that still holds it.
    pub fn store(&self) -> vigie::store::Store {
        vigie::store::Store::open(&self.data(), std::time::Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("the store of {} does not open: {e}", self.data().display()))
    }

    /// Runs a `--json` listing and returns how many rows it printed.
    pub fn count(&self, args: &[&str]) -> usize {
        self.json(args).as_array().expect("a JSON array").len()
    }
}

/// The `certs-fixtures/` folder of the repository.
pub fn fixtures_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/certs-fixtures"))
}

/// Exit code of an output, for assertions.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
