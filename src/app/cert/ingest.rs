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

/// The files named, folders expanded to the files directly in them, sorted.
/// A named pipe, device or socket in a folder is kept, so that reading it
/// refuses it with a row that names it ("not a regular file") instead of it
/// vanishing from the report; sub-folders are left out.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, AppError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| AppError::ReadFolder {
                    folder: p.display().to_string(),
                    source,
                })?
                .flatten()
                .map(|e| e.path())
                // Links followed, as reading does; a dangling one is left out.
                .filter(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_dir()))
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
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
