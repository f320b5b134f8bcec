//! Configuration: read once, checked once, then held as valid values.
//!
//! [`raw`] mirrors the TOML file (every key has a default, unknown keys are
//! refused). [`Config::parse`] turns it into [`Config`], whose zone is a
//! [`Tz`], whose schedules are parsed [`Schedule`]s, whose addresses are
//! [`Email`]s and whose national destination is one enum variant carrying
//! exactly the settings it needs — so nothing downstream re-parses a string
//! or meets a combination the checks refused. Secrets are never in the file:
//! it names a file or an environment variable that holds them ([`Secret`]).

mod desk_settings;
mod error;
pub mod raw;
mod schedule;

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use crate::model::{Department, Email};

pub use desk_settings::{DeskSettings, Setting, SettingError};
pub use error::ConfigError;
pub use raw::{Alerts, ImapSecurity, Intake, Mail, SmtpTls, Status};
pub use schedule::{Schedule, ScheduleError};

/// The whole configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the store, the outbox and the national directory live, unless
    /// `--data-dir` or `VIGIE_DATA_DIR` says otherwise.
    pub data_dir: Option<PathBuf>,
    /// The IANA time zone in which days are counted and schedules run.
    pub timezone: Tz,
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
    /// The team's mailbox.
    pub mail: Mail,
    /// The IMAP account read, with `[mail] source = "imap"`.
    pub imap: Option<Imap>,
    /// Where accepted certificates are pushed.
    pub national: National,
    /// The service's schedules and listener.
    pub service: Service,
    /// The team's own regions (`[regions]`): department → region name,
    /// overriding the official table for the departments it names.
    pub regions: BTreeMap<Department, String>,
    /// The desk settings known (`version`, `mode` and `[desk_settings]`);
    /// read through [`Config::desk_settings`].
    pub desk_settings: DeskSettings,
}

/// The manager team: sender identity and escalation recipients.
#[derive(Debug, Clone, PartialEq)]
pub struct Manager {
    /// The team's name, signed at the foot of every e-mail.
    pub name: String,
    /// The team's address: where desks send their renewed certificates.
    pub email: Email,
    /// Who is copied on escalations and receives the digest.
    pub team: Vec<Email>,
    /// The team's telephone number, given in urgent alerts (none: "contact
    /// your manager").
    pub phone: Option<String>,
    /// The team's postal address, given in urgent alerts.
    pub address: Option<String>,
}

/// How to reach the SMTP server.
#[derive(Debug, Clone, PartialEq)]
pub struct Smtp {
    /// Host name or address.
    pub host: String,
    /// Port: as configured, else the usual one for `tls` (25, 587 or 465).
    pub port: u16,
    /// TLS on the connection.
    pub tls: SmtpTls,
    /// User name and where its password is, if the server wants them.
    pub auth: Option<SmtpAuth>,
    /// The envelope and header sender.
    pub from: Email,
    /// A PEM file of CA certificates to trust for the server, in addition to
    /// the public roots (a local relay with its own CA).
    pub ca_file: Option<PathBuf>,
    /// How long a connection or command may take before it is abandoned.
    pub timeout: Duration,
}

/// SMTP authentication.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpAuth {
    /// The user name.
    pub username: String,
    /// Where the password is; `None` sends an empty one, as before.
    pub password: Option<Secret>,
}

/// Where a secret is kept. It is read at the moment of use, never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// The first line of a file (`…_file`).
    File {
        /// The dotted key that named it, for messages.
        key: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// An environment variable (`…_env`).
    Env {
        /// The dotted key that named it, for messages.
        key: &'static str,
        /// The variable's name.
        var: String,
    },
}

impl Secret {
    /// Reads the secret now. Errors name the key and the file or variable,
    /// never the secret.
    pub fn read(&self) -> Result<String, ConfigError> {
        match self {
            Secret::File { key, path } => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Secret {
                    key: (*key).into(),
                    message: format!("cannot read {}: {e}", path.display()),
                })?;
                Ok(text.lines().next().unwrap_or("").to_owned())
            }
            Secret::Env { key, var } => std::env::var(var).map_err(|_| ConfigError::Secret {
                key: (*key).into(),
                message: format!("the environment variable {var} is not set"),
            }),
        }
    }
}

