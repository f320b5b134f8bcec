//! `vigie cert …`: inspecting, normalising and ingesting renewed
//! certificates, and a desk's certificate history.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::output::{self, Table};
use super::{CliError, Context};
use crate::cert::bundle::pick_leaf;
use crate::cert::ingest::{
    self, examine, Decision, Examined, Intake, IntakeError, Outcome, Writer,
};
use crate::cert::normal::normal_pem;
use crate::cert::parse::CertInfo;
use crate::cert::reason::Refusal;
use crate::cert::sniff::{read_limited, sniff, SniffError};
use crate::clock::rfc3339;
use crate::desk::DeskId;
use crate::store::StoreError;

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
        after_help = "A folder argument ingests every file in it. Exit 3 if a file is refused.\n\n\
Examples:\n  vigie cert ingest guichet.cer\n  vigie cert ingest recus/ --dry-run\n  vigie cert ingest ancien.cer --desk 732829320-00001 --force"
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

#[derive(Serialize)]
struct InspectRow {
    file: String,
    format: Option<&'static str>,
    certificates: Vec<CertInfo>,
    error: Option<ErrorJson>,
}

#[derive(Serialize)]
struct ErrorJson {
    code: &'static str,
    message: String,
}

/// Reads, sniffs and parses one file for `cert inspect`.
fn inspect_one(f: &Path, limit: u64) -> InspectRow {
    let (format, certs, problem) = match read_limited(f, limit) {
        Err(e) => (None, Vec::new(), Some(e)),
        Ok(bytes) => {
            let s = sniff(&bytes);
            let mut infos = Vec::new();
            let mut problem = s.problem;
            for der in &s.certs {
                match CertInfo::from_der(der) {
                    Ok(i) => infos.push(i),
                    Err(e) => {
                        problem.get_or_insert(SniffError::Unreadable(e.0));
                    }
                }
            }
            (s.format.map(|f| f.as_str()), infos, problem)
        }
    };
    InspectRow {
        file: display_name(f),
        format,
        certificates: certs,
        error: problem.map(|p| ErrorJson {
            code: p.code(),
            message: p.to_string(),
        }),
    }
}

fn inspect_text(r: &InspectRow) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}: {}\n", r.file, r.format.unwrap_or("-")));
    for c in &r.certificates {
        out.push_str(&format!(
            "  subject     {}\n  issuer      {}\n  serial      {}\n  not before  {}\n  not after   {}\n  sha256      {}\n  key         {} {} bits{}\n",
            c.subject,
            c.issuer,
            c.serial,
            rfc3339(c.not_before),
            rfc3339(c.not_after),
            c.sha256,
            c.key.algorithm,
            c.key.bits,
            if c.is_ca { " (CA)" } else { "" }
        ));
        if !c.extended_key_usage.is_empty() {
            out.push_str(&format!(
                "  usage       {}\n",
                c.extended_key_usage.join(", ")
            ));
        }
        if !c.san.is_empty() {
            out.push_str(&format!("  san         {}\n", c.san.join(", ")));
        }
    }
    if let Some(e) = &r.error {
        out.push_str(&format!("  error       {} ({})\n", e.message, e.code));
    }
    out
}

