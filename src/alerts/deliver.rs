//! Delivery: every pending record of the alert log, whatever its kind, is
//! rendered, handed to the transport, and marked.
//!
//! # Exactly once, and the one crash window
//!
//! A message is written to the store as `pending`, with its Message-ID fixed,
//! *before* it is handed to SMTP (the store flushes before `write` returns),
//! and marked `sent` with the instant after the server accepted it. A send
//! that fails stays `pending` with its error and attempt count and is tried
//! again on the next run; a permanent refusal (5xx, an address SMTP will not
//! take) marks it `failed` with the reason, and the other messages still go.
//!
//! If vigie dies after the server accepted a message and before the `sent`
//! mark reached the disk, the next run sends that message again: at most one
//! duplicate, of that one message, with the same Message-ID (so a receiving
//! system that deduplicates by Message-ID drops it). No design avoids this
//! window without the SMTP server's cooperation; it is documented in
//! `docs/alerts.md`.

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;
use std::sync::atomic::{AtomicBool, Ordering};

use super::context;
use super::digest_parts::{self, DigestParts};
use super::plan::{message_id, recipients};
use super::templates::{Rendered, Templates};
use super::transport::{SendError, Transport};
use super::{AlertError, AlertKind, AlertRecord, AlertState, AlertSubject, RunSummary};
use crate::audit::AuditEntry;
use crate::clock::Instant;
use crate::config::Config;
use crate::desk::{Email, Lang};
use crate::store::{alert_key, Store};

/// Where messages go out: the transport and the templates that word them.
pub struct Outlet<'a> {
    /// SMTP or the outbox folder.
    pub transport: &'a Transport,
    /// The embedded or overriding templates.
    pub templates: &'a Templates,
    /// The installation's identity, for the Message-IDs filled in here.
    pub installation: &'a str,
}

/// Sends every pending record; returns what became of each, by kind.
pub fn deliver_pending(
    store: &Store,
    config: &Config,
    outlet: &Outlet<'_>,
    now: Instant,
    actor: &str,
    summary: &mut RunSummary,
    stop: &AtomicBool,
) -> Result<(), AlertError> {
    deliver_pending_where(store, config, outlet, now, actor, summary, stop, &|_| true)
}

/// [`deliver_pending`] for the pending records `keep` accepts only (the
/// messages about one scheduled change, sent when it is scheduled).
#[allow(clippy::too_many_arguments)]
pub fn deliver_pending_where(
    store: &Store,
    config: &Config,
    outlet: &Outlet<'_>,
    now: Instant,
    actor: &str,
    summary: &mut RunSummary,
    stop: &AtomicBool,
    keep: &dyn Fn(&AlertRecord) -> bool,
) -> Result<(), AlertError> {
    let mut pending = store.alerts_in(AlertState::Pending)?;
    pending.retain(|r| keep(r));
    let mut unreachable: Option<String> = None;
    for mut rec in pending {
        // Asked to stop (the service got SIGTERM): the message in hand was
        // finished and recorded; the rest stay pending for the next run.
        if stop.load(Ordering::SeqCst) {
            summary.count(rec.kind(), AlertState::Pending);
            continue;
        }
        if let Some(reason) = &unreachable {
            rec.error = Some(format!("not attempted this run: {reason}"));
            store.write(|tx| tx.put_alert(&rec))?;
            summary.count(rec.kind(), AlertState::Pending);
            continue;
        }
        let outcome = prepare_and_send(store, config, outlet, now, &mut rec)?;
        let audit = AuditEntry::new(now, actor, "alert.send")
            .outcome(match outcome {
                None => "ok",
                Some(_) if rec.state == AlertState::Superseded => "superseded",
                Some(SendError::Permanent(_)) => "failed",
                Some(_) => "retry",
            })
            .detail(format!(
                "{} {} to {}{}{}",
                rec.kind().as_str(),
                rec.threshold_days()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                rec.recipients.join(", "),
                rec.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default(),
                rec.failed_recipients
                    .iter()
                    .map(|f| format!("; refused {}: {}", f.address, f.answer))
                    .collect::<String>()
            ));
        let audit = match (rec.desk(), rec.sha256()) {
            (Some(d), Some(s)) => audit.desk(d).cert(s),
            (Some(d), None) => audit.desk(d),
            _ => audit,
        };
        store.write(|tx| {
            tx.put_alert(&rec)?;
            tx.audit(&audit)
        })?;
        summary.count(rec.kind(), rec.state);
        for f in &rec.failed_recipients {
            summary
                .refused_recipients
                .push((rec.desk().cloned(), f.clone()));
        }
        if let Some(SendError::Unreachable(e)) = outcome {
            unreachable = Some(e);
        }
    }
    Ok(())
}

