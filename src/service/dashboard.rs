//! The team's read-only dashboard on the service's listener: `/` (the
//! report, live, with links to each desk), `/guichets/<id>` (one desk),
//! `/rapport.html` (the report as a file would be) and `/calendrier.ics`
//! (`?departement=D` for one department), beside `/healthz` and
//! `/metrics`.
//!
//! The report is built from the store and kept, rendered, so that 64
//! colleagues opening the page at once cost no read of the store; once it
//! is older than [`MAX_AGE`], the next request starts a rebuild in the
//! background and is served the kept one, as are the requests while a
//! command holds the store. The listener answers only on loopback
//! unless `[service] http_token_file` gives a bearer token
//! ([`listener_token`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::Utc;
use hyper::body::Bytes;

use super::http::{Response, Router};
use super::reader;
use crate::app::{self, Env, Opening};
use crate::config::Config;
use crate::model::{Department, DeskId};
use crate::report::{self, Regions, Report, Scope};

/// How old the kept report may be before a request rebuilds it.
pub const MAX_AGE: Duration = Duration::from_secs(5);
/// How long a page waits for a command to release the store before the
/// last report is served (or 503, before the first).
const STORE_WAIT: Duration = Duration::from_secs(2);
/// The actor the dashboard would write in the audit log (it writes none).
const ACTOR: &str = "vigie-serve";

const HTML: &str = "text/html; charset=utf-8";
const ICS: &str = "text/calendar; charset=utf-8";

/// The bearer token the listener requires, read from `[service]
/// http_token_file`; an error when the listener is on anything but
/// loopback without one (the dashboard shows every desk), or when the file
/// gives no token.
pub fn listener_token(config: &Config) -> Result<Option<String>, String> {
    let Some(listen) = config.service.listen else {
        return Ok(None);
    };
    match &config.service.http_token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!("service.http_token_file: cannot read {}: {e}", path.display())
            })?;
            let token = text.lines().next().unwrap_or("").trim().to_owned();
            if token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(format!(
                    "service.http_token_file: {} must hold a token of at least 16 printable characters on its first line",
                    path.display()
                ));
            }
            Ok(Some(token))
        }
        None if is_loopback(listen) => Ok(None),
        None => Err(format!(
            "service.listen: {listen} is not a loopback address, and the dashboard shows every desk: \
             set [service] http_token_file to a file holding a bearer token, or listen on 127.0.0.1"
        )),
    }
}

fn is_loopback(a: SocketAddr) -> bool {
    a.ip().is_loopback()
}

/// The headers every answer of the listener carries: a strict
/// Content-Security-Policy (nothing loads or runs but the pages' own style
/// sheet), and no sniffing, framing or referrer.
pub fn secure_headers(router: Router) -> Router {
    router
        .header(
            "content-security-policy",
            &report::content_security_policy(),
        )
        .header("x-content-type-options", "nosniff")
        .header("x-frame-options", "DENY")
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-store")
}

/// The report as last built, its dashboard page rendered. The pages are
/// [`Bytes`]: every request shares the one copy (64 clients used to get a
/// copy each). The file page and the calendar are rendered when first
/// asked for: the calendar of 10,000 desks is 17 MB of text, and drawing it
/// took more memory than the rest of the build, every 5 seconds, for a feed
/// that clients fetch hourly.
struct Built {
    at: std::time::Instant,
    report: Report,
    regions: Regions,
    home: Bytes,
    file: OnceLock<Bytes>,
    calendar: OnceLock<Bytes>,
}

/// The dashboard: the data directory, the configuration, the kept report.
pub struct Dashboard {
    data_dir: PathBuf,
    config: Config,
    built: Mutex<Option<Arc<Built>>>,
    /// Held while the first report is built.
    building: Mutex<()>,
    /// Whether a rebuild is asked for or running.
    rebuilding: AtomicBool,
}

impl Dashboard {
    /// A dashboard over the store in `data_dir`.
    pub fn new(data_dir: PathBuf, config: Config) -> Dashboard {
        Dashboard {
            data_dir,
            config,
            built: Mutex::new(None),
            building: Mutex::new(()),
            rebuilding: AtomicBool::new(false),
        }
    }

