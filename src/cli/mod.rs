//! The command line: arguments are parsed by clap into raw values, turned into
//! a [`Context`] (configuration, data directory, the instant) once, and each
//! command calls one application operation ([`crate::app`]) and prints what it
//! returns. Errors end in one [`CliError`] that knows its exit code.

mod alerts;
mod backup;
mod campaign;
mod cert;
mod completions;
mod context;
mod demo;
mod desk;
mod error;
mod init;
mod log;
mod mail;
pub mod output;
mod push;
mod report;
mod serve;
mod status;
mod templates;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::Opening;

pub use context::Context;
pub use error::{code, CliError};

/// The version with the git revision it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("VIGIE_GIT_REV"), ")");

/// vigie: keeps the registration desks' certificates alive.
///
/// Tracks every desk and its certificate, warns desks by e-mail ahead of
/// expiry, takes in their renewed .cer files, and pushes accepted certificates
/// to the national configuration.
#[derive(Debug, Parser)]
#[command(name = "vigie", version = VERSION,
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
    /// The whole renewal loop on demo data, in seconds: desks, certificates in
    /// every shape, a refusal, pushes, e-mails, the status.
    #[command(after_help = "Example:\n  vigie demo --dir /tmp/vigie-demo")]
    Demo(demo::Args),
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
    /// Monitoring-plugin check: exit 0 ok, 1 warning, 2 critical, 3 unknown.
    #[command(after_help = "Example:\n  vigie check --warn 30 --crit 7")]
    Check(status::CheckArgs),
    /// Run the cron-driven service (alerts, pushes, digest, backups).
    #[command(
        after_help = "Example:\n  vigie --config /etc/vigie/vigie.toml serve\n\nSIGTERM or SIGINT stop it cleanly; SIGHUP reloads the configuration."
    )]
    Serve(serve::Args),
    /// Write a consistent JSON export of the whole store.
    #[command(after_help = "Examples:\n  vigie backup\n  vigie backup /srv/backups/vigie.json")]
    Backup(backup::BackupArgs),
    /// Rebuild a store from a backup.
    #[command(
        after_help = "Example:\n  vigie --data-dir /var/lib/vigie restore /srv/backups/vigie.json"
    )]
    Restore(backup::RestoreArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "Example:\n  vigie completions bash > /etc/bash_completion.d/vigie")]
    Completions(completions::Args),
    /// Print the man page (roff), or write one page per command into a
    /// folder.
    #[command(
        after_help = "Examples:\n  vigie man > /usr/local/share/man/man1/vigie.1\n  vigie man /usr/local/share/man/man1"
    )]
    Man(completions::ManArgs),
    /// Inspect, normalise and ingest certificates; a desk's history.
    #[command(subcommand)]
    Cert(cert::Command),
    /// Show the audit log.
    #[command(after_help = "Examples:\n  vigie log\n  vigie log --desk 732829320-00001 --json")]
    Log(log::Args),
    /// Push accepted certificates to the national configuration.
    #[command(
        subcommand,
        after_help = "Examples:\n  vigie push run\n  vigie push status --json\n  vigie push retry 732829320-00001"
    )]
    Push(push::Command),
    /// "Fin de vie" alerts: run, list, preview, digest.
    #[command(subcommand)]
    Alerts(alerts::Command),
    /// E-mail templates.
    #[command(subcommand)]
    Templates(templates::Command),
    /// The team's mailbox: take in the certificates desks send by e-mail.
    #[command(subcommand)]
    Mail(mail::Command),
    /// The desks' report: a French HTML page with its chart, a calendar of
    /// the certificates' ends (ICS), CSV for French Excel, or JSON.
    #[command(
        after_help = "Examples:\n  vigie report -o rapport.html\n  vigie report --format ics -o fins-de-vie.ics\n  vigie report --format csv --region Occitanie -o occitanie.csv"
    )]
    Report(report::Args),
    /// Deadline campaigns: who has switched, who has a date, who is left;
    /// reminders at the alert thresholds before the deadline.
    #[command(subcommand)]
    Campaign(campaign::Command),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(report) = e.report() {
                eprintln!("{report}");
            }
            ExitCode::from(e.code())
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    run_in(cli, false)
}

/// Runs a step of `vigie demo`: the demo works in a folder of its own at a
/// fixed `--now`, and its e-mails and pushes stay in that folder, so its
/// `--now` is no what-if question and may send (DESIGN §13).
pub(crate) fn run_demo_step(cli: Cli) -> Result<(), CliError> {
    run_in(cli, true)
}

fn run_in(cli: Cli, sandbox: bool) -> Result<(), CliError> {
    // These two need no configuration and no store.
    match cli.command {
        Command::Completions(a) => return completions::completions(a),
        Command::Man(a) => return completions::man(a),
        _ => {}
    }
    let check = matches!(cli.command, Command::Check(_));
    let mut ctx =
        Context::from_cli(&cli).map_err(|e| if check { status::unknown(e) } else { e })?;
    if reads_only(&cli.command) {
        ctx.env.opening = Opening::ExistingOnly;
    }
    if sandbox {
        ctx.env.sending = crate::app::Sending::Allowed;
    }
    match cli.command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Demo(a) => demo::run(&ctx, a),
        Command::Desk(c) => desk::run(&ctx, c),
        Command::Status(a) => status::run(&ctx, a),
        Command::Check(a) => status::check(&ctx, a).map_err(status::unknown),
        Command::Log(a) => log::run(&ctx, a),
        Command::Completions(_) | Command::Man(_) => Ok(()),
        Command::Serve(a) => serve::run(&ctx, a),
        Command::Backup(a) => backup::backup(&ctx, a),
        Command::Restore(a) => backup::restore(&ctx, a),
        Command::Push(c) => push::run(&ctx, c),
        Command::Cert(c) => cert::run(&ctx, c),
        Command::Alerts(c) => alerts::run(&ctx, c),
        Command::Templates(c) => templates::run(&ctx, c),
        Command::Mail(c) => mail::run(&ctx, c),
        Command::Report(a) => report::run(&ctx, a),
        Command::Campaign(c) => campaign::run(&ctx, c),
    }
}

/// The commands that only read (DESIGN §13): they never create a data
/// directory or a store, so that a mistyped `--data-dir` or a monitoring
/// check run before `vigie init` fails instead of leaving an empty store.
fn reads_only(command: &Command) -> bool {
    match command {
        Command::Status(_) | Command::Check(_) | Command::Log(_) | Command::Report(_) => true,
        Command::Alerts(c) => matches!(c, alerts::Command::List { .. }),
        Command::Push(c) => matches!(c, push::Command::Status(_)),
        Command::Desk(c) => matches!(
            c,
            desk::Command::List(_) | desk::Command::Show(_) | desk::Command::Changes(_)
        ),
        Command::Cert(c) => matches!(c, cert::Command::History(_)),
        Command::Mail(c) => matches!(c, mail::Command::List(_)),
        Command::Campaign(c) => matches!(
            c,
            campaign::Command::List { .. } | campaign::Command::Show { .. }
        ),
        Command::Demo(_)
        | Command::Init(_)
        | Command::Serve(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::Completions(_)
        | Command::Man(_)
        | Command::Templates(_) => false,
    }
}