/// Fills in what a record written by intake or push leaves out (Message-ID,
/// recipients), records it, renders and sends. Leaves `rec` in its new state.
fn prepare_and_send(
    store: &Store,
    config: &Config,
    outlet: &Outlet<'_>,
    now: Instant,
    rec: &mut AlertRecord,
) -> Result<Option<SendError>, AlertError> {
    let (transport, templates) = (outlet.transport, outlet.templates);
    let desk = match rec.desk() {
        Some(id) => match store.desk(id)? {
            Some(d) => Some(d),
            None => {
                let why = format!("desk {id} is no longer in the inventory");
                fail(rec, why);
                return Ok(Some(SendError::Permanent(String::new())));
            }
        },
        None => None,
    };
    let cert = match rec.sha256() {
        Some(sha) => store.cert(&sha)?,
        None => None,
    };
    // A newer certificate silences every alert about the old one.
    if let AlertSubject::Threshold { desk, cert, .. } | AlertSubject::Expired { desk, cert, .. } =
        &rec.subject
    {
        if store.current_sha(desk)? != Some(*cert) {
            rec.supersede();
            return Ok(Some(SendError::Permanent(String::new())));
        }
    }
    // Issue 16: a campaign's reminder to a desk that has acted since (or
    // whose campaign was closed) is dropped the same way.
    if let AlertSubject::Campaign { desk, campaign, .. } = &rec.subject {
        if super::campaign::no_longer_due(store, config, desk, campaign)?.is_some() {
            rec.supersede();
            return Ok(Some(SendError::Permanent(String::new())));
        }
    }
    let mut changed = false;
    if rec.recipients.is_empty() {
        rec.recipients = match &desk {
            Some(d) => recipients(d, &config.manager.team, false),
            None => team_or_manager(config),
        };
        changed = true;
    }
    if rec.message_id.is_none() {
        let domain = super::plan::Rules::from_config(config).message_id_domain;
        rec.message_id = Some(message_id(&alert_key(rec), outlet.installation, &domain));
        changed = true;
    }
    if changed {
        // The Message-ID must be on disk before the message leaves.
        store.write(|tx| tx.put_alert(rec))?;
    }
    let lang = desk.as_ref().map_or(Lang::Fr, |d| d.lang);
    let ctx = context::build(rec, desk.as_ref(), cert.as_ref(), config, now);
    // The digest's chart and attached report, drawn from the store now.
    let parts = match rec.kind() {
        AlertKind::Digest => Some(digest_parts::gather(
            store,
            config,
            now,
            rec.message_id.as_deref().unwrap_or_default(),
        )?),
        _ => None,
    };
    let value = match &parts {
        Some(p) => minijinja::context! { chart => p.view(), ..ctx.value() },
        None => ctx.value(),
    };
    let rendered = match templates.message(rec.kind(), lang, &value) {
        Ok(r) => r,
        Err(e) => {
            // A broken template is the operator's to fix; the message waits.
            rec.attempts += 1;
            rec.error = Some(e.to_string());
            return Ok(Some(SendError::Transient(e.to_string())));
        }
    };
    let message = match build_message_with(rec, &rendered, config, now, parts.as_ref()) {
        Ok(m) => m,
        Err(e) => {
            fail(rec, e.clone());
            return Ok(Some(SendError::Permanent(e)));
        }
    };
    rec.attempts += 1;
    let stem = file_stem(rec);
    match transport.send(&message, &stem) {
        Ok(delivered) => {
            rec.state = AlertState::Sent;
            rec.sent_at = Some(now);
            rec.error = None;
            rec.failed_recipients = delivered.refused;
            Ok(None)
        }
        Err(SendError::Permanent(e)) => {
            fail(rec, e.clone());
            Ok(Some(SendError::Permanent(e)))
        }
        Err(e @ (SendError::Transient(_) | SendError::Unreachable(_))) => {
            let (SendError::Transient(m) | SendError::Unreachable(m) | SendError::Permanent(m)) =
                &e;
            rec.error = Some(m.clone());
            Ok(Some(e))
        }
    }
}

