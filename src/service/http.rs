//! The service's HTTP listener (`/healthz`, `/metrics`): hyper's HTTP/1.1
//! server on the service's tokio runtime, behind a [`Router`].
//!
//! The listener is meant for a monitoring system on the same host or network,
//! yet it must not be easy to tie up: a client gets [`HEADER_READ_TIMEOUT`] to
//! send its request head, which may not exceed [`MAX_HEAD`] bytes; a handler
//! gets [`HANDLER_TIMEOUT`] before the client is told 503; a connection lives
//! [`CONNECTION_TIMEOUT`] at most; at most [`MAX_CONNECTIONS`] are served at
//! once, and a new connection that finds them all taken makes room by
//! dropping the oldest one still silent, so that idle sockets cannot keep a
//! health check waiting. Only `GET` and `HEAD` are answered; one request per
//! connection, as a scraper needs no more.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    HeaderName, HeaderValue, ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// What a request gets: status code, content type, body. The body is
/// [`Bytes`] so that a page kept in memory is sent to every client that
/// asks for it without a copy each (`String` and `&'static str` convert with
/// `.into()`).
pub type Response = (u16, &'static str, Bytes);

/// How long a client has to send its request line and headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a handler may take before the client gets a 503 instead, unless
/// the router says otherwise.
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest a connection stays open, however slowly its client reads.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once: room for the 64 concurrent clients the
/// dashboard is sized for (issue 15), with idle sockets past it evicted.
/// At 32, `ab -c 64` saw half its connections reset before they could send
/// their request.
pub const MAX_CONNECTIONS: usize = 128;
/// The largest request head (request line and headers) accepted, in bytes;
/// a larger one is answered 431.
pub const MAX_HEAD: usize = 4096;

/// A handler: called with the request path (without the query), on a blocking
/// thread, since handlers may read the store.
type Handler = Arc<dyn Fn(&str) -> Response + Send + Sync>;

/// A handler that also reads the query string (`/calendrier.ics?departement=31`).
type QueryHandler = Arc<dyn Fn(&str, Option<&str>) -> Response + Send + Sync>;

/// Which handler answers which path: a new page is one more
/// [`route`](Router::route).
///
/// ```
/// use vigie::service::http::Router;
/// let router = Router::new()
///     .route("/healthz", |_| (200, "application/json", "{}\n".into()))
///     .fallback(|_| (404, "text/plain", "not found\n".into()));
/// # drop(router);
/// ```
#[derive(Clone)]
pub struct Router {
    routes: BTreeMap<String, Handler>,
    fallback: Handler,
    timeout: Duration,
    /// Routes that read the query, and routes by path prefix (checked in
    /// turn, longest prefix first, before the fallback).
    query_routes: BTreeMap<String, QueryHandler>,
    prefixes: Vec<(String, Handler)>,
    /// The bearer token every request must carry, if any.
    token: Option<Arc<[u8]>>,
    /// Headers added to every response (the dashboard's CSP…).
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Default for Router {
    fn default() -> Self {
        Router::new()
    }
}

impl Router {
    /// A router with no routes, answering 404 to everything.
    pub fn new() -> Router {
        Router {
            routes: BTreeMap::new(),
            fallback: Arc::new(|_| (404, "text/plain", "not found\n".into())),
            timeout: HANDLER_TIMEOUT,
            query_routes: BTreeMap::new(),
            prefixes: Vec::new(),
            token: None,
            headers: Vec::new(),
        }
    }

    /// Answers `path` (exactly) with `handler`, which also gets the query.
    pub fn route_with_query<F>(mut self, path: &str, handler: F) -> Router
    where
        F: Fn(&str, Option<&str>) -> Response + Send + Sync + 'static,
    {
        self.query_routes.insert(path.to_owned(), Arc::new(handler));
        self
    }

    /// Answers every path under `prefix` (`/guichets/`) with `handler`,
    /// given the whole path.
    pub fn prefix<F>(mut self, prefix: &str, handler: F) -> Router
    where
        F: Fn(&str) -> Response + Send + Sync + 'static,
    {
        self.prefixes.push((prefix.to_owned(), Arc::new(handler)));
        self.prefixes
            .sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self
    }

    /// Requires `Authorization: Bearer <token>` on every request; others
    /// get 401. The comparison takes the same time wherever the tokens
    /// differ.
    pub fn bearer(mut self, token: Option<String>) -> Router {
        self.token = token.map(|t| Arc::from(t.into_bytes()));
        self
    }

    /// Adds a header to every response.
    pub fn header(mut self, name: &'static str, value: &str) -> Router {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }

    /// Whether a request's `Authorization` header carries the token.
    fn authorised(&self, authorization: Option<&HeaderValue>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let given = authorization
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .unwrap_or_default();
        // subtle compares equal-length slices in constant time; a length
        // mismatch is answered at once, which tells only the length.
        given.len() == token.len() && bool::from(subtle::ConstantTimeEq::ct_eq(given, &token[..]))
    }

    /// Answers `path` (exactly, query aside) with `handler`.
    pub fn route<F>(mut self, path: &str, handler: F) -> Router
    where
        F: Fn(&str) -> Response + Send + Sync + 'static,
    {
        self.routes.insert(path.to_owned(), Arc::new(handler));
        self
    }

    /// Answers every path without a route with `handler`.
    pub fn fallback<F>(mut self, handler: F) -> Router
    where
        F: Fn(&str) -> Response + Send + Sync + 'static,
    {
        self.fallback = Arc::new(handler);
        self
    }

    /// How long a handler may take ([`HANDLER_TIMEOUT`] unless told).
    pub fn timeout(mut self, timeout: Duration) -> Router {
        self.timeout = timeout;
        self
    }

    /// The handler for a path and its query.
    fn handler(&self, path: &str, query: Option<&str>) -> Handler {
        if let Some(h) = self.routes.get(path) {
            return h.clone();
        }
        if let Some(h) = self.query_routes.get(path) {
            let (h, query) = (h.clone(), query.map(str::to_owned));
            return Arc::new(move |p: &str| h(p, query.as_deref()));
        }
        self.prefixes
            .iter()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .map_or(&self.fallback, |(_, h)| h)
            .clone()
    }

    /// Answers one request: method check, token, routing, the handler
    /// under its time limit.
    async fn answer(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        authorization: Option<&HeaderValue>,
    ) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return (405, "text/plain", "only GET and HEAD\n".into());
        }
        if !self.authorised(authorization) {
            return (401, "text/plain", "a bearer token is required\n".into());
        }
        let handler = self.handler(path, query);
        let path = path.to_owned();
        let work = tokio::task::spawn_blocking(move || handler(&path));
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(response)) => response,
            // A handler that panicked: the listener stays up.
            Ok(Err(_)) => (500, "text/plain", "internal error\n".into()),
            Err(_) => (
                503,
                "text/plain",
                "the answer took too long; try again\n".into(),
            ),
        }
    }
}

