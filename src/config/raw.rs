//! The configuration as written: a TOML file whose every key has a default,
//! so that no file is needed. Unknown keys are refused with their name and
//! line, because a misspelt key silently ignored is a setting the team believes
//! in and does not have. These types only mirror the file; [`super::Config`]
//! is what the rest of vigie reads, built from them once by
//! [`super::Config::parse`], with every zone, schedule and address checked.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
    /// The team's mailbox (mail intake).
    pub mail: Mail,
    /// The team's own grouping of departments into regions (reports):
    /// region name → department codes. Departments not named keep their
    /// official region.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, Vec<String>>,
    /// Desk settings added to the built-in `version` and `mode` (issue 16):
    /// key → allowed values, the first being a desk's value until it is
    /// set. Checked by [`super::DeskSettings::from_raw`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub desk_settings: BTreeMap<String, Vec<String>>,
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
    /// The team's telephone number, given in urgent alerts.
    pub phone: Option<String>,
    /// The team's postal address, given in urgent alerts.
    pub address: Option<String>,
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
    /// How many days before the end of a certificate the calendar says
    /// "Lancer le renouvellement" (a CA's face-to-face check takes weeks).
    pub renewal_lead_days: u32,
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
    /// Without trust anchors: a folder of CA certificates whose certificates
    /// vigie accepts as renewals, besides the issuers of the current ones.
    pub known_issuers_dir: Option<PathBuf>,
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
    /// A file holding the bearer token the HTTP listener requires; needed
    /// to listen on anything but loopback.
    pub http_token_file: Option<PathBuf>,
    /// When the team's mailbox is fetched (with `[mail] source` set);
    /// empty: never.
    pub mail: String,
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
            mail: Mail::default(),
            regions: BTreeMap::new(),
            desk_settings: BTreeMap::new(),
        }
    }
}

impl Default for Manager {
    fn default() -> Self {
        Manager {
            name: "Gestion territoriale".into(),
            email: "gestion@example.org".into(),
            team: vec!["equipe@example.org".into()],
            phone: None,
            address: None,
        }
    }
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            thresholds: vec![90, 60, 30, 15, 7, 1],
            expired_every_days: 7,
            escalate_days: 15,
            renewal_lead_days: 45,
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
            known_issuers_dir: None,
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
            http_token_file: None,
            mail: "0 */5 * * * *".into(),
        }
    }
}

impl Config {
    /// Makes the relative paths of the file relative to `folder`, the
    /// configuration file's own (an absolute path is kept as it is).
    pub fn resolve_paths(&mut self, folder: &std::path::Path) {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p {
                if path.is_relative() {
                    *path = folder.join(&*path);
                }
            }
        };
        fix(&mut self.data_dir);
        fix(&mut self.templates_dir);
        if let Some(smtp) = &mut self.smtp {
            fix(&mut smtp.password_file);
            fix(&mut smtp.ca_file);
        }
        fix(&mut self.intake.trust_anchors_dir);
        fix(&mut self.intake.intermediates_dir);
        fix(&mut self.intake.known_issuers_dir);
        fix(&mut self.national.directory);
        fix(&mut self.national.client_cert);
        fix(&mut self.national.client_key);
        fix(&mut self.national.server_ca);
        fix(&mut self.mail.maildir);
        fix(&mut self.mail.imap_password_file);
        fix(&mut self.mail.imap_server_ca);
    }
}

/// The team's mailbox: what vigie does with the messages desks send
/// (DESIGN §10).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Mail {
    /// Answer each message that carried a certificate, in its thread.
    pub reply: bool,
    /// At most this many replies to one sender per day.
    pub reply_limit_per_day: u32,
    /// Larger messages are not read (they go to people).
    pub max_message_bytes: u64,
    /// Where `vigie mail fetch` reads: `none`, `imap` or `maildir`.
    pub source: String,
    /// The Maildir, with `source = "maildir"`.
    pub maildir: Option<PathBuf>,
    /// The folder read (`INBOX`: the Maildir itself).
    pub folder: String,
    /// Where messages taken in are moved, once recorded.
    pub processed_folder: String,
    /// Where messages for people are moved, once recorded.
    pub needs_human_folder: String,
    // The IMAP mailbox (`source = "imap"`), DESIGN §9.
    /// The IMAP server's host name or address.
    pub imap_host: Option<String>,
    /// Its port; defaults by `imap_security`: 993 (`tls`) or 143.
    pub imap_port: Option<u16>,
    /// `tls`, `starttls` or `none` (plain text, to this machine only).
    pub imap_security: ImapSecurity,
    /// The account's user name.
    pub imap_user: Option<String>,
    /// A file holding the account's password (first line).
    pub imap_password_file: Option<PathBuf>,
    /// An environment variable holding the account's password.
    pub imap_password_env: Option<String>,
    /// A PEM file of CA certificates to trust for the server, in addition
    /// to the public roots (a server with a private CA).
    pub imap_server_ca: Option<PathBuf>,
    /// Seconds before connecting, logging in or any command is abandoned.
    pub imap_timeout_secs: u64,
}

/// TLS on the IMAP connection.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ImapSecurity {
    /// TLS from the first byte (IMAPS, port 993).
    #[default]
    Tls,
    /// Upgrade with STARTTLS (port 143).
    Starttls,
    /// Plain text: only to this machine (`plain` is read as `none`).
    #[serde(alias = "plain")]
    None,
}

impl Default for Mail {
    fn default() -> Self {
        Mail {
            reply: true,
            reply_limit_per_day: 5,
            max_message_bytes: 25 * 1024 * 1024,
            source: "none".into(),
            maildir: None,
            folder: "INBOX".into(),
            processed_folder: "vigie/traites".into(),
            needs_human_folder: "vigie/a-traiter".into(),
            imap_host: None,
            imap_port: None,
            imap_security: ImapSecurity::Tls,
            imap_user: None,
            imap_password_file: None,
            imap_password_env: None,
            imap_server_ca: None,
            imap_timeout_secs: 30,
        }
    }
}
