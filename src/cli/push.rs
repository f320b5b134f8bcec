//! `vigie push run|status|retry`: the outbox of pushes to the national
//! configuration.

use super::output::push::Row;
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app;
use crate::clock::rfc3339;
use crate::desk::DeskId;
use crate::push::Outcome;

/// The push subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Attempt every push that is due now, and print how many were done,
    /// retried later and failed for good.
    #[command(after_help = "Example:\n  vigie push run")]
    Run,
    /// List the pushes: desk, certificate, destination, state, attempts, next
    /// attempt, last error.
    #[command(after_help = "Examples:\n  vigie push status\n  vigie push status --json")]
    Status(StatusArgs),
    /// Re-arm a desk's failed push once its cause is fixed (the national side
    /// refused it, e.g. HTTP 409); it runs at the next `vigie push run`.
    #[command(after_help = "Example:\n  vigie push retry 732829320-00001 && vigie push run")]
    Retry(RetryArgs),
}

/// Arguments of `vigie push status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `vigie push retry`.
#[derive(Debug, clap::Args)]
pub struct RetryArgs {
    /// The desk id (NNNNNNNNN-XXXXX).
    #[arg(value_name = "DESK")]
    pub desk: String,
}

/// Runs a push subcommand.
pub fn run(ctx: &Context, cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Run => run_due(ctx),
        Command::Status(a) => status(ctx, a),
        Command::Retry(a) => retry(ctx, a),
    }
}

fn run_due(ctx: &Context) -> Result<(), CliError> {
    if ctx.env.what_if() {
        ctx.tell_what_if();
        let due = app::push::due(&ctx.env)?;
        for job in &due {
            ctx.note(format!("due: {} {}", job.desk, job.sha256.short()));
        }
        ctx.note(format!(
            "what-if: {} push(es) due, nothing pushed or recorded",
            due.len()
        ));
        let changes = app::push::due_changes(&ctx.env)?;
        if !changes.is_empty() {
            for c in &changes {
                ctx.note(format!("due: {} {}={} ({})", c.desk, c.key, c.value, c.id));
            }
            ctx.note(format!(
                "what-if: {} scheduled change(s) due, nothing applied or recorded",
                changes.len()
            ));
        }
        return Ok(());
    }
    let summary = app::push::run(&ctx.env)?;
    for (job, outcome) in &summary.attempts {
        match outcome {
            Outcome::Done => {}
            Outcome::Retry(why) => ctx.note(format!(
                "{} {}: {why}; next attempt {}",
                job.desk,
                job.sha256.short(),
                job.next_attempt.map(rfc3339).unwrap_or_default()
            )),
            Outcome::Refused(why) => ctx.warn(format!(
                "{} {}: refused for good: {why}; once fixed: vigie push retry {}",
                job.desk,
                job.sha256.short(),
                job.desk
            )),
        }
    }
    for (change, outcome) in &summary.changes {
        let what = format!(
            "{} {}={} ({})",
            change.desk, change.key, change.value, change.id
        );
        match outcome {
            Outcome::Done => {}
            Outcome::Retry(why) => ctx.note(format!(
                "{what}: {why}; next attempt {}",
                change.next_attempt.map(rfc3339).unwrap_or_default()
            )),
            Outcome::Refused(why) => ctx.warn(format!("{what}: refused for good: {why}")),
        }
    }
    let mut text = format!(
        "push: {} done, {} retried, {} failed\n",
        summary.done, summary.retried, summary.failed
    );
    let (changes_done, changes_retried, changes_failed) = summary.change_counts();
    if !summary.changes.is_empty() {
        text.push_str(&format!(
            "changes: {changes_done} done, {changes_retried} retried, {changes_failed} failed\n"
        ));
    }
    output::report(text.as_bytes())?;
    // A push the national side refused for good is input refused, exit 3,
    // as for an alert an address refused (DESIGN §8, issue 14).
    if summary.failed > 0 {
        return Err(
            CliError::refused(format!("{} push(es) refused for good", summary.failed))
                .with_hint("`vigie push status` shows why; once fixed, `vigie push retry DESK`"),
        );
    }
    if changes_failed > 0 {
        return Err(CliError::refused(format!(
            "{changes_failed} scheduled change(s) refused for good"
        ))
        .with_hint("`vigie desk changes` shows why; once fixed, schedule the change again"));
    }
    Ok(())
}

fn status(ctx: &Context, a: StatusArgs) -> Result<(), CliError> {
    let jobs = app::push::list(&ctx.env)?;
    let rows: Vec<Row> = jobs.iter().map(Row::from).collect();
    if a.json {
        return output::json(&rows);
    }
    let mut t = Table::new(&[
        "DESK",
        "CERTIFICATE",
        "STATE",
        "ATTEMPTS",
        "NEXT ATTEMPT",
        "DESTINATION",
        "LAST ERROR",
    ]);
    for (r, j) in rows.into_iter().zip(&jobs) {
        t.row(vec![
            r.desk,
            j.sha256.short(),
            r.state.into(),
            r.attempts.to_string(),
            r.next_attempt.unwrap_or_default(),
            r.destination,
            r.last_error.unwrap_or_default(),
        ]);
    }
    t.print()
}

fn retry(ctx: &Context, a: RetryArgs) -> Result<(), CliError> {
    let desk = DeskId::parse(&a.desk).map_err(|e| CliError::usage(e.to_string()))?;
    let job = app::push::retry(&ctx.env, &desk)?;
    ctx.note(format!(
        "{desk}: push of {} re-armed; it runs at the next `vigie push run`",
        job.sha256.short()
    ));
    Ok(())
}
