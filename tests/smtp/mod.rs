//! A small SMTP server on loopback for the tests: it speaks just enough
//! ESMTP for lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, and on request
//! STARTTLS and AUTH PLAIN/LOGIN), records what it received, can refuse
//! chosen recipients with 550, and stops when told (or dropped) without
//! leaving a test hanging.
//!
//! By default it acknowledges every read at once (`TCP_QUICKACK`), so that a
//! client without `TCP_NODELAY` is not held back by Nagle and a delayed ACK;
//! [`Builder::delayed_acks`] leaves Linux's default, as real servers do.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine;

/// One message as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// MAIL FROM.
    pub from: String,
    /// Every RCPT TO that was accepted.
    pub rcpt: Vec<String>,
    /// The DATA, dot-unstuffed, CRLF line endings.
    pub data: String,
    /// Whether the session was encrypted (implicit TLS or STARTTLS).
    pub tls: bool,
    /// The user the session authenticated as.
    pub user: Option<String>,
}

/// A running server.
pub struct SmtpServer {
    port: u16,
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

/// How the server behaves; see [`SmtpServer::builder`].
#[derive(Clone, Default)]
pub struct Builder {
    port: u16,
    refuse: Vec<String>,
    tls: Option<Tls>,
    auth: Option<Auth>,
    delayed_acks: bool,
    close_after: Option<usize>,
}

#[derive(Clone)]
enum Tls {
    Implicit(Arc<rustls::ServerConfig>),
    Starttls(Arc<rustls::ServerConfig>),
}

#[derive(Clone)]
struct Auth {
    user: String,
    password: String,
    mechanisms: String,
}

/// What the sessions share with the test.
struct Shared {
    options: Builder,
    received: Mutex<Vec<Received>>,
    connections: AtomicUsize,
    stop: AtomicBool,
}

impl Builder {
    /// Listens on `port` (0, the default: any free port).
    pub fn port(mut self, port: u16) -> Builder {
        self.port = port;
        self
    }

