//! `vigie mail …`: taking in the messages desks send to the team's
//! mailbox, and listing them (DESIGN §10).

use std::path::PathBuf;

use super::output::mail::MailRow;
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app;
use crate::model::{CertOutcome, MailRecord};

/// The mail commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Take in messages from files: .eml files, Maildir folders, mbox files
    /// (only read, never moved).
    #[command(
        after_help = "Exit 3 if a certificate found is refused.\n\nExamples:\n  vigie mail ingest message.eml\n  vigie mail ingest ~/Maildir/.Guichets --dry-run --json"
    )]
    Ingest(IngestArgs),
    /// The messages taken in, oldest first.
    #[command(after_help = "Example:\n  vigie mail list --json")]
    List(ListArgs),
    /// Take in the configured mailbox ([mail] source), moving each message
    /// to its folder once recorded.
    #[command(
        after_help = "Exit 3 if a certificate found is refused.\n\nExample:\n  vigie --config /etc/vigie/vigie.toml mail fetch --json"
    )]
    Fetch(FetchArgs),
}

/// Arguments of `mail fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Decide and report; write, move and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send no reply.
    #[arg(long)]
    pub no_reply: bool,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `mail ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// .eml files, Maildir folders, mbox files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Decide and report; write nothing, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send no reply.
    #[arg(long)]
    pub no_reply: bool,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `mail list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Runs a mail command.
pub fn run(ctx: &Context, cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Ingest(a) => ingest(ctx, a),
        Command::List(a) => list(ctx, a),
        Command::Fetch(a) => fetch(ctx, a),
    }
}

fn fetch(ctx: &Context, a: FetchArgs) -> Result<(), CliError> {
    if ctx.env.config.mail.source == "none" {
        return Err(CliError::usage(
            "no mailbox configured: set [mail] source = \"imap\" (with imap_host, imap_user, imap_password_file) or \"maildir\" (with maildir = \"…\") in the configuration",
        ));
    }
    ctx.tell_what_if();
    let done = app::mail::fetch(&ctx.env, a.dry_run, a.no_reply)?;
    for f in &done.reply_failures {
        ctx.warn(format!(
            "réponse à {} non envoyée (elle le sera au prochain passage) : {}",
            f.message_id, f.error
        ));
    }
    report(ctx, &done.records, a.json, a.dry_run || ctx.env.what_if())
}

fn ingest(ctx: &Context, a: IngestArgs) -> Result<(), CliError> {
    ctx.tell_what_if();
    let done = app::mail::ingest(&ctx.env, &a.paths, a.dry_run, a.no_reply)?;
    for f in &done.reply_failures {
        ctx.warn(format!(
            "réponse à {} non envoyée (elle le sera au prochain passage) : {}",
            f.message_id, f.error
        ));
    }
    report(ctx, &done.records, a.json, a.dry_run || ctx.env.what_if())
}

/// Prints what became of each message; exit 3 when a certificate was refused.
fn report(
    ctx: &Context,
    records: &[MailRecord],
    json: bool,
    dry_run: bool,
) -> Result<(), CliError> {
    let rows: Vec<MailRow> = records.iter().map(MailRow::from).collect();
    if json {
        output::report(&output::json_text(&rows)?)?;
    } else {
        let mut out = String::new();
        for r in records {
            out.push_str(&format!(
                "{}: {}{}{}\n",
                r.source,
                action_fr(r),
                r.desk
                    .as_ref()
                    .map(|d| format!(", guichet {d}"))
                    .unwrap_or_default(),
                r.note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ));
            for c in &r.certificates {
                out.push_str(&format!(
                    "  {} [{}] : {}\n",
                    c.file,
                    c.found_in.as_str(),
                    match (&c.outcome, &c.reason) {
                        (CertOutcome::Accepted, _) => "accepté".to_owned(),
                        (CertOutcome::Unchanged, _) => "déjà le certificat actuel".to_owned(),
                        (CertOutcome::Refused, Some(r)) =>
                            format!("refusé : {} [{}]", r.message, r.code),
                        (CertOutcome::Refused, None) => "refusé".to_owned(),
                    }
                ));
            }
        }
        output::report(out.as_bytes())?;
    }
    let refused = records
        .iter()
        .flat_map(|r| &r.certificates)
        .filter(|c| c.outcome == CertOutcome::Refused)
        .count();
    let count = |a: &str| rows.iter().filter(|r| r.action == a).count();
    ctx.note(format!(
        "{}{} message(s) : {} traité(s), {} avec refus, {} pour l'équipe, {} doublon(s)",
        if dry_run {
            "(essai, rien n'est écrit) "
        } else {
            ""
        },
        rows.len(),
        count("ingested"),
        count("refused"),
        count("needs_human"),
        count("duplicate"),
    ));
    if refused > 0 {
        return Err(CliError::silent(super::code::REFUSED));
    }
    Ok(())
}

fn action_fr(r: &MailRecord) -> &'static str {
    use crate::model::MailAction::*;
    match r.action {
        Ingested => "traité",
        Refused => "certificat refusé",
        NeedsHuman => "pour l'équipe",
        Bounce => "avis de non-remise",
        Ignored => "ignoré (message automatique)",
        Duplicate => "déjà traité (doublon)",
    }
}

fn list(ctx: &Context, a: ListArgs) -> Result<(), CliError> {
    let records = app::mail::list(&ctx.env)?;
    if a.json {
        let rows: Vec<MailRow> = records.iter().map(MailRow::from).collect();
        return output::json(&rows);
    }
    let mut t = Table::new(&["RECEIVED", "ACTION", "DESK", "FROM", "SUBJECT"]);
    for r in records {
        t.row(vec![
            crate::clock::rfc3339(r.received_at),
            r.action.as_str().to_owned(),
            r.desk.map(|d| d.to_string()).unwrap_or_default(),
            r.from.unwrap_or_default(),
            r.subject.unwrap_or_default(),
        ]);
    }
    t.print()
}
