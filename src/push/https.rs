//! The `https` destination: `PUT <base_url>/guichets/<desk-id>/certificat`
//! with the normal-form PEM as body, over mutual TLS (rustls with ring only).
//!
//! One short HTTP/1.1 exchange per certificate (`Connection: close`, no
//! connection pool), made by `ureq`: each step (name resolution, connecting,
//! the TLS handshake, sending, waiting for the answer) has the configured time
//! limit. The server is trusted through `national.server_ca` only, never the
//! public web roots. The client certificate and key are read from their files
//! when the destination is opened, at push time, kept in memory for the run
//! only and never logged or stored.
//!
//! Outbound proxy: `national.proxy` (`http://host:port`) when set; otherwise
//! `HTTPS_PROXY` (or `https_proxy`) from the environment, unless `NO_PROXY`
//! (or `no_proxy`) names the server. vigie asks the proxy for a `CONNECT`
//! tunnel, so the proxy never sees the certificate or the client key.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, Proxy};

use super::plan::{classify_status, Outcome};
use super::{ChangeItem, PushItem, Target};
use crate::clock::Instant;
use crate::config::HttpsDestination;

/// The most of an error answer's body that vigie reads; the first 200
/// characters become the job's `last_error`.
const MAX_ERROR_BODY: u64 = 4096;

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
    /// The proxy named by the environment is not an `http://` URL (the
    /// configuration's is checked when it is loaded).
    #[error("{var} is not an http:// proxy URL such as http://proxy.example.org:3128")]
    Proxy {
        /// The variable (`HTTPS_PROXY`…); its value may hold a password.
        var: &'static str,
    },
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

    /// The request path for a desk's settings (scheduled changes).
    pub fn settings_path(&self, desk: &str) -> String {
        format!("{}/guichets/{desk}/parametrage", self.path)
    }

    /// `host[:port]` as in a URL or a `Host` header (the port when not 443).
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
    agent: Agent,
    timeout: Duration,
    /// `host:port` of the proxy in use, for the errors.
    proxy: Option<String>,
}

impl HttpsTarget {
    /// Reads the client certificate, key and server CA named by the
    /// configuration, chooses the proxy, and builds the client.
    pub fn open(settings: &HttpsDestination, timeout: Duration) -> Result<HttpsTarget, HttpsError> {
        HttpsTarget::open_with_env(settings, timeout, |var| std::env::var(var).ok())
    }

