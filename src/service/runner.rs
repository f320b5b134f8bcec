//! The service loop: wake each job at its next run, run one job at a time,
//! catch up on start, reload on SIGHUP, stop cleanly on SIGTERM or SIGINT.
//!
//! The store is not held open between jobs: each job opens it, does its work
//! and flushes, so CLI commands run while the service waits (and wait a moment
//! for the data directory's lock while a job runs). The service holds a lock
//! of its own, `serve.lock`, for its whole life, so a second `vigie serve` on
//! the same data directory is refused with the holder's process id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

use super::jobs::{schedules, Job};
use super::metrics::{self, Health, Snapshot};
use crate::app::job::JobRun;
use crate::app::{self, Env};
use crate::clock::Instant;
use crate::config::{Config, Schedule};

/// The actor the service writes in the audit log.
const ACTOR: &str = "vigie-serve";

/// How long the service waits for a CLI command to release the store.
const STORE_WAIT: Duration = Duration::from_secs(120);

/// The environment of the operations the service runs at `now`.
fn env(data_dir: &Path, config: &Config, now: Instant) -> Env {
    let mut env = Env::new(config.clone(), data_dir.to_path_buf(), now, ACTOR.into());
    env.lock_wait = STORE_WAIT;
    env
}

/// The last recorded run of each job.
fn last_runs(data_dir: &Path, config: &Config) -> Result<Vec<JobRun>, String> {
    app::job::last_runs(&env(data_dir, config, Utc::now())).map_err(|e| e.to_string())
}

/// How the service was started.
pub struct Options {
    /// The data directory.
    pub data_dir: PathBuf,
    /// Reads the configuration (again, on SIGHUP).
    pub load_config: Box<dyn Fn() -> Result<Config, String> + Send + Sync>,
}

enum Event {
    /// A job's planned run; `None` for a catch-up run, due at once.
    Due(Job, Option<Instant>),
    Reload,
    Stop(&'static str),
}

struct Shared {
    snapshot: Snapshot,
    store_ok: bool,
    next: BTreeMap<Job, Instant>,
    /// When the snapshot was last read (or tried), for `/metrics`' cache.
    refreshed: Option<std::time::Instant>,
}

/// How old a snapshot `/metrics` serves may be: scrapes within this reuse it
/// rather than read the store each (50 concurrent scrapes of 20,000 desks
/// held the store for seconds, issue 18). The service refreshes it itself
/// after every job, so a job's effect shows at once.
const METRICS_MAX_AGE: Duration = Duration::from_secs(5);

/// One snapshot read at a time: scrapes arriving during a read serve the
/// previous snapshot instead of queueing reads of their own.
static REFRESHING: Mutex<()> = Mutex::new(());

/// Runs the service until SIGTERM or SIGINT. Returns an error only for what
/// prevents it from starting.
pub async fn serve(opts: Options) -> Result<(), String> {
    let _lock = app::job::lock_service(&opts.data_dir)?;
    let data_dir = Arc::new(opts.data_dir.clone());
    let mut config = (opts.load_config)()?;
    let mut plan = schedules(&config);

    let shared = Arc::new(Mutex::new(Shared {
        snapshot: Snapshot::default(),
        store_ok: true,
        next: BTreeMap::new(),
        refreshed: None,
    }));
    // The configuration the HTTP handlers see; replaced on reload.
    let cfg = Arc::new(Mutex::new(config.clone()));
    let mut http = Http {
        address: None,
        task: None,
    };
    if let Some(address) = config.service.listen {
        http.listen(address, &shared, &data_dir, &cfg).await?;
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    for (kind, name, ev) in [
        (SignalKind::terminate(), "SIGTERM", 0),
        (SignalKind::interrupt(), "SIGINT", 0),
        (SignalKind::hangup(), "SIGHUP", 1),
    ] {
        let mut sig = signal(kind).map_err(|e| format!("cannot watch {name}: {e}"))?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while sig.recv().await.is_some() {
                let _ = tx.send(if ev == 1 {
                    Event::Reload
                } else {
                    Event::Stop(name)
                });
            }
        });
    }

    let mut sched = JobScheduler::new()
        .await
        .map_err(|e| format!("scheduler: {e}"))?;
    sched.start().await.map_err(|e| format!("scheduler: {e}"))?;
    let mut armed: BTreeMap<Job, uuid::Uuid> = BTreeMap::new();