/// Where accepted certificates go, and how patiently.
#[derive(Debug, Clone, PartialEq)]
pub struct National {
    /// The destination and its own settings.
    pub destination: Destination,
    /// How long an HTTPS request or a command may take before it is abandoned.
    pub timeout: Duration,
    /// The cap of the backoff between retries.
    pub max_backoff: Duration,
}

/// The national destination: each kind with exactly the settings it needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// Files in a folder: as configured, else `<data-dir>/national`.
    Directory(Option<PathBuf>),
    /// HTTPS PUT with mutual TLS.
    Https(HttpsDestination),
    /// A program run per certificate: the program and its arguments, never
    /// empty.
    Command(Vec<String>),
}

/// The settings of the `https` destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsDestination {
    /// The base URL (checked by the push client when it opens).
    pub url: String,
    /// The manager's client certificate (PEM).
    pub client_cert: PathBuf,
    /// Its private key (PEM), read at push time, never stored.
    pub client_key: PathBuf,
    /// The CA that signs the server's certificate (PEM).
    pub server_ca: PathBuf,
    /// An `http://` proxy to tunnel through (CONNECT); `None`: the
    /// environment's `HTTPS_PROXY`, if any.
    pub proxy: Option<String>,
}

/// The service's schedules (local time) and its HTTP listener.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// When alerts run.
    pub alerts: Schedule,
    /// When pending pushes are retried.
    pub push: Schedule,
    /// When the team digest is sent.
    pub digest: Schedule,
    /// When the store is exported.
    pub backup: Schedule,
    /// How many daily exports are kept.
    pub keep_backups: u32,
    /// Where `/healthz` and `/metrics` listen; `None` when `listen = ""`.
    pub listen: Option<SocketAddr>,
    /// The file of the bearer token the listener requires, if any.
    pub http_token_file: Option<PathBuf>,
    /// When the mailbox is fetched; `None` when `mail = ""`.
    pub mail: Option<Schedule>,
}

/// The IMAP account of the team's mailbox (`[mail] source = "imap"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Imap {
    /// Host name or address.
    pub host: String,
    /// Port: as configured, else 993 for `tls` and 143 otherwise.
    pub port: u16,
    /// TLS on the connection.
    pub security: ImapSecurity,
    /// The account's user name.
    pub user: String,
    /// Where its password is (read at the moment of use, never stored).
    pub password: Secret,
    /// A PEM file of CA certificates to trust for the server, in addition
    /// to the public roots.
    pub server_ca: Option<PathBuf>,
    /// How long connecting, logging in or one command may take.
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        // Invariant: the embedded defaults are valid (unit tests below).
        Config::from_raw(raw::Config::default(), Path::new("embedded defaults"))
            .expect("the embedded defaults are valid")
    }
}

