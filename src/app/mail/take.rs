//! Taking in one message: its summary, the certificates found in it decided
//! by `cert ingest`'s intake with the message's evidence, and its record
//! written in the same transaction as its certificates (DESIGN §10: exactly
//! once). Shared by every source of messages.

use std::collections::{HashMap, HashSet};

use crate::app::AppError;
use crate::audit::AuditEntry;
use crate::cert::ingest::{
    examine, refusal_for_people, Decision, Examined, Intake, MessageOps, OpenJobs, Outcome, Writer,
};
use crate::cert::sniff::SniffError;
use crate::desk::DeskId;
use crate::fingerprint::Sha256;
use crate::mail::reply::{eligible, reply_id, Asked};
use crate::mail::{attribute, find_within, Attribution, Evidence, Summary};
use crate::model::{CertOutcome, FoundIn, MailAction, MailCert, MailReason, MailRecord};
use crate::store::{Store, StoreError};

/// What the store tells about the desks, read once per run.
struct Directory {
    /// vigie's own Message-IDs, to the desk each message was about.
    sent: HashMap<String, Option<DeskId>>,
    /// Contact addresses, lower-cased, to their desks.
    contacts: HashMap<String, Vec<DeskId>>,
    /// vigie's own Message-IDs, to the key of the alert record they sent.
    alerts: HashMap<String, Vec<u8>>,
    /// Each desk's contact address, lower-cased, to the key of the latest
    /// alert it was sent (a bounce that names the address and no
    /// Message-ID marks that one).
    last_to: HashMap<String, Vec<u8>>,
}

/// The alert a bounce marks, and what the bounce said.
struct Bounced {
    /// The alert record's key.
    key: Vec<u8>,
    /// The reason the bouncing server gave.
    reason: String,
    /// The addresses it names as unreachable.
    addresses: Vec<String>,
    /// The bounce's own bytes, to find an address it names less formally.
    text: String,
}

/// Takes in messages one after another, against one open store.
pub struct Taker<'a> {
    store: &'a Store,
    intake: Intake,
    writer: Writer<'a>,
    open: Option<OpenJobs>,
    directory: Directory,
    dry_run: bool,
    /// Messages taken in this run (a dry run writes nothing to find them by).
    seen: HashSet<Sha256>,
    seen_ids: HashSet<String>,
    /// Messages decided and not yet written ([`Taker::commit`]).
    pending: Vec<Pending>,
    wrote: bool,
    /// Whether replies may be decided (not in a dry run, nor `--no-reply`).
    replies: bool,
    /// Replies decided today, by sender (`reply_limit_per_day`).
    sent_today: HashMap<String, u32>,
    /// `intake.max_file_bytes`: a larger part is no certificate file.
    max_file_bytes: usize,
}

