//! `vigie status` and `vigie check`.

use std::io::Write;

use super::output::status::{csv_record, CSV_BOM, CSV_HEADER};
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app;
use crate::config;
use crate::desk::Department;
use crate::status::{by_urgency, Filter, State};

/// Arguments of `vigie status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only desks whose certificate ends within this many days (or is
    /// expired, or missing).
    #[arg(long, value_name = "DAYS")]
    pub within: Option<i64>,
    /// Only desks of this department (repeat, or separate by commas, for
    /// several).
    #[arg(long, value_name = "D", value_delimiter = ',')]
    pub department: Vec<String>,
    /// Only desks in this state (repeat, or separate by commas, for several).
    #[arg(long, value_name = "STATE", value_delimiter = ',', value_parser = states())]
    pub state: Vec<String>,
    /// The order of the rows: most urgent first (the table's default), or
    /// by desk id (the default of --json and --csv, which print the rows as
    /// the store is read).
    #[arg(long, value_parser = ["urgency", "desk"])]
    pub sort: Option<String>,
    /// Print a JSON array.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV for a French spreadsheet: UTF-8 with a byte-order mark,
    /// `;`-separated, dates as dd/mm/yyyy.
    #[arg(long)]
    pub csv: bool,
}

/// The states `--state` takes, offered by shell completion.
fn states() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(State::ALL.map(State::as_str))
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

/// Runs `vigie status`. JSON and CSV rows in desk order are printed as the
/// store is read; the table, and any listing sorted by urgency, waits for
/// every row.
pub fn run(ctx: &Context, a: Args) -> Result<(), CliError> {
    let env = &ctx.env;
    let filter = Filter {
        within: a.within,
        departments: a
            .department
            .iter()
            .map(|d| Department::parse(d).map(|d| d.to_string()))
            .collect::<Result<_, _>>()
            .map_err(|e| CliError::usage(format!("--department: {e}")))?,
        // The parser only lets the states' own names through.
        states: a.state.iter().filter_map(|s| State::from_name(s)).collect(),
    };
    let by_urgency_order = match a.sort.as_deref() {
        Some(s) => s == "urgency",
        None => !(a.json || a.csv),
    };
    if a.json && !by_urgency_order {
        let mut out = output::JsonArray::stdout();
        app::status::each_row(env, &env.config.status, |r| {
            if filter.keeps(&r) {
                out.push(&r)?;
            }
            Ok::<(), CliError>(())
        })?;
        return out.finish();
    }
    if a.csv {
        // The header only once the store has answered, as for the JSON.
        let roster = app::status::open(env)?;
        let mut out = std::io::stdout().lock();
        out.write_all(CSV_BOM).map_err(output::write_error)?;
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            // Excel's own line ends.
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        let fail = |e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(io) => output::write_error(io),
            other => CliError::operational(format!("writing CSV: {other:?}")),
        };
        w.write_record(CSV_HEADER).map_err(fail)?;
        let mut sorted = Vec::new();
        roster.each(&env.config.status, |r| {
            if filter.keeps(&r) {
                if by_urgency_order {
                    sorted.push(r);
                } else {
                    w.write_record(csv_record(&r, env.tz)).map_err(fail)?;
                }
            }
            Ok::<(), CliError>(())
        })?;
        sorted.sort_by(by_urgency);
        for r in &sorted {
            w.write_record(csv_record(r, env.tz)).map_err(fail)?;
        }
        return w.flush().map_err(output::write_error);
    }
    let mut rows = app::status::rows(env, &env.config.status)?;
    rows.retain(|r| filter.keeps(r));
    if by_urgency_order {
        rows.sort_by(by_urgency);
    }
    if a.json {
        return output::json(&rows);
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
        warn_days: a.warn.unwrap_or(ctx.env.config.status.warn_days),
        crit_days: a.crit.unwrap_or(ctx.env.config.status.crit_days),
    };
    if bands.crit_days > bands.warn_days {
        return Err(CliError::usage("--crit must not exceed --warn"));
    }
    let app::status::Check {
        level,
        total,
        counts,
        worst,
        no_trust_anchors,
    } = app::status::check(&ctx.env, &bands)?;
    let count = |s: State| counts.get(&s).copied().unwrap_or(0);
    // A secret readable by others is a warning of its own (issue 18), named
    // after the desks.
    let exposed = ctx.env.config.exposed_secrets();
    let level = if exposed.is_empty() {
        level
    } else {
        level.max(1)
    };
    let word = ["OK", "WARNING", "CRITICAL"][usize::from(level)];
    let mut names: Vec<String> = worst
        .iter()
        .take(5)
        .map(|r| match r.days_left {
            Some(d) => format!("{} {} ({d} d)", r.desk, r.state.as_str()),
            None => format!("{} {}", r.desk, r.state.as_str()),
        })
        .collect();
    if no_trust_anchors {
        names.push(
            "no trust anchors: set intake.trust_anchors_dir (or intake.known_issuers_dir)".into(),
        );
    }
    // The key and file only: the plugin line stays one line.
    names.extend(
        exposed
            .iter()
            .map(|w| w.split(" (mode").next().unwrap_or(w).to_owned()),
    );
    let line = format!(
        "VIGIE {word} - {total} {}: {} expired, {} critical, {} warning, {} missing{}{} | expired={} critical={} warning={} missing={} ok={}",
        if total == 1 { "desk" } else { "desks" },
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
    output::report(format!("{line}\n").as_bytes())?;
    if level == 0 {
        Ok(())
    } else {
        Err(CliError::silent(level))
    }
}

/// What `vigie check` answers when it cannot judge: the plugin line `VIGIE
/// UNKNOWN - …` on stdout, which a monitoring system shows, and exit 3; the
/// full report (with its hint) still goes to stderr. A verdict (exit 1 or
/// 2, already printed) passes through.
pub fn unknown(e: CliError) -> CliError {
    if let CliError::Silent(_) = e {
        return e;
    }
    let message = e.message();
    let first = message.lines().next().unwrap_or("");
    // Should stdout fail, the report on stderr still says it all.
    let _ = output::bytes(format!("VIGIE UNKNOWN - {first}\n").as_bytes());
    CliError::Unknown(Box::new(e))
}