    /// [`open`](HttpsTarget::open), with the process environment as a
    /// function (the proxy variables), so that tests need not change it.
    pub fn open_with_env(
        settings: &HttpsDestination,
        timeout: Duration,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<HttpsTarget, HttpsError> {
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
        let cas = read_certs("server_ca", ca_path)?;
        check_tls(&certs, &key, &cas, ca_path)?;
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::new_with_certs(
                &cas.iter()
                    .map(|c| Certificate::from_der(c).to_owned())
                    .collect::<Vec<_>>(),
            ))
            .client_cert(Some(ClientCert::new_with_certs(
                &certs
                    .iter()
                    .map(|c| Certificate::from_der(c).to_owned())
                    .collect::<Vec<_>>(),
                client_key(key_path)?,
            )))
            .build();
        let proxy_url = choose_proxy(settings.proxy.as_deref(), &url.host, env)?;
        let proxy = proxy_url
            .as_deref()
            // The configuration's URL was checked at load and the
            // environment's by choose_proxy; ureq may still refuse one.
            .map(|p| {
                Proxy::new(p).map_err(|_| HttpsError::Proxy {
                    var: "national.proxy",
                })
            })
            .transpose()?;
        let config = Agent::config_builder()
            .tls_config(tls)
            .proxy(proxy.clone())
            .https_only(true)
            // The status decides, whatever it is; redirects are not followed.
            .http_status_as_error(false)
            .max_redirects(0)
            // One exchange per certificate, as the contract says.
            .max_idle_connections(0)
            .user_agent(concat!("vigie/", env!("CARGO_PKG_VERSION")))
            .accept("*/*")
            .timeout_resolve(Some(timeout))
            .timeout_connect(Some(timeout))
            .timeout_send_request(Some(timeout))
            .timeout_send_body(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .build();
        Ok(HttpsTarget {
            url,
            agent: config.into(),
            timeout,
            proxy: proxy.map(|p| format!("{}:{}", p.host(), p.port())),
        })
    }

    /// Sends one PUT and returns the status code and the reason (with the
    /// start of the body of an error answer).
    fn put(&self, item: &PushItem) -> Result<(u16, String), String> {
        self.put_to(
            &self.url.desk_path(item.desk.as_str()),
            "application/x-pem-file",
            &format!("{}:{}", item.desk, item.sha256),
            item.pem.as_bytes(),
        )
    }

    /// Sends one PUT of `body` to `path` with its content type and
    /// idempotency key; the status code and reason as [`HttpsTarget::put`].
    fn put_to(
        &self,
        path: &str,
        content_type: &str,
        idempotency_key: &str,
        body: &[u8],
    ) -> Result<(u16, String), String> {
        let uri = format!("https://{}{path}", self.url.host_header());
        let mut response = self
            .agent
            .put(&uri)
            .header("Content-Type", content_type)
            .header("Idempotency-Key", idempotency_key)
            .header("Connection", "close")
            .send(body)
            .map_err(|e| self.explain(e))?;
        let status = response.status();
        let reason = status.canonical_reason().unwrap_or("").to_owned();
        if status.is_success() {
            return Ok((status.as_u16(), reason));
        }
        // The body only helps the operator reading `last_error` (a 409
        // usually says why); an answer cut short still has its status.
        let mut body = Vec::new();
        let _ = response
            .body_mut()
            .as_reader()
            .take(MAX_ERROR_BODY)
            .read_to_end(&mut body);
        Ok(with_body((status.as_u16(), reason), &body))
    }

    /// What went wrong, for `last_error`; never the proxy's credentials.
    fn explain(&self, e: ureq::Error) -> String {
        use ureq::Timeout;
        let secs = self.timeout.as_secs();
        let host = &self.url.host;
        let via = self
            .proxy
            .as_ref()
            .map(|p| format!(" (through the proxy {p})"))
            .unwrap_or_default();
        match e {
            ureq::Error::Timeout(step) => {
                let what = match step {
                    Timeout::Resolve => format!("resolving {host}"),
                    Timeout::Connect => format!("connecting to {}{via}", self.url.host_header()),
                    Timeout::SendRequest | Timeout::SendBody => "sending the request".into(),
                    _ => "reading the response".into(),
                };
                format!("no answer within {secs} s ({what})")
            }
            // Through a CONNECT proxy, only the proxy's name is resolved here.
            ureq::Error::HostNotFound => match &self.proxy {
                Some(p) => format!("cannot resolve the proxy {p}"),
                None => format!("cannot resolve {host}"),
            },
            ureq::Error::ConnectProxyFailed(why) => {
                let what = if why.contains("responded") {
                    "refused"
                } else {
                    "did not open"
                };
                format!(
                    "the proxy {what} the tunnel to {}{via}: {why}",
                    self.url.host_header()
                )
            }
            ureq::Error::Io(e) => {
                use std::io::ErrorKind::*;
                let to = self.url.host_header();
                match e.kind() {
                    ConnectionRefused | HostUnreachable | NetworkUnreachable | AddrNotAvailable => {
                        format!("cannot connect to {to}{via}: {e}")
                    }
                    _ => format!("exchange with {to}{via}: {e}"),
                }
            }
            ureq::Error::Rustls(e) => format!("TLS with {}: {e}", self.url.host_header()),
            ureq::Error::Protocol(e) => format!("not an HTTP answer: {e}"),
            e => format!("{e}{via}"),
        }
    }
}

/// Checks what today's rustls client would check when it is built: every CA
/// certificate usable as a root, the key matching the client certificate.
/// ureq builds its own rustls configuration, more leniently (it skips
/// unparsable roots); this keeps the errors at set-up, where they are clear.
fn check_tls(
    certs: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
    cas: &[CertificateDer<'static>],
    ca_path: &Path,
) -> Result<(), HttpsError> {
    let mut roots = RootCertStore::empty();
    for ca in cas {
        roots.add(ca.clone()).map_err(|e| HttpsError::File {
            key: "server_ca",
            path: ca_path.to_owned(),
            message: format!("not a usable CA certificate ({e})"),
        })?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HttpsError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs.to_vec(), key.clone_key())
        .map_err(|e| HttpsError::Tls(format!("the client certificate and key: {e}")))?;
    Ok(())
}

/// The client key in ureq's terms, read again from its file (ureq takes
/// keys as PEM; the first read checked it).
fn client_key(path: &Path) -> Result<PrivateKey<'static>, HttpsError> {
    let fail = |message: String| HttpsError::File {
        key: "client_key",
        path: path.to_owned(),
        message,
    };
    let pem = std::fs::read(path).map_err(|e| fail(format!("cannot read it ({e})")))?;
    // ureq's PEM errors never quote the key material either.
    PrivateKey::from_pem(&pem).map_err(|e| fail(format!("no usable private key ({e})")))
}

/// The proxy to go through, if any: `national.proxy`; else `HTTPS_PROXY` or
/// `https_proxy` from `env`, unless `NO_PROXY` or `no_proxy` names `host`.
/// Empty variables count as unset, as curl does.
pub fn choose_proxy(
    configured: Option<&str>,
    host: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, HttpsError> {
    if let Some(p) = configured {
        return Ok(Some(p.to_owned()));
    }
    let var = |names: [&'static str; 2]| {
        names
            .into_iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
    };
    let Some((name, url)) = var(["HTTPS_PROXY", "https_proxy"]) else {
        return Ok(None);
    };
    if let Some((_, list)) = var(["NO_PROXY", "no_proxy"]) {
        if no_proxy_matches(&list, host) {
            return Ok(None);
        }
    }
    if !crate::config::is_http_proxy_url(url.trim()) {
        return Err(HttpsError::Proxy { var: name });
    }
    Ok(Some(url.trim().to_owned()))
}

/// Whether a `NO_PROXY` list names `host`: entries separated by commas or
/// spaces, `*` for every host, a name for itself and its subdomains (a
/// leading `.` or `*.` allowed), an address for itself; a `:port` on an entry
/// is ignored.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    list.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = match entry.strip_prefix('[') {
                // [v6]:port or [v6]
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or(""),
                None => entry,
            };
            let entry = entry
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .trim_end_matches('.')
                .to_ascii_lowercase();
            !entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(&entry)
                        .is_some_and(|rest| rest.ends_with('.')))
        })
}

