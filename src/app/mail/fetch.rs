//! `vigie mail fetch`: the configured mailbox (DESIGN §10), a Maildir or an
//! IMAP account. Each message is taken in and recorded (its certificates in
//! the same transaction), the record made durable, and only then is the
//! message moved out of the folder read: to `processed_folder`, or
//! `needs_human_folder` when people must look at it. A crash between the
//! two leaves the message where it was; the next fetch finds it recorded (a
//! duplicate: no new certificate, no new reply) and moves it where its
//! first decision said.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::ingest::Ingested;
use super::reply::send_due;
use super::Taker;
use crate::app::{AppError, Env};
use crate::mail::imap::{self, ImapError};
use crate::mail::maildir;
use crate::mail::source::read_one;
use crate::model::{MailAction, MailRecord};

/// Whether a message goes to people, by what became of it.
fn for_people(action: MailAction) -> bool {
    action == MailAction::NeedsHuman
}

/// A mailbox as fetch sees it: messages listed, read, then moved.
trait Mailbox {
    /// How the mailbox names one message.
    type Item;
    /// Creates the destination folders when missing (not in a dry run).
    fn prepare(&mut self) -> Result<(), AppError>;
    /// The messages of the folder read, oldest first.
    fn items(&mut self) -> Result<Vec<Self::Item>, AppError>;
    /// Where a message comes from, for its record.
    fn origin(&self, item: &Self::Item) -> String;
    /// A message's bytes, or why it cannot be taken in (too large,
    /// unreadable: it goes to people unrecorded); an error stops the run.
    fn read(
        &mut self,
        item: &Self::Item,
        limit: u64,
    ) -> Result<Result<MessageBytes, String>, AppError>;
    /// Moves a message to `processed_folder`, or `needs_human_folder`;
    /// called only once its record is durable. It may be done later, in a
    /// batch, but before [`Mailbox::finish`] returns.
    fn move_to(&mut self, item: &Self::Item, people: bool) -> Result<(), AppError>;
    /// Completes the moves still pending.
    fn finish(&mut self) -> Result<(), AppError> {
        Ok(())
    }
}

/// A message's bytes, wherever they are kept (a file read into memory, an
/// IMAP client's buffer).
type MessageBytes = Box<dyn AsRef<[u8]>>;

/// How many messages a fetch records before it flushes their records and
/// moves them: one flush for them all, and over IMAP one command per
/// destination instead of one per message, while a crash leaves few
/// duplicates to move again.
const MOVE_BATCH: usize = 100;

/// Fetches the configured mailbox; with `source = "none"`, nothing.
pub fn fetch(env: &Env, dry_run: bool, no_reply: bool) -> Result<Ingested, AppError> {
    fetch_until(env, dry_run, no_reply, &AtomicBool::new(false))
}

/// [`fetch`], stopping between messages once `stop` is set (the service
/// on SIGTERM): the messages not reached stay in the folder for the next
/// run.
pub fn fetch_until(
    env: &Env,
    dry_run: bool,
    no_reply: bool,
    stop: &AtomicBool,
) -> Result<Ingested, AppError> {
    // `--now` is a what-if (DESIGN §13): no move, no reply, nothing recorded.
    let dry_run = dry_run || env.what_if();
    let cfg = &env.config.mail;
    match (cfg.source.as_str(), &env.config.imap, &cfg.maildir) {
        ("imap", Some(account), _) => {
            let mut mailbox = Imap::open(env, account, dry_run)?;
            let done = run(env, &mut mailbox, dry_run, no_reply, stop);
            mailbox.session.logout();
            done
        }
        ("maildir", _, Some(root)) => {
            let mut mailbox = Maildir {
                inbox: maildir::folder_dir(root, &cfg.folder),
                processed: maildir::folder_dir(root, &cfg.processed_folder),
                people: maildir::folder_dir(root, &cfg.needs_human_folder),
            };
            run(env, &mut mailbox, dry_run, no_reply, stop)
        }
        _ => Ok(Ingested {
            records: Vec::new(),
            reply_failures: Vec::new(),
        }),
    }
}