    // Catch up: a run that fell due while the service was down is performed
    // once, now, however many were missed.
    let now = Utc::now();
    let last: BTreeMap<String, JobRun> = last_runs(&data_dir, &config)
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.job.clone(), r))
        .collect();
    for (job, s) in &plan {
        let last_run = last.get(job.name()).map(|r| r.started_at);
        if s.missed(last_run, now, now, config.tz()) {
            tracing::info!(
                job = job.name(),
                "missed while the service was down: running it now"
            );
            let _ = tx.send(Event::Due(*job, None));
        }
    }
    for (job, s) in &plan {
        arm(&sched, &mut armed, &shared, *job, s, &config, &tx).await?;
    }
    refresh_off_workers(&shared, &data_dir, &config).await;
    tracing::info!(data_dir = %opts.data_dir.display(), "vigie serve started");

    let stop = Arc::new(AtomicBool::new(false));
    while let Some(ev) = rx.recv().await {
        match ev {
            Event::Stop(name) => {
                tracing::info!(signal = name, "stopping");
                break;
            }
            Event::Reload => match (opts.load_config)().map(|c| {
                let p = schedules(&c);
                (c, p)
            }) {
                Ok((c, p)) => {
                    config = c;
                    plan = p;
                    if let Ok(mut shared_cfg) = cfg.lock() {
                        *shared_cfg = config.clone();
                    }
                    http.apply(config.service.listen, &shared, &data_dir, &cfg)
                        .await;
                    for id in std::mem::take(&mut armed).into_values() {
                        let _ = sched.remove(&id).await;
                    }
                    for (job, s) in &plan {
                        arm(&sched, &mut armed, &shared, *job, s, &config, &tx).await?;
                    }
                    tracing::info!("configuration reloaded");
                }
                Err(e) => {
                    tracing::error!(error = %e, "configuration refused on reload; keeping the previous one")
                }
            },
            Event::Due(job, planned) => {
                // The scheduler counts on the monotonic clock and we plan on
                // the wall clock; when they disagree (clock steps, a slow
                // virtual clock), a wake-up can come early. Wait again for
                // the planned instant rather than run ahead of it.
                // The one-shot that woke us has fired and is gone from the
                // scheduler: forget its id rather than remove it.
                if planned.is_some() {
                    armed.remove(&job);
                }
                if let Some(at) = planned {
                    if Utc::now() < at {
                        arm_at(&sched, &mut armed, job, at, &tx).await?;
                        continue;
                    }
                }
                let started = Utc::now();
                let clock = std::time::Instant::now();
                let (e, s) = (env(&data_dir, &config, started), stop.clone());
                // A signal arriving during the job sets `stop`, so the job ends
                // after the message or push in hand; the loop then sees the
                // Stop event queued behind.
                let watcher = {
                    let stop = stop.clone();
                    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
                    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let name = tokio::select! {
                            _ = term.recv() => "SIGTERM",
                            _ = int.recv() => "SIGINT",
                        };
                        stop.store(true, Ordering::SeqCst);
                        let _ = tx.send(Event::Stop(name));
                    })
                };
                let result = tokio::task::spawn_blocking(move || {
                    app::job::run(&e, job, &s).map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(format!("the job panicked: {e}")));
                watcher.abort();
                let duration_ms = clock.elapsed().as_millis() as u64;
                let previous_success = last_success(&data_dir, &config, job);
                let run = JobRun {
                    job: job.name().into(),
                    started_at: started,
                    duration_ms,
                    ok: result.is_ok(),
                    error: result.as_ref().err().cloned(),
                    last_success: if result.is_ok() {
                        Some(started)
                    } else {
                        previous_success
                    },
                };
                match &result {
                    Ok(summary) => tracing::info!(job = job.name(), duration_ms, "{summary}"),
                    Err(e) => {
                        tracing::error!(job = job.name(), duration_ms, error = %e, "job failed")
                    }
                }
                if let Err(e) = app::job::record(&env(&data_dir, &config, Utc::now()), &run) {
                    tracing::error!(job = job.name(), error = %e, "cannot record the job's run");
                }
                refresh_off_workers(&shared, &data_dir, &config).await;
                if stop.load(Ordering::SeqCst) {
                    tracing::info!("stopping after the job in progress");
                    break;
                }
                if let Some((_, s)) = plan.iter().find(|(j, _)| *j == job) {
                    // A catch-up run leaves the planned wake-up armed; replace it.
                    if let Some(id) = armed.remove(&job) {
                        let _ = sched.remove(&id).await;
                    }
                    arm(&sched, &mut armed, &shared, job, s, &config, &tx).await?;
                }
            }
        }
    }
    let _ = sched.shutdown().await;
    http.stop();
    tracing::info!("vigie serve stopped");
    Ok(())
}

