//! The team's mailbox over IMAP (`[mail] source = "imap"`, DESIGN §10):
//! async-imap over tokio-rustls, driven from synchronous callers.
//!
//! # Shape
//!
//! The callers (`app::mail::fetch`, the service's `mail` job under
//! `spawn_blocking`) are synchronous: [`Mailbox`] owns a current-thread
//! tokio runtime and blocks on each step, as the SMTP client does. Every
//! step — resolving, connecting, the TLS handshake, the greeting, STARTTLS,
//! LOGIN, and each command until its tagged answer — is bounded by
//! `mail.imap_timeout_secs`: a server that stalls is given up on.
//!
//! # What a hostile server can send
//!
//! async-imap buffers a response until it parses whole, up to 512 MiB, and
//! allocates a literal's announced size before reading it. Every byte it
//! reads therefore passes through [`Bounded`], which follows the IMAP
//! framing (lines, and `{n}` literals) and fails the read as soon as a line
//! grows past the limit or a literal of more than the limit is announced
//! (`max_message_bytes`, at least 8 MiB for long UID SEARCH answers, plus
//! some slack for the response around it), before anything that size is
//! held. STARTTLS is done by hand, a byte at a time,
//! so that nothing sent in clear before the handshake is read as if it came
//! inside TLS.
//!
//! # Secrets
//!
//! The password is read by the caller at the moment of use and handed to
//! LOGIN; it is in no error message. async-imap traces the commands it
//! writes through the `log` crate, LOGIN included: the service's log filter
//! silences that crate (`src/cli/serve.rs`).
//!
//! # Moving a message
//!
//! `UID MOVE` when the server has MOVE; else `UID COPY`, `\Deleted`, and
//! `UID EXPUNGE` of those messages when it has UIDPLUS, plain `EXPUNGE`
//! otherwise. The caller moves messages in batches, each only once its
//! record is durable: a round trip per message made a Dovecot that syncs
//! each move the bottleneck. A message is flagged deleted only after its copy succeeded:
//! no message is ever removed without a copy kept.

use std::fmt;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::config::{Imap as Account, ImapSecurity};

/// Room for the response around a message's bytes (the FETCH line, its
/// UID, flags): what a line or literal may exceed `max_message_bytes` by.
pub const SLACK: u64 = 64 * 1024;

/// The longest greeting or STARTTLS answer read before TLS.
const MAX_CLEAR_LINE: usize = 8 * 1024;

/// Why the mailbox could not be read or changed. Never holds the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapError {
    /// The server and account, as `imaps://user@host:port`.
    pub server: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for ImapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.server, self.message)
    }
}

impl std::error::Error for ImapError {}

/// A message as the client received it: its bytes are read where they
/// arrived, not copied out (a 24 MiB message held twice took 24 MiB more;
/// docs/PERFORMANCE.md).
pub struct Fetched {
    fetched: Vec<async_imap::types::Fetch>,
    /// The answer that carries the body.
    at: usize,
}

impl AsRef<[u8]> for Fetched {
    fn as_ref(&self) -> &[u8] {
        self.fetched[self.at].body().unwrap_or_default()
    }
}

/// A message in the folder read: its UID and the size the server gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The message's UID in the folder.
    pub uid: u32,
    /// `RFC822.SIZE`, when the server said.
    pub size: Option<u64>,
}

/// A logged-in IMAP session.
pub struct Mailbox {
    runtime: tokio::runtime::Runtime,
    session: Session<Bounded<Stream>>,
    server: String,
    user: String,
    timeout: Duration,
    /// The server has MOVE (RFC 6851).
    moves: bool,
    /// The server has UIDPLUS (RFC 4315): `UID EXPUNGE`.
    uidplus: bool,
    /// The server's hierarchy delimiter (`/` in folder names is this).
    delimiter: Option<String>,
}

/// The server and account as messages name them.
pub fn label(account: &Account) -> String {
    let scheme = match account.security {
        ImapSecurity::Tls => "imaps",
        ImapSecurity::Starttls | ImapSecurity::None => "imap",
    };
    let host = if account.host.contains(':') {
        format!("[{}]", account.host)
    } else {
        account.host.clone()
    };
    format!("{scheme}://{}@{host}:{}", account.user, account.port)
}

