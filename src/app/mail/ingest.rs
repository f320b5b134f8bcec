//! `vigie mail ingest PATH...`: messages from files, only read.

use std::path::PathBuf;

use super::Taker;
use crate::app::{AppError, Env};
use crate::mail::source::read_paths;
use crate::model::{MailAction, MailRecord};

/// The most bytes of one message read from a file.
pub const MAX_MESSAGE_BYTES: u64 = 25 * 1024 * 1024;

/// Takes in every message the paths hold (`.eml` files, Maildir folders,
/// mbox files), in order, and returns what became of each once durable. A
/// message that cannot be read is reported as for people, and not recorded.
pub fn ingest(env: &Env, paths: &[PathBuf], dry_run: bool) -> Result<Vec<MailRecord>, AppError> {
    let raws = read_paths(paths, MAX_MESSAGE_BYTES).map_err(|e| AppError::Read {
        file: e.path,
        source: e.source,
    })?;
    let store = env.store()?;
    let mut taker = Taker::new(&store, env, dry_run)?;
    let mut out = Vec::with_capacity(raws.len());
    for raw in raws {
        match raw.bytes {
            Ok(bytes) => out.push(taker.take(&bytes, &raw.origin)?),
            Err(why) => out.push(MailRecord {
                message_id: String::new(),
                sha256: crate::fingerprint::Sha256::of(raw.origin.as_bytes()),
                from: None,
                subject: None,
                date: None,
                desk: None,
                attributed_by: None,
                certificates: Vec::new(),
                action: MailAction::NeedsHuman,
                note: Some(why),
                reply_message_id: None,
                source: raw.origin,
                received_at: env.now,
            }),
        }
    }
    taker.flush()?;
    Ok(out)
}
