//! The SMTP client: one connection, opened by vigie and kept for the whole
//! run, over which lettre's async client speaks SMTP.
//!
//! # Why vigie opens the socket itself
//!
//! lettre writes the end of DATA (`\r\n.\r\n`) as a small write of its own.
//! Without `TCP_NODELAY`, Nagle's algorithm holds that write until the server
//! acknowledges the previous one, and a server that delays its ACKs (Linux's
//! default, up to 40 ms) makes every message wait for that timer: 22 messages
//! a second to aiosmtpd on loopback. lettre's blocking transport opens its
//! sockets where `TCP_NODELAY` cannot be set; its async client accepts a
//! stream, so vigie connects, sets `TCP_NODELAY`, and hands the socket over.
//!
//! # Why this client is still here (lettre 0.11.23, checked 2026-12)
//!
//! lettre 0.11.23, the newest release on crates.io, still offers no way to
//! set `TCP_NODELAY` through its transports: neither `SmtpTransport` nor
//! `AsyncSmtpTransport` (nor their builders or `PoolConfig`) calls
//! `set_nodelay` or accepts a socket, a connector or a socket-options hook;
//! they open their own sockets (`net.rs`, `async_net.rs`). The only public
//! door for a socket of ours is the low-level
//! `AsyncSmtpConnection::connect_with_transport`, and implicit TLS on such a
//! socket needs `AsyncNetworkStream::use_existing_tokio1` + `upgrade_tls`,
//! which lettre marks deprecated ("not meant to be public"). So the
//! connection handling (reuse, reconnect, AUTH, timeouts) that the
//! transports would give stays written here, on top of those calls.
//!
//! # Shape
//!
//! The callers are synchronous: the client owns a current-thread tokio
//! runtime and blocks on each step, so it must not be used from inside an
//! async task (the service runs its jobs under `spawn_blocking`, where
//! blocking is allowed). Every network step is bounded by
//! `smtp.timeout_secs`. The connection is reused from message to message; a
//! connection the server closed in between is replaced, and the message sent
//! again on the new one, only when nothing of it can have been accepted.
//!
//! # What a hostile peer can send
//!
//! lettre reads each reply line into a growing buffer until it meets a line
//! end, with no bound: a server, or anyone on the path before STARTTLS, that
//! sends an endless line makes it buffer until the process aborts. Every
//! byte vigie reads therefore passes through [`bounded::Bounded`], which
//! fails the read once a line in clear exceeds [`bounded::MAX_LINE`] bytes, or
//! once the peer has sent [`bounded::MAX_REPLY`] bytes without vigie having
//! written anything (which also bounds what arrives inside TLS, where the
//! lines are not visible at the socket). The message stays pending.

use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
// lettre deprecated it as "not meant to be public", yet it is the one way to
// put its TLS on a socket of ours before the greeting (implicit TLS).
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Message;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

use super::transport::{Delivered, SendError};
use crate::model::FailedRecipient;

/// How the connection is protected.
pub enum Security {
    /// Plain text (a relay on the same machine or network).
    None,
    /// Plain text upgraded with STARTTLS, which the server must offer.
    Starttls(TlsParameters),
    /// TLS from the first byte.
    Implicit(TlsParameters),
}

/// Where and how to reach the SMTP server.
pub struct Server {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// TLS, or not.
    pub security: Security,
    /// User and password, when the server wants them.
    pub credentials: Option<Credentials>,
    /// The bound on each network step.
    pub timeout: Duration,
}

/// An SMTP client that keeps one connection open across messages.
pub struct SmtpClient {
    server: Server,
    hello: ClientId,
    runtime: Runtime,
    /// The open connection, if any. A mutex rather than a `RefCell` keeps the
    /// transport `Sync`; there is no contention, one thread sends.
    connection: Mutex<Option<AsyncSmtpConnection>>,
}

/// AUTH mechanisms offered to the server, preferred first.
const MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];

