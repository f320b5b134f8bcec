//! The `https` destination: `PUT <base_url>/guichets/<desk-id>/certificat`
//! with the normal-form PEM as body, over mutual TLS (rustls only).
//!
//! One short HTTP/1.1 exchange per certificate (`Connection: close`), written
//! by hand over [`rustls::StreamOwned`]: the contract is one request and one
//! status line, which does not justify an HTTP stack. The client certificate
//! and key are read from their files when the destination is opened, at push
//! time, kept in memory for the run only and never logged or stored.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant as Monotonic};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::plan::{classify_status, Outcome};
use super::{PushItem, Target};
use crate::clock::Instant;
use crate::config::HttpsDestination;

/// The largest response vigie reads; the status line is all it needs.
const MAX_RESPONSE: usize = 64 * 1024;

/// Why the HTTPS destination cannot be set up (before any request).
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    /// The base URL is not `https://host[:port][/path]`.
    #[error("national.url «{0}» is not an https:// URL such as https://sne.example.org/api")]
    Url(String),
    /// A PEM file cannot be read or holds nothing usable.
    #[error("national.{key} {path}: {message}")]
    File {
        /// The setting.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong (never the file's content).
        message: String,
    },
    /// rustls refused the certificates or key.
    #[error("TLS set-up: {0}")]
    Tls(String),
}

/// A parsed `https://` base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// Host name or address, without brackets.
    pub host: String,
    /// Port (443 by default).
    pub port: u16,
    /// Path prefix without trailing slash (may be empty).
    pub path: String,
}

impl BaseUrl {
    /// Parses `https://host[:port][/path]`.
    pub fn parse(url: &str) -> Result<BaseUrl, HttpsError> {
        let bad = || HttpsError::Url(crate::desk::printable(url));
        let rest = url.trim().strip_prefix("https://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if path.contains(['?', '#', ' ']) || authority.contains('@') {
            return Err(bad());
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None if after.is_empty() => 443,
                None => return Err(bad()),
            };
            (h.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| bad())?),
                None => (authority.to_owned(), 443),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(BaseUrl {
            host,
            port,
            path: path.to_owned(),
        })
    }

    /// The request path for a desk.
    pub fn desk_path(&self, desk: &str) -> String {
        format!("{}/guichets/{desk}/certificat", self.path)
    }

    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 443 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// The HTTPS endpoint, ready for a run.
pub struct HttpsTarget {
    url: BaseUrl,
    tls: Arc<ClientConfig>,
    timeout: Duration,
}

impl HttpsTarget {
    /// Reads the client certificate, key and server CA named by the
    /// configuration and builds the TLS client.
    pub fn open(settings: &HttpsDestination, timeout: Duration) -> Result<HttpsTarget, HttpsError> {
        let url = BaseUrl::parse(&settings.url)?;
        let cert_path = settings.client_cert.as_path();
        let key_path = settings.client_key.as_path();
        let ca_path = settings.server_ca.as_path();
        let certs = read_certs("client_cert", cert_path)?;
        let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| HttpsError::File {
            key: "client_key",
            path: key_path.to_owned(),
            // rustls-pki-types' errors never quote the key material.
            message: format!("no usable private key ({e})"),
        })?;
        let mut roots = RootCertStore::empty();
        for ca in read_certs("server_ca", ca_path)? {
            roots.add(ca).map_err(|e| HttpsError::File {
                key: "server_ca",
                path: ca_path.to_owned(),
                message: format!("not a usable CA certificate ({e})"),
            })?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| HttpsError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_client_auth_cert(certs, key)
            .map_err(|e| HttpsError::Tls(format!("the client certificate and key: {e}")))?;
        Ok(HttpsTarget {
            url,
            tls: Arc::new(tls),
            timeout,
        })
    }

    /// Sends one PUT and returns the status code and reason phrase.
    fn put(&self, item: &PushItem) -> Result<(u16, String), String> {
        let deadline = Monotonic::now() + self.timeout;
        let addrs: Vec<_> = (self.url.host.as_str(), self.url.port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {}: {e}", self.url.host))?
            .collect();
        let mut last = format!("{} resolves to no address", self.url.host);
        let mut tcp = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = format!("cannot connect to {addr}: {e}"),
            }
        }
        let tcp = tcp.ok_or(last)?;
        let io = |what: &str| {
            let what = what.to_owned();
            move |e: std::io::Error| match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    format!("no answer within {} s ({what})", self.timeout.as_secs())
                }
                _ => format!("{what}: {e}"),
            }
        };
        tcp.set_read_timeout(Some(self.timeout))
            .and_then(|()| tcp.set_write_timeout(Some(self.timeout)))
            .map_err(io("socket set-up"))?;
        let name = ServerName::try_from(self.url.host.clone())
            .map_err(|e| format!("{} is not a server name: {e}", self.url.host))?;
        let conn = ClientConnection::new(self.tls.clone(), name)
            .map_err(|e| format!("TLS set-up: {e}"))?;
        let mut tls = StreamOwned::new(conn, tcp);
        let request = format!(
            "PUT {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: vigie/{version}\r\n\
             Content-Type: application/x-pem-file\r\nContent-Length: {len}\r\n\
             Idempotency-Key: {desk}:{sha}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            path = self.url.desk_path(item.desk.as_str()),
            host = self.url.host_header(),
            version = env!("CARGO_PKG_VERSION"),
            len = item.pem.len(),
            desk = item.desk,
            sha = item.sha256,
        );
        tls.write_all(request.as_bytes())
            .and_then(|()| tls.write_all(item.pem.as_bytes()))
            .and_then(|()| tls.flush())
            .map_err(io("sending the request"))?;
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(status) = status_line(&response) {
                // The status is all vigie needs; the rest would only be shown
                // in the error, so a few lines of it are enough.
                if response.len() >= 1024 || response.windows(4).any(|w| w == b"\r\n\r\n") {
                    let _ = read_some_more(&mut tls, &mut response, deadline);
                    return Ok(with_body(status, &response));
                }
            }
            if Monotonic::now() >= deadline {
                return Err(format!(
                    "no answer within {} s (reading the response)",
                    self.timeout.as_secs()
                ));
            }
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
                // A server closing without close_notify after a full answer.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(io("reading the response")(e)),
            }
            if response.len() > MAX_RESPONSE {
                break;
            }
        }
        status_line(&response)
            .map(|s| with_body(s, &response))
            .ok_or_else(|| "the server closed the connection without an HTTP answer".into())
    }
}