/// A router that hands every path to one function, as the service's
/// `route` does.
impl<F> From<Arc<F>> for Router
where
    F: Fn(&str) -> Response + Send + Sync + 'static,
{
    fn from(route: Arc<F>) -> Router {
        Router::new().fallback(move |path: &str| route(path))
    }
}

/// The connections being served, oldest first, each with whether its
/// request head has arrived: when every slot is taken, the oldest one still
/// silent is dropped to make room (see [`serve`]).
#[derive(Default)]
struct Connections {
    next: u64,
    open: BTreeMap<u64, (Arc<AtomicBool>, tokio::task::AbortHandle)>,
}

impl Connections {
    /// Drops the oldest connection that has not sent its request head yet;
    /// whether there was one.
    fn evict_oldest_silent(&mut self) -> bool {
        let victim = self
            .open
            .iter()
            .find(|(_, (started, _))| !started.load(Ordering::SeqCst))
            .map(|(&id, _)| id);
        match victim.and_then(|id| self.open.remove(&id)) {
            Some((_, task)) => {
                task.abort();
                true
            }
            None => false,
        }
    }
}

/// Serves requests until the task is dropped, answering each through
/// `router`.
///
/// At most [`MAX_CONNECTIONS`] are served at once. A connection that finds
/// them all taken drops the oldest one that has not sent its request yet
/// (a client that opened a socket and said nothing, or too slowly): idle
/// connections, however many, cannot keep `/healthz` from answering. When
/// every slot is serving a request, the new one waits for a slot.
pub async fn serve(listener: TcpListener, router: impl Into<Router>) {
    let router = Arc::new(router.into());
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let conns = Arc::new(Mutex::new(Connections::default()));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(MAX_HEAD)
        // hyper's smallest buffer; the head limit above is the real bound.
        .max_buf_size(8192)
        .keep_alive(false)
        .title_case_headers(true)
        .auto_date_header(false);
    let http = Arc::new(http);
    loop {
        let sock = match listener.accept().await {
            Ok((sock, _)) => sock,
            Err(e) => {
                // Out of file descriptors, mostly: give the others a moment
                // to close rather than spin.
                tracing::debug!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // An aborted task releases its slot when it is dropped, at
                // its next await point: the acquire below gets it then.
                if let Ok(mut c) = conns.lock() {
                    c.evict_oldest_silent();
                }
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    // The semaphore is never closed; nothing to serve if it were.
                    return;
                };
                permit
            }
        };
        let started = Arc::new(AtomicBool::new(false));
        let (router, http, flag) = (router.clone(), http.clone(), started.clone());
        let id = {
            let Ok(mut c) = conns.lock() else { return };
            c.next += 1;
            c.next
        };
        let registry = conns.clone();
        let task = tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                let router = router.clone();
                flag.store(true, Ordering::SeqCst);
                async move {
                    let (code, ctype, body) = router
                        .answer(
                            req.method(),
                            req.uri().path(),
                            req.uri().query(),
                            req.headers().get(AUTHORIZATION),
                        )
                        .await;
                    // hyper sends no body to a HEAD, and the GET's
                    // Content-Length.
                    let mut r = response(code, ctype, body);
                    for (name, value) in &router.headers {
                        r.headers_mut().insert(name.clone(), value.clone());
                    }
                    Ok::<_, Infallible>(r)
                }
            });
            let conn = http.serve_connection(TokioIo::new(sock), service);
            // Errors are the client's (bad request, gone, too slow): nothing
            // to do but close.
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn).await;
            if let Ok(mut c) = registry.lock() {
                c.open.remove(&id);
            }
            drop(permit);
        });
        if let Ok(mut c) = conns.lock() {
            // A task that already ended removed nothing; do not keep it.
            if !task.is_finished() {
                c.open.insert(id, (started, task.abort_handle()));
            }
        }
    }
}

