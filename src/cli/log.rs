//! `vigie log`: the audit log.

use super::output::log::Row;
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app;
use crate::app::log::Filter;
use crate::audit::AuditEntry;
use crate::clock::{parse_instant, rfc3339, Instant};
use crate::desk::DeskId;

/// Arguments of `vigie log`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the lines about this desk.
    #[arg(long, value_name = "ID")]
    pub desk: Option<String>,
    /// Only the lines from this day on (YYYY-MM-DD, a local date) or this
    /// instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
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
    let since = args
        .since
        .as_deref()
        .map(|s| since_instant(s, ctx.env.tz))
        .transpose()?;
    let filter = Filter {
        desk: desk.clone(),
        since,
    };
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
            let mut entries = app::log::of_desk(&ctx.env, &d)?;
            entries.retain(|e| filter.keeps(e));
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
            app::log::each(&ctx.env, |e: Row| {
                if filter.keeps(&e) {
                    out.push(&e)?;
                }
                Ok::<(), CliError>(())
            })?;
            return out.finish();
        }
        None => app::log::each(&ctx.env, |e| {
            if filter.keeps(&e) {
                t.row(line(e));
            }
            Ok::<(), CliError>(())
        })?,
    }
    t.print()
}

/// The instant `--since` names: the start of a local day (YYYY-MM-DD, in
/// the configured zone), or an RFC 3339 instant.
fn since_instant(s: &str, tz: chrono_tz::Tz) -> Result<Instant, CliError> {
    use chrono::TimeZone;
    if let Ok(day) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        // The earliest midnight, should daylight saving make it ambiguous;
        // a zone that skips midnight starts the day an hour later.
        let start = day.and_hms_opt(0, 0, 0).and_then(|m| {
            tz.from_local_datetime(&m).earliest().or_else(|| {
                tz.from_local_datetime(&(m + chrono::TimeDelta::hours(1)))
                    .earliest()
            })
        });
        if let Some(start) = start {
            return Ok(start.with_timezone(&chrono::Utc));
        }
    }
    parse_instant(s).map_err(|e| {
        CliError::usage(format!("--since: {e}"))
            .with_hint("give a date, 2027-03-01, or an instant, 2027-03-01T09:00:00+01:00")
    })
}