impl<'a> Taker<'a> {
    /// Reads what deciding needs from the store.
    pub fn new(
        store: &'a Store,
        env: &'a crate::app::Env,
        dry_run: bool,
        no_reply: bool,
    ) -> Result<Taker<'a>, AppError> {
        let intake = Intake::new(store, &env.config, env.now, false, None)?;
        let writer = Writer {
            config: &env.config,
            destination: crate::push::destination_label(&env.config.national, &env.data_dir),
            now: env.now,
            tz: env.tz,
            actor: &env.actor,
            // Mail is never a first load: refusals may be mailed.
            initial: false,
        };
        let mut sent = HashMap::new();
        let mut alerts = HashMap::new();
        let mut latest: HashMap<String, (crate::model::Instant, Vec<u8>)> = HashMap::new();
        // Indexed as read, one record at a time: the alert log grows for
        // years and only these indexes are kept.
        store.alerts_each(|a| {
            if let Some(id) = &a.message_id {
                let id = crate::mail::message::bracketed(id);
                sent.insert(id.clone(), a.desk().cloned());
                alerts.insert(id, a.subject.key());
                if a.desk().is_some() && a.can_bounce() {
                    let at = a.sent_at.unwrap_or(a.created_at);
                    for r in &a.recipients {
                        let e = latest
                            .entry(r.to_lowercase())
                            .or_insert((at, a.subject.key()));
                        if at >= e.0 {
                            *e = (at, a.subject.key());
                        }
                    }
                }
            }
            Ok::<(), crate::store::StoreError>(())
        })?;
        let mut contacts: HashMap<String, Vec<DeskId>> = HashMap::new();
        for d in store.desks()? {
            for e in &d.emails {
                contacts
                    .entry(e.as_str().to_lowercase())
                    .or_default()
                    .push(d.id.clone());
            }
        }
        // Only desks' addresses: a bounce naming the team's own address and
        // no Message-ID says nothing about a desk.
        let last_to = latest
            .into_iter()
            .filter(|(a, _)| contacts.contains_key(a))
            .map(|(a, (_, k))| (a, k))
            .collect();
        let today = crate::clock::local_date(env.now, env.tz);
        let mut sent_today: HashMap<String, u32> = HashMap::new();
        for r in store.mail_records()? {
            if r.reply_message_id.is_some()
                && crate::clock::local_date(r.received_at, env.tz) == today
            {
                if let Some(f) = r.from {
                    *sent_today.entry(f).or_default() += 1;
                }
            }
        }
        Ok(Taker {
            max_file_bytes: usize::try_from(env.config.intake.max_file_bytes).unwrap_or(usize::MAX),
            replies: !dry_run && !no_reply,
            sent_today,
            store,
            intake,
            writer,
            open: None,
            directory: Directory {
                sent,
                contacts,
                alerts,
                last_to,
            },
            dry_run,
            seen: HashSet::new(),
            seen_ids: HashSet::new(),
            pending: Vec::new(),
            wrote: false,
        })
    }

    /// Makes every message taken so far durable: call before reporting, and
    /// before moving a message out of its mailbox.
    pub fn flush(&mut self) -> Result<(), AppError> {
        self.commit()?;
        if self.wrote {
            self.store.flush()?;
            self.wrote = false;
        }
        Ok(())
    }

    /// What the store first decided about a message now met as a duplicate.
    pub fn first_action(&self, rec: &MailRecord) -> Result<Option<MailAction>, AppError> {
        Ok(self
            .store
            .mail_seen(&rec.message_id, &rec.sha256)?
            .map(|r| r.action))
    }

    /// The row of a message that could not be read at all: for people.
    pub fn unreadable(&self, origin: &str) -> MailRecord {
        MailRecord {
            message_id: String::new(),
            sha256: Sha256::of(origin.as_bytes()),
            from: None,
            subject: None,
            date: None,
            desk: None,
            attributed_by: None,
            certificates: Vec::new(),
            action: MailAction::NeedsHuman,
            note: None,
            reply_message_id: None,
            reply_sent_at: None,
            thread: Vec::new(),
            source: origin.to_owned(),
            received_at: self.writer.now,
        }
    }

    /// Takes in one message read from `origin`.
    pub fn take(&mut self, bytes: &[u8], origin: &str) -> Result<MailRecord, AppError> {
        let sha = Sha256::of(bytes);
        let parsed = mail_parser::MessageParser::default().parse(bytes);
        let summary = parsed.as_ref().map(Summary::of).unwrap_or_default();
        let mut rec = MailRecord {
            message_id: summary.message_id.clone(),
            sha256: sha,
            from: summary.from.clone(),
            subject: summary.subject.clone(),
            date: summary.date.clone(),
            desk: None,
            attributed_by: None,
            certificates: Vec::new(),
            action: MailAction::NeedsHuman,
            note: None,
            reply_message_id: None,
            reply_sent_at: None,
            thread: Vec::new(),
            source: origin.to_owned(),
            received_at: self.writer.now,
        };
        let again = self.seen.contains(&sha)
            || (!rec.message_id.is_empty() && self.seen_ids.contains(&rec.message_id))
            || self.store.mail_seen(&rec.message_id, &sha)?.is_some();
        if again {
            rec.action = MailAction::Duplicate;
            return Ok(rec);
        }
        self.seen.insert(sha);
        if !rec.message_id.is_empty() {
            self.seen_ids.insert(rec.message_id.clone());
        }
        let Some(msg) = parsed else {
            rec.note = Some("message illisible (MIME)".to_owned());
            self.record(&rec, &[])?;
            return Ok(rec);
        };
        let found = find_within(&msg, self.max_file_bytes);
        // Signatures over the message: who holds which key.
        let signatures = crate::mail::smime::signatures(&msg);
        let signed = !signatures.is_empty();
        let proved: HashSet<Sha256> = signatures
            .iter()
            .filter(|s| s.verified)
            .filter_map(|s| s.signer)
            .collect();
        // Candidates examined as `cert ingest` examines files; those that
        // hold nothing of a certificate (a PDF, a logo) are not reported.
        let mut items: Vec<(crate::mail::Candidate, Option<Examined>)> = Vec::new();
        let mut leaves = HashSet::new();
        for mut c in found.candidates {
            if c.refusal.is_some() {
                items.push((c, None));
                continue;
            }
            // Judged as `cert ingest` judges a file of that size: one past
            // the limit is refused before being read.
            let bytes = if c.size > self.max_file_bytes {
                Err(SniffError::TooLarge {
                    size: c.size as u64,
                    limit: self.max_file_bytes as u64,
                })
            } else {
                Ok(std::mem::take(&mut c.bytes))
            };
            let e = examine(&c.file, bytes);
            if !worth_reporting(&e, &c) {
                continue;
            }
            // The same certificate met twice (attached and in the
            // signature) is decided once, where it was met first.
            if let Some(leaf) = e.leaf() {
                if !leaves.insert(leaf.sha256) {
                    continue;
                }
            }
            items.push((c, Some(e)));
        }
        let mut evidence = self.evidence(&summary, &found.text, &items);
        for sha in &proved {
            for d in self.intake.desks_with_current(sha) {
                push_unique(&mut evidence.signature, d);
            }
        }
        if summary.bounce {
            // Which of vigie's messages bounced, and why: the alert becomes
            // `bounced` in the transaction that records the bounce.
            rec.action = MailAction::Bounce;
            let reason =
                crate::mail::bounce::reason(bytes).unwrap_or_else(|| "raison non donnée".into());
            let addresses = crate::mail::bounce::recipients(bytes);
            let quoted = crate::mail::bounce::quoted_ids(bytes);
            let by_id = quoted
                .iter()
                .find_map(|id| self.directory.alerts.get(id).map(|k| (id, k.clone())));
            let target = match by_id {
                Some((id, key)) => {
                    rec.desk = self.directory.sent.get(id).cloned().flatten();
                    rec.note = Some(format!("non-remise de {id} : {reason}"));
                    Some(key)
                }
                // It names one of vigie's messages that is no alert (a
                // reply to a desk): that one bounced, no alert did.
                None if !quoted.is_empty() => {
                    rec.note = Some(format!("non-remise de {} : {reason}", quoted[0]));
                    None
                }
                None => addresses.iter().find_map(|a| {
                    let key = self.directory.last_to.get(a)?.clone();
                    rec.desk = self
                        .directory
                        .contacts
                        .get(a)
                        .and_then(|ds| ds.first().cloned());
                    rec.note = Some(format!("non-remise à {a} : {reason}"));
                    Some(key)
                }),
            };
            let bounced = target.map(|key| Bounced {
                key,
                reason,
                addresses,
                text: String::from_utf8_lossy(bytes).to_lowercase(),
            });
            self.record_bounce(&rec, bounced)?;
            return Ok(rec);
        }
        if items.is_empty() {
            rec.action = if summary.automatic.is_some() {
                MailAction::Ignored
            } else {
                MailAction::NeedsHuman
            };
            if let Attribution::Desk(d, by) = attribute(&evidence) {
                rec.desk = Some(d);
                rec.attributed_by = Some(by);
            }
            rec.note = Some("aucun certificat dans le message".to_owned());
            self.record(&rec, &[])?;
            return Ok(rec);
        }
        let named = match attribute(&evidence) {
            Attribution::Disagree(why) => {
                rec.action = MailAction::NeedsHuman;
                rec.note = Some(why);
                self.record(&rec, &[])?;
                return Ok(rec);
            }
            Attribution::Desk(d, by) => {
                rec.desk = Some(d.clone());
                rec.attributed_by = Some(by);
                Some(d)
            }
            Attribution::Open => None,
        };
        let mut decisions = Vec::new();
        for (c, e) in items {
            let Some(e) = e else {
                let why = c.refusal.unwrap_or(crate::mail::MailRefusal::TooDeep);
                rec.certificates.push(MailCert {
                    sha256: None,
                    found_in: c.found_in,
                    file: c.file,
                    signature_verified: None,
                    outcome: CertOutcome::Refused,
                    reason: Some(MailReason {
                        code: why.code().to_owned(),
                        message: why.fr().to_owned(),
                        message_en: why.en().to_owned(),
                    }),
                });
                continue;
            };
            let leaf = e.leaf().map(|l| l.sha256);
            let mut d = self.intake.decide_for(e, named.clone());
            let mut row = self.cert_row(&d, &c);
            // Whether a valid signature over the message was made with this
            // certificate's key (null when the message is not signed).
            row.signature_verified = signed.then(|| leaf.is_some_and(|l| proved.contains(&l)));
            rec.certificates.push(row);
            if rec.desk.is_none() {
                rec.desk = decided_desk(&d);
                if rec.desk.is_some() {
                    rec.attributed_by = Some(crate::model::AttributedBy::Certificate);
                }
            }
            // The store records where the certificate came from.
            d.file = if rec.message_id.is_empty() {
                format!("{} (courriel {origin})", d.file)
            } else {
                format!("{} (courriel {})", d.file, rec.message_id)
            };
            decisions.push(d);
        }
        rec.action = if decisions.iter().any(refusal_for_people) {
            // A self-signed certificate or an unknown issuer: the team
            // decides (issue 18), no automatic answer to the sender.
            MailAction::NeedsHuman
        } else if rec
            .certificates
            .iter()
            .any(|c| c.outcome == CertOutcome::Refused)
        {
            MailAction::Refused
        } else {
            MailAction::Ingested
        };
        self.decide_reply(&mut rec, &summary);
        let replied = rec.reply_message_id.is_some();
        self.record_with(&rec, &decisions, None, replied)?;
        Ok(rec)
    }

    /// Fixes the reply's Message-ID in the record when the message gets a
    /// reply (sent once the record is durable, see `reply::send_due`).
    fn decide_reply(&mut self, rec: &mut MailRecord, summary: &Summary) {
        rec.thread = summary.replied_to.clone();
        rec.thread.retain(|id| *id != rec.message_id);
        if !rec.message_id.is_empty() {
            rec.thread.push(rec.message_id.clone());
        }
        if !self.replies {
            return;
        }
        let sent_today = rec
            .from
            .as_ref()
            .and_then(|f| self.sent_today.get(f))
            .copied()
            .unwrap_or(0);
        let asked = Asked {
            action: rec.action,
            automatic: summary.automatic,
            from: rec.from.as_deref(),
            message_id: &rec.message_id,
            sent_today,
        };
        if eligible(self.writer.config, &asked).is_ok() {
            rec.reply_message_id = Some(reply_id(&rec.sha256, self.writer.config));
            if let Some(f) = &rec.from {
                *self.sent_today.entry(f.clone()).or_default() += 1;
            }
        }
    }

    /// Writes the message's record and its certificates' decisions in one
    /// transaction (nothing in a dry run).
    fn record(&mut self, rec: &MailRecord, decisions: &[Decision]) -> Result<(), AppError> {
        self.record_with(rec, decisions, None, false)
    }

    /// Records a bounce, and marks the alert it names `bounced` in the same
    /// transaction: the bounce is then known as a duplicate if met again,
    /// and the alert is marked once.
    fn record_bounce(&mut self, rec: &MailRecord, b: Option<Bounced>) -> Result<(), AppError> {
        self.record_with(rec, &[], b, false)
    }

    /// [`Taker::record`], marking the alert of a bounce, and leaving out
    /// the refusal alerts when `replied`: the reply tells the desk what a
    /// refusal alert would, in its thread, and one answer is enough.
    fn record_with(
        &mut self,
        rec: &MailRecord,
        decisions: &[Decision],
        bounce: Option<Bounced>,
        replied: bool,
    ) -> Result<(), AppError> {
        if self.dry_run {
            return Ok(());
        }
        let open = match &mut self.open {
            Some(o) => o,
            None => self.open.insert(self.writer.open_jobs(self.store)?),
        };
        let mut audit = AuditEntry::new(self.writer.now, self.writer.actor, "mail.ingest")
            .outcome(rec.action.as_str())
            .detail(format!(
                "{} {} ({} certificat(s)){}",
                rec.source,
                if rec.message_id.is_empty() {
                    "(sans Message-ID)"
                } else {
                    &rec.message_id
                },
                rec.certificates.len(),
                rec.note
                    .as_deref()
                    .map(|n| format!(" : {n}"))
                    .unwrap_or_default()
            ));
        if let Some(d) = &rec.desk {
            audit = audit.desk(d);
        }
        let ops = self.writer.message_ops(decisions, open, replied);
        // A bounce carries the text it was matched by (a bounce may quote
        // a large message): written at once rather than held.
        let write_now = bounce.is_some() || self.pending.len() + 1 >= WRITE_BATCH;
        self.pending.push(Pending {
            rec: rec.clone(),
            ops,
            audit,
            bounce,
        });
        if write_now {
            self.commit()?;
        }
        Ok(())
    }

    /// Writes the messages decided so far, not flushed, in one transaction
    /// (each message's record with its certificates' writes, as DESIGN §10
    /// asks, and a batch of them together: a transaction per message cost
    /// two writes to sled's log each, two thirds of mail intake's time).
    /// When another process took one of them in meanwhile, the batch is
    /// written again one message per transaction: the messages before that
    /// one are kept, and the run stops at it, as it did when each message
    /// had its own transaction.
    fn commit(&mut self) -> Result<(), AppError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let (now, actor) = (self.writer.now, self.writer.actor);
        let write = |batch: &[Pending]| {
            self.store.write_unflushed(|tx| {
                for p in batch {
                    p.write(tx, now, actor)?;
                }
                Ok(())
            })
        };
        match write(&pending) {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) if pending.len() > 1 => {
                for p in &pending {
                    write(std::slice::from_ref(p))?;
                    self.wrote = true;
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.wrote = true;
        Ok(())
    }

    fn evidence(
        &self,
        summary: &Summary,
        text: &str,
        items: &[(crate::mail::Candidate, Option<Examined>)],
    ) -> Evidence {
        let mut e = Evidence::default();
        for id in &summary.replied_to {
            if let Some(Some(d)) = self.directory.sent.get(id) {
                push_unique(&mut e.reply, d.clone());
            }
        }
        for (_, ex) in items {
            if let Some(leaf) = ex.as_ref().and_then(Examined::leaf) {
                if leaf.is_ca {
                    continue;
                }
                let named = self.intake.desks_named_by(leaf);
                for d in named {
                    push_unique(&mut e.certificate, d);
                }
            }
        }
        let written = format!("{}\n{}", summary.subject.as_deref().unwrap_or(""), text);
        for id in crate::cert::attribute::desk_ids_in(&written) {
            if let Ok(d) = DeskId::parse(&id) {
                if self.intake.knows(&d) {
                    push_unique(&mut e.subject, d);
                }
            }
        }
        if let Some(from) = &summary.from {
            if let Some(ds) = self.directory.contacts.get(from) {
                for d in ds {
                    push_unique(&mut e.sender, d.clone());
                }
            }
        }
        e
    }

    fn cert_row(&self, d: &Decision, c: &crate::mail::Candidate) -> MailCert {
        let (sha256, outcome, reason) = match &d.outcome {
            Outcome::Accepted { leaf, .. } => (Some(leaf.sha256), CertOutcome::Accepted, None),
            Outcome::Unchanged { sha256, .. } => (Some(*sha256), CertOutcome::Unchanged, None),
            Outcome::Refused {
                sha256, refusal, ..
            } => (
                *sha256,
                CertOutcome::Refused,
                Some(MailReason {
                    code: refusal.code().to_owned(),
                    message: refusal.fr(self.writer.tz),
                    message_en: refusal.en(self.writer.tz),
                }),
            ),
        };
        MailCert {
            sha256,
            found_in: c.found_in,
            file: c.file.clone(),
            signature_verified: None,
            outcome,
            reason,
        }
    }
}

