//! The command line: arguments are parsed by clap into raw values, turned into
//! a [`Context`] (configuration, data directory, the instant) once, and each
//! command works from that. Errors end in one [`CliError`] that knows its exit
//! code.

mod alerts;
mod context;
mod desk;
mod error;
mod init;
mod log;
pub mod output;
mod status;
mod templates;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use context::Context;
pub use error::{code, CliError};

/// vigie: keeps the registration desks' certificates alive.
///
/// Tracks every desk and its certificate, warns desks by e-mail ahead of
/// expiry, takes in their renewed .cer files, and pushes accepted certificates
/// to the national configuration.
#[derive(Debug, Parser)]
#[command(
    name = "vigie",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Configuration file (TOML). Without one, the embedded defaults serve.
    #[arg(long, global = true, env = "VIGIE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory: the store, the e-mail outbox, the national folder.
    #[arg(long, global = true, env = "VIGIE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Evaluate as if it were this instant (RFC 3339), for what-if questions
    /// and tests.
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,
    /// More detail on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented configuration and create the data directory.
    #[command(
        after_help = "Example:\n  vigie --config /etc/vigie/vigie.toml --data-dir /var/lib/vigie init"
    )]
    Init(init::Args),
    /// Manage the desk inventory.
    #[command(subcommand)]
    Desk(desk::Command),
    /// One row per desk: its certificate and where it stands.
    #[command(after_help = "Examples:\n  vigie status\n  vigie status --within 30 --json")]
    Status(status::Args),
    /// Monitoring-plugin check: exit 0 ok, 1 warning, 2 critical.
    #[command(after_help = "Example:\n  vigie check --warn 30 --crit 7")]
    Check(status::CheckArgs),
    /// Show the audit log.
    #[command(after_help = "Examples:\n  vigie log\n  vigie log --desk 732829320-00001 --json")]
    Log(log::Args),
    /// "Fin de vie" alerts: run, list, preview, digest.
    #[command(subcommand)]
    Alerts(alerts::Command),
    /// E-mail templates.
    #[command(subcommand)]
    Templates(templates::Command),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("vigie: {e}");
            }
            ExitCode::from(e.code)
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let ctx = Context::from_cli(&cli)?;
    match cli.command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Desk(c) => desk::run(&ctx, c),
        Command::Status(a) => status::run(&ctx, a),
        Command::Check(a) => status::check(&ctx, a),
        Command::Log(a) => log::run(&ctx, a),
        Command::Alerts(c) => alerts::run(&ctx, c),
        Command::Templates(c) => templates::run(&ctx, c),
    }
}
