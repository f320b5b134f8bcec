//! `vigie serve`: the service, which runs the same application operations as
//! the commands.

use super::{CliError, Context};
use crate::config::Config;
use crate::service;

/// Arguments of `vigie serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Log as JSON lines (default: human-readable).
    #[arg(long)]
    pub log_json: bool,
}

/// Runs `vigie serve` until SIGTERM or SIGINT.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    let lean = lean_allocator();
    init_logging(a.log_json, ctx.verbose);
    if let Err(e) = lean {
        tracing::warn!(error = %e, "cannot restart with the service's allocator setting; going on without it");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::operational(format!("cannot start the runtime: {e}")))?;
    let config_path = ctx.config_path.clone();
    let load_config = {
        let path = config_path;
        Box::new(move || match &path {
            Some(p) => Config::load(p).map_err(|e| e.to_string()),
            None => Ok(Config::default()),
        })
    };
    runtime
        .block_on(service::serve(service::Options {
            data_dir: ctx.env.data_dir.clone(),
            load_config,
        }))
        .map_err(CliError::operational)
}

/// The allocator's setting for a long-running process, and its value.
///
/// mimalloc (the binary's allocator, src/main.rs) commits each new arena of
/// memory whole on Linux unless this is 0. That suits the commands, which
/// run for a second and are about 15% faster with it (`cert ingest` of
/// 10,000 files: 0.84 s against 0.99 s), but not the service, which lives
/// for months: `vigie serve` at 10,000 desks held 111 MiB once listening
/// with it, 44 MiB without, and peaked at 197 MiB against 125 MiB under
/// the dashboard's load (docs/PERFORMANCE.md, issue 15).
const LEAN_ALLOCATOR: (&str, &str) = ("MIMALLOC_ARENA_EAGER_COMMIT", "0");

/// Restarts this process (same executable, arguments and process id) with
/// [`LEAN_ALLOCATOR`] set, unless the environment already sets it.
///
/// mimalloc reads its options from the environment when the process
/// starts, before `main`; setting one later would need `unsafe` and come
/// after the first arena is made. Returns only if the restart failed (or
/// was not needed): the service then runs with the default setting.
fn lean_allocator() -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let (name, value) = LEAN_ALLOCATOR;
    if std::env::var_os(name).is_some() {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| format!("where is vigie's executable: {e}"))?;
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(&exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    let e = command.args(args).env(name, value).exec();
    Err(format!("{}: {e}", exe.display()))
}

fn init_logging(json: bool, verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
        // async-imap traces every command it writes, LOGIN and its password
        // included: never logged, whatever VIGIE_LOG asks.
        .add_directive(
            "async_imap=off"
                .parse()
                .expect("a valid directive (invariant: a constant)"),
        );
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