/// The hyper response for a handler's answer.
fn response(code: u16, ctype: &'static str, body: Bytes) -> hyper::Response<Full<Bytes>> {
    let mut r = hyper::Response::new(Full::new(body));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    if code == 405 {
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    if code == 401 {
        r.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"vigie\""),
        );
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn start() -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new()
            .route("/metrics", |_| {
                (
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    "m 1\n".into(),
                )
            })
            .route("/slow", |_| {
                std::thread::sleep(Duration::from_secs(2));
                (200, "text/plain", "late\n".into())
            })
            .fallback(|path| (404, "text/plain", format!("no {path}\n").into()))
            .timeout(Duration::from_millis(300));
        tokio::spawn(serve(listener, router));
        addr
    }

    async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut out = Vec::new();
        let read = s.read_to_end(&mut out);
        tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .unwrap()
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn answers_get_with_the_handler_and_closes() {
        let addr = start().await;
        let r = exchange(addr, b"GET /metrics?x=1 HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert_eq!(
            r,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
             Connection: close\r\nContent-Length: 4\r\n\r\nm 1\n"
        );
        let r = exchange(addr, b"GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 404 Not Found\r\n"), "{r}");
        assert!(r.ends_with("\r\n\r\nno /nowhere\n"), "{r}");
    }

    #[tokio::test]
    async fn head_has_no_body_and_other_methods_get_405() {
        let addr = start().await;
        let r = exchange(addr, b"HEAD /metrics HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(
            r.contains("Content-Length: 4\r\n") && r.ends_with("\r\n\r\n"),
            "{r}"
        );
        let r = exchange(
            addr,
            b"POST /metrics HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab",
        )
        .await;
        assert!(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"), "{r}");
        assert!(r.contains("Allow: GET, HEAD\r\n"), "{r}");
        assert!(r.ends_with("only GET and HEAD\n"), "{r}");
    }

    #[tokio::test]
    async fn a_large_head_is_refused_and_a_silent_client_dropped() {
        let addr = start().await;
        let big = format!(
            "GET /metrics HTTP/1.1\r\nHost: h\r\nX-Pad: {}\r\n\r\n",
            "a".repeat(MAX_HEAD)
        );
        let r = exchange(addr, big.as_bytes()).await;
        assert!(r.starts_with("HTTP/1.1 431 "), "{r}");
        let start = std::time::Instant::now();
        let r = exchange(addr, b"GET /metrics HTTP/1.1\r\n").await;
        assert!(!r.contains("200 OK"), "{r}");
        assert!(start.elapsed() < HEADER_READ_TIMEOUT + Duration::from_secs(3));
    }

    #[tokio::test]
    async fn a_slow_handler_gets_503() {
        let addr = start().await;
        let r = exchange(addr, b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{r}");
    }

    #[tokio::test]
    async fn silent_connections_beyond_the_cap_make_room_for_a_request() {
        let addr = start().await;
        // Many more silent connections than slots (issue 18: 500 idle ones
        // made /healthz time out): a request is still answered at once, well
        // before the header timeout would free a slot.
        let mut idle = Vec::new();
        for _ in 0..MAX_CONNECTIONS * 4 {
            idle.push(TcpStream::connect(addr).await.unwrap());
        }
        let start = std::time::Instant::now();
        let r = exchange(addr, b"GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(
            start.elapsed() < HEADER_READ_TIMEOUT / 2,
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn requests_in_progress_are_not_dropped_to_make_room() {
        let addr = start().await;
        // Every slot busy with a slow request: a new connection waits for a
        // slot instead of cutting one of them short.
        let mut busy = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            busy.push(tokio::spawn(exchange(
                addr,
                b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n",
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = exchange(addr, b"GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        for b in busy {
            let r = b.await.unwrap();
            assert!(r.starts_with("HTTP/1.1 503 "), "{r}");
        }
    }
}
