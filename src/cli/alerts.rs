//! `vigie alerts`: run the alerts, list the alert log, preview what a desk
//! would receive, send the team digest, send a test message.

use super::output::alerts::ListRow;
use super::output::{self, Table};
use super::{CliError, Context};
use crate::alerts::transport::SendError;
use crate::alerts::{AlertRecord, Preview, RunSummary};
use crate::app;
use crate::clock::rfc3339;
use crate::desk::{DeskId, Email};

/// The `alerts` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Send the messages due now (and retry pending ones).
    #[command(
        after_help = "Examples:\n  vigie alerts run\n  vigie alerts run --dry-run --now 2027-06-01T09:00:00+02:00"
    )]
    Run {
        /// Show what is due without recording or sending anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// The alert log.
    #[command(
        after_help = "Examples:\n  vigie alerts list --json\n  vigie alerts list --desk 732829320-00001"
    )]
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
        /// Only the messages about this desk.
        #[arg(long, value_name = "ID")]
        desk: Option<String>,
    },
    /// Print what a desk would receive now, without sending.
    #[command(after_help = "Example:\n  vigie alerts preview 732829320-00001")]
    Preview {
        /// The desk.
        desk: String,
    },
    /// Send the team digest (once per local day).
    #[command(after_help = "Example:\n  vigie alerts digest --dry-run")]
    Digest {
        /// Show whether a digest is due without recording or sending it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Send one sample message through the configured SMTP server and print
    /// its answer (exit 0 accepted, 3 refused, 1 not reachable).
    #[command(after_help = "Example:\n  vigie alerts test gestion@example.org")]
    Test {
        /// Where to send it.
        address: String,
    },
}

/// Runs an `alerts` subcommand.
pub fn run(ctx: &Context, cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Run { dry_run } => {
            ctx.tell_what_if();
            if dry_run || ctx.env.what_if() {
                let d = app::alerts::dry_run(&ctx.env)?;
                return report_dry_run(ctx, &d);
            }
            let s = app::alerts::run(&ctx.env, false)?;
            report(ctx, &s, false)
        }
        Command::Digest { dry_run } => {
            ctx.tell_what_if();
            let s = app::alerts::digest(&ctx.env, dry_run)?;
            report(ctx, &s, dry_run || ctx.env.what_if())
        }
        Command::List { json, desk } => list(ctx, json, desk.as_deref()),
        Command::Test { address } => test(ctx, &address),
        Command::Preview { desk } => {
            let id = DeskId::parse(&desk).map_err(|e| CliError::usage(e.to_string()))?;
            let msgs = app::alerts::preview(&ctx.env, &id)?;
            if msgs.is_empty() {
                ctx.note(format!(
                    "{id} has no certificate: nothing to preview (the team digest lists it)"
                ));
            }
            for Preview {
                rec,
                rendered: r,
                due,
            } in msgs
            {
                if !due {
                    ctx.note(
                        "no alert about its certificate is due now; this is how the next one reads",
                    );
                }
                let mut text = format!(
                    "To: {}\nSubject: {}\n\n{}\n",
                    rec.recipients.join(", "),
                    r.subject,
                    r.text
                );
                if ctx.verbose > 0 {
                    text.push_str(&format!("--- HTML ---\n{}\n", r.html));
                }
                output::bytes(text.as_bytes())?;
            }
            Ok(())
        }
    }
}

/// `alerts test`: the server's answer on stdout; a refusal is exit 3 (the
/// address was refused), an unreachable or failing server exit 1.
fn test(ctx: &Context, address: &str) -> Result<(), CliError> {
    let to = Email::parse(address).map_err(|e| CliError::usage(e.to_string()))?;
    match app::alerts::test(&ctx.env, &to)? {
        Ok(delivered) => {
            ctx.note(format!("sample message sent to {to}"));
            for f in &delivered.refused {
                ctx.warn(format!("{} refused: {}", f.address, f.answer));
            }
            output::bytes(format!("{}\n", delivered.answer).as_bytes())
        }
        Err(SendError::Permanent(answer)) => Err(CliError::refused(format!(
            "the server refused the sample message to {to}: {answer}"
        ))),
        Err(SendError::Transient(answer)) => Err(CliError::operational(format!(
            "the server deferred the sample message to {to} (try again later): {answer}"
        ))),
        Err(SendError::Unreachable(why)) => Err(CliError::operational(format!(
            "the sample message to {to} could not be sent: {why}"
        ))
        .with_hint("check the [smtp] section of the configuration")),
    }
}