    /// Refuses (550) recipients containing any of `refuse`.
    pub fn refuse(mut self, refuse: &[&str]) -> Builder {
        self.refuse = refuse.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Speaks TLS from the first byte (port-465 style).
    pub fn implicit_tls(mut self, tls: Arc<rustls::ServerConfig>) -> Builder {
        self.tls = Some(Tls::Implicit(tls));
        self
    }

    /// Offers STARTTLS.
    pub fn starttls(mut self, tls: Arc<rustls::ServerConfig>) -> Builder {
        self.tls = Some(Tls::Starttls(tls));
        self
    }

    /// Offers AUTH with `mechanisms` (e.g. "PLAIN LOGIN") and takes no
    /// message before `user` authenticated with `password`.
    pub fn auth(mut self, user: &str, password: &str, mechanisms: &str) -> Builder {
        self.auth = Some(Auth {
            user: user.into(),
            password: password.into(),
            mechanisms: mechanisms.into(),
        });
        self
    }

    /// Does not set `TCP_QUICKACK`: the kernel delays its ACKs, as it does
    /// for most servers.
    pub fn delayed_acks(mut self) -> Builder {
        self.delayed_acks = true;
        self
    }

    /// Closes each connection after accepting `n` messages on it.
    pub fn close_after(mut self, n: usize) -> Builder {
        self.close_after = Some(n);
        self
    }

    /// Starts the server.
    pub fn start(self) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            options: self,
            received: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let sh = shared.clone();
        let handle = std::thread::spawn(move || {
            while !sh.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        sh.connections.fetch_add(1, Ordering::SeqCst);
                        let sh = sh.clone();
                        std::thread::spawn(move || {
                            let _ = connection(stream, &sh);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        SmtpServer {
            port,
            shared,
            handle: Some(handle),
        }
    }
}

impl SmtpServer {
    /// A server to configure before it starts.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Starts on a free loopback port.
    pub fn start() -> SmtpServer {
        Self::builder().start()
    }

    /// Starts on `port` (0: any), refusing recipients containing any of `refuse`.
    pub fn start_on(port: u16, refuse: &[&str]) -> SmtpServer {
        Self::builder().port(port).refuse(refuse).start()
    }

    /// Starts speaking implicit TLS (port-465 style) with this configuration.
    pub fn start_tls(tls: Arc<rustls::ServerConfig>) -> SmtpServer {
        Self::builder().implicit_tls(tls).start()
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What it received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// How many connections it accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Stops listening and ends open sessions at their next command.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.halt();
    }
}

/// A port nothing listens on (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How a session ended.
enum End {
    /// QUIT, the client left, the server stopped, or a limit was reached.
    Closed,
    /// STARTTLS was accepted: TLS starts on the same socket.
    StartTls(Arc<rustls::ServerConfig>),
}

/// One connection: a session, and a second one inside TLS after STARTTLS.
fn connection(stream: TcpStream, sh: &Shared) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let raw = stream.try_clone()?;
    let end = match &sh.options.tls {
        Some(Tls::Implicit(cfg)) => {
            let conn = rustls::ServerConnection::new(cfg.clone()).unwrap();
            let tls = rustls::StreamOwned::new(conn, stream);
            return session(tls, &raw, sh, true, true).map(|_| ());
        }
        _ => session(stream, &raw, sh, false, true)?,
    };
    if let End::StartTls(cfg) = end {
        let conn = rustls::ServerConnection::new(cfg).unwrap();
        let tls = rustls::StreamOwned::new(conn, raw.try_clone()?);
        session(tls, &raw, sh, true, false)?;
    }
    Ok(())
}

fn session<S: Read + Write>(
    stream: S,
    raw: &TcpStream,
    sh: &Shared,
    tls: bool,
    greet: bool,
) -> std::io::Result<End> {
    let opts = &sh.options;
    let mut inp = BufReader::new(stream);
    macro_rules! reply {
        ($b:expr) => {{
            inp.get_mut().write_all($b.as_ref())?;
            inp.get_mut().flush()?;
        }};
    }
    if greet {
        reply!(b"220 test.example.org ESMTP\r\n");
    }
    let mut from = String::new();
    let mut rcpt = Vec::new();
    let mut user: Option<String> = None;
    let mut accepted = 0;
    let mut line = String::new();
    let read_line = |inp: &mut BufReader<S>, line: &mut String| -> std::io::Result<usize> {
        line.clear();
        loop {
            let r = inp.read_line(line);
            if !opts.delayed_acks {
                // Acknowledge what was read at once (see the module's doc).
                let _ = socket2::SockRef::from(raw).set_tcp_quickack(true);
            }
            match r {
                Ok(n) => return Ok(n),
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    if sh.stop.load(Ordering::SeqCst) {
                        return Ok(0);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    };
    let b64 = |s: &str| -> String {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    loop {
        if read_line(&mut inp, &mut line)? == 0 {
            return Ok(End::Closed);
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            let mut r = String::from("250-test.example.org\r\n250-8BITMIME\r\n");
            if matches!(opts.tls, Some(Tls::Starttls(_))) && !tls {
                r.push_str("250-STARTTLS\r\n");
            }
            if let Some(a) = &opts.auth {
                r.push_str(&format!("250-AUTH {}\r\n", a.mechanisms));
            }
            r.push_str("250 SMTPUTF8\r\n");
            reply!(r);
        } else if upper == "STARTTLS" {
            match &opts.tls {
                Some(Tls::Starttls(cfg)) if !tls => {
                    reply!(b"220 2.0.0 ready to start TLS\r\n");
                    return Ok(End::StartTls(cfg.clone()));
                }
                _ => reply!(b"502 not implemented\r\n"),
            }
        } else if let (true, Some(a)) = (upper.starts_with("AUTH "), &opts.auth) {
            let words: Vec<&str> = cmd.split_whitespace().collect();
            let mech = words.get(1).map(|m| m.to_ascii_uppercase());
            let offered = a
                .mechanisms
                .split_whitespace()
                .any(|m| Some(m) == mech.as_deref());
            let given = match (mech.as_deref(), words.get(2)) {
                _ if !offered => None,
                (Some("PLAIN"), Some(initial)) => Some(b64(initial)),
                (Some("PLAIN"), None) => {
                    reply!(b"334 \r\n");
                    read_line(&mut inp, &mut line)?;
                    Some(b64(&line))
                }
                (Some("LOGIN"), _) => {
                    reply!(b"334 VXNlcm5hbWU6\r\n");
                    read_line(&mut inp, &mut line)?;
                    let u = b64(&line);
                    reply!(b"334 UGFzc3dvcmQ6\r\n");
                    read_line(&mut inp, &mut line)?;
                    Some(format!("\0{u}\0{}", b64(&line)))
                }
                _ => None,
            };
            if given == Some(format!("\0{}\0{}", a.user, a.password)) {
                user = Some(a.user.clone());
                reply!(b"235 2.7.0 authenticated\r\n");
            } else {
                reply!(b"535 5.7.8 authentication credentials invalid\r\n");
            }
        } else if upper.starts_with("MAIL FROM:") {
            if opts.auth.is_some() && user.is_none() {
                reply!(b"530 5.7.0 authentication required\r\n");
                continue;
            }
            from = angle(&cmd[10..]);
            rcpt.clear();
            reply!(b"250 2.1.0 ok\r\n");
        } else if upper.starts_with("RCPT TO:") {
            let a = angle(&cmd[8..]);
            if opts.refuse.iter().any(|r| a.contains(r.as_str())) {
                reply!(b"550 5.1.1 mailbox unavailable\r\n");
            } else {
                rcpt.push(a);
                reply!(b"250 2.1.5 ok\r\n");
            }
        } else if upper == "DATA" {
            reply!(b"354 go ahead\r\n");
            let mut data = String::new();
            loop {
                if read_line(&mut inp, &mut line)? == 0 {
                    return Ok(End::Closed);
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(l);
            }
            sh.received.lock().unwrap().push(Received {
                from: from.clone(),
                rcpt: std::mem::take(&mut rcpt),
                data,
                tls,
                user: user.clone(),
            });
            reply!(b"250 2.0.0 queued\r\n");
            accepted += 1;
            if opts.close_after == Some(accepted) {
                // Hang up without a word, as a server restarting would.
                return Ok(End::Closed);
            }
        } else if upper == "RSET" {
            rcpt.clear();
            reply!(b"250 ok\r\n");
        } else if upper == "NOOP" {
            reply!(b"250 ok\r\n");
        } else if upper == "QUIT" {
            reply!(b"221 bye\r\n");
            return Ok(End::Closed);
        } else {
            reply!(b"502 not implemented\r\n");
        }
    }
}

fn angle(s: &str) -> String {
    let s = s.trim();
    let s = s.split_whitespace().next().unwrap_or("");
    s.trim_start_matches('<').trim_end_matches('>').to_owned()
}

impl Received {
    /// The header block, unfolded, one header per entry.
    pub fn headers(&self) -> Vec<(String, String)> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        unfold(head)
    }

    /// A header's value, encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| decode_words(&v))
    }

    /// The decoded body of the first part with this content type, looking
    /// into nested multiparts (the digest's alternatives sit in a
    /// multipart/mixed, its HTML in a multipart/related).
    pub fn part(&self, content_type: &str) -> Option<String> {
        let ct = self.header("Content-Type")?;
        find_part(&ct, &self.data, content_type)
    }
}

/// The first part of `content_type` in the multipart `data` whose type is
/// `ct`, depth first.
fn find_part(ct: &str, data: &str, content_type: &str) -> Option<String> {
    let boundary = ct.split("boundary=").nth(1)?.trim_matches('"').to_owned();
    let boundary = boundary
        .split(';')
        .next()
        .unwrap_or_default()
        .trim_matches('"');
    for part in data.split(&format!("--{boundary}")) {
        let part = part.trim_start_matches("\r\n");
        let Some((head, body)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let headers = unfold(head);
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.to_ascii_lowercase())
        };
        let Some(part_type) = get("Content-Type") else {
            continue;
        };
        if part_type.starts_with("multipart/") {
            let original = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            if let Some(found) = find_part(&original, body, content_type) {
                return Some(found);
            }
            continue;
        }
        if !part_type.starts_with(content_type) {
            continue;
        }
        return Some(match get("Content-Transfer-Encoding").as_deref() {
            Some("base64") => {
                let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(clean)
                        .unwrap(),
                )
                .unwrap()
            }
            Some("quoted-printable") => quoted_printable(body),
            _ => body.to_owned(),
        });
    }
    None
}

fn unfold(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for l in head.split("\r\n") {
        if l.starts_with(' ') || l.starts_with('\t') {
            if let Some(last) = out.last_mut() {
                last.1.push_str(l);
            }
        } else if let Some((n, v)) = l.split_once(':') {
            out.push((n.to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`).
pub fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let after = &rest[start + 2..];
        let parts: Vec<&str> = after.splitn(3, '?').collect();
        if parts.len() < 3 {
            out.push_str(&rest[start..]);
            return out;
        }
        let Some(end) = parts[2].find("?=") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let text = &parts[2][..end];
        let decoded = if parts[1].eq_ignore_ascii_case("b") {
            String::from_utf8_lossy(
                &base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_default(),
            )
            .into_owned()
        } else {
            quoted_printable(&text.replace('_', " "))
        };
        out.push_str(&decoded);
        let consumed = start + 2 + parts[0].len() + 1 + parts[1].len() + 1 + end + 2;
        rest = &rest[consumed..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}