/// Adds the start of the body to the reason, for the operator reading
/// `last_error` (a 409 usually says why).
fn with_body((code, reason): (u16, String), body: &[u8]) -> (u16, String) {
    let body = String::from_utf8_lossy(body);
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
            Ok((status, reason)) => classify_status(status, &reason),
            Err(e) => Outcome::Retry(e),
        }
    }

    fn apply(&mut self, change: &ChangeItem, _now: Instant) -> Outcome {
        let sent = self.put_to(
            &self.url.settings_path(change.desk.as_str()),
            "application/json",
            &format!("{}:{}", change.desk, change.change),
            change.body().as_bytes(),
        );
        match sent {
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
        // The status line itself is ureq's to parse now.
        let r = b"older certificate\n";
        assert_eq!(
            with_body((409, "Conflict".into()), r).1,
            "Conflict — older certificate"
        );
    }

    #[test]
    fn proxy_urls() {
        use crate::config::is_http_proxy_url as ok;
        for good in [
            "http://proxy:3128",
            "http://proxy.example.org",
            "http://10.0.0.1:8080/",
            "http://[::1]:3128",
            "http://user:secret@proxy:3128",
        ] {
            assert!(ok(good), "{good}");
        }
        for bad in [
            "https://proxy:3128",
            "proxy:3128",
            "http://",
            "http://proxy:port",
            "http://proxy:3128/path",
            "http://proxy:99999",
        ] {
            assert!(!ok(bad), "{bad}");
        }
    }

    #[test]
    fn the_proxy_comes_from_the_configuration_then_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let p = |conf, vars| choose_proxy(conf, "sne.example.org", env(vars)).unwrap();
        assert_eq!(p(None, &[]), None);
        assert_eq!(
            p(Some("http://conf:1"), &[("HTTPS_PROXY", "http://env:2")]),
            Some("http://conf:1".into())
        );
        assert_eq!(
            p(
                None,
                &[
                    ("HTTPS_PROXY", "http://up:2"),
                    ("https_proxy", "http://low:3")
                ]
            ),
            Some("http://up:2".into())
        );
        assert_eq!(
            p(
                None,
                &[("HTTPS_PROXY", ""), ("https_proxy", "http://low:3")]
            ),
            Some("http://low:3".into())
        );
        // HTTP_PROXY and ALL_PROXY are not for https:// URLs.
        assert_eq!(
            p(
                None,
                &[("HTTP_PROXY", "http://h:1"), ("ALL_PROXY", "http://a:1")]
            ),
            None
        );
        assert_eq!(
            p(
                None,
                &[
                    ("HTTPS_PROXY", "http://e:2"),
                    ("NO_PROXY", "localhost, .example.org")
                ]
            ),
            None
        );
        assert_eq!(
            p(
                None,
                &[("https_proxy", "http://e:2"), ("no_proxy", "other.org")]
            ),
            Some("http://e:2".into())
        );
        // The configured proxy is not subject to NO_PROXY: it was asked for.
        assert_eq!(
            p(Some("http://conf:1"), &[("NO_PROXY", "*")]),
            Some("http://conf:1".into())
        );
        let err = choose_proxy(None, "h", env(&[("HTTPS_PROXY", "socks5://u:pw@x:1")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("HTTPS_PROXY ") && !err.contains("pw"),
            "{err}"
        );
    }

    #[test]
    fn no_proxy_lists() {
        let m = no_proxy_matches;
        assert!(m("*", "anything"));
        assert!(m("example.org", "example.org"));
        assert!(m("example.org", "sne.example.org"));
        assert!(m(".example.org", "sne.example.org"));
        assert!(m("*.example.org", "SNE.Example.org"));
        assert!(!m("example.org", "badexample.org"));
        assert!(m("a.org,  sne.example.org:443", "sne.example.org"));
        assert!(m("127.0.0.1", "127.0.0.1"));
        assert!(!m("127.0.0.1", "127.0.0.10"));
        assert!(m("[::1]:8443", "::1"));
        assert!(m("::1", "::1"));
        assert!(!m("", "x"));
    }
}