/// Streams one row per file as it is read, so that memory stays flat
/// whatever the number of files; the JSON is the same pretty array that
/// `output::json` prints.
fn inspect(ctx: &Context, a: InspectArgs) -> Result<(), CliError> {
    use serde::ser::{SerializeSeq, Serializer as _};
    let limit = ctx.config.intake.max_file_bytes;
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
            let row = inspect_one(f, limit);
            none |= row.certificates.is_empty();
            seq.serialize_element(&row).map_err(encoding)?;
        }
        seq.end().map_err(encoding)?;
        out.write_all(b"\n").map_err(output::write_error)?;
    } else {
        for f in &a.files {
            let row = inspect_one(f, limit);
            none |= row.certificates.is_empty();
            out.write_all(inspect_text(&row).as_bytes())
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
    let file = display_name(&a.file);
    let refuse = |r: Refusal| {
        CliError::refused(format!("{file}: {}", r.fr(ctx.tz))).hint(format!("code {}", r.code()))
    };
    let bytes = read_limited(&a.file, ctx.config.intake.max_file_bytes)
        .map_err(|e| refuse(Refusal::File(e)))?;
    let s = sniff(&bytes);
    if let Some(p) = s.problem {
        return Err(refuse(Refusal::File(p)));
    }
    let infos: Vec<CertInfo> = s
        .certs
        .iter()
        .map(|d| CertInfo::from_der(d))
        .collect::<Result<_, _>>()
        .map_err(|e| refuse(Refusal::File(SniffError::Unreadable(e.0))))?;
    let leaf = &infos[pick_leaf(&infos).map_err(refuse)?];
    let out: Vec<u8> = if a.der {
        leaf.der.clone()
    } else {
        normal_pem(&leaf.der).into_bytes()
    };
    match a.output {
        Some(p) => std::fs::write(&p, &out)
            .map_err(|e| CliError::operational(format!("cannot write {}: {e}", p.display()))),
        None => std::io::stdout()
            .write_all(&out)
            .map_err(|e| CliError::operational(format!("writing output: {e}"))),
    }
}

/// The files named, folders expanded to the files directly in them, sorted.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| {
                    CliError::operational(format!("cannot read the folder {}: {e}", p.display()))
                })?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct IngestRow {
    file: String,
    outcome: &'static str,
    desk: Option<String>,
    sha256: Option<String>,
    format: Option<&'static str>,
    code: Option<&'static str>,
    reason_fr: Option<String>,
    reason_en: Option<String>,
    overridable: Option<bool>,
    warnings: Vec<String>,
}

fn row(ctx: &Context, d: &Decision) -> IngestRow {
    let base = IngestRow {
        file: d.file.clone(),
        outcome: "",
        desk: None,
        sha256: None,
        format: d.format.map(|f| f.as_str()),
        code: None,
        reason_fr: None,
        reason_en: None,
        overridable: None,
        warnings: Vec::new(),
    };
    match &d.outcome {
        Outcome::Accepted {
            desk,
            leaf,
            warnings,
            ..
        } => IngestRow {
            outcome: "accepted",
            desk: Some(desk.to_string()),
            sha256: Some(leaf.sha256.to_hex()),
            warnings: warnings.iter().map(|w| w.code()).collect(),
            ..base
        },
        Outcome::Unchanged { desk, sha256 } => IngestRow {
            outcome: "unchanged",
            desk: Some(desk.to_string()),
            sha256: Some(sha256.to_hex()),
            ..base
        },
        Outcome::Refused {
            desk,
            sha256,
            refusal,
        } => IngestRow {
            outcome: "refused",
            desk: desk.as_ref().map(ToString::to_string),
            sha256: sha256.map(|s| s.to_hex()),
            code: Some(refusal.code()),
            reason_fr: Some(refusal.fr(ctx.tz)),
            reason_en: Some(refusal.en(ctx.tz)),
            overridable: Some(refusal.overridable()),
            ..base
        },
    }
}

