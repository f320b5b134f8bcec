//! `vigie log`: the audit log.

use super::output::{self, Table};
use super::{CliError, Context};
use crate::clock::rfc3339;
use crate::desk::DeskId;

/// Arguments of `vigie log`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the lines about this desk.
    #[arg(long, value_name = "ID")]
    pub desk: Option<String>,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Runs `vigie log`.
pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let desk = args
        .desk
        .as_deref()
        .map(DeskId::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--desk: {e}")))?;
    let entries = ctx.store()?.audit(desk.as_ref())?;
    if args.json {
        return output::json(&entries);
    }
    let mut t = Table::new(&[
        "WHEN",
        "WHO",
        "ACTION",
        "DESK",
        "CERTIFICATE",
        "OUTCOME",
        "DETAIL",
    ]);
    for e in entries {
        t.row(vec![
            rfc3339(e.at),
            e.actor,
            e.action,
            e.desk.map(|d| d.to_string()).unwrap_or_default(),
            e.sha256.map(|s| s.short()).unwrap_or_default(),
            e.outcome,
            e.detail,
        ]);
    }
    t.print()
}
