//! Configuration: a TOML file whose every key has a default, so that no file is
//! needed. Unknown keys are refused with their name and line, because a
//! misspelt key silently ignored is a setting the team believes in and does not
//! have. Secrets are never in this file: it names a file or an environment
//! variable that holds them.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::desk::Email;

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or holds a key or value vigie does not know.
    #[error("configuration file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's words, with line and column.
        message: String,
    },
    /// A value is well-formed TOML but makes no sense.
    #[error("configuration file {path}: {key}: {message}")]
    Invalid {
        /// The file (or "embedded defaults").
        path: PathBuf,
        /// The key, dotted (`alerts.thresholds`).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A secret named by the configuration cannot be read.
    #[error("{key}: {message}")]
    Secret {
        /// The key naming the secret.
        key: String,
        /// What went wrong, never the secret itself.
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the store, the outbox and the national directory live, unless
    /// `--data-dir` or `VIGIE_DATA_DIR` says otherwise.
    pub data_dir: Option<PathBuf>,
    /// The IANA time zone in which days are counted and schedules run.
    pub timezone: String,
    /// A directory of templates overriding the embedded ones, file by file.
    pub templates_dir: Option<PathBuf>,
    /// The manager team.
    pub manager: Manager,
    /// SMTP delivery; absent means e-mails are written as `.eml` files.
    pub smtp: Option<Smtp>,
    /// Alert thresholds and cadence.
    pub alerts: Alerts,
    /// What `vigie status` and `vigie check` call warning and critical.
    pub status: Status,
    /// Intake policy.
    pub intake: Intake,
    /// Where accepted certificates are pushed.
    pub national: National,
    /// The service's schedules and listener.
    pub service: Service,
}

/// The manager team: sender identity and escalation recipients.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Manager {
    /// The team's name, signed at the foot of every e-mail.
    pub name: String,
    /// The team's address: where desks send their renewed certificates.
    pub email: String,
    /// Who is copied on escalations and receives the digest.
    pub team: Vec<String>,
}

/// How to reach the SMTP server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// Host name or address.
    pub host: String,
    /// Port; defaults by `tls`: 25, 587 (starttls) or 465 (implicit).
    #[serde(default)]
    pub port: Option<u16>,
    /// `none`, `starttls` or `implicit`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// User name for authentication, if the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// A file holding the password (first line).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The envelope and header sender.
    #[serde(default = "default_from")]
    pub from: String,
    /// A PEM file of CA certificates to trust for the server, in addition to
    /// the public roots (a local relay with its own CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Seconds before a connection or command is abandoned.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
}

fn default_from() -> String {
    "vigie@example.org".into()
}

fn default_smtp_timeout() -> u64 {
    30
}

/// TLS on the SMTP connection.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same machine or network.
    #[default]
    None,
    /// Upgrade with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
}

/// Alert thresholds and cadence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Alerts {
    /// Days before `notAfter` at which a desk is warned.
    pub thresholds: Vec<u32>,
    /// After expiry, a reminder every this many days.
    pub expired_every_days: u32,
    /// From this many days left (and after expiry) the team is copied.
    pub escalate_days: u32,
}

/// Status bands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Status {
    /// At or below this many days left a desk is in `warning`.
    pub warn_days: u32,
    /// At or below this many days left a desk is `critical`.
    pub crit_days: u32,
}

/// Intake policy knobs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Intake {
    /// Files larger than this are refused before being read whole.
    pub max_file_bytes: u64,
    /// A directory of CA certificates: when set, certificates must chain to one.
    pub trust_anchors_dir: Option<PathBuf>,
    /// A directory of intermediate CA certificates used to build chains.
    pub intermediates_dir: Option<PathBuf>,
    /// Smallest RSA modulus accepted, in bits.
    pub min_rsa_bits: u32,
    /// Smallest elliptic-curve key accepted, in bits.
    pub min_ec_bits: u32,
    /// Refuse MD5 and SHA-1 signatures.
    pub refuse_weak_signatures: bool,
    /// Refuse an expired certificate.
    pub refuse_expired: bool,
    /// Refuse a certificate older than the desk's current one.
    pub refuse_older: bool,
    /// Accept, with a warning, a certificate not yet valid by at most this many days.
    pub not_yet_valid_grace_days: u32,
}