fn ingest(ctx: &Context, a: IngestArgs) -> Result<(), CliError> {
    let named = a
        .desk
        .as_deref()
        .map(DeskId::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--desk: {e}")))?;
    let files = expand(&a.files)?;
    let store = ctx.store()?;
    let mut intake =
        Intake::new(&store, &ctx.config, ctx.now, a.force, named).map_err(|e| match e {
            IntakeError::Store(e) => CliError::from(e),
            IntakeError::Trust(_) => CliError::usage(e.to_string()),
        })?;
    let bar = (std::io::stderr().is_terminal() && files.len() > 1 && !ctx.quiet).then(|| {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let limit = ctx.config.intake.max_file_bytes;
    let writer = Writer {
        config: &ctx.config,
        data_dir: ctx.data_dir(),
        now: ctx.now,
        tz: ctx.tz,
        actor: &ctx.actor,
    };
    // A pipeline: reading and parsing depend on nothing but the file, and
    // run on every core, batch by batch; deciding is sequential, in file
    // order, so that each file sees the decisions about the files before
    // it; each decided batch goes to a writer thread, which stores it (one
    // flushed transaction) while the next batch is parsed.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let decisions = std::thread::scope(|s| -> Result<Vec<Decision>, CliError> {
        let (to_writer, batches) = std::sync::mpsc::sync_channel::<Vec<Decision>>(1);
        let stored = s.spawn(|| -> Result<Vec<Decision>, StoreError> {
            let mut written = Vec::with_capacity(files.len());
            let mut open = None;
            for batch in batches {
                if !a.dry_run {
                    let open = match &mut open {
                        Some(open) => open,
                        None => open.insert(writer.open_jobs(&store)?),
                    };
                    writer.write_batch(&store, &batch, open)?;
                }
                written.extend(batch);
            }
            // Durable before anything is reported.
            if open.is_some() {
                store.flush()?;
            }
            Ok(written)
        });
        for chunk in files.chunks(ingest::BATCH) {
            let per = chunk.len().div_ceil(workers).max(1);
            let examined: Vec<Examined> = std::thread::scope(|s| {
                let handles: Vec<_> = chunk
                    .chunks(per)
                    .map(|part| {
                        s.spawn(move || {
                            part.iter()
                                .map(|f| examine(&display_name(f), read_limited(f, limit)))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    // A worker that panicked is a bug: carry it on rather than lose files.
                    .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            let decided: Vec<Decision> = examined.into_iter().map(|e| intake.decide(e)).collect();
            if let Some(b) = &bar {
                b.inc(decided.len() as u64);
            }
            // The writer stopped on an error: it is reported below.
            if to_writer.send(decided).is_err() {
                break;
            }
        }
        drop(to_writer);
        stored
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
            .map_err(CliError::from)
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    drop(store);
    let rows: Vec<IngestRow> = decisions.iter().map(|d| row(ctx, d)).collect();
    let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
    let (accepted, unchanged, refused) = (count("accepted"), count("unchanged"), count("refused"));
    if a.json {
        output::json(&rows)?;
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
                        format!(" (avertissements : {})", r.warnings.join(", "))
                    }
                )),
                "unchanged" => out.push_str(&format!(
                    "{}: déjà le certificat actuel du guichet {}, rien à faire\n",
                    r.file,
                    r.desk.as_deref().unwrap_or("?")
                )),
                _ => {}
            }
        }
        print!("{out}");
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
        "{}{} accepté(s), {} inchangé(s), {} refusé(s)",
        if a.dry_run {
            "(essai, rien n'est écrit) "
        } else {
            ""
        },
        accepted,
        unchanged,
        refused
    ));
    if refused > 0 {
        return Err(CliError::silent(super::code::REFUSED));
    }
    Ok(())
}

/// A file's name as vigie prints and records it: lossy UTF-8, and control
/// characters escaped, so that a file named with a line break cannot forge a
/// line of the report (`x.cer: accepté pour le guichet…`) or of an e-mail.
fn display_name(p: &Path) -> String {
    crate::escape::file_name(&p.display().to_string())
}

#[derive(Serialize)]
struct HistoryRow {
    sha256: String,
    current: bool,
    subject: String,
    issuer: String,
    serial: String,
    not_before: String,
    not_after: String,
    ingested_at: String,
    ingested_by: String,
    source: String,
    warnings: Vec<String>,
}

fn history(ctx: &Context, a: HistoryArgs) -> Result<(), CliError> {
    let desk = DeskId::parse(&a.desk).map_err(|e| CliError::usage(e.to_string()))?;
    let store = ctx.store()?;
    let current = store.current_sha(&desk)?;
    let rows: Vec<HistoryRow> = store
        .history(&desk)?
        .into_iter()
        .map(|c| HistoryRow {
            sha256: c.sha256.to_hex(),
            current: Some(c.sha256) == current,
            subject: c.subject,
            issuer: c.issuer,
            serial: c.serial,
            not_before: rfc3339(c.not_before),
            not_after: rfc3339(c.not_after),
            ingested_at: rfc3339(c.ingested_at),
            ingested_by: c.ingested_by,
            source: c.source,
            warnings: c.warnings,
        })
        .collect();
    if store.desk(&desk)?.is_none() && rows.is_empty() {
        return Err(CliError::usage(format!(
            "desk {desk} is not in the inventory and has no history"
        )));
    }
    drop(store);
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
