//! `vigie cert …`: inspecting, normalising and ingesting renewed
//! certificates, and a desk's certificate history.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::output::cert::{HistoryRow, IngestRow, InspectRow};
use super::output::{self, Table};
use super::{CliError, Context};
use crate::app::{self, AppError};
use crate::desk::DeskId;

/// The certificate commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show what files hold, whatever their shape (no store needed).
    #[command(
        after_help = "Exit 3 if a file holds no certificate.\n\nExample:\n  vigie cert inspect guichet.cer chaine.p7b --json"
    )]
    Inspect(InspectArgs),
    /// Print the normal form of a file's certificate (PEM, LF, 64 columns).
    #[command(after_help = "Example:\n  vigie cert normalize guichet.cer -o guichet.pem")]
    Normalize(NormalizeArgs),
    /// Check renewed certificates and make them their desks' current ones.
    #[command(
        after_help = "A folder argument ingests every file in it and its sub-folders, hidden and system files (Thumbs.db, desktop.ini, .DS_Store, ~$*, *.tmp) skipped. Exit 3 if a file is refused; exit 1 if a path does not exist.\n\n\
Examples:\n  vigie cert ingest --initial certificats-actuels/\n  vigie cert ingest guichet.cer\n  vigie cert ingest recus/ --dry-run\n  vigie cert ingest ancien.cer --desk 732829320-00001 --force"
    )]
    Ingest(IngestArgs),
    /// Every certificate a desk has had.
    #[command(after_help = "Example:\n  vigie cert history 732829320-00001 --json")]
    History(HistoryArgs),
}

/// Arguments of `cert inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Files to inspect.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `cert normalize`.
#[derive(Debug, clap::Args)]
pub struct NormalizeArgs {
    /// The file.
    pub file: PathBuf,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// DER instead of PEM.
    #[arg(long)]
    pub der: bool,
}

/// Arguments of `cert ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Files or folders.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The desk the certificates are for (default: found in the certificate).
    #[arg(long, value_name = "ID")]
    pub desk: Option<String>,
    /// Accept despite overridable refusals (expired, older, weak, other desk…);
    /// never a private key.
    #[arg(long)]
    pub force: bool,
    /// Decide and report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
    /// Read only the files directly in the folders named, not their
    /// sub-folders.
    #[arg(long)]
    pub no_recursive: bool,
    /// First load of the team's existing certificates: they are already
    /// configured nationally (no push, no confirmation), expired ones become
    /// current too, and refusals are shown here and logged, never mailed.
    #[arg(long)]
    pub initial: bool,
}

/// Arguments of `cert history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Desk id.
    pub desk: String,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Runs a certificate command.
pub fn run(ctx: &Context, cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Inspect(a) => inspect(ctx, a),
        Command::Normalize(a) => normalize(ctx, a),
        Command::Ingest(a) => ingest(ctx, a),
        Command::History(a) => history(ctx, a),
    }
}

/// Streams one row per file as it is read, so that memory stays flat
/// whatever the number of files; the JSON is the same pretty array that
/// `output::json` prints.
fn inspect(ctx: &Context, a: InspectArgs) -> Result<(), CliError> {
    use serde::ser::{SerializeSeq, Serializer as _};
    require_paths(&a.files)?;
    let limit = ctx.env.config.intake.max_file_bytes;
    let inspect_one = |f| InspectRow::from(app::cert::inspect(f, limit));
    let mut none = false;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let encoding = |e: serde_json::Error| match e.io_error_kind() {
        Some(kind) => output::write_error(std::io::Error::from(kind)),
        None => CliError::operational(format!("encoding JSON: {e}")),
    };
    if a.json {
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::new(),
        );
        let mut seq = ser.serialize_seq(Some(a.files.len())).map_err(encoding)?;
        for f in &a.files {
            let row = inspect_one(f);
            none |= row.certificates.is_empty();
            seq.serialize_element(&row).map_err(encoding)?;
        }
        seq.end().map_err(encoding)?;
        out.write_all(b"\n").map_err(output::write_error)?;
    } else {
        for f in &a.files {
            let row = inspect_one(f);
            none |= row.certificates.is_empty();
            out.write_all(row.text().as_bytes())
                .map_err(output::write_error)?;
        }
    }
    out.flush().map_err(output::write_error)?;
    if none {
        return Err(CliError::silent(super::code::REFUSED));
    }
    Ok(())
}

fn normalize(ctx: &Context, a: NormalizeArgs) -> Result<(), CliError> {
    require_paths(std::slice::from_ref(&a.file))?;
    let out = app::cert::normalize(
        &a.file,
        ctx.env.config.intake.max_file_bytes,
        a.der,
        ctx.env.tz,
    )?;
    match a.output {
        Some(p) => std::fs::write(&p, &out)
            .map_err(|e| CliError::operational(format!("cannot write {}: {e}", p.display()))),
        None => output::bytes(&out),
    }
}

/// A progress bar on a terminal, for more than one file, unless `--quiet`.
struct Bar(Option<indicatif::ProgressBar>, bool);