/// The health and metrics listener: where it listens, and the task
/// serving it.
struct Http {
    address: Option<std::net::SocketAddr>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Http {
    /// Listens on `address` (in place of any previous address).
    async fn listen(
        &mut self,
        address: std::net::SocketAddr,
        shared: &Arc<Mutex<Shared>>,
        data_dir: &Arc<PathBuf>,
        cfg: &Arc<Mutex<Config>>,
    ) -> Result<(), String> {
        // The configuration as it now stands (a reload replaces it first).
        let config = cfg
            .lock()
            .map_err(|_| "service.listen: the configuration is unavailable".to_string())?
            .clone();
        // Before binding: a listener off loopback without a token is refused.
        let token = super::dashboard::listener_token(&config)?;
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| format!("service.listen: cannot listen on {address}: {e}"))?;
        self.stop();
        tracing::info!(address = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "dashboard, health and metrics listening");
        let dashboard = super::dashboard::Dashboard::new(data_dir.to_path_buf(), config);
        let (shared, data_dir, cfg) = (shared.clone(), data_dir.clone(), cfg.clone());
        let route = move |path: &str| route(path, &shared, &data_dir, &cfg);
        let router = super::dashboard::routes(Arc::new(route).into(), dashboard).bearer(token);
        self.task = Some(tokio::spawn(super::http::serve(
            listener,
            super::dashboard::secure_headers(router),
        )));
        self.address = Some(address);
        Ok(())
    }

    /// Stops listening; connections being answered finish on their own.
    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.address = None;
    }

    /// [`Http::stop`], waiting until the old socket is closed, so that its
    /// port can be bound again at once.
    async fn close(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.address = None;
    }

    /// Applies a reloaded `service.listen` (SIGHUP): listens on the new
    /// address, or stops listening. The new socket is bound before the old
    /// one is closed; when the new address cannot be bound while the old
    /// one is open (the same port on another interface), the old one is
    /// closed first, and reopened should the new one still fail. A failure
    /// is logged: the service goes on, listening where it can.
    async fn apply(
        &mut self,
        wanted: Option<std::net::SocketAddr>,
        shared: &Arc<Mutex<Shared>>,
        data_dir: &Arc<PathBuf>,
        cfg: &Arc<Mutex<Config>>,
    ) {
        if wanted == self.address {
            return;
        }
        let Some(address) = wanted else {
            tracing::info!("service.listen removed: health and metrics no longer served");
            self.stop();
            return;
        };
        if self.listen(address, shared, data_dir, cfg).await.is_ok() {
            return;
        }
        let previous = self.address;
        self.close().await;
        match self.listen(address, shared, data_dir, cfg).await {
            Ok(()) => {}
            Err(e) => {
                tracing::error!(error = %e, "service.listen not applied");
                if let Some(previous) = previous {
                    if let Err(e) = self.listen(previous, shared, data_dir, cfg).await {
                        tracing::error!(error = %e, "cannot listen again on the previous address; restart vigie serve");
                    }
                }
            }
        }
    }
}

fn last_success(data_dir: &Path, config: &Config, job: Job) -> Option<Instant> {
    last_runs(data_dir, config)
        .ok()?
        .into_iter()
        .find(|r| r.job == job.name())
        .and_then(|r| r.last_success)
}