    fn env(&self) -> Env {
        let mut env = Env::new(
            self.config.clone(),
            self.data_dir.clone(),
            Utc::now(),
            ACTOR.into(),
        );
        env.lock_wait = STORE_WAIT;
        env.opening = Opening::ExistingOnly;
        env
    }

    fn kept(&self) -> Option<Arc<Built>> {
        self.built.lock().ok().and_then(|b| b.clone())
    }

    /// The kept report. When it is older than [`MAX_AGE`], a new one is
    /// built on the reader thread while this request, and those that
    /// follow, get the kept one: no page waits for the store but the very
    /// first.
    fn current(self: &Arc<Self>) -> Result<Arc<Built>, String> {
        if let Some(b) = self.kept() {
            if b.at.elapsed() >= MAX_AGE && !self.rebuilding.swap(true, Ordering::AcqRel) {
                // Built where every read of the service's is (see
                // `reader`); a dashboard gone by then (the service stops)
                // is not rebuilt.
                let me = Arc::downgrade(self);
                let rebuild = move || {
                    if let Some(me) = me.upgrade() {
                        let _ = me.build();
                        me.rebuilding.store(false, Ordering::Release);
                    }
                };
                if let Err(e) = reader::spawn(rebuild) {
                    self.rebuilding.store(false, Ordering::Release);
                    tracing::warn!(error = %e, "the dashboard serves its last report");
                }
            }
            return Ok(b);
        }
        // Nothing to serve yet: one request has it built, the others wait
        // for it.
        let _guard = self.building.lock().map_err(|e| e.to_string())?;
        if let Some(b) = self.kept() {
            return Ok(b);
        }
        let me = self.clone();
        reader::run(move || me.build())?
    }

    /// What `cell` keeps of the report `b`, rendered by `render` on the
    /// reader thread the first time it is asked for (the calendar of
    /// 10,000 desks is 17 MB of text: drawn on a request's thread, its
    /// memory would stay with that thread).
    fn lazy(
        b: Arc<Built>,
        cell: fn(&Built) -> &OnceLock<Bytes>,
        render: impl FnOnce(&Built) -> Bytes + Send + 'static,
    ) -> Result<Bytes, String> {
        if let Some(done) = cell(&b).get() {
            return Ok(done.clone());
        }
        reader::run(move || cell(&b).get_or_init(|| render(&b)).clone())
    }

    /// Builds the report from the store and keeps it; on failure, the
    /// kept one stays.
    fn build(&self) -> Result<Arc<Built>, String> {
        let kept = self.kept();
        let env = self.env();
        let built = app::report::build(&env, Scope::default(), None).map(|report| {
            let regions = app::report::regions(&env);
            Arc::new(Built {
                at: std::time::Instant::now(),
                home: report::page(&report, &regions, true).into(),
                file: OnceLock::new(),
                calendar: OnceLock::new(),
                report,
                regions,
            })
        });
        match built {
            Ok(b) => {
                if let Ok(mut slot) = self.built.lock() {
                    *slot = Some(b.clone());
                }
                Ok(b)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the store for the dashboard");
                kept.ok_or_else(|| e.to_string())
            }
        }
    }

    fn page(self: &Arc<Self>, pick: impl Fn(&Built) -> Bytes, ctype: &'static str) -> Response {
        match self.current() {
            Ok(b) => (200, ctype, pick(&b)),
            Err(e) => unavailable(&e),
        }
    }

    /// A page kept in `cell` of the current report, rendered when first
    /// asked for ([`Dashboard::lazy`]).
    fn lazy_page(
        self: &Arc<Self>,
        cell: fn(&Built) -> &OnceLock<Bytes>,
        render: impl FnOnce(&Built) -> Bytes + Send + 'static,
        ctype: &'static str,
    ) -> Response {
        match self
            .current()
            .and_then(|b| Dashboard::lazy(b, cell, render))
        {
            Ok(page) => (200, ctype, page),
            Err(e) => unavailable(&e),
        }
    }

