//! Ingesting renewed certificates: the threaded pipeline that reads, decides
//! and stores, file after file.

use std::path::PathBuf;

use super::display_name;
use crate::app::{AppError, Env};
use crate::cert::ingest::{self, examine, Decision, Examined, Intake, Writer};
use crate::cert::sniff::read_limited;
use crate::desk::DeskId;
use crate::store::StoreError;

/// Told how an ingest advances, for a progress bar.
pub trait Progress {
    /// The ingest starts on `files` files.
    fn start(&mut self, files: usize);
    /// `n` more files are decided.
    fn advance(&mut self, n: usize);
}

impl Progress for () {
    fn start(&mut self, _: usize) {}
    fn advance(&mut self, _: usize) {}
}

/// The files to ingest, and the files of the folders left out.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The files, in order: as named, folders expanded in place, sorted.
    pub files: Vec<PathBuf>,
    /// Files found in folders and left out: hidden or system files that no
    /// desk sent (`Thumbs.db`, `.DS_Store`, Office lock files…).
    pub skipped: Vec<PathBuf>,
}

/// Whether a file found in a folder is one no desk sent: hidden (a leading
/// dot, `.DS_Store` included), the thumbnails and settings Windows and
/// macOS leave in folders, Office lock files (`~$…`) and temporary files
/// (`*.tmp`). Such files are skipped, never refused nor mailed (issue 14).
pub fn is_system_file(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || lower.ends_with(".tmp")
        || matches!(
            lower.as_str(),
            "thumbs.db" | "ehthumbs.db" | "desktop.ini" | "icon\r" | "__macosx"
        )
}

/// The paths named, folders expanded to their files (sub-folders too when
/// `recursive`), each folder sorted. A named pipe, device or socket in a
/// folder is kept, so that reading it refuses it with a row that names it
/// ("not a regular file") instead of it vanishing from the report; hidden
/// and system files of folders are set apart ([`is_system_file`]); links to
/// folders are not followed (no loops). A named path that does not exist is
/// the command's error, not a desk's refused file.
pub fn expand(paths: &[PathBuf], recursive: bool) -> Result<Expanded, AppError> {
    let mut out = Expanded::default();
    for p in paths {
        match std::fs::metadata(p) {
            Err(source) => {
                return Err(AppError::Read {
                    file: super::display_name(p),
                    source,
                })
            }
            Ok(m) if m.is_dir() => walk(p, recursive, &mut out)?,
            Ok(_) => out.files.push(p.clone()),
        }
    }
    Ok(out)
}

fn walk(dir: &std::path::Path, recursive: bool, out: &mut Expanded) -> Result<(), AppError> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(|source| AppError::ReadFolder {
            folder: dir.display().to_string(),
            source,
        })?
        .flatten()
        .collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        // The entry itself, not a link's target: a link to a folder is not
        // walked (no loops).
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_system_file(&name) {
            if !is_dir {
                out.skipped.push(path);
            }
        } else if is_dir {
            if recursive {
                walk(&path, recursive, out)?;
            }
        } else if std::fs::metadata(&path).is_ok_and(|m| !m.is_dir()) {
            // Links followed, as reading does; a dangling one or one to a
            // folder is left out.
            out.files.push(path);
        }
    }
    Ok(())
}

/// How an ingest is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The desk the certificates are for (`--desk`); else each names its own.
    pub named: Option<DeskId>,
    /// Accept despite overridable refusals (`--force`).
    pub force: bool,
    /// Decide and report only (`--dry-run`).
    pub dry_run: bool,
    /// The first load (`--initial`, DESIGN §13): the certificates are already
    /// configured nationally, so no push and no confirmation; an expired one
    /// becomes current too; no refusal is mailed to a desk.
    pub initial: bool,
}

/// What an ingest did: every decision, in file order, and what was wrong
/// with the configured certificate folders.
#[derive(Debug)]
pub struct Ingested {
    /// One decision per file.
    pub decisions: Vec<Decision>,
    /// Files of `intake.trust_anchors_dir`, `intermediates_dir` or
    /// `known_issuers_dir` left out or expired, one sentence each.
    pub notices: Vec<String>,
}

/// Decides on each of `files` (already expanded, see [`expand`]), in order,
/// for the desk `opts` names or the desk each certificate names, and stores
/// the accepted ones unless it is a dry run. Returns every decision, in file
/// order, once they are durable.
pub fn ingest(
    env: &Env,
    files: &[PathBuf],
    opts: &Options,
    progress: &mut dyn Progress,
) -> Result<Ingested, AppError> {
    let dry_run = opts.dry_run;
    let store = env.store()?;
    let mut intake = Intake::new(&store, &env.config, env.now, opts.force, opts.named.clone())?
        .initial(opts.initial);
    let notices = intake.notices().to_vec();
    progress.start(files.len());
    let limit = env.config.intake.max_file_bytes;
    let writer = Writer {
        config: &env.config,
        destination: crate::push::destination_label(&env.config.national, &env.data_dir),
        now: env.now,
        tz: env.tz,
        actor: &env.actor,
        initial: opts.initial,
    };
    // A pipeline: reading and parsing depend on nothing but the file, and
    // run on every core, batch by batch; deciding is sequential, in file
    // order, so that each file sees the decisions about the files before
    // it; each decided batch goes to a writer thread, which stores it (one
    // flushed transaction) while the next batch is parsed.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let decisions = std::thread::scope(|s| -> Result<Vec<Decision>, AppError> {
        let (to_writer, batches) = std::sync::mpsc::sync_channel::<Vec<Decision>>(1);
        let stored = s.spawn(|| -> Result<Vec<Decision>, StoreError> {
            let mut written = Vec::with_capacity(files.len());
            let mut open = None;
            for batch in batches {
                if !dry_run {
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
            progress.advance(decided.len());
            // The writer stopped on an error: it is reported below.
            if to_writer.send(decided).is_err() {
                break;
            }
        }
        drop(to_writer);
        stored
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
            .map_err(AppError::from)
    })?;
    Ok(Ingested { decisions, notices })
}