/// Takes in every message of `mailbox`, moving each once it is recorded.
fn run<M: Mailbox>(
    env: &Env,
    mailbox: &mut M,
    dry_run: bool,
    no_reply: bool,
    stop: &AtomicBool,
) -> Result<Ingested, AppError> {
    let limit = env.config.mail.max_message_bytes;
    if !dry_run {
        mailbox.prepare()?;
    }
    let items = mailbox.items()?;
    let store = env.store()?;
    let mut taker = Taker::new(&store, env, dry_run, no_reply)?;
    let mut records = Vec::with_capacity(items.len());
    // Recorded, not yet moved: the item and its record's place in `records`.
    let mut to_move: Vec<(M::Item, usize)> = Vec::new();
    for item in items {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let origin = mailbox.origin(&item);
        let read = match mailbox.read(&item, limit) {
            Ok(read) => read,
            Err(e) => {
                // The mailbox failed (the connection dropped): what was
                // taken in so far is kept, and its messages, left in the
                // folder, are met as duplicates next time.
                if let Err(f) = taker.flush() {
                    tracing::warn!(error = %f, "cannot record the messages taken before the mailbox failed");
                }
                return Err(e);
            }
        };
        let rec = match read {
            Ok(bytes) => taker.take((*bytes).as_ref(), &origin)?,
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
        to_move.push((item, records.len()));
        records.push(rec);
        if to_move.len() >= MOVE_BATCH {
            move_recorded(mailbox, &mut taker, &mut to_move, &records)?;
        }
    }
    move_recorded(mailbox, &mut taker, &mut to_move, &records)?;
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

/// Makes the records of the messages in `to_move` durable, then moves the
/// messages out of the folder: processed, or for people. A crash before the
/// moves leaves them in the folder, met again as duplicates and moved then.
fn move_recorded<M: Mailbox>(
    mailbox: &mut M,
    taker: &mut Taker<'_>,
    to_move: &mut Vec<(M::Item, usize)>,
    records: &[MailRecord],
) -> Result<(), AppError> {
    taker.flush()?;
    for (item, i) in to_move.drain(..) {
        let rec = &records[i];
        let action = match rec.action {
            MailAction::Duplicate => taker.first_action(rec)?.unwrap_or(MailAction::Ingested),
            a => a,
        };
        mailbox.move_to(&item, for_people(action))?;
    }
    mailbox.finish()
}

/// A Maildir (`source = "maildir"`).
struct Maildir {
    inbox: PathBuf,
    processed: PathBuf,
    people: PathBuf,
}

fn io_error(what: &Path) -> impl FnOnce(std::io::Error) -> AppError {
    let file = what.display().to_string();
    move |source| AppError::Read { file, source }
}

impl Mailbox for Maildir {
    type Item = PathBuf;

    fn prepare(&mut self) -> Result<(), AppError> {
        maildir::ensure(&self.processed).map_err(io_error(&self.processed))?;
        maildir::ensure(&self.people).map_err(io_error(&self.people))
    }

    fn items(&mut self) -> Result<Vec<PathBuf>, AppError> {
        maildir::messages(&self.inbox).map_err(io_error(&self.inbox))
    }

    fn origin(&self, file: &PathBuf) -> String {
        crate::escape::file_name(&file.display().to_string())
    }

    fn read(
        &mut self,
        file: &PathBuf,
        limit: u64,
    ) -> Result<Result<MessageBytes, String>, AppError> {
        Ok(read_one(file, limit).map(|b| Box::new(b) as MessageBytes))
    }

    fn move_to(&mut self, file: &PathBuf, people: bool) -> Result<(), AppError> {
        let dest = if people {
            &self.people
        } else {
            &self.processed
        };
        maildir::move_to(file, dest).map_err(io_error(file))?;
        Ok(())
    }
}

/// An IMAP account (`source = "imap"`).
struct Imap<'a> {
    session: imap::Mailbox,
    folder: &'a str,
    processed: &'a str,
    people: &'a str,
    read_only: bool,
    /// Recorded messages not yet moved: UID, and whether for people.
    pending: Vec<(u32, bool)>,
}

/// An IMAP failure as the application reports it: the server, the user
/// and the folder named, never the password.
fn imap_error(folder: &str) -> impl FnOnce(ImapError) -> AppError + '_ {
    move |e| AppError::ReadFolder {
        folder: format!("{}/{folder}", e.server),
        source: std::io::Error::other(e.message),
    }
}

impl<'a> Imap<'a> {
    /// Logs in with the password read now from its file or variable.
    fn open(
        env: &'a Env,
        account: &crate::config::Imap,
        read_only: bool,
    ) -> Result<Imap<'a>, AppError> {
        let cfg = &env.config.mail;
        let password = account.password.read().map_err(|e| AppError::ReadFolder {
            folder: format!("{}/{}", imap::label(account), cfg.folder),
            source: std::io::Error::other(e.to_string()),
        })?;
        // A line may also be a long UID SEARCH answer: never below 8 MiB
        // (a million UIDs), whatever max_message_bytes says.
        let limit = cfg.max_message_bytes.max(8 << 20) + imap::SLACK;
        let session =
            imap::Mailbox::open(account, &password, limit).map_err(imap_error(&cfg.folder))?;
        Ok(Imap {
            session,
            folder: &cfg.folder,
            processed: &cfg.processed_folder,
            people: &cfg.needs_human_folder,
            read_only,
            pending: Vec::new(),
        })
    }
}

