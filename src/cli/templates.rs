//! `vigie templates check`: renders every e-mail template with sample data.

use super::{CliError, Context};
use crate::alerts::sample;

/// The `templates` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Render every template with sample data; exit 1 if any fails.
    #[command(after_help = "Example:\n  vigie --config /etc/vigie/vigie.toml templates check")]
    Check,
}

/// Runs a `templates` subcommand.
pub fn run(ctx: &Context, cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Check => {
            let results = sample::check(&ctx.env.config);
            let mut failed = 0;
            for (name, r) in &results {
                match r {
                    Ok(()) => ctx.note(format!("ok     {name}")),
                    Err(e) => {
                        failed += 1;
                        eprintln!("error  {e}");
                    }
                }
            }
            if failed > 0 {
                return Err(CliError::operational(format!(
                    "{failed} of {} templates failed",
                    results.len()
                )));
            }
            ctx.note(format!("all {} templates render", results.len()));
            Ok(())
        }
    }
}