/// How many decided messages are written in one transaction at most.
const WRITE_BATCH: usize = 100;

/// A message decided and not yet written.
struct Pending {
    rec: MailRecord,
    ops: MessageOps,
    audit: AuditEntry,
    bounce: Option<Bounced>,
}

impl Pending {
    fn write(
        &self,
        tx: &mut crate::store::Tx<'_>,
        now: crate::model::Instant,
        actor: &str,
    ) -> Result<(), StoreError> {
        let rec = &self.rec;
        // Another process took it in meanwhile: the whole transaction is
        // dropped, certificates included.
        if tx.mail_seen(&rec.message_id, &rec.sha256)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "message {} already taken in",
                rec.message_id
            )));
        }
        self.ops.apply(tx)?;
        tx.put_mail(rec)?;
        tx.audit(&self.audit)?;
        if let Some(b) = &self.bounce {
            mark_bounced(tx, b, &rec.message_id, now, actor)?;
        }
        Ok(())
    }
}

/// Marks the alert a bounce names `bounced`, with the address that bounced:
/// one the bounce names among the alert's recipients, else one of the
/// alert's recipients the bounce quotes, else none (the reason still
/// tells). An alert that never left (failed, superseded) is left as it is.
fn mark_bounced(
    tx: &mut crate::store::Tx<'_>,
    b: &Bounced,
    report: &str,
    now: crate::model::Instant,
    actor: &str,
) -> Result<(), StoreError> {
    let Some(mut alert) = tx.alert(&b.key)? else {
        return Ok(());
    };
    if !alert.can_bounce() {
        return Ok(());
    }
    let ours = |a: &str| alert.recipients.iter().any(|r| r.eq_ignore_ascii_case(a));
    let address = b.addresses.iter().find(|a| ours(a)).cloned().or_else(|| {
        alert
            .recipients
            .iter()
            .find(|r| b.text.contains(&r.to_lowercase()))
            .cloned()
    });
    alert.bounce(&b.reason, address.as_deref(), report, now);
    tx.put_alert(&alert)?;
    let mut line = AuditEntry::new(now, actor, "alert.bounced")
        .outcome("bounced")
        .detail(format!(
            "{} {} : {}",
            alert.message_id.as_deref().unwrap_or_default(),
            address.as_deref().unwrap_or("adresse non nommée"),
            b.reason
        ));
    if let Some(d) = alert.desk() {
        line = line.desk(d);
    }
    if let Some(s) = alert.sha256() {
        line = line.cert(s);
    }
    tx.audit(&line)
}

