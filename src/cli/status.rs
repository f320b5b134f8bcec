//! `vigie status` and `vigie check`.

use std::collections::HashMap;

use super::output::{self, Table};
use super::{CliError, Context};
use crate::config;
use crate::status::{self, check_level, State, StatusRow};
use crate::store::Store;

/// Arguments of `vigie status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only desks whose certificate ends within this many days (or is
    /// expired, or missing).
    #[arg(long, value_name = "DAYS")]
    pub within: Option<i64>,
    /// Print a JSON array.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (`;`-separated, for spreadsheets).
    #[arg(long)]
    pub csv: bool,
}

/// Arguments of `vigie check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Warning at or below this many days left (default: status.warn_days).
    #[arg(long, value_name = "DAYS")]
    pub warn: Option<u32>,
    /// Critical at or below this many days left (default: status.crit_days).
    #[arg(long, value_name = "DAYS")]
    pub crit: Option<u32>,
}

/// Calls `each` with every desk's status row, in desk order, as the store
/// is read (nothing is held but the row in hand).
pub fn each_row(
    ctx: &Context,
    store: &Store,
    bands: &config::Status,
    mut each: impl FnMut(StatusRow) -> Result<(), CliError>,
) -> Result<(), CliError> {
    store.roster(|e| {
        each(status::row(
            &e.desk,
            e.cert.as_ref(),
            ctx.now,
            ctx.tz,
            bands,
        ))
    })
}

/// Every desk's status row, in desk order.
pub fn rows(
    ctx: &Context,
    store: &Store,
    bands: &config::Status,
) -> Result<Vec<StatusRow>, CliError> {
    let mut out = Vec::new();
    each_row(ctx, store, bands, |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// The CSV columns of `vigie status --csv`.
const CSV_HEADER: [&str; 10] = [
    "desk",
    "name",
    "department",
    "state",
    "sha256",
    "subject",
    "issuer",
    "not_after",
    "days_left",
    "push_state",
];

fn csv_record(r: &StatusRow) -> [String; 10] {
    [
        r.desk.clone(),
        r.name.clone(),
        r.department.clone().unwrap_or_default(),
        r.state.as_str().into(),
        r.sha256.clone().unwrap_or_default(),
        r.subject.clone().unwrap_or_default(),
        r.issuer.clone().unwrap_or_default(),
        r.not_after.clone().unwrap_or_default(),
        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
        r.push_state
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    ]
}

/// Runs `vigie status`. JSON and CSV rows are printed as the store is read;
/// the table waits for every row to size its columns.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    let store = ctx.store()?;
    let keep = |r: &StatusRow| match a.within {
        None => true,
        Some(within) => r.days_left.is_none_or(|d| d <= within) || r.state == State::Expired,
    };
    if a.json {
        let mut out = output::JsonArray::stdout();
        each_row(ctx, &store, &ctx.config.status, |r| {
            if keep(&r) {
                out.push(&r)?;
            }
            Ok(())
        })?;
        return out.finish();
    }
    if a.csv {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(std::io::stdout().lock());
        let fail = |e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(io) => output::write_error(io),
            other => CliError::operational(format!("writing CSV: {other:?}")),
        };
        w.write_record(CSV_HEADER).map_err(fail)?;
        each_row(ctx, &store, &ctx.config.status, |r| {
            if keep(&r) {
                w.write_record(csv_record(&r)).map_err(fail)?;
            }
            Ok(())
        })?;
        return w.flush().map_err(output::write_error);
    }
    let mut rows = rows(ctx, &store, &ctx.config.status)?;
    drop(store);
    rows.retain(keep);
    let mut t = Table::new(&[
        "DESK",
        "NAME",
        "DEPT",
        "STATE",
        "NOT AFTER",
        "DAYS",
        "ISSUER",
        "PUSH",
    ]);
    for r in &rows {
        t.row(vec![
            r.desk.clone(),
            r.name.clone(),
            r.department.clone().unwrap_or_default(),
            r.state.as_str().into(),
            r.not_after
                .as_deref()
                .map(|s| s[..10].to_owned())
                .unwrap_or_default(),
            r.days_left.map(|d| d.to_string()).unwrap_or_default(),
            r.issuer.clone().unwrap_or_default(),
            r.push_state
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
        ]);
    }
    t.print()
}

/// Runs `vigie check`: one line, monitoring-plugin style, and its exit code.
pub fn check(ctx: &Context, a: CheckArgs) -> Result<(), CliError> {
    let bands = config::Status {
        warn_days: a.warn.unwrap_or(ctx.config.status.warn_days),
        crit_days: a.crit.unwrap_or(ctx.config.status.crit_days),
    };
    if bands.crit_days > bands.warn_days {
        return Err(CliError::usage("--crit must not exceed --warn"));
    }
    let store = ctx.store()?;
    // Counted as the rows come; only the rows that are not ok are kept, to
    // name the worst five.
    let mut counts: HashMap<State, usize> = HashMap::new();
    let mut total = 0;
    let mut worst: Vec<StatusRow> = Vec::new();
    each_row(ctx, &store, &bands, |r| {
        total += 1;
        *counts.entry(r.state).or_default() += 1;
        if r.state != State::Ok {
            worst.push(r);
        }
        Ok(())
    })?;
    drop(store);
    let level = check_level(&worst);
    let count = |s: State| counts.get(&s).copied().unwrap_or(0);
    let word = ["OK", "WARNING", "CRITICAL"][usize::from(level)];
    worst.sort_by_key(|r| (std::cmp::Reverse(r.state), r.days_left));
    let names: Vec<String> = worst
        .iter()
        .take(5)
        .map(|r| match r.days_left {
            Some(d) => format!("{} {} ({d} d)", r.desk, r.state.as_str()),
            None => format!("{} {}", r.desk, r.state.as_str()),
        })
        .collect();
    let line = format!(
        "VIGIE {word} - {} desks: {} expired, {} critical, {} warning, {} missing{}{} | expired={} critical={} warning={} missing={} ok={}",
        total,
        count(State::Expired),
        count(State::Critical),
        count(State::Warning),
        count(State::Missing),
        if names.is_empty() { "" } else { "; " },
        names.join(", "),
        count(State::Expired),
        count(State::Critical),
        count(State::Warning),
        count(State::Missing),
        count(State::Ok),
    );
    output::bytes(format!("{line}\n").as_bytes())?;
    if level == 0 {
        Ok(())
    } else {
        Err(CliError::silent(level))
    }
}
