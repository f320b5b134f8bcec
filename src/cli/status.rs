//! `vigie status` and `vigie check`.

use std::collections::HashMap;

use super::output::{self, Table};
use super::{CliError, Context};
use crate::config;
use crate::push::PushState;
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

/// Every desk's status row, in desk order.
pub fn rows(
    ctx: &Context,
    store: &Store,
    bands: &config::Status,
) -> Result<Vec<StatusRow>, CliError> {
    let current: HashMap<_, _> = store.current_summaries()?.into_iter().collect();
    let mut push: HashMap<_, PushState> = HashMap::new();
    for job in store.push_jobs()? {
        if current.get(&job.desk).map(|c| c.sha256) == Some(job.sha256) {
            push.insert(job.desk.clone(), job.state);
        }
    }
    let mut out = Vec::new();
    for desk in store.desks()? {
        out.push(status::row(
            &desk,
            current.get(&desk.id),
            push.get(&desk.id).copied(),
            ctx.now,
            ctx.tz,
            bands,
        ));
    }
    Ok(out)
}

/// Runs `vigie status`.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    let store = ctx.store()?;
    let mut rows = rows(ctx, &store, &ctx.config.status)?;
    drop(store);
    if let Some(within) = a.within {
        rows.retain(|r| r.days_left.is_none_or(|d| d <= within) || r.state == State::Expired);
    }
    if a.json {
        return output::json(&rows);
    }
    if a.csv {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(std::io::stdout());
        let fail = |e: csv::Error| CliError::operational(format!("writing CSV: {e}"));
        w.write_record([
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
        ])
        .map_err(fail)?;
        for r in &rows {
            w.write_record([
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
            ])
            .map_err(fail)?;
        }
        return w
            .flush()
            .map_err(|e| CliError::operational(format!("writing CSV: {e}")));
    }
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
    let rows = rows(ctx, &store, &bands)?;
    let level = check_level(&rows);
    let count = |s: State| rows.iter().filter(|r| r.state == s).count();
    let word = ["OK", "WARNING", "CRITICAL"][usize::from(level)];
    let mut worst: Vec<&StatusRow> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                State::Expired | State::Critical | State::Warning | State::Missing
            )
        })
        .collect();
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
        rows.len(),
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