impl Config {
    /// Reads and checks a configuration file. Its relative paths are read
    /// from the file's folder, not from wherever vigie runs (issue 14).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut raw = Config::parse_raw(&text, path)?;
        if let Some(folder) = path.parent() {
            raw.resolve_paths(folder);
        }
        Config::from_raw(raw, path)
    }

    fn parse_raw(text: &str, origin: &Path) -> Result<raw::Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            message: e.to_string().trim_end().replace('\n', "\n  "),
        })
    }

    /// Parses and checks configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        Config::from_raw(Config::parse_raw(text, origin)?, origin)
    }

    /// Checks what TOML types cannot (zones, addresses, schedules, which
    /// settings a destination needs) and builds the valid values.
    pub fn from_raw(raw: raw::Config, origin: &Path) -> Result<Config, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: origin.to_owned(),
            key: key.into(),
            message,
        };
        let timezone = raw.timezone.parse::<Tz>().map_err(|_| {
            invalid(
                "timezone",
                format!(
                    "«{}» is not an IANA time zone such as Europe/Paris",
                    raw.timezone
                ),
            )
        })?;
        let manager = Manager {
            email: Email::parse(&raw.manager.email)
                .map_err(|e| invalid("manager.email", e.to_string()))?,
            team: raw
                .manager
                .team
                .iter()
                .map(|a| Email::parse(a).map_err(|e| invalid("manager.team", e.to_string())))
                .collect::<Result<_, _>>()?,
            name: raw.manager.name,
            // Blank means absent: the alert then says to contact the manager.
            phone: raw.manager.phone.filter(|p| !p.trim().is_empty()),
            address: raw.manager.address.filter(|a| !a.trim().is_empty()),
        };
        // A missing override folder would otherwise mean the embedded
        // templates, silently: the team would believe in wording it does not have.
        if let Some(dir) = &raw.templates_dir {
            if !dir.is_dir() {
                return Err(invalid(
                    "templates_dir",
                    format!("{} is not a folder", dir.display()),
                ));
            }
        }
        if raw.alerts.thresholds.is_empty() {
            return Err(invalid(
                "alerts.thresholds",
                "at least one threshold is needed".into(),
            ));
        }
        if raw.alerts.thresholds.iter().any(|&t| t == 0 || t > 3650) {
            return Err(invalid(
                "alerts.thresholds",
                "each threshold is a number of days from 1 to 3650".into(),
            ));
        }
        if raw.alerts.expired_every_days == 0 {
            return Err(invalid(
                "alerts.expired_every_days",
                "must be at least 1".into(),
            ));
        }
        if raw.status.crit_days > raw.status.warn_days {
            return Err(invalid(
                "status.crit_days",
                "must not exceed status.warn_days".into(),
            ));
        }
        match raw.mail.source.as_str() {
            "none" | "imap" => {}
            "maildir" if raw.mail.maildir.is_some() => {}
            "maildir" => {
                return Err(invalid(
                    "mail.maildir",
                    "is required with mail.source = \"maildir\"".into(),
                ))
            }
            other => {
                return Err(invalid(
                    "mail.source",
                    format!("\"{other}\": expected \"none\", \"imap\" or \"maildir\""),
                ))
            }
        }
        for (key, folder) in [
            ("mail.folder", &raw.mail.folder),
            ("mail.processed_folder", &raw.mail.processed_folder),
            ("mail.needs_human_folder", &raw.mail.needs_human_folder),
        ] {
            if folder.is_empty()
                || folder
                    .split('/')
                    .any(|p| p.is_empty() || p == "." || p == "..")
                || folder.contains(['.', '\\'])
            {
                return Err(invalid(
                    key,
                    format!("\"{folder}\": folder names are words separated by /, without dots"),
                ));
            }
        }
        if raw.mail.max_message_bytes == 0 {
            return Err(invalid(
                "mail.max_message_bytes",
                "must be at least 1".into(),
            ));
        }
        let imap = (raw.mail.source == "imap")
            .then(|| imap(&raw.mail, &invalid))
            .transpose()?;
        let smtp = raw.smtp.map(|s| smtp(s, &invalid)).transpose()?;
        let national = national(raw.national, &invalid)?;
        let service = service(raw.service, &invalid)?;
        let regions = regions(raw.regions, &invalid)?;
        let desk_settings =
            DeskSettings::from_raw(&raw.desk_settings).map_err(|(key, m)| invalid(&key, m))?;
        Ok(Config {
            data_dir: raw.data_dir,
            timezone,
            templates_dir: raw.templates_dir,
            manager,
            smtp,
            alerts: raw.alerts,
            status: raw.status,
            intake: raw.intake,
            national,
            service,
            mail: raw.mail,
            imap,
            regions,
            desk_settings,
        })
    }

    /// The desk settings known: built-in and `[desk_settings]`.
    pub fn desk_settings(&self) -> &DeskSettings {
        &self.desk_settings
    }

    /// The configured time zone.
    pub fn tz(&self) -> Tz {
        self.timezone
    }

    /// The SMTP password, read from its file or variable at the moment of use.
    pub fn smtp_password(&self) -> Result<Option<String>, ConfigError> {
        match self
            .smtp
            .as_ref()
            .and_then(|s| s.auth.as_ref())
            .and_then(|a| a.password.as_ref())
        {
            Some(secret) => secret.read().map(Some),
            None => Ok(None),
        }
    }
}