/// Asks the scheduler to wake `job` at its next run, computed here in the
/// configured zone.
async fn arm(
    sched: &JobScheduler,
    armed: &mut BTreeMap<Job, uuid::Uuid>,
    shared: &Arc<Mutex<Shared>>,
    job: Job,
    schedule: &Schedule,
    config: &Config,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<(), String> {
    let now = Utc::now();
    let Some(next) = schedule.next_after(now, config.tz()) else {
        return Ok(());
    };
    if let Ok(mut s) = shared.lock() {
        s.next.insert(job, next);
    }
    tracing::debug!(job = job.name(), next = %crate::clock::rfc3339(next), "armed");
    arm_at(sched, armed, job, next, tx).await
}

/// Asks the scheduler to wake `job` for its run planned at `at`.
async fn arm_at(
    sched: &JobScheduler,
    armed: &mut BTreeMap<Job, uuid::Uuid>,
    job: Job,
    at: Instant,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<(), String> {
    let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    let tx = tx.clone();
    let cron_job =
        CronJob::new_one_shot_at_instant(std::time::Instant::now() + wait, move |_, _| {
            let _ = tx.send(Event::Due(job, Some(at)));
        })
        .map_err(|e| format!("scheduler: {e}"))?;
    let id = sched
        .add(cron_job)
        .await
        .map_err(|e| format!("scheduler: {e}"))?;
    armed.insert(job, id);
    Ok(())
}

/// Reads a new snapshot for `/metrics` and `/healthz`. It blocks (it opens
/// the store, waiting for a command that holds it): call it from a blocking
/// thread. Only one read at a time; a call that finds one in progress
/// returns at once, the other's result serving both.
fn refresh(shared: &Arc<Mutex<Shared>>, data_dir: &Path, config: &Config) {
    // A read that panicked poisons the lock; the next one may still read.
    let _reading = match REFRESHING.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return,
    };
    // Read where the dashboard's builds are (see `reader`).
    let env = env(data_dir, config, Utc::now());
    let snap = super::reader::run(move || app::metrics::snapshot(&env).map_err(|e| e.to_string()))
        .and_then(|r| r);
    if let Ok(mut s) = shared.lock() {
        s.refreshed = Some(std::time::Instant::now());
        match snap {
            Ok(snap) => {
                s.snapshot = snap;
                s.store_ok = true;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the store for metrics");
                s.store_ok = false;
            }
        }
    }
}

/// [`refresh`] on a blocking thread, so that the service loop's async
/// worker never waits for the store.
async fn refresh_off_workers(
    shared: &Arc<Mutex<Shared>>,
    data_dir: &Arc<PathBuf>,
    config: &Config,
) {
    let (shared, data_dir, config) = (shared.clone(), data_dir.clone(), config.clone());
    let _ = tokio::task::spawn_blocking(move || refresh(&shared, &data_dir, &config)).await;
}

/// Whether the snapshot is older than [`METRICS_MAX_AGE`] (or was never
/// read).
fn stale(shared: &Arc<Mutex<Shared>>) -> bool {
    shared
        .lock()
        .map(|s| s.refreshed.is_none_or(|t| t.elapsed() >= METRICS_MAX_AGE))
        .unwrap_or(true)
}

/// How late a planned run may be before `/healthz` calls the job overdue.
const GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

fn route(
    path: &str,
    shared: &Arc<Mutex<Shared>>,
    data_dir: &Path,
    config: &Arc<Mutex<Config>>,
) -> super::http::Response {
    match path {
        "/metrics" => {
            // Handlers run on blocking threads (see `http::Router`): a read
            // here never holds an async worker. A snapshot younger than
            // METRICS_MAX_AGE is served as it is.
            if stale(shared) {
                if let Ok(cfg) = config.lock().map(|c| c.clone()) {
                    refresh(shared, data_dir, &cfg);
                }
            }
            let s = shared
                .lock()
                .map(|s| metrics::render(&s.snapshot))
                .unwrap_or_default();
            (200, "text/plain; version=0.0.4; charset=utf-8", s.into())
        }
        "/healthz" => {
            let now = Utc::now();
            let Ok(s) = shared.lock() else {
                return (
                    503,
                    "application/json",
                    "{\"status\":\"degraded\"}\n".into(),
                );
            };
            // The mailbox's job is listed when it is planned (or has run).
            let mail = s.next.contains_key(&Job::Mail)
                || s.snapshot.jobs.iter().any(|r| r.job == Job::Mail.name());
            let jobs: Vec<_> = Job::ALL
                .iter()
                .chain(mail.then_some(&Job::Mail))
                .map(|job| {
                    let run = s.snapshot.jobs.iter().find(|r| r.job == job.name());
                    let next = s.next.get(job).copied();
                    let overdue = next.is_some_and(|n| n + GRACE < now);
                    metrics::job_health(job.name(), run, next, overdue)
                })
                .collect();
            // A job whose last run failed (alerts left undelivered with the
            // SMTP relay down, a backup that could not be written) makes
            // the service unhealthy until a run succeeds: the body names it
            // and its error.
            let healthy = s.store_ok && jobs.iter().all(|j| !j.overdue && j.last_ok != Some(false));
            let h = Health {
                status: if healthy { "ok" } else { "degraded" },
                store_reachable: s.store_ok,
                jobs,
            };
            let body = serde_json::to_string_pretty(&h).unwrap_or_default() + "\n";
            (
                if healthy { 200 } else { 503 },
                "application/json",
                body.into(),
            )
        }
        _ => (
            404,
            "text/plain",
            "not found; try /healthz or /metrics\n".into(),
        ),
    }
}