/// The error of an alert dropped because a newer certificate became current
/// (kept here at its old path; the record's state says it).
pub use crate::model::SUPERSEDED;

fn fail(rec: &mut AlertRecord, reason: String) {
    rec.state = AlertState::Failed;
    rec.error = Some(reason);
}

/// The team, or the manager's address when no team is configured.
pub fn team_or_manager(config: &Config) -> Vec<String> {
    if config.manager.team.is_empty() {
        vec![config.manager.email.to_string()]
    } else {
        config.manager.team.iter().map(Email::to_string).collect()
    }
}

/// The outbox file name of a record: its Message-ID's local part, so that a
/// retry replaces the same file.
fn file_stem(rec: &AlertRecord) -> String {
    let id = rec.message_id.as_deref().unwrap_or("message");
    id.trim_matches(['<', '>'])
        .split('@')
        .next()
        .unwrap_or("message")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Builds the MIME message. Addresses are parsed by lettre (no CR, LF,
/// commas or angle brackets get through), names and the subject are encoded
/// by lettre after control characters were removed: nothing a desk's name or
/// address holds can add a header.
pub fn build_message(
    rec: &AlertRecord,
    r: &Rendered,
    config: &Config,
    now: Instant,
) -> Result<Message, String> {
    build_message_with(rec, r, config, now, None)
}

/// [`build_message`], with the digest's chart and attached report when
/// `parts` holds them.
fn build_message_with(
    rec: &AlertRecord,
    r: &Rendered,
    config: &Config,
    now: Instant,
    parts: Option<&DigestParts>,
) -> Result<Message, String> {
    let from_addr = config
        .smtp
        .as_ref()
        .map_or(config.manager.email.as_str(), |s| s.from.as_str());
    let mailbox = |name: Option<&str>, addr: &str| -> Result<Mailbox, String> {
        let address = addr
            .parse()
            .map_err(|e| format!("invalid address «{}»: {e}", crate::desk::printable(addr)))?;
        Ok(Mailbox::new(name.map(super::templates::one_line), address))
    };
    let mut b = Message::builder()
        .from(mailbox(Some(&config.manager.name), from_addr)?)
        .reply_to(mailbox(
            Some(&config.manager.name),
            config.manager.email.as_str(),
        )?)
        .subject(super::templates::one_line(&r.subject))
        .message_id(rec.message_id.clone())
        // Every message vigie sends is automatic: RFC 3834 asks auto-responders
        // (vacation replies) not to answer it, and Exchange/Outlook honour
        // only their own header for the same purpose.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".to_owned(),
        ));
    let team: Vec<&str> = config.manager.team.iter().map(Email::as_str).collect();
    let (cc, to): (Vec<&String>, Vec<&String>) = rec
        .recipients
        .iter()
        .partition(|a| team.contains(&a.as_str()));
    let (to, cc) = if to.is_empty() {
        (cc, Vec::new())
    } else {
        (to, cc)
    };
    if to.is_empty() {
        return Err("no recipient".into());
    }
    for a in to {
        b = b.to(mailbox(None, a)?);
    }
    for a in cc {
        b = b.cc(mailbox(None, a)?);
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(r.text.clone());
    let html = SinglePart::builder()
        .header(ContentType::TEXT_HTML)
        .body(r.html.clone());
    let body = match parts {
        Some(p) => p.body(text, html, &r.html),
        None => MultiPart::alternative().singlepart(text).singlepart(html),
    };
    let mut message = b.multipart(body).map_err(|e| e.to_string())?;
    // The date as the desk's clock reads it, with its offset (RFC 5322
    // §3.3). lettre's builder writes only UTC and replaces, at build time,
    // a Date it cannot parse back, so it is set on the built message.
    message.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Date"),
        local_date(now, config.tz()),
    ));
    Ok(message)
}

/// An RFC 5322 date-time in zone `tz`, with its numeric offset.
pub fn local_date(at: Instant, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).to_rfc2822()
}