fn list(ctx: &Context, json: bool, desk: Option<&str>) -> Result<(), CliError> {
    let desk = desk
        .map(DeskId::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--desk: {e}")))?;
    let mut recs = app::alerts::list(&ctx.env)?;
    if let Some(id) = &desk {
        recs.retain(|r| r.desk() == Some(id));
        // Nothing about a desk vigie never heard of: a mistyped id, exit 1.
        if recs.is_empty() && !app::desk::known(&ctx.env, id)? {
            return Err(crate::app::AppError::NoHistory(id.clone()).into());
        }
    }
    if json {
        let rows: Vec<ListRow> = recs.into_iter().map(ListRow::from).collect();
        return output::json(&rows);
    }
    let mut t = Table::new(&["CREATED", "DESK", "KIND", "DAYS", "STATE", "SENT", "ERROR"]);
    for r in recs {
        t.row(vec![
            rfc3339(r.created_at),
            r.desk()
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            r.kind().as_str().into(),
            r.threshold_days()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            r.state.as_str().to_owned(),
            r.sent_at.map(rfc3339).unwrap_or_default(),
            r.error.unwrap_or_default(),
        ]);
    }
    t.print()
}

/// The desks the plan could not serve as asked, on stderr.
fn warn_gaps(ctx: &Context, s: &RunSummary) {
    for d in &s.no_email {
        ctx.warn(format!(
            "desk {d} has no e-mail address: its alerts go to the team"
        ));
    }
    if !s.no_cert.is_empty() {
        ctx.warn(format!(
            "{} desk(s) have no certificate (listed in the digest): {}",
            s.no_cert.len(),
            s.no_cert
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// One message as a dry run lists it: kind, desk, threshold, recipients.
fn describe(r: &AlertRecord) -> String {
    format!(
        "{} {} {} to {}",
        r.kind().as_str(),
        r.desk().map(|d| d.as_str()).unwrap_or("team"),
        r.threshold_days()
            .map(|t| t.to_string())
            .unwrap_or_default(),
        r.recipients.join(", ")
    )
}

/// What `alerts run --dry-run` (or a run under `--now`) tells, on stderr:
/// every message the real run would send — the new ones (`due:`) and those
/// already waiting (`pending:`: refusals, confirmations, retries) — and the
/// waiting ones it would drop.
fn report_dry_run(ctx: &Context, d: &app::alerts::DryRun) -> Result<(), CliError> {
    for r in &d.summary.planned {
        ctx.note(format!("due: {}", describe(r)));
    }
    for r in &d.pending {
        let retry = r
            .error
            .as_deref()
            .map(|e| format!(" (retry after: {e})"))
            .unwrap_or_default();
        ctx.note(format!("pending: {}{retry}", describe(r)));
    }
    for (r, why) in &d.dropped {
        ctx.note(format!(
            "dropped: {} {}: {why}",
            r.kind().as_str(),
            r.desk().map(|d| d.as_str()).unwrap_or("team")
        ));
    }
    if let Some(last) = d.behind {
        ctx.warn(format!(
            "the clock ({}) is earlier than the last alerts run ({}): a real run now would send nothing and fail",
            rfc3339(ctx.env.now),
            rfc3339(last)
        ));
    }
    ctx.note(format!(
        "dry run: {} message(s) would be sent ({} new, {} already pending), nothing recorded or sent",
        d.summary.planned.len() + d.pending.len(),
        d.summary.planned.len(),
        d.pending.len()
    ));
    warn_gaps(ctx, &d.summary);
    Ok(())
}

/// The end-of-run summary, on stderr; the exit code says whether anything is
/// left pending (1: retried next run) or was given up (3: see `alerts list`).
fn report(ctx: &Context, s: &RunSummary, dry_run: bool) -> Result<(), CliError> {
    if dry_run {
        for r in &s.planned {
            ctx.note(format!("due: {}", describe(r)));
        }
        ctx.note(format!(
            "dry run: {} message(s) due, nothing recorded or sent",
            s.planned.len()
        ));
    }
    warn_gaps(ctx, s);
    if dry_run {
        return Ok(());
    }
    let t = s.total();
    ctx.note(format!("alerts: {}", s.line()));
    if s.superseded > 0 {
        ctx.note(format!(
            "{} pending alert(s) dropped: their certificate was replaced by a newer one",
            s.superseded
        ));
    }
    if t.pending > 0 {
        return Err(CliError::operational(format!(
            "{} message(s) could not be sent and stay pending; the next run retries them",
            t.pending
        ))
        .with_hint("`vigie alerts list` shows each message's error"));
    }
    for (desk, f) in &s.refused_recipients {
        ctx.warn(format!(
            "{}address {} refused by the server, the other recipients got the message: {}",
            desk.as_ref()
                .map(|d| format!("desk {d}: "))
                .unwrap_or_default(),
            f.address,
            f.answer
        ));
    }
    if t.failed > 0 {
        return Err(CliError::refused(format!(
            "{} message(s) were refused for good (an invalid address?)",
            t.failed
        ))
        .with_hint("`vigie alerts list` shows the reason for each"));
    }
    if !s.refused_recipients.is_empty() {
        return Err(CliError::refused(format!(
            "{} address(es) were refused; their messages went to the other recipients",
            s.refused_recipients.len()
        ))
        .with_hint("`vigie alerts list --json` shows them under failed_recipients"));
    }
    Ok(())
}
