//! A very small HTTP/1.1 listener for `/healthz` and `/metrics`: GET only, one
//! request per connection, bounded reads, loopback by default.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What a request gets: status code, content type, body.
pub type Response = (u16, &'static str, String);

/// Serves requests until the listener is dropped, answering each with `route`.
pub async fn serve<F>(listener: TcpListener, route: Arc<F>)
where
    F: Fn(&str) -> Response + Send + Sync + 'static,
{
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            continue;
        };
        let route = route.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut len = 0;
            // A client gets two seconds to send its request line and headers.
            let read = tokio::time::timeout(Duration::from_secs(2), async {
                while len < buf.len() {
                    let n = sock.read(&mut buf[len..]).await?;
                    if n == 0 {
                        break;
                    }
                    len += n;
                    if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                Ok::<_, std::io::Error>(())
            })
            .await;
            if !matches!(read, Ok(Ok(()))) {
                return;
            }
            let head = String::from_utf8_lossy(&buf[..len]);
            let mut parts = head.lines().next().unwrap_or("").split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let (code, ctype, body) = if method != "GET" {
                (405, "text/plain", "only GET\n".to_owned())
            } else {
                route(path.split('?').next().unwrap_or(""))
            };
            let reason = match code {
                200 => "OK",
                404 => "Not Found",
                405 => "Method Not Allowed",
                503 => "Service Unavailable",
                _ => "",
            };
            let msg = format!(
                "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(msg.as_bytes()).await;
            let _ = sock.shutdown().await;
        });
    }
}
