//! `vigie serve`: the service, with the same handlers as the commands.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::{CliError, Context};
use crate::clock::Instant;
use crate::config::Config;
use crate::service::jobs::Job;
use crate::service::metrics::Snapshot;
use crate::service::{self, Runner};
use crate::store::{JobRun, Store, StoreError};

/// Arguments of `vigie serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Log as JSON lines (default: human-readable).
    #[arg(long)]
    pub log_json: bool,
}

/// The actor the service writes in the audit log.
const ACTOR: &str = "vigie-serve";

/// How long the service waits for a CLI command to release the store.
const STORE_WAIT: Duration = Duration::from_secs(120);

struct CliRunner {
    data_dir: PathBuf,
    config_path: Option<PathBuf>,
}

impl CliRunner {
    fn context(&self, config: &Config, now: Instant) -> Context {
        Context::new(
            config.clone(),
            self.config_path.clone(),
            self.data_dir.clone(),
            now,
            ACTOR.into(),
        )
    }

    fn store(&self, wait: Duration) -> Result<Store, String> {
        Store::open(&self.data_dir, wait).map_err(|e| e.to_string())
    }
}

impl Runner for CliRunner {
    fn run(
        &self,
        job: Job,
        config: &Config,
        now: Instant,
        stop: &AtomicBool,
    ) -> Result<String, String> {
        let ctx = self.context(config, now);
        match job {
            Job::Push => {
                let store = self.store(STORE_WAIT)?;
                let s = crate::push::run_until(&store, config, &self.data_dir, now, ACTOR, stop)
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "push: {} done, {} retried, {} failed",
                    s.done, s.retried, s.failed
                ))
            }
            Job::Backup => {
                let path = super::backup::take(&ctx, None).map_err(|e| e.to_string())?;
                let pruned = super::backup::prune(&ctx, config.service.keep_backups)
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "backup written to {}; {pruned} old backups removed",
                    path.map(|p| p.display().to_string()).unwrap_or_default()
                ))
            }
            Job::Alerts => {
                let store = self.store(STORE_WAIT)?;
                let s = crate::alerts::run_until(
                    &store,
                    config,
                    &self.data_dir,
                    now,
                    ACTOR,
                    false,
                    stop,
                )
                .map_err(|e| e.to_string())?;
                Ok(format!("alerts: {}", s.line()))
            }
            Job::Digest => {
                let store = self.store(STORE_WAIT)?;
                let s = crate::alerts::digest(&store, config, &self.data_dir, now, ACTOR, false)
                    .map_err(|e| e.to_string())?;
                Ok(format!("digest: {}", s.line()))
            }
        }
    }

    fn last_runs(&self) -> Result<Vec<JobRun>, String> {
        self.store(STORE_WAIT)?
            .job_runs()
            .map_err(|e| e.to_string())
    }

    fn record(&self, run: &JobRun) -> Result<(), String> {
        self.store(STORE_WAIT)?
            .write(|tx| tx.record_job_run(run))
            .map_err(|e| e.to_string())
    }

    fn snapshot(&self, config: &Config, now: Instant) -> Result<Snapshot, String> {
        // Metrics must not hang behind a long command: wait a little, then
        // let the caller serve the previous snapshot.
        let store = self.store(Duration::from_secs(2))?;
        let ctx = self.context(config, now);
        let mut snap = Snapshot {
            taken_at: Some(now),
            ..Snapshot::default()
        };
        store
            .roster(|e| {
                if let Some(c) = &e.cert {
                    snap.not_after
                        .insert(e.desk.id.to_string(), c.not_after.timestamp());
                }
                snap.rows.push(crate::status::row(
                    &e.desk,
                    e.cert.as_ref(),
                    ctx.now,
                    ctx.tz,
                    &config.status,
                ));
                Ok::<(), StoreError>(())
            })
            .map_err(|e| e.to_string())?;
        for a in store.alerts().map_err(|e| e.to_string())? {
            let state = serde_json::to_value(a.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *snap
                .alerts
                .entry((a.kind.as_str().to_owned(), state))
                .or_default() += 1;
        }
        for j in store.push_jobs().map_err(|e| e.to_string())? {
            *snap.pushes.entry(j.state.as_str().to_owned()).or_default() += 1;
        }
        snap.jobs = store.job_runs().map_err(|e| e.to_string())?;
        Ok(snap)
    }
}

/// Runs `vigie serve` until SIGTERM or SIGINT.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    init_logging(a.log_json, ctx.verbose);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::operational(format!("cannot start the runtime: {e}")))?;
    let config_path = ctx.config_path.clone();
    let load_config = {
        let path = config_path.clone();
        Box::new(move || match &path {
            Some(p) => Config::load(p).map_err(|e| e.to_string()),
            None => Ok(Config::default()),
        })
    };
    let runner = Arc::new(CliRunner {
        data_dir: ctx.data_dir.clone(),
        config_path,
    });
    runtime
        .block_on(service::serve(
            service::Options {
                data_dir: ctx.data_dir.clone(),
                load_config,
            },
            runner,
        ))
        .map_err(CliError::operational)
}

fn init_logging(json: bool, verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(
                std::io::IsTerminal::is_terminal(&std::io::stderr())
                    && std::env::var_os("NO_COLOR").is_none(),
            )
            .try_init()
    };
}
