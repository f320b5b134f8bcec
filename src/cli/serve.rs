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
    init_logging(a.log_json, ctx.verbose);
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