/// Where accepted certificates go.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct National {
    /// `directory`, `https` or `command`.
    pub destination: Destination,
    /// For `directory`: the folder (default `<data-dir>/national`).
    pub directory: Option<PathBuf>,
    /// For `https`: the base URL.
    pub url: Option<String>,
    /// For `https`: the manager's client certificate (PEM).
    pub client_cert: Option<PathBuf>,
    /// For `https`: its private key (PEM), read at push time, never stored.
    pub client_key: Option<PathBuf>,
    /// For `https`: the CA that signs the server's certificate (PEM).
    pub server_ca: Option<PathBuf>,
    /// For `https`: an `http://host:port` proxy to tunnel through (CONNECT);
    /// without it, `HTTPS_PROXY` from the environment.
    pub proxy: Option<String>,
    /// For `command`: the program and its arguments.
    pub command: Vec<String>,
    /// Seconds before an HTTPS request or a command is abandoned.
    pub timeout_secs: u64,
    /// Backoff cap between retries, in seconds.
    pub max_backoff_secs: u64,
}

/// The kind of national destination.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Destination {
    /// Files in a folder.
    #[default]
    Directory,
    /// HTTPS PUT with mutual TLS.
    Https,
    /// A program run per certificate.
    Command,
}

/// The service's schedules (six-field cron, seconds first, local time) and
/// its HTTP listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Service {
    /// When alerts run.
    pub alerts: String,
    /// When pending pushes are retried.
    pub push: String,
    /// When the team digest is sent.
    pub digest: String,
    /// When the store is exported.
    pub backup: String,
    /// How many daily exports are kept.
    pub keep_backups: u32,
    /// Address of `/healthz` and `/metrics`.
    pub listen: String,
}

/// Whether `url` is an `http://[user:password@]host[:port][/]` proxy URL.
pub fn is_http_proxy_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.ends_with(']') => (h, Some(p)),
        _ => (host_port, None),
    };
    !host.is_empty()
        && !host.contains(['/', '?', '#', ' ', '@'])
        && port.is_none_or(|p| p.parse::<u16>().is_ok())
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: None,
            timezone: "Europe/Paris".into(),
            templates_dir: None,
            manager: Manager::default(),
            smtp: None,
            alerts: Alerts::default(),
            status: Status::default(),
            intake: Intake::default(),
            national: National::default(),
            service: Service::default(),
        }
    }
}

impl Default for Manager {
    fn default() -> Self {
        Manager {
            name: "Gestion territoriale".into(),
            email: "gestion@example.org".into(),
            team: vec!["equipe@example.org".into()],
        }
    }
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            thresholds: vec![90, 60, 30, 15, 7, 1],
            expired_every_days: 7,
            escalate_days: 15,
        }
    }
}

impl Default for Status {
    fn default() -> Self {
        Status {
            warn_days: 30,
            crit_days: 15,
        }
    }
}

impl Default for Intake {
    fn default() -> Self {
        Intake {
            max_file_bytes: 1024 * 1024,
            trust_anchors_dir: None,
            intermediates_dir: None,
            min_rsa_bits: 2048,
            min_ec_bits: 256,
            refuse_weak_signatures: true,
            refuse_expired: true,
            refuse_older: true,
            not_yet_valid_grace_days: 30,
        }
    }
}

impl Default for National {
    fn default() -> Self {
        National {
            destination: Destination::Directory,
            directory: None,
            url: None,
            client_cert: None,
            client_key: None,
            server_ca: None,
            proxy: None,
            command: Vec::new(),
            timeout_secs: 30,
            max_backoff_secs: 6 * 3600,
        }
    }
}

