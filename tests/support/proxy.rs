//! A loopback HTTP proxy that only tunnels (`CONNECT host:port`), as the
//! proxies of administrations' networks do for HTTPS: it records each tunnel
//! asked for, then splices bytes both ways, or refuses with a status. It
//! stops accepting when dropped; a tunnel ends when either side closes or
//! stays silent for a few seconds, so nothing outlives a test for long.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a tunnel may stay silent before the proxy closes it.
const IDLE: Duration = Duration::from_secs(15);

struct Shared {
    /// `host:port` of each CONNECT received, in order.
    tunnels: Mutex<Vec<String>>,
    /// `Some((code, reason))`: answer every CONNECT with it, open nothing.
    refuse: Option<(u16, &'static str)>,
    stop: AtomicBool,
}

/// A running proxy on 127.0.0.1.
pub struct ConnectProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    /// A proxy that opens every tunnel asked for.
    pub fn start() -> ConnectProxy {
        ConnectProxy::with(None)
    }

    /// A proxy that answers every CONNECT with this status and reason.
    pub fn refusing(code: u16, reason: &'static str) -> ConnectProxy {
        ConnectProxy::with(Some((code, reason)))
    }

    fn with(refuse: Option<(u16, &'static str)>) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            tunnels: Mutex::new(Vec::new()),
            refuse,
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let s = s.clone();
                std::thread::spawn(move || serve(stream, &s));
            }
        });
        ConnectProxy {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// The URL to configure (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// The `host:port` of every tunnel asked for so far.
    pub fn tunnels(&self) -> Vec<String> {
        self.shared.tunnels.lock().unwrap().clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(mut client: TcpStream, shared: &Shared) {
    if shared.stop.load(Ordering::SeqCst) {
        return;
    }
    let _ = client.set_read_timeout(Some(IDLE));
    // The request head, byte by byte: nothing of the tunnel is read ahead.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) if head.len() < 8192 => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    if method != "CONNECT" {
        let _ = client.write_all(
            b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    shared.tunnels.lock().unwrap().push(target.to_owned());
    if let Some((code, reason)) = shared.refuse {
        let _ = write!(
            client,
            "HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    }
    let Ok(server) = TcpStream::connect(target) else {
        let _ = client.write_all(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    };
    let _ = server.set_read_timeout(Some(IDLE));
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || splice(client2, server2));
    splice(server, client);
    let _ = up.join();
}

/// Copies `from` to `to` until `from` ends, then passes the end on.
fn splice(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}
