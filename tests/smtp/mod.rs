//! A small SMTP server on loopback for the tests: it speaks just enough
//! ESMTP for lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), records what it
//! received, can refuse chosen recipients with 550, and stops when told (or
//! dropped) without leaving a test hanging.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
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
}

/// A running server.
pub struct SmtpServer {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// Starts on a free loopback port.
    pub fn start() -> SmtpServer {
        Self::start_on(0, &[])
    }

    /// Starts on `port` (0: any), refusing recipients containing any of `refuse`.
    pub fn start_on(port: u16, refuse: &[&str]) -> SmtpServer {
        Self::start_with(port, refuse, None)
    }

    /// Starts speaking implicit TLS (port-465 style) with this configuration.
    pub fn start_tls(tls: Arc<rustls::ServerConfig>) -> SmtpServer {
        Self::start_with(0, &[], Some(tls))
    }

    fn start_with(
        port: u16,
        refuse: &[&str],
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let refuse: Arc<Vec<String>> = Arc::new(refuse.iter().map(|s| s.to_string()).collect());
        let (r, s) = (received.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (r, s, refuse) = (r.clone(), s.clone(), refuse.clone());
                        let tls = tls.clone();
                        std::thread::spawn(move || {
                            let _ = prepare(&stream);
                            let raw = stream.try_clone().unwrap();
                            let _ = match tls {
                                None => session(stream, &raw, &r, &s, &refuse),
                                Some(cfg) => {
                                    let conn = rustls::ServerConnection::new(cfg).unwrap();
                                    session(
                                        rustls::StreamOwned::new(conn, stream),
                                        &raw,
                                        &r,
                                        &s,
                                        &refuse,
                                    )
                                }
                            };
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        SmtpServer {
            port,
            received,
            stop,
            handle: Some(handle),
        }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What it received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Stops listening and ends open sessions at their next command.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
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

fn prepare(stream: &TcpStream) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_millis(200)))
}

fn session<S: Read + Write>(
    stream: S,
    raw: &TcpStream,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
    refuse: &[String],
) -> std::io::Result<()> {
    let mut inp = BufReader::new(stream);
    macro_rules! reply {
        ($b:expr) => {{
            inp.get_mut().write_all($b)?;
            inp.get_mut().flush()?;
        }};
    }
    reply!(b"220 test.example.org ESMTP\r\n");
    let mut from = String::new();
    let mut rcpt = Vec::new();
    let mut line = String::new();
    let read_line = |inp: &mut BufReader<S>, line: &mut String| -> std::io::Result<usize> {
        line.clear();
        loop {
            let r = inp.read_line(line);
            // Acknowledge what was read at once (see Cargo.toml).
            let _ = socket2::SockRef::from(raw).set_tcp_quickack(true);
            match r {
                Ok(n) => return Ok(n),
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    if stop.load(Ordering::SeqCst) {
                        return Ok(0);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    };
    loop {
        if read_line(&mut inp, &mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            reply!(b"250-test.example.org\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        } else if upper.starts_with("MAIL FROM:") {
            from = angle(&cmd[10..]);
            rcpt.clear();
            reply!(b"250 2.1.0 ok\r\n");
        } else if upper.starts_with("RCPT TO:") {
            let a = angle(&cmd[8..]);
            if refuse.iter().any(|r| a.contains(r.as_str())) {
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
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(l);
            }
            received.lock().unwrap().push(Received {
                from: from.clone(),
                rcpt: std::mem::take(&mut rcpt),
                data,
            });
            reply!(b"250 2.0.0 queued\r\n");
        } else if upper == "RSET" {
            rcpt.clear();
            reply!(b"250 ok\r\n");
        } else if upper == "NOOP" {
            reply!(b"250 ok\r\n");
        } else if upper == "QUIT" {
            reply!(b"221 bye\r\n");
            return Ok(());
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

    /// The decoded body of the first part with this content type.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let ct = self.header("Content-Type")?;
        let boundary = ct.split("boundary=").nth(1)?.trim_matches('"').to_owned();
        for part in self.data.split(&format!("--{boundary}")) {
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
            if !get("Content-Type").is_some_and(|t| t.starts_with(content_type)) {
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
