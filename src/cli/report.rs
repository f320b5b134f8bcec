//! `vigie report`: the desks' report as a French HTML page, a calendar
//! (ICS), CSV for French Excel, or JSON.

use std::path::PathBuf;

use chrono::{NaiveDate, TimeZone};

use super::output;
use super::{CliError, Context};
use crate::app;
use crate::clock::Instant;
use crate::model::Department;
use crate::report::{self, Scope};

/// The formats of `vigie report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One self-contained French page, printable on A4.
    Html,
    /// An RFC 5545 calendar of the certificates' ends.
    Ics,
    /// One row per desk for French Excel (UTF-8 BOM, `;`, dd/mm/yyyy).
    Csv,
    /// The same rows as a JSON array.
    Json,
}

/// Arguments of `vigie report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to write.
    #[arg(long, value_enum, default_value = "html")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only the desks of this department (01–95, 2A, 2B, 971–976).
    #[arg(long, value_name = "D")]
    pub department: Option<String>,
    /// Only the desks of this region (its name, as the official table or
    /// `[regions]` writes it; case aside).
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Start of the period of the intake, undelivered messages and
    /// renewals shown (YYYY-MM-DD or DD/MM/YYYY, local; default: 30 days
    /// ago, and every renewal on record).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
}

/// Parses `--since`: a local date, taken from its first instant.
fn since(text: &str, tz: chrono_tz::Tz) -> Result<Instant, CliError> {
    let t = text.trim();
    let date = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map_err(|_| {
            CliError::usage(format!(
                "--since: «{}» is not a date such as 2027-01-31 or 31/01/2027",
                crate::escape::printable(t)
            ))
        })?;
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    // The earliest of an ambiguous local midnight; a skipped one (no zone
    // skips midnight today, but some did) falls back to UTC.
    Ok(tz
        .from_local_datetime(&midnight)
        .earliest()
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| midnight.and_utc()))
}

/// Runs `vigie report`.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    let env = &ctx.env;
    let department = a
        .department
        .as_deref()
        .map(|d| Department::parse(d).map_err(|m| CliError::usage(format!("--department: {m}"))))
        .transpose()?;
    let region = a
        .region
        .as_deref()
        .map(|r| {
            app::report::find_region(env, r).map_err(|known| {
                CliError::usage(format!(
                    "--region: no region is called «{}»; known regions: {}",
                    crate::escape::printable(r),
                    known.join(", ")
                ))
            })
        })
        .transpose()?;
    let since = a.since.as_deref().map(|s| since(s, env.tz)).transpose()?;
    let scope = Scope {
        department: department.map(|d| d.to_string()),
        region,
    };
    let built = app::report::build(env, scope, since)?;
    let bytes = match a.format {
        Format::Json => output::json_text(&built.rows)?,
        Format::Csv => {
            let mut out = Vec::new();
            report::write_csv(&mut out, &built.rows, env.tz).map_err(output::write_error)?;
            out
        }
        Format::Ics => report::calendar(
            &built.rows,
            env.now,
            env.tz,
            env.config.alerts.renewal_lead_days,
        )
        .to_string()
        .into_bytes(),
        Format::Html => report::page(&built, &app::report::regions(env), false).into_bytes(),
    };
    match &a.output {
        None => output::bytes(&bytes),
        Some(path) => crate::fsutil::write_atomic(path, &bytes, 0o644)
            .map_err(|e| CliError::operational(format!("cannot write {}: {e}", path.display()))),
    }
}