/// Reads what arrives until the body is there or a short wait passes.
fn read_some_more(
    tls: &mut StreamOwned<ClientConnection, TcpStream>,
    response: &mut Vec<u8>,
    deadline: Monotonic,
) -> std::io::Result<()> {
    let short = Monotonic::now() + Duration::from_millis(200);
    tls.sock
        .set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut buf = [0u8; 4096];
    while Monotonic::now() < short.min(deadline) && response.len() < 2048 {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    Ok(())
}

/// The status code and reason phrase of a response, once its first line is
/// complete.
fn status_line(response: &[u8]) -> Option<(u16, String)> {
    let end = response.windows(2).position(|w| w == b"\r\n")?;
    let line = String::from_utf8_lossy(&response[..end]);
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return Some((
            0,
            format!("not an HTTP answer: {}", crate::desk::printable(&line)),
        ));
    }
    let code = parts.next()?.parse().ok()?;
    Some((code, parts.next().unwrap_or("").trim().to_owned()))
}

/// Adds the start of the body to the reason, for the operator reading
/// `last_error` (a 409 usually says why).
fn with_body((code, reason): (u16, String), response: &[u8]) -> (u16, String) {
    let Some(start) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (code, reason);
    };
    let body = String::from_utf8_lossy(&response[start + 4..]);
    let body: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if body.is_empty() || code / 100 == 2 {
        (code, reason)
    } else if reason.is_empty() {
        (code, body)
    } else {
        (code, format!("{reason} — {body}"))
    }
}

fn read_certs(key: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, HttpsError> {
    let fail = |message: String| HttpsError::File {
        key,
        path: path.to_owned(),
        message,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(format!("cannot read it ({e})")))?
        .collect::<Result<_, _>>()
        .map_err(|e| fail(format!("not PEM certificates ({e})")))?;
    if certs.is_empty() {
        return Err(fail("holds no CERTIFICATE block".into()));
    }
    Ok(certs)
}

impl Target for HttpsTarget {
    fn push(&mut self, item: &PushItem, _now: Instant) -> Outcome {
        match self.put(item) {
            Ok((0, reason)) => Outcome::Retry(reason),
            Ok((status, reason)) => classify_status(status, &reason),
            Err(e) => Outcome::Retry(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let u = BaseUrl::parse("https://sne.example.org/api/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("sne.example.org", 443, "/api")
        );
        assert_eq!(
            u.desk_path("732829320-00001"),
            "/api/guichets/732829320-00001/certificat"
        );
        assert_eq!(u.host_header(), "sne.example.org");
        let u = BaseUrl::parse("https://127.0.0.1:8443").unwrap();
        assert_eq!((u.port, u.path.as_str()), (8443, ""));
        assert_eq!(u.host_header(), "127.0.0.1:8443");
        let u = BaseUrl::parse("https://[::1]:9/x").unwrap();
        assert_eq!(
            (u.host.as_str(), u.host_header()),
            ("::1", "[::1]:9".to_owned())
        );
        for bad in [
            "http://x",
            "https://",
            "https://x:port",
            "https://u@x/",
            "https://x/a?b",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_lines() {
        assert_eq!(
            status_line(b"HTTP/1.1 409 Conflict\r\n"),
            Some((409, "Conflict".into()))
        );
        assert_eq!(status_line(b"HTTP/1.1 204\r\n"), Some((204, String::new())));
        assert_eq!(status_line(b"HTTP/1.1 20"), None);
        assert_eq!(status_line(b"SSH-2.0\r\n").unwrap().0, 0);
        let r = b"HTTP/1.1 409 Conflict\r\nA: b\r\n\r\nolder certificate\n";
        assert_eq!(
            with_body((409, "Conflict".into()), r).1,
            "Conflict — older certificate"
        );
    }
}