fn smtp(s: raw::Smtp, invalid: &impl Fn(&str, String) -> ConfigError) -> Result<Smtp, ConfigError> {
    // 0 would mean "give up at once": every message would time out, which
    // no one means.
    if s.timeout_secs == 0 {
        return Err(invalid(
            "smtp.timeout_secs",
            "must be at least 1 second".into(),
        ));
    }
    let from = Email::parse(&s.from).map_err(|e| invalid("smtp.from", e.to_string()))?;
    let password = match (s.password_file, s.password_env) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "smtp",
                "give password_file or password_env, not both".into(),
            ))
        }
        (Some(path), None) => Some(Secret::File {
            key: "smtp.password_file",
            path,
        }),
        (None, Some(var)) => Some(Secret::Env {
            key: "smtp.password_env",
            var,
        }),
        (None, None) => None,
    };
    let auth = s.username.map(|username| SmtpAuth { username, password });
    // AUTH over a plain connection gives the password to anyone on the path;
    // only a relay on this machine is safe without TLS.
    if auth.is_some() && s.tls == SmtpTls::None && !is_loopback_host(&s.host) {
        return Err(invalid(
            "smtp.tls",
            format!(
                "a user name is set, so the password would go in clear to {}: \
                 use tls = \"starttls\" or \"implicit\" (plain text is allowed only to \
                 this machine: localhost, 127.0.0.1, ::1)",
                s.host
            ),
        ));
    }
    let port = s.port.unwrap_or(match s.tls {
        SmtpTls::None => 25,
        SmtpTls::Starttls => 587,
        SmtpTls::Implicit => 465,
    });
    Ok(Smtp {
        host: s.host,
        port,
        tls: s.tls,
        auth,
        from,
        ca_file: s.ca_file,
        timeout: Duration::from_secs(s.timeout_secs),
    })
}

/// The IMAP account, checked: what `source = "imap"` needs is there, and
/// the password never goes in clear except to this machine.
fn imap(
    m: &raw::Mail,
    invalid: &impl Fn(&str, String) -> ConfigError,
) -> Result<Imap, ConfigError> {
    let needed = |key: &str| invalid(key, "is required with mail.source = \"imap\"".into());
    let host = m
        .imap_host
        .clone()
        .filter(|h| !h.trim().is_empty())
        .ok_or_else(|| needed("mail.imap_host"))?;
    let user = m
        .imap_user
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| needed("mail.imap_user"))?;
    let password = match (&m.imap_password_file, &m.imap_password_env) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "mail",
                "give imap_password_file or imap_password_env, not both".into(),
            ))
        }
        (Some(path), None) => Secret::File {
            key: "mail.imap_password_file",
            path: path.clone(),
        },
        (None, Some(var)) => Secret::Env {
            key: "mail.imap_password_env",
            var: var.clone(),
        },
        (None, None) => return Err(needed("mail.imap_password_file")),
    };
    // LOGIN over a plain connection gives the password to anyone on the
    // path; only a server on this machine is safe without TLS.
    if m.imap_security == ImapSecurity::None && !is_loopback_host(&host) {
        return Err(invalid(
            "mail.imap_security",
            format!(
                "\"none\" would send the password in clear to {host}: use \"tls\" or \
                 \"starttls\" (plain text is allowed only to this machine: localhost, \
                 127.0.0.1, ::1)"
            ),
        ));
    }
    // 0 would mean "give up at once", which no one means.
    if m.imap_timeout_secs == 0 {
        return Err(invalid(
            "mail.imap_timeout_secs",
            "must be at least 1 second".into(),
        ));
    }
    let port = m.imap_port.unwrap_or(match m.imap_security {
        ImapSecurity::Tls => 993,
        ImapSecurity::Starttls | ImapSecurity::None => 143,
    });
    Ok(Imap {
        host,
        port,
        security: m.imap_security,
        user,
        password,
        server_ca: m.imap_server_ca.clone(),
        timeout: Duration::from_secs(m.imap_timeout_secs),
    })
}

