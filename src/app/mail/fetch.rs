//! `vigie mail fetch`: the configured mailbox (DESIGN §10). Each message is
//! taken in and recorded (its certificates in the same transaction), the
//! record made durable, and only then is the message moved out of the
//! folder read: to `processed_folder`, or `needs_human_folder` when people
//! must look at it. A crash between the two leaves the message where it
//! was; the next fetch finds it recorded (a duplicate: no new certificate,
//! no new reply) and moves it where its first decision said.

use super::ingest::Ingested;
use super::reply::send_due;
use super::Taker;
use crate::app::{AppError, Env};
use crate::mail::maildir;
use crate::mail::source::read_one;
use crate::model::{MailAction, MailRecord};

/// Whether a message goes to people, by what became of it.
fn for_people(action: MailAction) -> bool {
    action == MailAction::NeedsHuman
}

/// Fetches the configured mailbox; with `source = "none"`, nothing.
pub fn fetch(env: &Env, dry_run: bool, no_reply: bool) -> Result<Ingested, AppError> {
    // `--now` is a what-if (DESIGN §13): no move, no reply, nothing recorded.
    let dry_run = dry_run || env.what_if();
    let cfg = &env.config.mail;
    let Some(root) = cfg.maildir.as_deref().filter(|_| cfg.source == "maildir") else {
        return Ok(Ingested {
            records: Vec::new(),
            reply_failures: Vec::new(),
        });
    };
    let io = |what: &std::path::Path| {
        let file = what.display().to_string();
        move |source| AppError::Read { file, source }
    };
    let inbox = maildir::folder_dir(root, &cfg.folder);
    let processed = maildir::folder_dir(root, &cfg.processed_folder);
    let people = maildir::folder_dir(root, &cfg.needs_human_folder);
    let files = maildir::messages(&inbox).map_err(io(&inbox))?;
    if !dry_run {
        maildir::ensure(&processed).map_err(io(&processed))?;
        maildir::ensure(&people).map_err(io(&people))?;
    }
    let store = env.store()?;
    let mut taker = Taker::new(&store, env, dry_run, no_reply)?;
    let mut records = Vec::with_capacity(files.len());
    for file in files {
        let origin = crate::escape::file_name(&file.display().to_string());
        let rec = match read_one(&file, cfg.max_message_bytes) {
            Ok(bytes) => taker.take(&bytes, &origin)?,
            // Unreadable or too large: for people, unrecorded (it has no
            // bytes to be known by); moving it is what keeps the inbox
            // from sticking on it.
            Err(why) => MailRecord {
                note: Some(why),
                ..taker.unreadable(&origin)
            },
        };
        if dry_run {
            records.push(rec);
            continue;
        }
        // Durable before the message leaves the folder.
        taker.flush()?;
        let action = match rec.action {
            MailAction::Duplicate => taker.first_action(&rec)?.unwrap_or(MailAction::Ingested),
            a => a,
        };
        let dest = if for_people(action) {
            &people
        } else {
            &processed
        };
        maildir::move_to(&file, dest).map_err(io(&file))?;
        records.push(rec);
    }
    taker.flush()?;
    drop(taker);
    let reply_failures = if dry_run {
        Vec::new()
    } else {
        send_due(env, &store)?.1
    };
    Ok(Ingested {
        records,
        reply_failures,
    })
}