impl app::cert::Progress for Bar {
    fn start(&mut self, files: usize) {
        self.0 = (self.1 && files > 1).then(|| {
            let b = indicatif::ProgressBar::new(files as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
    }

    fn advance(&mut self, n: usize) {
        if let Some(b) = &self.0 {
            b.inc(n as u64);
        }
    }
}

/// Fails, naming the first one, unless every path given exists: a missing
/// input path is an operational error (exit 1) before anything is done,
/// never a row of refusals.
pub(super) fn require_paths(paths: &[std::path::PathBuf]) -> Result<(), CliError> {
    for p in paths {
        if let Err(source) = std::fs::metadata(p) {
            if source.kind() == std::io::ErrorKind::NotFound {
                return Err(AppError::Read {
                    file: p.display().to_string(),
                    source,
                }
                .into());
            }
        }
    }
    Ok(())
}

fn ingest(ctx: &Context, a: IngestArgs) -> Result<(), CliError> {
    let named = a
        .desk
        .as_deref()
        .map(DeskId::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--desk: {e}")))?;
    // A desk or a path that is not there is the command's error (exit 1),
    // not a refusal of some desk's file (issue 14).
    if let Some(id) = &named {
        if !app::desk::exists(&ctx.env, id)? {
            return Err(AppError::NoDesk(id.clone()).into());
        }
    }
    require_paths(&a.files)?;
    let app::cert::Expanded { files, skipped } = app::cert::expand(&a.files, !a.no_recursive)?;
    let mut bar = Bar(None, std::io::stderr().is_terminal() && !ctx.quiet);
    let opts = app::cert::Options {
        named,
        force: a.force,
        dry_run: a.dry_run,
        initial: a.initial,
    };
    let app::cert::Ingested { decisions, notices } =
        app::cert::ingest(&ctx.env, &files, &opts, &mut bar)?;
    if let Some(b) = bar.0 {
        b.finish_and_clear();
    }
    for n in &notices {
        ctx.warn(n);
    }
    let mut rows: Vec<IngestRow> = decisions
        .iter()
        .map(|d| IngestRow::new(d, ctx.env.tz))
        .collect();
    rows.extend(
        skipped
            .iter()
            .map(|p| IngestRow::skipped(app::cert::display_name(p))),
    );
    let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
    let (accepted, unchanged, refused) = (count("accepted"), count("unchanged"), count("refused"));
    let skipped = count("skipped");
    if a.json {
        output::report(&output::json_text(&rows)?)?;
    } else {
        let mut out = String::new();
        for r in &rows {
            match r.outcome {
                "accepted" => out.push_str(&format!(
                    "{}: accepté pour le guichet {}{}\n",
                    r.file,
                    r.desk.as_deref().unwrap_or("?"),
                    if r.warnings.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (avertissements : {})",
                            r.warnings
                                .iter()
                                .map(|w| format!("{} [{}]", w.message_fr, w.code))
                                .collect::<Vec<_>>()
                                .join(" ; ")
                        )
                    }
                )),
                "unchanged" => out.push_str(&format!(
                    "{}: déjà le certificat actuel du guichet {}, rien à faire\n",
                    r.file,
                    r.desk.as_deref().unwrap_or("?")
                )),
                "skipped" => {
                    out.push_str(&format!("{}: ignoré (fichier caché ou système)\n", r.file))
                }
                _ => {}
            }
        }
        output::report(out.as_bytes())?;
    }
    for r in rows.iter().filter(|r| r.outcome == "refused") {
        let desk = r
            .desk
            .as_deref()
            .map(|d| format!(" (guichet {d})"))
            .unwrap_or_default();
        // A refusal is an error: shown even with --quiet.
        eprintln!(
            "{}{desk} refusé : {} [{}{}]",
            r.file,
            r.reason_fr.as_deref().unwrap_or(""),
            r.code.unwrap_or(""),
            if r.overridable == Some(true) {
                ", --force possible"
            } else {
                ""
            }
        );
    }
    ctx.note(format!(
        "{}{} accepté(s), {} inchangé(s), {} refusé(s){}",
        if a.dry_run {
            "(essai, rien n'est écrit) "
        } else {
            ""
        },
        accepted,
        unchanged,
        refused,
        if skipped > 0 {
            format!(", {skipped} ignoré(s) (fichiers cachés ou système)")
        } else {
            String::new()
        }
    ));
    if refused > 0 {
        return Err(CliError::silent(super::code::REFUSED));
    }
    Ok(())
}

fn history(ctx: &Context, a: HistoryArgs) -> Result<(), CliError> {
    let desk = DeskId::parse(&a.desk).map_err(|e| CliError::usage(e.to_string()))?;
    let h = app::cert::history(&ctx.env, &desk)?;
    let rows: Vec<HistoryRow> = h
        .certificates
        .into_iter()
        .map(|c| HistoryRow::new(c, h.current))
        .collect();
    if a.json {
        return output::json(&rows);
    }
    let mut t = Table::new(&["CURRENT", "SHA256", "NOT AFTER", "INGESTED", "SUBJECT"]);
    for r in rows {
        t.row(vec![
            if r.current { "*".into() } else { String::new() },
            r.sha256[..12].to_owned(),
            r.not_after,
            r.ingested_at,
            r.subject,
        ]);
    }
    t.print()
}