impl SmtpClient {
    /// A client for `server`; connects at the first message.
    pub fn new(server: Server) -> std::io::Result<SmtpClient> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(SmtpClient {
            server,
            hello: ClientId::default(),
            runtime,
            connection: Mutex::new(None),
        })
    }

    /// Delivers one message, connecting first if no connection is open.
    /// The server may refuse some recipients and take the message for the
    /// others: it is then delivered, and the refusals are in the answer.
    pub fn send(&self, msg: &Message) -> Result<Delivered, SendError> {
        let envelope = msg.envelope();
        let bytes = msg.formatted();
        // A panic while the lock was held left the connection in an unknown
        // state: start again from a new one.
        let mut slot = self.connection.lock().unwrap_or_else(|poisoned| {
            let mut slot = poisoned.into_inner();
            *slot = None;
            slot
        });
        self.runtime.block_on(async {
            let (mut conn, reused) = match slot.take() {
                Some(conn) if !conn.has_broken() => (conn, true),
                _ => (
                    self.connect().await.map_err(Failure::into_send_error)?,
                    false,
                ),
            };
            let mut outcome = self.transaction(&mut conn, envelope, &bytes).await;
            if reused && outcome.as_ref().is_err_and(Failure::is_stale) {
                // The server closed the connection while it sat idle (a
                // restart, an idle timeout, a limit of messages per
                // connection). It had not accepted MAIL FROM, so nothing of
                // this message reached it: send it again, once, afresh.
                conn = self.connect().await.map_err(Failure::into_send_error)?;
                outcome = self.transaction(&mut conn, envelope, &bytes).await;
            }
            if self.reusable(&mut conn, &outcome).await {
                *slot = Some(conn);
            }
            outcome.map_err(Failure::into_send_error)
        })
    }

    /// Opens a connection: TCP, TLS as configured, greeting, EHLO, AUTH.
    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let tcp = self.open_socket().await?;
        let mut lines_in_clear = None;
        let mut conn = match &self.server.security {
            Security::Implicit(tls) => {
                // Under TLS the socket sees ciphertext: only the byte budget
                // applies there; lines are bounded above the TLS layer.
                let tcp = bounded::Bounded::new(tcp, false);
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                self.setup("the TLS handshake", stream.upgrade_tls(tls.clone()))
                    .await?;
                let stream = Box::new(bounded::Bounded::new(tls_stream::Encrypted(stream), true));
                self.setup(
                    "its greeting",
                    AsyncSmtpConnection::connect_with_transport(stream, &self.hello),
                )
                .await?
            }
            Security::None | Security::Starttls(_) => {
                let tcp = bounded::Bounded::new(tcp, true);
                lines_in_clear = Some(tcp.lines_in_clear());
                self.setup(
                    "its greeting",
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello),
                )
                .await?
            }
        };
        if let Security::Starttls(tls) = &self.server.security {
            if !conn.can_starttls() {
                return Err(Failure::Unusable(format!(
                    "{}:{} does not offer STARTTLS, which smtp.tls = \"starttls\" requires: \
                     nothing was sent in clear",
                    self.server.host, self.server.port
                )));
            }
            // From here the socket carries TLS records, whose bytes are
            // not lines: keep only the byte budget on them.
            if let Some(flag) = &lines_in_clear {
                flag.store(false, std::sync::atomic::Ordering::SeqCst);
            }
            self.setup("STARTTLS", conn.starttls(tls.clone(), &self.hello))
                .await?;
        }
        if let Some(credentials) = &self.server.credentials {
            self.setup("authentication", conn.auth(MECHANISMS, credentials))
                .await?;
        }
        Ok(conn)
    }

    /// Resolves the host and connects to the first address that answers,
    /// with `TCP_NODELAY` (see the module's documentation).
    async fn open_socket(&self) -> Result<TcpStream, Failure> {
        let (host, port) = (self.server.host.as_str(), self.server.port);
        let addresses =
            match tokio::time::timeout(self.server.timeout, tokio::net::lookup_host((host, port)))
                .await
            {
                Ok(Ok(a)) => a,
                Ok(Err(e)) => return Err(Failure::Unusable(format!("cannot resolve {host}: {e}"))),
                Err(_) => return Err(self.timed_out(&format!("resolving {host}"))),
            };
        // Each address in turn, as a resolver's answer is meant to be used;
        // None for an address that did not answer in time.
        let mut errors: Vec<(SocketAddr, Option<std::io::Error>)> = Vec::new();
        for address in addresses {
            match tokio::time::timeout(self.server.timeout, TcpStream::connect(address)).await {
                Ok(Ok(tcp)) => {
                    tcp.set_nodelay(true).map_err(|e| {
                        Failure::Unusable(format!("{address}: cannot set TCP_NODELAY: {e}"))
                    })?;
                    return Ok(tcp);
                }
                Ok(Err(e)) => errors.push((address, Some(e))),
                Err(_) => errors.push((address, None)),
            }
        }
        if !errors.is_empty() && errors.iter().all(|(_, e)| e.is_none()) {
            return Err(self.timed_out(&format!("connecting to {host}:{port}")));
        }
        let why = match errors.as_slice() {
            [] => format!("{host} has no address"),
            [(_, Some(e))] => e.to_string(),
            many => many
                .iter()
                .map(|(address, e)| match e {
                    Some(e) => format!("{address}: {e}"),
                    None => format!("{address}: no answer in time"),
                })
                .collect::<Vec<_>>()
                .join("; "),
        };
        Err(Failure::Unusable(format!(
            "cannot connect to the SMTP server {host}:{port}: {why}"
        )))
    }

    /// One mail transaction: MAIL FROM, RCPT TO each recipient, DATA.
    /// lettre's `send` does the same, but does not say which step failed,
    /// which decides whether the message may go again.
    async fn transaction(
        &self,
        conn: &mut AsyncSmtpConnection,
        envelope: &Envelope,
        bytes: &[u8],
    ) -> Result<Delivered, Failure> {
        let mut parameters = Vec::new();
        let mut addresses = envelope.from().into_iter().chain(envelope.to());
        if addresses.any(|a| !AsRef::<str>::as_ref(a).is_ascii()) {
            require(conn, Extension::SmtpUtfEight, "an address is not ASCII")?;
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() {
            require(conn, Extension::EightBitMime, "the message is not ASCII")?;
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let mail = Mail::new(envelope.from().cloned(), parameters);
        self.step("MAIL FROM", conn.command(mail))
            .await
            .map_err(Failure::at_first_command)?;
        // One refused recipient must not cost the others the message (a
        // 550 on a desk's old address would lose the team's copy): each
        // refusal is kept with the server's words, and the message goes to
        // whoever was accepted.
        let mut refused = Vec::new();
        let mut first_refusal = None;
        for to in envelope.to() {
            match self
                .step("RCPT TO", conn.command(Rcpt::new(to.clone(), Vec::new())))
                .await
            {
                Ok(_) => {}
                Err(Failure::Transaction { error, .. })
                    if error.is_permanent() || error.is_transient() =>
                {
                    refused.push(FailedRecipient {
                        address: to.to_string(),
                        answer: error.to_string(),
                    });
                    // A transient refusal of everyone is worth a retry.
                    if first_refusal.is_none() || error.is_transient() {
                        first_refusal = Some(error);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if refused.len() == envelope.to().len() {
            if let Some(error) = first_refusal {
                return Err(Failure::Transaction {
                    error,
                    first_command: false,
                });
            }
        }
        self.step("DATA", conn.command(Data)).await?;
        let response = self
            .step("the end of the message", conn.message(bytes))
            .await?;
        Ok(Delivered {
            answer: answer(&response),
            refused,
        })
    }

    /// Whether `conn` can carry the next message after `outcome`: yes after
    /// a success, or after a refusal once RSET cleared the transaction; no
    /// when the connection failed or went silent.
    async fn reusable(
        &self,
        conn: &mut AsyncSmtpConnection,
        outcome: &Result<Delivered, Failure>,
    ) -> bool {
        match outcome {
            Ok(_) => true,
            Err(Failure::Transaction { error, .. })
                if error.is_permanent() || error.is_transient() =>
            {
                self.step("RSET", conn.command(Rset)).await.is_ok()
            }
            Err(_) => false,
        }
    }

    /// Runs a step of a mail transaction within the timeout.
    async fn step<T>(
        &self,
        what: &str,
        step: impl std::future::Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.server.timeout, step).await {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(error)) => Err(Failure::Transaction {
                error,
                first_command: false,
            }),
            Err(_) => Err(self.timed_out(what)),
        }
    }

    /// Runs a step of opening the connection within the timeout. Whatever
    /// fails there (even a 5xx to AUTH) is the server's or the
    /// configuration's problem, not this message's: the server is unusable.
    async fn setup<T>(
        &self,
        what: &str,
        step: impl std::future::Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.server.timeout, step).await {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(e)) => Err(Failure::Unusable(format!(
                "SMTP server {}:{}, {what}: {e}",
                self.server.host, self.server.port
            ))),
            Err(_) => Err(self.timed_out(&format!("waiting for {what}"))),
        }
    }

    fn timed_out(&self, during: &str) -> Failure {
        Failure::Unusable(format!(
            "timed out: the SMTP server did not answer within smtp.timeout_secs ({} s, {during})",
            self.server.timeout.as_secs()
        ))
    }
}

impl Drop for SmtpClient {
    /// Says QUIT on an open connection, within the timeout.
    fn drop(&mut self) {
        let slot = self
            .connection
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(mut conn) = slot.take().filter(|c| !c.has_broken()) {
            let timeout = self.server.timeout;
            self.runtime.block_on(async {
                let _ = tokio::time::timeout(timeout, conn.quit()).await;
            });
        }
    }
}

/// The server's answer as one line: code and text.
fn answer(response: &lettre::transport::smtp::response::Response) -> String {
    let text: Vec<&str> = response.message().collect();
    crate::escape::flat_line(&format!("{} {}", response.code(), text.join(" ")))
}

/// Refuses, before MAIL FROM, a message the server cannot take.
fn require(conn: &AsyncSmtpConnection, extension: Extension, why: &str) -> Result<(), Failure> {
    if conn.server_info().supports_feature(extension) {
        Ok(())
    } else {
        Err(Failure::Unusable(format!(
            "{why} and the SMTP server does not support {extension}"
        )))
    }
}

/// Why a message did not go, before it is classified for the caller.
enum Failure {
    /// The server cannot be used now: no connection, no answer in time, TLS
    /// or AUTH failed, a missing extension.
    Unusable(String),
    /// A step of the mail transaction failed: the server refused it (a
    /// reply code), or the connection broke.
    Transaction {
        error: lettre::transport::smtp::Error,
        /// Whether it was MAIL FROM, before which the server holds nothing.
        first_command: bool,
    },
}

impl Failure {
    fn at_first_command(self) -> Failure {
        match self {
            Failure::Transaction { error, .. } => Failure::Transaction {
                error,
                first_command: true,
            },
            f => f,
        }
    }

    /// Whether this says the server had closed the connection before the
    /// message began: MAIL FROM met a closed socket, or 421 (closing).
    fn is_stale(&self) -> bool {
        match self {
            Failure::Transaction {
                error,
                first_command: true,
            } => {
                let reply = error.is_permanent() || error.is_transient();
                !reply || error.status().is_some_and(|c| c.to_string() == "421")
            }
            _ => false,
        }
    }

    fn into_send_error(self) -> SendError {
        match self {
            Failure::Unusable(e) => SendError::Unreachable(e),
            Failure::Transaction { error, .. } => {
                let text = error.to_string();
                if error.is_permanent() {
                    SendError::Permanent(text)
                } else if error.is_transient() {
                    SendError::Transient(text)
                } else {
                    SendError::Unreachable(format!(
                        "the connection to the SMTP server broke: {text}"
                    ))
                }
            }
        }
    }
}

/// lettre's TLS stream handed back to lettre as a plain tokio stream: its
/// async client takes a stream and reads the greeting at once, so implicit
/// TLS must be in place before. lettre wraps the TCP socket in TLS
/// (`upgrade_tls`) but exposes the result through the `futures` I/O traits;
/// this adapts them to tokio's.
mod tls_stream {
    use std::io;
    use std::net::SocketAddr;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    #[allow(deprecated)]
    use lettre::transport::smtp::client::AsyncNetworkStream;
    use lettre::transport::smtp::client::AsyncTokioStream;
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    /// A TLS session over vigie's socket.
    #[derive(Debug)]
    #[allow(deprecated)]
    pub struct Encrypted(pub AsyncNetworkStream);

    impl AsyncRead for Encrypted {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let unfilled = buf.initialize_unfilled();
            match futures_io::AsyncRead::poll_read(Pin::new(&mut self.0), cx, unfilled) {
                Poll::Ready(Ok(n)) => {
                    buf.advance(n);
                    Poll::Ready(Ok(()))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    impl AsyncWrite for Encrypted {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            futures_io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            futures_io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            futures_io::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
        }
    }

    impl AsyncTokioStream for Encrypted {
        fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.0.peer_addr()
        }
    }
}

/// A stream that bounds what the peer can make vigie buffer (see the
/// module's documentation).
mod bounded {
    use std::io;
    use std::net::SocketAddr;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use lettre::transport::smtp::client::AsyncTokioStream;
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    /// The longest reply line accepted. RFC 5321 §4.5.3.1.5 allows 512
    /// octets; real servers' EHLO lines stay well under a kilobyte.
    pub const MAX_LINE: usize = 8 * 1024;
    /// The most the peer may send between two writes of vigie: a greeting,
    /// an EHLO reply or a TLS handshake's certificates fit many times over.
    pub const MAX_REPLY: usize = 1024 * 1024;

    /// `inner`, failing reads past the bounds.
    #[derive(Debug)]
    pub struct Bounded<S> {
        inner: S,
        /// Whether the bytes read are SMTP lines in clear (not TLS records).
        lines: Arc<AtomicBool>,
        since_line_end: usize,
        since_write: usize,
    }

    impl<S> Bounded<S> {
        /// Wraps `inner`; `lines` says whether its bytes are lines in clear.
        pub fn new(inner: S, lines: bool) -> Bounded<S> {
            Bounded {
                inner,
                lines: Arc::new(AtomicBool::new(lines)),
                since_line_end: 0,
                since_write: 0,
            }
        }

        /// The switch to clear once TLS starts on this stream (STARTTLS).
        pub fn lines_in_clear(&self) -> Arc<AtomicBool> {
            Arc::clone(&self.lines)
        }

        /// Counts `bytes` just read; an error when a bound is passed.
        fn account(&mut self, bytes: &[u8]) -> io::Result<()> {
            self.since_write += bytes.len();
            if self.since_write > MAX_REPLY {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the server sent more than {} KiB without waiting for vigie: refused",
                        MAX_REPLY / 1024
                    ),
                ));
            }
            if self.lines.load(Ordering::SeqCst) {
                match bytes.iter().rposition(|&b| b == b'\n') {
                    Some(i) => self.since_line_end = bytes.len() - i - 1,
                    None => self.since_line_end += bytes.len(),
                }
                if self.since_line_end > MAX_LINE {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the server sent a line longer than {} KiB: refused",
                            MAX_LINE / 1024
                        ),
                    ));
                }
            }
            Ok(())
        }
    }

    impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let before = buf.filled().len();
            match Pin::new(&mut self.inner).poll_read(cx, buf) {
                Poll::Ready(Ok(())) => Poll::Ready(self.account(&buf.filled()[before..])),
                other => other,
            }
        }
    }

    impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let written = Pin::new(&mut self.inner).poll_write(cx, buf);
            if let Poll::Ready(Ok(n)) = written {
                if n > 0 {
                    self.since_write = 0;
                }
            }
            written
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_shutdown(cx)
        }
    }

    impl<S: AsyncTokioStream> AsyncTokioStream for Bounded<S> {
        fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.inner.peer_addr()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn long_lines_and_floods_are_refused_short_ones_pass() {
            let mut b = Bounded::new((), true);
            assert!(b.account(b"220 ready\r\n").is_ok());
            let chunk = vec![b'A'; 4096];
            assert!(b.account(&chunk).is_ok());
            assert!(b.account(&chunk).is_ok());
            let err = b.account(&chunk).unwrap_err().to_string();
            assert!(err.contains("line longer than 8 KiB"), "{err}");

            // Ciphertext: no lines, only the budget between writes.
            let mut b = Bounded::new((), false);
            for _ in 0..(MAX_REPLY / chunk.len()) {
                assert!(b.account(&chunk).is_ok());
            }
            let err = b.account(&chunk).unwrap_err().to_string();
            assert!(err.contains("without waiting for vigie"), "{err}");
        }
    }
}