impl Mailbox {
    /// Connects and logs in; reads are bounded to `limit` bytes a line or
    /// literal (`max_message_bytes` + [`SLACK`]).
    pub fn open(account: &Account, password: &str, limit: u64) -> Result<Mailbox, ImapError> {
        let server = label(account);
        let fail = |message: String| ImapError {
            server: server.clone(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start the I/O runtime: {e}")))?;
        let t = account.timeout;
        let timed_out = |during: &str| {
            fail(format!(
                "timed out: the server did not answer within mail.imap_timeout_secs ({} s, {during})",
                t.as_secs()
            ))
        };
        let (session, capabilities) = runtime.block_on(async {
            let stream = connect(account, t).await.map_err(&fail)?;
            let stream = match account.security {
                ImapSecurity::None => {
                    let mut s = Stream::Plain(stream);
                    greeting(&mut s, t).await.map_err(&fail)?;
                    s
                }
                ImapSecurity::Tls => {
                    let tls = tls(account, stream, t).await.map_err(&fail)?;
                    let mut s = Stream::Tls(Box::new(tls));
                    greeting(&mut s, t).await.map_err(&fail)?;
                    s
                }
                ImapSecurity::Starttls => {
                    let mut plain = Stream::Plain(stream);
                    greeting(&mut plain, t).await.map_err(&fail)?;
                    starttls(&mut plain, t).await.map_err(&fail)?;
                    let Stream::Plain(tcp) = plain else {
                        unreachable!("made plain just above")
                    };
                    Stream::Tls(Box::new(tls(account, tcp, t).await.map_err(&fail)?))
                }
            };
            let client = Client::new(Bounded::new(stream, limit));
            let session = match tokio::time::timeout(t, client.login(&account.user, password)).await
            {
                Err(_) => return Err(timed_out("LOGIN")),
                Ok(Ok(s)) => s,
                Ok(Err((e, _))) => {
                    return Err(fail(match e {
                        async_imap::error::Error::No(text)
                        | async_imap::error::Error::Bad(text) => {
                            format!(
                                "the server refused the login of {}: {}",
                                account.user,
                                printable(&text)
                            )
                        }
                        // The validation error names the character only.
                        other => format!(
                            "login of {}: {}",
                            account.user,
                            printable(&other.to_string())
                        ),
                    }));
                }
            };
            let mut session = session;
            let caps = match tokio::time::timeout(t, session.capabilities()).await {
                Err(_) => return Err(timed_out("CAPABILITY")),
                Ok(r) => r.map_err(|e| fail(format!("CAPABILITY: {e}")))?,
            };
            Ok((session, (caps.has_str("MOVE"), caps.has_str("UIDPLUS"))))
        })?;
        let mut mailbox = Mailbox {
            runtime,
            session,
            server,
            user: account.user.clone(),
            timeout: t,
            moves: capabilities.0,
            uidplus: capabilities.1,
            delimiter: None,
        };
        mailbox.delimiter = mailbox.hierarchy_delimiter()?;
        Ok(mailbox)
    }

    /// The server and account, as messages name them.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// A URL naming one message (RFC 5092), for the record's origin.
    pub fn origin(&self, folder: &str, uid: u32) -> String {
        format!("{}/{folder};UID={uid}", self.server)
    }

    fn fail(&self, message: String) -> ImapError {
        ImapError {
            server: self.server.clone(),
            message,
        }
    }

    /// Runs one step within the timeout.
    fn step<T, F>(&mut self, during: &str, f: F) -> Result<T, ImapError>
    where
        F: for<'s> FnOnce(
            &'s mut Session<Bounded<Stream>>,
        ) -> Pin<
            Box<dyn std::future::Future<Output = Result<T, async_imap::error::Error>> + 's>,
        >,
    {
        let t = self.timeout;
        let Mailbox {
            runtime, session, ..
        } = self;
        // The timer is made inside the runtime, which drives it.
        let r = runtime.block_on(async { tokio::time::timeout(t, f(session)).await });
        match r {
            Err(_) => Err(self.fail(format!(
                "timed out: the server did not answer within mail.imap_timeout_secs ({} s, {during})",
                t.as_secs()
            ))),
            Ok(Err(e)) => Err(self.fail(format!("{during}: {}", printable(&e.to_string())))),
            Ok(Ok(v)) => Ok(v),
        }
    }

    fn hierarchy_delimiter(&mut self) -> Result<Option<String>, ImapError> {
        let names = self.step("LIST", |s| {
            Box::pin(async move {
                s.list(Some(""), Some("\"\""))
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
        })?;
        Ok(names.first().and_then(|n| n.delimiter().map(str::to_owned)))
    }

    /// The server's name of a folder: `/` becomes its delimiter, and the
    /// name is in modified UTF-7 (RFC 3501 §5.1.3).
    fn name(&self, folder: &str) -> String {
        let folder = match &self.delimiter {
            Some(d) if d != "/" => folder.replace('/', d),
            _ => folder.to_owned(),
        };
        utf7_imap(&folder)
    }

    /// Creates the folder when the server does not list it.
    pub fn ensure_folder(&mut self, folder: &str) -> Result<(), ImapError> {
        let name = self.name(folder);
        let pattern = quoted(&name);
        let listed = self.step("LIST", |s| {
            Box::pin(async move {
                s.list(Some(""), Some(&pattern))
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
        })?;
        if listed.is_empty() {
            let n = name.clone();
            self.step(&format!("CREATE {name}"), |s| {
                Box::pin(async move { s.create(&n).await })
            })?;
        }
        Ok(())
    }

    /// Opens `folder` (read-only: EXAMINE, which changes nothing) and lists
    /// its messages, oldest first, with their sizes.
    pub fn open_folder(&mut self, folder: &str, read_only: bool) -> Result<Vec<Entry>, ImapError> {
        let name = self.name(folder);
        let during = format!("{} {folder}", if read_only { "EXAMINE" } else { "SELECT" });
        self.step(&during, |s| {
            Box::pin(async move {
                if read_only {
                    s.examine(&name).await
                } else {
                    s.select(&name).await
                }
            })
        })?;
        let uids = self.step("UID SEARCH", |s| {
            Box::pin(async move { s.uid_search("ALL").await })
        })?;
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetched = self.step("UID FETCH (RFC822.SIZE)", |s| {
            Box::pin(async move {
                s.uid_fetch("1:*", "(UID RFC822.SIZE)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
        })?;
        let mut entries: Vec<Entry> = uids
            .into_iter()
            .map(|uid| Entry {
                uid,
                size: fetched
                    .iter()
                    .find(|f| f.uid == Some(uid))
                    .and_then(|f| f.size)
                    .map(u64::from),
            })
            .collect();
        entries.sort_by_key(|e| e.uid);
        Ok(entries)
    }

    /// The bytes of message `uid` of the open folder (`BODY.PEEK[]`: not
    /// marked seen), as the client received them.
    pub fn fetch(&mut self, uid: u32) -> Result<Fetched, ImapError> {
        let fetched = self
            .step(&format!("UID FETCH {uid}"), |s| {
                Box::pin(async move {
                    s.uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
                        .await?
                        .try_collect::<Vec<_>>()
                        .await
                })
            })
            .map_err(|e| ImapError {
                message: format!("message UID {uid}: {}", e.message),
                ..e
            })?;
        match fetched
            .iter()
            .position(|f| f.uid == Some(uid) && f.body().is_some())
        {
            Some(at) => Ok(Fetched { fetched, at }),
            None => Err(self.fail(format!("message UID {uid}: the server sent no body"))),
        }
    }

    /// Moves messages `uids` of the open folder into `folder`, in one
    /// command (or one COPY, STORE and EXPUNGE).
    pub fn move_to(&mut self, uids: &[u32], folder: &str) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let name = self.name(folder);
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        if self.moves {
            let (n, u) = (name.clone(), set.clone());
            return self.step(&format!("UID MOVE {set} {folder}"), |s| {
                Box::pin(async move { s.uid_mv(&u, &n).await })
            });
        }
        // Copied first: the originals are flagged deleted only once a copy
        // is kept.
        let (n, u) = (name.clone(), set.clone());
        self.step(&format!("UID COPY {set} {folder}"), |s| {
            Box::pin(async move { s.uid_copy(&u, &n).await })
        })?;
        let u = set.clone();
        self.step(&format!("UID STORE {set} +FLAGS (\\Deleted)"), |s| {
            Box::pin(async move {
                s.uid_store(&u, "+FLAGS.SILENT (\\Deleted)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
        })?;
        if self.uidplus {
            let u = set.clone();
            self.step(&format!("UID EXPUNGE {set}"), |s| {
                Box::pin(async move { s.uid_expunge(&u).await?.try_collect::<Vec<_>>().await })
            })?;
        } else {
            self.step("EXPUNGE", |s| {
                Box::pin(async move { s.expunge().await?.try_collect::<Vec<_>>().await })
            })?;
        }
        Ok(())
    }

    /// Says LOGOUT, within the timeout; the connection closes either way.
    pub fn logout(mut self) {
        let _ = self.step("LOGOUT", |s| Box::pin(async move { s.logout().await }));
    }

    /// The account's user name.
    pub fn user(&self) -> &str {
        &self.user
    }
}

/// A server's text made safe to print on one line.
fn printable(text: &str) -> String {
    let t: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    t.trim().to_owned()
}

/// An IMAP quoted string.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Modified UTF-7 (RFC 3501 §5.1.3), the encoding of folder names:
/// printable ASCII as is (`&` as `&-`), the rest as modified base64 of
/// UTF-16 between `&` and `-`.
pub fn utf7_imap(name: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::GeneralPurpose::new(
        &base64::alphabet::IMAP_MUTF7,
        base64::engine::general_purpose::NO_PAD,
    );
    let mut out = String::new();
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(&b64.encode(bytes));
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Resolves and connects, within the timeout, trying each address.
async fn connect(account: &Account, t: Duration) -> Result<TcpStream, String> {
    let addrs = match tokio::time::timeout(
        t,
        tokio::net::lookup_host((account.host.as_str(), account.port)),
    )
    .await
    {
        Err(_) => return Err(format!("timed out resolving {}", account.host)),
        Ok(r) => r.map_err(|e| format!("cannot resolve {}: {e}", account.host))?,
    };
    let mut last = format!("{} resolves to no address", account.host);
    for address in addrs {
        match tokio::time::timeout(t, TcpStream::connect(address)).await {
            Ok(Ok(s)) => {
                // Commands are small writes answered at once.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) => last = format!("cannot connect to {address}: {e}"),
            Err(_) => {
                last = format!(
                    "timed out connecting to {address} (mail.imap_timeout_secs, {} s)",
                    t.as_secs()
                )
            }
        }
    }
    Err(last)
}

/// The TLS handshake, checking the server's certificate against the public
/// roots and `imap_server_ca`.
async fn tls(
    account: &Account,
    tcp: TcpStream,
    t: Duration,
) -> Result<TlsStream<TcpStream>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &account.server_ca {
        for ca in read_cas(path)? {
            roots.add(ca).map_err(|e| {
                format!(
                    "mail.imap_server_ca {}: not a usable CA certificate ({e})",
                    path.display()
                )
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(account.host.clone())
        .map_err(|e| format!("{} is not a name TLS can check: {e}", account.host))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(t, connector.connect(name, tcp)).await {
        Err(_) => Err(format!(
            "timed out: the server did not answer within mail.imap_timeout_secs ({} s, TLS handshake)",
            t.as_secs()
        )),
        Ok(r) => r.map_err(|e| format!("TLS handshake: {e}")),
    }
}

/// The CA certificates of a PEM file.
fn read_cas(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let fail = |m: String| format!("mail.imap_server_ca {}: {m}", path.display());
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read it ({e})")))?;
    let blocks = pem::parse_many(&bytes).map_err(|e| fail(format!("not PEM ({e})")))?;
    let cas: Vec<CertificateDer<'static>> = blocks
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .map(|p| CertificateDer::from(p.into_contents()))
        .collect();
    if cas.is_empty() {
        return Err(fail("holds no CERTIFICATE block".into()));
    }
    Ok(cas)
}

/// Reads one line (up to LF), a byte at a time, bounded.
async fn clear_line(s: &mut Stream, t: Duration, during: &str) -> Result<String, String> {
    let read = async {
        let mut line = Vec::new();
        loop {
            let b = s.read_u8().await.map_err(|e| format!("{during}: {e}"))?;
            if b == b'\n' {
                return Ok(line);
            }
            line.push(b);
            if line.len() > MAX_CLEAR_LINE {
                return Err(format!(
                    "{during}: a line of more than {MAX_CLEAR_LINE} bytes"
                ));
            }
        }
    };
    match tokio::time::timeout(t, read).await {
        Err(_) => Err(format!(
            "timed out: the server did not answer within mail.imap_timeout_secs ({} s, {during})",
            t.as_secs()
        )),
        Ok(r) => r.map(|l| printable(&String::from_utf8_lossy(&l))),
    }
}

/// Reads the server's greeting: `* OK` (not PREAUTH, not BYE).
async fn greeting(s: &mut Stream, t: Duration) -> Result<(), String> {
    let line = clear_line(s, t, "greeting").await?;
    if line.starts_with("* OK") {
        Ok(())
    } else {
        Err(format!("unexpected greeting: {line}"))
    }
}

/// Asks for STARTTLS and reads up to its tagged answer, nothing beyond.
async fn starttls(s: &mut Stream, t: Duration) -> Result<(), String> {
    let write = async {
        s.write_all(b"V0 STARTTLS\r\n").await?;
        s.flush().await
    };
    match tokio::time::timeout(t, write).await {
        Err(_) => return Err("timed out writing STARTTLS".into()),
        Ok(r) => r.map_err(|e| format!("STARTTLS: {e}"))?,
    }
    // Untagged lines (a CAPABILITY) may come first; not forever.
    for _ in 0..16 {
        let line = clear_line(s, t, "STARTTLS").await?;
        if let Some(answer) = line.strip_prefix("V0 ") {
            if answer.starts_with("OK") {
                return Ok(());
            }
            return Err(format!("the server refused STARTTLS: {answer}"));
        }
    }
    Err("STARTTLS: no answer after 16 lines".into())
}

/// The connection, in clear or inside TLS.
#[derive(Debug)]
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Where the reader is in the IMAP framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    /// In a line.
    Line,
    /// After `{`, with the digits so far.
    Brace(u64),
    /// After `{n}`.
    Close(u64),
    /// After `{n}\r`.
    Cr(u64),
    /// Inside a literal, with this many bytes to go.
    Literal(u64),
}

/// A stream whose reads fail once a line, or a literal announced, exceeds
/// `limit` bytes: what async-imap may buffer is bounded by it.
#[derive(Debug)]
pub struct Bounded<S> {
    inner: S,
    limit: u64,
    state: Lex,
    line: u64,
}

impl<S> Bounded<S> {
    fn new(inner: S, limit: u64) -> Bounded<S> {
        Bounded {
            inner,
            limit,
            state: Lex::Line,
            line: 0,
        }
    }

    /// Follows the framing over bytes just read.
    fn scan(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        let refuse = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
        while let Some((&b, rest)) = bytes.split_first() {
            if let Lex::Literal(n) = self.state {
                // A literal's bytes are not lines: skipped in one go.
                let take = n.min(bytes.len() as u64);
                bytes = &bytes[take as usize..];
                self.state = if take == n {
                    Lex::Line
                } else {
                    Lex::Literal(n - take)
                };
                continue;
            }
            bytes = rest;
            self.line += 1;
            if self.line > self.limit {
                return Err(refuse(format!(
                    "the server sent a line of more than {} bytes (the limit that mail.max_message_bytes sets)",
                    self.limit
                )));
            }
            self.state = match (self.state, b) {
                (Lex::Cr(n), b'\n') => {
                    self.line = 0;
                    if n == 0 {
                        Lex::Line
                    } else {
                        Lex::Literal(n)
                    }
                }
                (_, b'\n') => {
                    self.line = 0;
                    Lex::Line
                }
                (Lex::Brace(n), d @ b'0'..=b'9') => {
                    let n = n * 10 + u64::from(d - b'0');
                    if n > self.limit {
                        return Err(refuse(format!(
                            "the server announced a literal of more than {} bytes (the limit that mail.max_message_bytes sets)",
                            self.limit
                        )));
                    }
                    Lex::Brace(n)
                }
                (Lex::Brace(n), b'}') => Lex::Close(n),
                (Lex::Close(n), b'\r') => Lex::Cr(n),
                (_, b'{') => Lex::Brace(0),
                _ => Lex::Line,
            };
        }
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        this.scan(&buf.filled()[before..])?;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_in_modified_utf7() {
        assert_eq!(utf7_imap("vigie/traites"), "vigie/traites");
        assert_eq!(utf7_imap("vigie.traités"), "vigie.trait&AOk-s");
        assert_eq!(utf7_imap("A&B"), "A&-B");
        assert_eq!(utf7_imap("日本語"), "&ZeVnLIqe-");
    }

    #[test]
    fn lines_and_literals_are_bounded() {
        let mut b = Bounded::new((), 100);
        // A literal within the limit, its bytes (CR LF included) skipped.
        b.scan(b"* 1 FETCH (UID 7 BODY[] {5}\r\nab\r\nc)\r\n")
            .unwrap();
        assert_eq!(b.state, Lex::Line);
        // Split across reads.
        b.scan(b"* 2 FETCH (BODY[] {1").unwrap();
        b.scan(b"0}\r").unwrap();
        b.scan(b"\n0123456789").unwrap();
        assert_eq!(b.state, Lex::Line);
        b.scan(b")\r\n").unwrap();
        // A literal announced too large fails before any of it is read.
        let e = b.scan(b"* 3 FETCH (BODY[] {2147483648}\r\n").unwrap_err();
        assert!(e.to_string().contains("literal of more than 100"), "{e}");
        // An endless line fails at the limit.
        let mut b = Bounded::new((), 100);
        let e = b.scan(&[b'x'; 101]).unwrap_err();
        assert!(e.to_string().contains("line of more than 100"), "{e}");
        let mut b = Bounded::new((), 100);
        for _ in 0..10 {
            b.scan(&[b'x'; 50]).unwrap();
            b.scan(b"\r\n").unwrap();
        }
    }
}