fn push_unique(v: &mut Vec<DeskId>, d: DeskId) {
    if !v.contains(&d) {
        v.push(d);
    }
}

fn decided_desk(d: &Decision) -> Option<DeskId> {
    match &d.outcome {
        Outcome::Accepted { desk, .. } | Outcome::Unchanged { desk, .. } => Some(desk.clone()),
        Outcome::Refused { .. } => None,
    }
}

/// File names desks give certificates: a part so named that holds nothing
/// readable is still reported, so that the desk hears why.
const CERT_NAMES: &[&str] = &[
    ".cer", ".crt", ".der", ".pem", ".p7b", ".p7c", ".p12", ".pfx", ".key", ".csr",
];

/// Whether an examined part is about certificates: it holds one, or a key,
/// a request or a revocation list, or it is named like a certificate file.
fn worth_reporting(e: &Examined, c: &crate::mail::Candidate) -> bool {
    if e.has_certificates() {
        return true;
    }
    match e.problem() {
        Some(
            SniffError::PrivateKey(_) | SniffError::Pkcs12 | SniffError::Csr | SniffError::Crl,
        ) => true,
        _ => {
            c.found_in != FoundIn::Body
                && c.found_in != FoundIn::Signature
                && CERT_NAMES
                    .iter()
                    .any(|ext| c.file.to_ascii_lowercase().ends_with(ext))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Env;
    use crate::config::Config;

    fn message(n: u32) -> Vec<u8> {
        format!(
            "From: guichet{n}@example.org\r\nTo: gestion@example.org\r\nSubject: question {n}\r\n\
             Message-ID: <q{n}@example.org>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n\r\nBonjour.\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn messages_are_written_in_batches_and_a_conflict_loses_only_its_message() {
        let dir = tempfile::tempdir().unwrap();
        let now = crate::clock::parse_instant("2026-12-01T09:00:00Z").unwrap();
        let env = Env::new(Config::default(), dir.path().into(), now, "test".into());
        let store = env.store().unwrap();
        let mut taker = Taker::new(&store, &env, false, true).unwrap();
        let taken: Vec<MailRecord> = (0..3)
            .map(|n| taker.take(&message(n), &format!("m{n}")).unwrap())
            .collect();
        // Decided, not yet written: the batch waits for WRITE_BATCH messages
        // or a flush.
        assert!(taken.iter().all(|r| r.action == MailAction::NeedsHuman));
        assert!(store.mail_records().unwrap().is_empty());
        // Another process records the second message meanwhile.
        store.write(|tx| tx.put_mail(&taken[1])).unwrap();
        let err = taker.flush().unwrap_err().to_string();
        assert!(
            err.contains("<q1@example.org>") || err.contains("q1@example.org"),
            "{err}"
        );
        // The first message is written all the same, alone.
        let ids: Vec<String> = store
            .mail_records()
            .unwrap()
            .into_iter()
            .map(|r| r.message_id)
            .collect();
        assert!(ids.iter().any(|i| i.contains("q0@")), "{ids:?}");
        assert_eq!(ids.len(), 2, "{ids:?}");

        // WRITE_BATCH messages are written without a flush being asked.
        let mut taker = Taker::new(&store, &env, false, true).unwrap();
        for n in 10..10 + WRITE_BATCH as u32 {
            taker.take(&message(n), &format!("m{n}")).unwrap();
        }
        assert_eq!(store.mail_records().unwrap().len(), 2 + WRITE_BATCH);
    }
}
