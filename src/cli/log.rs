//! `vigie log`: the audit log.

use super::output::log::Row;
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app;
use crate::audit::AuditEntry;
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
    let mut t = Table::new(&[
        "WHEN",
        "WHO",
        "ACTION",
        "DESK",
        "CERTIFICATE",
        "OUTCOME",
        "DETAIL",
    ]);
    let line = |e: AuditEntry| {
        vec![
            rfc3339(e.at),
            e.actor,
            e.action,
            e.desk.map(|d| d.to_string()).unwrap_or_default(),
            e.sha256.map(|s| s.short()).unwrap_or_default(),
            e.outcome,
            e.detail,
        ]
    };
    match desk {
        // One desk's lines are few: they are picked out of the log first.
        Some(d) => {
            let entries = app::log::of_desk(&ctx.env, &d)?;
            if args.json {
                return output::json(&entries);
            }
            for e in entries {
                t.row(line(e));
            }
        }
        // The whole log streams: JSON as it is read, the table's rows built
        // while the next lines are decoded.
        None if args.json => {
            let mut out = output::JsonArray::stdout();
            app::log::each(&ctx.env, |e: Row| out.push(&e))?;
            return out.finish();
        }
        None => app::log::each(&ctx.env, |e| {
            t.row(line(e));
            Ok::<(), CliError>(())
        })?,
    }
    t.print()
}
