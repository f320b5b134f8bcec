//! `vigie completions SHELL` and `vigie man`: generated from the CLI
//! definition, so they never disagree with it.

use clap::CommandFactory;

use super::{Cli, CliError};

/// Arguments of `vigie completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for a shell.
pub fn completions(a: Args) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "vigie", &mut script);
    super::output::bytes(&script)
}

/// Prints the man page (roff) on stdout.
pub fn man() -> Result<(), CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| CliError::operational(format!("rendering the man page: {e}")))?;
    super::output::bytes(&page)
}