impl Mailbox for Imap<'_> {
    type Item = imap::Entry;

    fn prepare(&mut self) -> Result<(), AppError> {
        for folder in [self.processed, self.people] {
            self.session
                .ensure_folder(folder)
                .map_err(imap_error(folder))?;
        }
        Ok(())
    }

    fn items(&mut self) -> Result<Vec<imap::Entry>, AppError> {
        self.session
            .open_folder(self.folder, self.read_only)
            .map_err(imap_error(self.folder))
    }

    fn origin(&self, item: &imap::Entry) -> String {
        self.session.origin(self.folder, item.uid)
    }

    fn read(
        &mut self,
        item: &imap::Entry,
        limit: u64,
    ) -> Result<Result<MessageBytes, String>, AppError> {
        // Too large by the server's own count: not downloaded at all.
        if item.size.is_some_and(|s| s > limit) {
            return Ok(Err(format!(
                "plus de {limit} octets (mail.max_message_bytes)"
            )));
        }
        let bytes = self
            .session
            .fetch(item.uid)
            .map_err(imap_error(self.folder))?;
        if bytes.as_ref().len() as u64 > limit {
            return Ok(Err(format!(
                "plus de {limit} octets (mail.max_message_bytes)"
            )));
        }
        Ok(Ok(Box::new(bytes)))
    }

    fn move_to(&mut self, item: &imap::Entry, people: bool) -> Result<(), AppError> {
        // Moved by `finish`, one command per destination.
        self.pending.push((item.uid, people));
        Ok(())
    }

    fn finish(&mut self) -> Result<(), AppError> {
        let pending = std::mem::take(&mut self.pending);
        for (dest, people) in [(self.processed, false), (self.people, true)] {
            let uids: Vec<u32> = pending
                .iter()
                .filter(|(_, p)| *p == people)
                .map(|(uid, _)| *uid)
                .collect();
            self.session
                .move_to(&uids, dest)
                .map_err(imap_error(self.folder))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// A mailbox whose connection drops when message `drops_at` is read.
    struct Dropping {
        count: usize,
        drops_at: usize,
        moved: Vec<usize>,
    }

    impl Mailbox for Dropping {
        type Item = usize;
        fn prepare(&mut self) -> Result<(), AppError> {
            Ok(())
        }
        fn items(&mut self) -> Result<Vec<usize>, AppError> {
            Ok((0..self.count).collect())
        }
        fn origin(&self, n: &usize) -> String {
            format!("message {n}")
        }
        fn read(
            &mut self,
            n: &usize,
            _limit: u64,
        ) -> Result<Result<MessageBytes, String>, AppError> {
            if *n == self.drops_at {
                return Err(AppError::Read {
                    file: "imap".into(),
                    source: std::io::Error::from(std::io::ErrorKind::ConnectionReset),
                });
            }
            let text = format!(
                "From: guichet{n}@example.org\r\nSubject: question {n}\r\n\
                 Message-ID: <q{n}@example.org>\r\n\r\nBonjour.\r\n"
            );
            Ok(Ok(Box::new(text.into_bytes())))
        }
        fn move_to(&mut self, n: &usize, _people: bool) -> Result<(), AppError> {
            self.moved.push(*n);
            Ok(())
        }
    }

    #[test]
    fn a_mailbox_that_fails_midway_keeps_what_was_taken_unmoved() {
        let dir = tempfile::tempdir().unwrap();
        let now = crate::clock::parse_instant("2026-12-01T09:00:00Z").unwrap();
        let env = Env::new(Config::default(), dir.path().into(), now, "test".into());
        let mut mailbox = Dropping {
            count: 10,
            drops_at: 3,
            moved: Vec::new(),
        };
        let stop = AtomicBool::new(false);
        assert!(run(&env, &mut mailbox, false, true, &stop).is_err());
        // The three messages read are recorded, not moved: the next fetch
        // meets them as duplicates and moves them then.
        assert!(mailbox.moved.is_empty());
        assert_eq!(env.store().unwrap().mail_records().unwrap().len(), 3);

        let mut mailbox = Dropping {
            count: 10,
            drops_at: usize::MAX,
            moved: Vec::new(),
        };
        let done = run(&env, &mut mailbox, false, true, &stop).unwrap();
        let duplicates = done
            .records
            .iter()
            .filter(|r| r.action == MailAction::Duplicate)
            .count();
        assert_eq!(duplicates, 3);
        assert_eq!(mailbox.moved, (0..10).collect::<Vec<_>>());
        assert_eq!(env.store().unwrap().mail_records().unwrap().len(), 10);
    }
}
