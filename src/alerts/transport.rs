//! Where messages go: an SMTP server through vigie's own SMTP client
//! ([`SmtpClient`]: rustls only, one connection kept across messages,
//! timeouts), or, with no `[smtp]` configured, `.eml` files in
//! `<data-dir>/outbox`.

use std::path::{Path, PathBuf};

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use lettre::Message;

use super::smtp_client::{Security, Server, SmtpClient};
use super::AlertError;
use crate::config::{Config, SmtpTls};
use crate::model::FailedRecipient;

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The server refused this message for good (5xx): retrying will not help.
    Permanent(String),
    /// The server is unreachable or answered 4xx: try again on the next run.
    Transient(String),
    /// Like `Transient`, and the server cannot be reached at all: the rest of
    /// the run need not try.
    Unreachable(String),
}

/// What the server said when it took a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Its final answer (`250 2.0.0 queued as …`), or where the outbox
    /// wrote the file.
    pub answer: String,
    /// Recipients it refused while taking the message for the others.
    pub refused: Vec<FailedRecipient>,
}

/// A way to deliver built messages.
pub enum Transport {
    /// An SMTP server.
    Smtp(Box<SmtpClient>),
    /// A folder of `.eml` files.
    Outbox(PathBuf),
}

impl Transport {
    /// The transport the configuration asks for.
    pub fn from_config(config: &Config, data_dir: &Path) -> Result<Transport, AlertError> {
        let Some(smtp) = &config.smtp else {
            return Ok(Transport::Outbox(data_dir.join("outbox")));
        };
        let tls_params = || -> Result<TlsParameters, AlertError> {
            let mut b = TlsParameters::builder(smtp.host.clone());
            if let Some(path) = &smtp.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    AlertError::Config(format!("smtp.ca_file: cannot read {}: {e}", path.display()))
                })?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    AlertError::Config(format!("smtp.ca_file {}: {e}", path.display()))
                })?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls()
                .map_err(|e| AlertError::Config(format!("smtp TLS: {e}")))
        };
        let security = match smtp.tls {
            SmtpTls::None => Security::None,
            SmtpTls::Starttls => Security::Starttls(tls_params()?),
            SmtpTls::Implicit => Security::Implicit(tls_params()?),
        };
        let credentials = match &smtp.auth {
            Some(auth) => {
                let password = match &auth.password {
                    Some(secret) => secret
                        .read()
                        .map_err(|e| AlertError::Config(e.to_string()))?,
                    None => String::new(),
                };
                Some(Credentials::new(auth.username.clone(), password))
            }
            None => None,
        };
        let client = SmtpClient::new(Server {
            host: smtp.host.clone(),
            port: smtp.port,
            security,
            credentials,
            timeout: smtp.timeout,
        })
        .map_err(AlertError::Runtime)?;
        Ok(Transport::Smtp(Box::new(client)))
    }

    /// Delivers one message; `file_stem` names its `.eml` file in the outbox.
    pub fn send(&self, msg: &Message, file_stem: &str) -> Result<Delivered, SendError> {
        match self {
            Transport::Smtp(client) => client.send(msg),
            Transport::Outbox(dir) => write_eml(dir, file_stem, &msg.formatted())
                .map(|()| Delivered {
                    answer: format!(
                        "written to {}",
                        dir.join(format!("{file_stem}.eml")).display()
                    ),
                    refused: Vec::new(),
                })
                .map_err(|e| SendError::Unreachable(format!("outbox {}: {e}", dir.display()))),
        }
    }
}

/// [`write_eml`], made durable only by `batch`'s
/// [`crate::fsutil::Batch::sync`].
pub fn write_eml_batched(
    batch: &mut crate::fsutil::Batch,
    dir: &Path,
    stem: &str,
    bytes: &[u8],
) -> std::io::Result<()> {
    crate::store::create_private_dir(dir).map_err(std::io::Error::other)?;
    batch.write(
        &dir.join(format!("{stem}.eml")),
        bytes,
        crate::fsutil::OWNER_ONLY,
    )
}

/// Writes `<dir>/<stem>.eml` atomically (see [`crate::fsutil`]), readable
/// by the owner only: a retry overwrites the same file.
pub fn write_eml(dir: &Path, stem: &str, bytes: &[u8]) -> std::io::Result<()> {
    crate::store::create_private_dir(dir).map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(
        &dir.join(format!("{stem}.eml")),
        bytes,
        crate::fsutil::OWNER_ONLY,
    )
}