impl Default for Service {
    fn default() -> Self {
        Service {
            alerts: "0 0 9 * * *".into(),
            push: "0 */10 * * * *".into(),
            digest: "0 0 8 * * Mon".into(),
            backup: "0 30 2 * * *".into(),
            keep_backups: 14,
            listen: "127.0.0.1:9464".into(),
        }
    }
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and checks configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            message: e.to_string().trim_end().replace('\n', "\n  "),
        })?;
        config.check(origin)?;
        Ok(config)
    }

    /// Checks what TOML types cannot: zones, addresses, thresholds.
    pub fn check(&self, origin: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: origin.to_owned(),
            key: key.into(),
            message,
        };
        self.timezone.parse::<Tz>().map_err(|_| {
            invalid(
                "timezone",
                format!(
                    "«{}» is not an IANA time zone such as Europe/Paris",
                    self.timezone
                ),
            )
        })?;
        Email::parse(&self.manager.email).map_err(|e| invalid("manager.email", e.to_string()))?;
        for a in &self.manager.team {
            Email::parse(a).map_err(|e| invalid("manager.team", e.to_string()))?;
        }
        // A missing override folder would otherwise mean the embedded
        // templates, silently: the team would believe in wording it does not have.
        if let Some(dir) = &self.templates_dir {
            if !dir.is_dir() {
                return Err(invalid(
                    "templates_dir",
                    format!("{} is not a folder", dir.display()),
                ));
            }
        }
        if self.alerts.thresholds.is_empty() {
            return Err(invalid(
                "alerts.thresholds",
                "at least one threshold is needed".into(),
            ));
        }
        if self.alerts.thresholds.iter().any(|&t| t == 0 || t > 3650) {
            return Err(invalid(
                "alerts.thresholds",
                "each threshold is a number of days from 1 to 3650".into(),
            ));
        }
        if self.alerts.expired_every_days == 0 {
            return Err(invalid(
                "alerts.expired_every_days",
                "must be at least 1".into(),
            ));
        }
        if self.status.crit_days > self.status.warn_days {
            return Err(invalid(
                "status.crit_days",
                "must not exceed status.warn_days".into(),
            ));
        }
        // 0 would mean "give up at once": every message and every push would
        // time out, which no one means.
        if self.national.timeout_secs == 0 {
            return Err(invalid(
                "national.timeout_secs",
                "must be at least 1 second".into(),
            ));
        }
        if let Some(smtp) = &self.smtp {
            if smtp.timeout_secs == 0 {
                return Err(invalid(
                    "smtp.timeout_secs",
                    "must be at least 1 second".into(),
                ));
            }
            Email::parse(&smtp.from).map_err(|e| invalid("smtp.from", e.to_string()))?;
            if smtp.password_file.is_some() && smtp.password_env.is_some() {
                return Err(invalid(
                    "smtp",
                    "give password_file or password_env, not both".into(),
                ));
            }
        }
        if let Some(proxy) = &self.national.proxy {
            if !is_http_proxy_url(proxy) {
                return Err(invalid(
                    "national.proxy",
                    "must be an http:// URL such as http://proxy.example.org:3128".into(),
                ));
            }
        }
        match self.national.destination {
            Destination::Https => {
                for (key, v) in [
                    ("national.url", self.national.url.is_some()),
                    ("national.client_cert", self.national.client_cert.is_some()),
                    ("national.client_key", self.national.client_key.is_some()),
                    ("national.server_ca", self.national.server_ca.is_some()),
                ] {
                    if !v {
                        return Err(invalid(
                            key,
                            "needed when national.destination = \"https\"".into(),
                        ));
                    }
                }
            }
            Destination::Command if self.national.command.is_empty() => {
                return Err(invalid(
                    "national.command",
                    "needed when national.destination = \"command\"".into(),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// The configured time zone (checked at load).
    pub fn tz(&self) -> Tz {
        // `check` refused anything that does not parse, and the default parses.
        self.timezone.parse().unwrap_or(chrono_tz::Europe::Paris)
    }

    /// The SMTP password, read from its file or variable at the moment of use.
    pub fn smtp_password(&self) -> Result<Option<String>, ConfigError> {
        let Some(smtp) = &self.smtp else {
            return Ok(None);
        };
        if let Some(path) = &smtp.password_file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Secret {
                key: "smtp.password_file".into(),
                message: format!("cannot read {}: {e}", path.display()),
            })?;
            return Ok(Some(text.lines().next().unwrap_or("").to_owned()));
        }
        if let Some(var) = &smtp.password_env {
            return std::env::var(var)
                .map(Some)
                .map_err(|_| ConfigError::Secret {
                    key: "smtp.password_env".into(),
                    message: format!("the environment variable {var} is not set"),
                });
        }
        Ok(None)
    }
}

/// The commented configuration `vigie init` writes: every key, at its default.
pub const SAMPLE: &str = include_str!("../templates/vigie.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_defaults() {
        let c = Config::parse("", Path::new("x.toml")).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.alerts.thresholds, vec![90, 60, 30, 15, 7, 1]);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = Config::parse(
            "timezone = \"Europe/Paris\"\n[alerts]\nthreshold = [3]\n",
            Path::new("x.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("threshold"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Config::parse("timezone = \"Mars/Olympus\"", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("timezone"), "{err}");
        let err = Config::parse("[national]\ndestination = \"https\"\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("national.url"), "{err}");
        for (text, key) in [
            ("[national]\ntimeout_secs = 0\n", "national.timeout_secs"),
            (
                "[smtp]\nhost = \"127.0.0.1\"\ntimeout_secs = 0\n",
                "smtp.timeout_secs",
            ),
        ] {
            let err = Config::parse(text, Path::new("x.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn the_sample_parses_to_the_defaults() {
        let c = Config::parse(SAMPLE, Path::new("sample")).unwrap();
        assert_eq!(c, Config::default());
    }
}
