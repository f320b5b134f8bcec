//! Sending the replies that are due: a reply is decided when its message is
//! recorded (its Message-ID fixed in the record, in the same transaction as
//! the certificates), then sent, then marked sent. Over SMTP, each reply is
//! marked (and the mark flushed) before the next leaves: a crash between
//! sending and marking repeats that one reply, with the same Message-ID.
//! Into the outbox folder (no SMTP configured), the replies are files named
//! by their Message-ID: all are written, made durable together, then marked
//! together; a crash before the marks writes the same files again, so
//! nothing is repeated, and one flush serves 2,000 replies instead of 2,000
//! (docs/PERFORMANCE.md). A reply that could not be sent stays due and is
//! tried again on the next run.

use crate::alerts::transport::{write_eml_batched, Transport};
use crate::app::{AppError, Env};
use crate::clock::french_date;
use crate::mail::reply::{build, ReplyCert, ReplyTemplates, Thread};
use crate::model::{CertOutcome, Lang, MailRecord};
use crate::store::Store;

/// A reply that could not be sent this time.
#[derive(Debug, Clone)]
pub struct ReplyFailure {
    /// The message answered.
    pub message_id: String,
    /// Why.
    pub error: String,
}

/// Sends every due reply; returns the records as they now stand (sent ones
/// with their date) and the failures.
pub fn send_due(
    env: &Env,
    store: &Store,
) -> Result<(Vec<MailRecord>, Vec<ReplyFailure>), AppError> {
    let due: Vec<MailRecord> = store
        .mail_records()?
        .into_iter()
        .filter(|r| r.reply_message_id.is_some() && r.reply_sent_at.is_none())
        .collect();
    if due.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let transport = Transport::from_config(&env.config, &env.data_dir)?;
    let templates = ReplyTemplates::new(env.config.templates_dir.as_deref());
    let mut sent = Vec::new();
    let mut failed = Vec::new();
    // The outbox folder's replies, written and not yet durable nor marked.
    let mut outbox = match &transport {
        Transport::Outbox(dir) => Some((dir.clone(), crate::fsutil::Batch::new(), Vec::new())),
        Transport::Smtp(_) => None,
    };
    for mut rec in due {
        let fail = |error: String| ReplyFailure {
            message_id: rec.message_id.clone(),
            error,
        };
        let (Some(id), Some(to)) = (rec.reply_message_id.clone(), rec.from.clone()) else {
            continue;
        };
        let desk = match &rec.desk {
            Some(d) => store.desk(d)?,
            None => None,
        };
        let lang = desk.as_ref().map_or(Lang::Fr, |d| d.lang);
        let mut certs = Vec::new();
        for c in &rec.certificates {
            let stored = match c.sha256 {
                Some(s) if c.outcome != CertOutcome::Refused => store.cert(&s)?,
                _ => None,
            };
            certs.push(ReplyCert {
                file: c.file.clone(),
                outcome: c.outcome.as_str(),
                subject: stored
                    .as_ref()
                    .map(|s| s.subject.clone())
                    .unwrap_or_default(),
                not_before: stored
                    .as_ref()
                    .map(|s| french_date(s.not_before, env.tz))
                    .unwrap_or_default(),
                not_after: stored
                    .as_ref()
                    .map(|s| french_date(s.not_after, env.tz))
                    .unwrap_or_default(),
                sha256: c.sha256.map(|s| s.to_hex()).unwrap_or_default(),
                code: c
                    .reason
                    .as_ref()
                    .map(|r| r.code.clone())
                    .unwrap_or_default(),
                reason: c
                    .reason
                    .as_ref()
                    .map(|r| r.message.clone())
                    .unwrap_or_default(),
                reason_en: c
                    .reason
                    .as_ref()
                    .map(|r| r.message_en.clone())
                    .unwrap_or_default(),
            });
        }
        let ctx = minijinja::context! {
            original_subject => rec.subject.clone().unwrap_or_default(),
            desk => desk.as_ref().map(|d| minijinja::context! { id => d.id.to_string(), name => d.name.clone() }),
            refused => certs.iter().any(|c| c.outcome == "refused"),
            certificates => certs,
            manager => minijinja::context! {
                name => env.config.manager.name.clone(),
                email => env.config.manager.email.to_string(),
            },
        };
        let rendered = match templates.render_reply(lang, &ctx) {
            Ok(r) => r,
            Err(e) => {
                failed.push(fail(e.to_string()));
                continue;
            }
        };
        let thread = Thread {
            id: &id,
            references: &rec.thread,
            to: &to,
        };
        let message = match build(&rendered, &thread, &env.config, env.now) {
            Ok(m) => m,
            Err(e) => {
                failed.push(fail(e));
                continue;
            }
        };
        let stem: String = id
            .trim_matches(['<', '>'])
            .split('@')
            .next()
            .unwrap_or("reply")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if let Some((dir, files, written)) = &mut outbox {
            let bytes = message.formatted();
            match write_eml_batched(files, dir, &stem, &bytes) {
                Ok(()) => written.push(rec),
                Err(e) => failed.push(fail(format!("outbox {}: {e}", dir.display()))),
            }
            continue;
        }
        match transport.send(&message, &stem) {
            Ok(_) => {
                rec.reply_sent_at = Some(env.now);
                store.write(|tx| tx.put_mail(&rec))?;
                sent.push(rec);
            }
            Err(e) => failed.push(fail(format!("{e:?}"))),
        }
    }
    if let Some((dir, mut files, written)) = outbox {
        if let Err(e) = files.sync() {
            // Not known durable: left due, written again next time.
            let error = format!("outbox {}: {e}", dir.display());
            failed.extend(written.into_iter().map(|r| ReplyFailure {
                message_id: r.message_id,
                error: error.clone(),
            }));
            return Ok((sent, failed));
        }
        let written: Vec<MailRecord> = written
            .into_iter()
            .map(|r| MailRecord {
                reply_sent_at: Some(env.now),
                ..r
            })
            .collect();
        store.write(|tx| written.iter().try_for_each(|r| tx.put_mail(r)))?;
        sent.extend(written);
    }
    Ok((sent, failed))
}