    /// `/calendrier.ics[?departement=D]`.
    fn calendar(self: &Arc<Self>, query: Option<&str>) -> Response {
        let department = query.and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "departement")
                .map(|(_, v)| v.to_owned())
        });
        let Some(d) = department else {
            let lead = self.config.alerts.renewal_lead_days;
            return self.lazy_page(
                |b| &b.calendar,
                move |b| {
                    report::calendar(&b.report.rows, b.report.now, b.report.tz, lead)
                        .to_string()
                        .into()
                },
                ICS,
            );
        };
        let Ok(d) = Department::parse(&d) else {
            return (
                400,
                "text/plain; charset=utf-8",
                "departement: expected 01–95, 2A, 2B or 971–976\n".into(),
            );
        };
        match self.current() {
            Ok(b) => {
                let rows = b
                    .report
                    .rows
                    .iter()
                    .filter(|r| r.department.as_deref() == Some(d.as_str()));
                let cal = report::calendar(
                    rows,
                    b.report.now,
                    b.report.tz,
                    self.config.alerts.renewal_lead_days,
                );
                (200, ICS, cal.to_string().into())
            }
            Err(e) => unavailable(&e),
        }
    }

    /// `/guichets/<id>`: read from the store on each request (one desk's
    /// records are few).
    fn desk(&self, path: &str) -> Response {
        let id = path.trim_start_matches("/guichets/");
        let Ok(id) = DeskId::parse(id) else {
            return not_found();
        };
        let env = self.env();
        match app::report::desk(&env, &id) {
            Ok(Some(v)) => (
                200,
                HTML,
                report::desk_page(&report::DeskPage {
                    row: &v.row,
                    history: &v.history,
                    alerts: &v.alerts,
                    pushes: &v.pushes,
                    audit: &v.audit,
                    now: env.now,
                    tz: env.tz,
                })
                .into(),
            ),
            Ok(None) => not_found(),
            Err(e) => unavailable(&e.to_string()),
        }
    }
}

fn not_found() -> Response {
    (
        404,
        HTML,
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Introuvable</title></head>\
         <body><p>Aucun guichet à cette adresse. <a href=\"/\">Tableau de bord</a></p></body></html>\n"
            .into(),
    )
}

fn unavailable(e: &str) -> Response {
    (
        503,
        "text/plain; charset=utf-8",
        format!("the store cannot be read just now ({e}); try again\n").into(),
    )
}

/// `router` with the dashboard's routes.
pub fn routes(router: Router, dashboard: Dashboard) -> Router {
    let d = Arc::new(dashboard);
    let (home, file, cal, desk) = (d.clone(), d.clone(), d.clone(), d);
    router
        .route("/", move |_| home.page(|b| b.home.clone(), HTML))
        .route("/rapport.html", move |_| {
            file.lazy_page(
                |b| &b.file,
                |b| report::page(&b.report, &b.regions, false).into(),
                HTML,
            )
        })
        .route_with_query("/calendrier.ics", move |_, q| cal.calendar(q))
        .prefix("/guichets/", move |p| desk.desk(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(text, std::path::Path::new("test")).unwrap()
    }

    #[test]
    fn only_loopback_goes_without_a_token() {
        assert_eq!(listener_token(&config("")), Ok(None));
        assert_eq!(
            listener_token(&config("[service]\nlisten = \"[::1]:9464\"\n")),
            Ok(None)
        );
        let e = listener_token(&config("[service]\nlisten = \"0.0.0.0:9464\"\n")).unwrap_err();
        assert!(e.contains("http_token_file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "short\n").unwrap();
        let text = format!(
            "[service]\nlisten = \"0.0.0.0:9464\"\nhttp_token_file = \"{}\"\n",
            file.display()
        );
        assert!(listener_token(&config(&text)).is_err());
        std::fs::write(&file, "0123456789abcdef-token\nignored\n").unwrap();
        assert_eq!(
            listener_token(&config(&text)),
            Ok(Some("0123456789abcdef-token".into()))
        );
    }
}