fn national(
    n: raw::National,
    invalid: &impl Fn(&str, String) -> ConfigError,
) -> Result<National, ConfigError> {
    // 0 would mean "give up at once": every push would time out.
    if n.timeout_secs == 0 {
        return Err(invalid(
            "national.timeout_secs",
            "must be at least 1 second".into(),
        ));
    }
    if let Some(proxy) = &n.proxy {
        if !is_http_proxy_url(proxy) {
            return Err(invalid(
                "national.proxy",
                "must be an http:// URL such as http://proxy.example.org:3128".into(),
            ));
        }
    }
    let needed = |key: &str, kind: &str| {
        invalid(
            key,
            format!("needed when national.destination = \"{kind}\""),
        )
    };
    let destination = match n.destination {
        raw::Destination::Directory => Destination::Directory(n.directory),
        raw::Destination::Https => Destination::Https(HttpsDestination {
            url: n.url.ok_or_else(|| needed("national.url", "https"))?,
            client_cert: n
                .client_cert
                .ok_or_else(|| needed("national.client_cert", "https"))?,
            client_key: n
                .client_key
                .ok_or_else(|| needed("national.client_key", "https"))?,
            server_ca: n
                .server_ca
                .ok_or_else(|| needed("national.server_ca", "https"))?,
            proxy: n.proxy,
        }),
        raw::Destination::Command if n.command.is_empty() => {
            return Err(needed("national.command", "command"))
        }
        raw::Destination::Command => Destination::Command(n.command),
    };
    Ok(National {
        destination,
        timeout: Duration::from_secs(n.timeout_secs),
        max_backoff: Duration::from_secs(n.max_backoff_secs),
    })
}

fn service(
    s: raw::Service,
    invalid: &impl Fn(&str, String) -> ConfigError,
) -> Result<Service, ConfigError> {
    let schedule = |key: &str, text: &str| {
        Schedule::parse(text).map_err(|e| invalid(&format!("service.{key}"), e.to_string()))
    };
    let listen = match s.listen.trim() {
        "" => None,
        text => Some(listen_address(text).map_err(|m| invalid("service.listen", m))?),
    };
    Ok(Service {
        alerts: schedule("alerts", &s.alerts)?,
        push: schedule("push", &s.push)?,
        digest: schedule("digest", &s.digest)?,
        backup: schedule("backup", &s.backup)?,
        keep_backups: s.keep_backups,
        listen,
        http_token_file: s.http_token_file,
        mail: match s.mail.trim() {
            "" => None,
            text => Some(schedule("mail", text)?),
        },
    })
}

/// The team's regions, turned around: each department named once, with a
/// valid code, under a region with a name.
fn regions(
    raw: BTreeMap<String, Vec<String>>,
    invalid: &impl Fn(&str, String) -> ConfigError,
) -> Result<BTreeMap<Department, String>, ConfigError> {
    let mut out = BTreeMap::new();
    for (region, codes) in raw {
        let key = format!("regions.{region}");
        if region.trim().is_empty() || region.chars().any(char::is_control) {
            return Err(invalid(
                "regions",
                format!("«{}» is not a region name", region.escape_debug()),
            ));
        }
        for code in codes {
            let d = Department::parse(&code).map_err(|m| invalid(&key, m))?;
            if let Some(other) = out.insert(d.clone(), region.clone()) {
                return Err(invalid(
                    &key,
                    format!("department {d} is already in region «{other}»"),
                ));
            }
        }
    }
    Ok(out)
}

/// Whether `host` names this machine without asking a resolver: `localhost`
/// or a loopback address.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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

/// `address:port`, or `name:port` for a name this machine resolves (such as
/// `localhost`), taking its first address.
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let shape = || format!("«{text}» is not an address and port such as 127.0.0.1:9464");
    if !text.contains(':') {
        return Err(shape());
    }
    text.to_socket_addrs()
        .map_err(|e| format!("{}: {e}", shape()))?
        .next()
        .ok_or_else(shape)
}

/// The commented configuration `vigie init` writes: every key, at its default.
pub const SAMPLE: &str = include_str!("../../templates/vigie.toml");

