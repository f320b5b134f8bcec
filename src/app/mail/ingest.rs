//! `vigie mail ingest PATH...`: messages from files, only read.

use std::path::PathBuf;

use super::reply::{send_due, ReplyFailure};
use super::Taker;
use crate::app::{AppError, Env};
use crate::mail::source::messages;
use crate::model::{MailAction, MailRecord};

/// What `mail ingest` did.
#[derive(Debug)]
pub struct Ingested {
    /// Each message read, in order, and what became of it.
    pub records: Vec<MailRecord>,
    /// Replies that could not be sent (they stay due).
    pub reply_failures: Vec<ReplyFailure>,
}

/// Takes in every message the paths hold (`.eml` files, Maildir folders,
/// mbox files), in order, and returns what became of each once durable,
/// after sending the replies due. A message that cannot be read is
/// reported as for people, and not recorded.
pub fn ingest(
    env: &Env,
    paths: &[PathBuf],
    dry_run: bool,
    no_reply: bool,
) -> Result<Ingested, AppError> {
    // `--now` is a what-if (DESIGN §13): no reply, nothing recorded.
    let dry_run = dry_run || env.what_if();
    // Read one message at a time as it is taken in: a big folder or mbox
    // is never held whole.
    let raws = messages(paths, env.config.mail.max_message_bytes).map_err(|e| AppError::Read {
        file: e.path,
        source: e.source,
    })?;
    let store = env.store()?;
    let mut taker = Taker::new(&store, env, dry_run, no_reply)?;
    let mut out = Vec::new();
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
                reply_sent_at: None,
                thread: Vec::new(),
                source: raw.origin,
                received_at: env.now,
            }),
        }
    }
    taker.flush()?;
    drop(taker);
    let reply_failures = if dry_run {
        Vec::new()
    } else {
        send_due(env, &store)?.1
    };
    Ok(Ingested {
        records: out,
        reply_failures,
    })
}