// Secrets readable by others (issue 18): warned about, not refused, since
// an operator may have reasons (a group that runs vigie) and vigie must not
// stop sending over a mode.
impl Config {
    /// The secret files of the configuration (`smtp.password_file`,
    /// `national.client_key`) that group or others may read, each as a
    /// warning naming the key, the file, its mode and the fix. A file that
    /// cannot be examined is left to the moment it is used.
    pub fn exposed_secrets(&self) -> Vec<String> {
        let mut files: Vec<(&str, &Path)> = Vec::new();
        if let Some(Secret::File { key, path }) = self
            .smtp
            .as_ref()
            .and_then(|s| s.auth.as_ref())
            .and_then(|a| a.password.as_ref())
        {
            files.push((key, path));
        }
        if let Destination::Https(h) = &self.national.destination {
            files.push(("national.client_key", &h.client_key));
        }
        if let Some(Imap {
            password: Secret::File { key, path },
            ..
        }) = &self.imap
        {
            files.push((key, path));
        }
        files
            .into_iter()
            .filter_map(|(key, path)| {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
                (mode & 0o044 != 0).then(|| {
                    format!(
                        "{key}: {} is readable by {} (mode {mode:03o}); it holds a secret: chmod 600 {}",
                        path.display(),
                        if mode & 0o004 != 0 { "others" } else { "its group" },
                        path.display()
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_defaults() {
        let c = Config::parse("", Path::new("x.toml")).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.alerts.thresholds, vec![90, 60, 30, 15, 7, 1]);
        assert_eq!(c.timezone, chrono_tz::Europe::Paris);
        assert_eq!(c.national.destination, Destination::Directory(None));
        assert_eq!(c.service.listen, Some("127.0.0.1:9464".parse().unwrap()));
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
            ("[service]\ndigest = \"0 8 * * Mon\"\n", "service.digest"),
            ("[service]\nlisten = \"nowhere\"\n", "service.listen"),
            (
                "[national]\ndestination = \"command\"\n",
                "national.command",
            ),
        ] {
            let err = Config::parse(text, Path::new("x.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn each_destination_holds_its_own_settings() {
        let c = Config::parse(
            "[national]\ndestination = \"https\"\nurl = \"https://sne.example.org/api\"\n\
             client_cert = \"c.pem\"\nclient_key = \"k.pem\"\nserver_ca = \"ca.pem\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        let Destination::Https(h) = &c.national.destination else {
            panic!("{:?}", c.national.destination);
        };
        assert_eq!(h.url, "https://sne.example.org/api");
        assert_eq!(h.client_key, PathBuf::from("k.pem"));
        let c = Config::parse(
            "[national]\ndestination = \"command\"\ncommand = [\"/bin/up\", \"-x\"]\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(
            c.national.destination,
            Destination::Command(vec!["/bin/up".into(), "-x".into()])
        );
    }

    #[test]
    fn authentication_without_tls_goes_only_to_this_machine() {
        let text = |host: &str, tls: &str| {
            format!(
                "[smtp]\nhost = \"{host}\"\ntls = \"{tls}\"\nusername = \"u\"\n\
                 password_env = \"VIGIE_TEST_PW\"\n"
            )
        };
        let err = Config::parse(&text("smtp.example.org", "none"), Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("smtp.tls"), "{err}");
        assert!(err.contains("in clear to smtp.example.org"), "{err}");
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.53"] {
            Config::parse(&text(host, "none"), Path::new("x.toml")).unwrap();
        }
        for tls in ["starttls", "implicit"] {
            Config::parse(&text("smtp.example.org", tls), Path::new("x.toml")).unwrap();
        }
        // Without a user name nothing secret is sent: plain text is allowed.
        Config::parse(
            "[smtp]\nhost = \"relay.example.org\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
    }

    #[test]
    fn smtp_port_follows_tls_unless_given() {
        for (tls, port) in [("none", 25), ("starttls", 587), ("implicit", 465)] {
            let c = Config::parse(
                &format!("[smtp]\nhost = \"h\"\ntls = \"{tls}\"\n"),
                Path::new("x.toml"),
            )
            .unwrap();
            assert_eq!(c.smtp.unwrap().port, port);
        }
        let c = Config::parse("[smtp]\nhost = \"h\"\nport = 2525\n", Path::new("x.toml")).unwrap();
        assert_eq!(c.smtp.unwrap().port, 2525);
    }

    #[test]
    fn the_sample_parses_to_the_defaults() {
        let c = Config::parse(SAMPLE, Path::new("sample")).unwrap();
        assert_eq!(c, Config::default());
    }
}
