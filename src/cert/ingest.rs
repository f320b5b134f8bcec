//! Intake: deciding about each received file against what the store holds
//! (pure, in memory, so that bulk intake sees its own earlier decisions), then
//! writing the decisions — certificate, current pointer, push job, superseded
//! jobs, audit line, refusal alert — each file's writes in one transaction.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;

use super::attribute::DeskIndex;
use super::bundle::pick_leaf;
use super::chain::{read_ca_folder, TrustStore};
use super::issuers::{is_self_signed, KnownIssuers};
use super::parse::{CertInfo, ParseError};
use super::policy::{judge, Current};
use super::reason::{Refusal, Warning};
use super::sniff::{sniff, Format, SniffError, Sniffed};
use super::CertRecord;
use crate::audit::AuditEntry;
use crate::clock::Instant;
use crate::config::Config;
use crate::desk::DeskId;
use crate::fingerprint::Sha256;
use crate::model::{alert_key, AlertRecord, AlertSubject, PushJob, PushState};
use crate::store::{Store, StoreError};

// Mail intake's entry points, in their own file (src/cert/ingest_message.rs).
#[path = "ingest_message.rs"]
mod message;
pub use message::{refusal_for_people, MessageOps};

/// What became of one file.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Accepted, now the desk's current certificate.
    Accepted {
        /// The desk.
        desk: DeskId,
        /// The leaf.
        leaf: Box<CertInfo>,
        /// The other certificates of the file, DER.
        chain: Vec<Vec<u8>>,
        /// Notes.
        warnings: Vec<Warning>,
    },
    /// Already the desk's current certificate: nothing to do.
    Unchanged {
        /// The desk.
        desk: DeskId,
        /// The certificate.
        sha256: Sha256,
    },
    /// Refused.
    Refused {
        /// The desk, when known.
        desk: Option<DeskId>,
        /// The leaf's fingerprint, when there was one.
        sha256: Option<Sha256>,
        /// Why.
        refusal: Refusal,
    },
}

/// One file and what became of it.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The file name as given.
    pub file: String,
    /// SHA-256 of the file's bytes (names a refusal alert).
    pub file_sha256: Option<Sha256>,
    /// The shape the certificate came in.
    pub format: Option<Format>,
    /// The bytes as received: kept only for accepted files, which hold no key.
    pub original: Vec<u8>,
    /// What became of it.
    pub outcome: Outcome,
}

/// A file read, sniffed and parsed: the costly part of intake, which depends
/// on nothing but the file, so that bulk intake can run it on every core.
pub struct Examined {
    file: String,
    bytes: Result<Vec<u8>, SniffError>,
    sniffed: Sniffed,
    infos: Result<Vec<CertInfo>, ParseError>,
}

/// Examines one file's bytes (or the error reading it).
pub fn examine(file: &str, bytes: Result<Vec<u8>, SniffError>) -> Examined {
    let sniffed = match &bytes {
        Ok(b) => sniff(b),
        Err(_) => Sniffed {
            format: None,
            certs: Vec::new(),
            problem: None,
        },
    };
    let infos = sniffed
        .certs
        .iter()
        .map(|c| CertInfo::from_der(c))
        .collect();
    Examined {
        file: file.to_owned(),
        bytes,
        sniffed,
        infos,
    }
}

/// The state intake decides against, kept up to date as files are decided.
pub struct Intake {
    /// The policy knobs, as configured or as a first load relaxes them.
    rules: crate::config::Intake,
    initial: bool,
    now: Instant,
    force: bool,
    named: Option<DeskId>,
    index: DeskIndex,
    currents: HashMap<DeskId, Current>,
    trust: Option<TrustStore>,
    /// Without trust anchors, the authorities a renewal may come from.
    issuers: KnownIssuers,
    /// What was wrong with the configured folders, told once at start.
    notices: Vec<String>,
}

/// Why intake could not start.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trust anchors or known issuers cannot be used.
    #[error("{0}")]
    Trust(#[from] super::chain::TrustError),
}

impl Intake {
    /// Reads the inventory and current certificates from the store.
    pub fn new(
        store: &Store,
        config: &Config,
        now: Instant,
        force: bool,
        named: Option<DeskId>,
    ) -> Result<Intake, IntakeError> {
        let desks = store.desks()?;
        let mut currents = HashMap::new();
        let mut issuers = KnownIssuers::default();
        for (desk, sha) in store.current_all()? {
            if let Some(rec) = store.cert(&sha)? {
                if let Some(current) = Current::from_der(&rec.der) {
                    // The issuers of the current certificates are known:
                    // learnt when they became current, the first load's
                    // included; their certificates too when they came along.
                    issuers.learn_name(&current.issuer);
                    for c in &rec.chain {
                        issuers.learn_cert(c);
                    }
                    currents.insert(desk, current);
                }
            }
        }
        let mut notices = Vec::new();
        if let Some(dir) = &config.intake.known_issuers_dir {
            let folder = read_ca_folder(dir, "intake.known_issuers_dir", now)?;
            for c in &folder.certs {
                issuers.learn_cert(c);
            }
            notices.extend(folder.problems);
        }
        let index = DeskIndex::new(
            &desks,
            currents
                .iter()
                .map(|(d, c)| (d.clone(), c.subject.as_str())),
        );
        let trust = match &config.intake.trust_anchors_dir {
            Some(dir) => {
                let (t, problems) =
                    TrustStore::load(dir, config.intake.intermediates_dir.as_deref(), now)?;
                notices.extend(problems);
                Some(t)
            }
            None => None,
        };
        Ok(Intake {
            rules: config.intake.clone(),
            initial: false,
            now,
            force,
            named,
            index,
            currents,
            trust,
            issuers,
            notices,
        })
    }

    /// What was wrong with the configured certificate folders (a file left
    /// out, an expired authority), for the caller to tell the team.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Decides about one file's bytes as received (or the error reading
    /// it), named `file` in reports: the whole intake decision for one file,
    /// whichever way it came (a folder, a mailbox).
    pub fn decide_bytes(&mut self, file: &str, bytes: Result<Vec<u8>, SniffError>) -> Decision {
        self.decide(examine(file, bytes))
    }

    /// Decides as a first load (`cert ingest --initial`, DESIGN §13): the
    /// team's existing certificates, expired ones included, become current,
    /// since a desk left `missing` would get no reminder at all.
    pub fn initial(mut self, initial: bool) -> Self {
        self.initial = initial;
        if initial {
            self.rules.refuse_expired = false;
        }
        self
    }

    /// Decides about one examined file, in the light of the files decided
    /// before it.
    pub fn decide(&mut self, e: Examined) -> Decision {
        let mut d = Decision {
            file: e.file,
            file_sha256: None,
            format: None,
            original: Vec::new(),
            outcome: Outcome::Refused {
                desk: self.named.clone(),
                sha256: None,
                refusal: Refusal::NoDesk,
            },
        };
        let bytes = match e.bytes {
            Ok(b) => b,
            Err(err) => {
                d.outcome = self.refused(None, None, Refusal::File(err));
                return d;
            }
        };
        d.file_sha256 = Some(Sha256::of(&bytes));
        let sniffed = e.sniffed;
        d.format = sniffed.format;
        let infos = e.infos;
        if let Some(p) = sniffed.problem {
            // Name the desk when the certificates next to a key say which.
            let desk = infos
                .ok()
                .and_then(|i| pick_leaf(&i).ok().map(|l| i[l].clone()))
                .and_then(|leaf| self.index.attribute(&leaf, self.named.as_ref()).ok());
            d.outcome = self.refused(desk, None, Refusal::File(p));
            return d;
        }
        let infos = match infos {
            Ok(i) => i,
            Err(e) => {
                d.outcome = self.refused(None, None, Refusal::File(SniffError::Unreadable(e.0)));
                return d;
            }
        };
        let li = match pick_leaf(&infos) {
            Ok(i) => i,
            Err(r) => {
                d.outcome = self.refused(None, None, r);
                return d;
            }
        };
        let leaf = &infos[li];
        if leaf.is_ca && !self.force {
            d.outcome = self.refused(None, Some(leaf.sha256), Refusal::CaCertificate);
            return d;
        }
        let desk = match self.index.attribute(leaf, self.named.as_ref()) {
            Ok(desk) => desk,
            Err(r) if self.force && r.overridable() => match &self.named {
                Some(n) => n.clone(),
                None => {
                    d.outcome = self.refused(None, Some(leaf.sha256), r);
                    return d;
                }
            },
            Err(r) => {
                d.outcome = self.refused(None, Some(leaf.sha256), r);
                return d;
            }
        };
        let current = self.currents.get(&desk);
        if current.map(|c| c.sha256) == Some(leaf.sha256) {
            d.outcome = Outcome::Unchanged {
                desk,
                sha256: leaf.sha256,
            };
            return d;
        }
        let chain: Vec<Vec<u8>> = sniffed
            .certs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != li)
            .map(|(_, c)| c.clone())
            .collect();
        let trust = match &self.trust {
            Some(t) => Some(
                t.verify(&leaf.der, &chain, leaf.not_before, leaf.not_after, self.now)
                    .map_err(Refusal::Untrusted),
            ),
            // Without anchors (issue 18): never a self-signed certificate,
            // and a renewal only from a known issuer. A first load is where
            // the issuers are learnt; a desk's first certificate has no
            // issuer to be compared with.
            None if is_self_signed(leaf) => Some(Err(Refusal::SelfSigned)),
            None if current.is_some() && !self.initial => {
                Some(self.issuers.check(leaf, &chain, self.now))
            }
            None => None,
        };
        match judge(
            leaf,
            &desk,
            current,
            &self.rules,
            self.now,
            self.force,
            trust,
        ) {
            Err(r) => d.outcome = self.refused(Some(desk), Some(leaf.sha256), r),
            Ok(warnings) => {
                let old = current.map(|c| c.subject.clone());
                self.index
                    .set_current_subject(&desk, old.as_deref(), &leaf.subject);
                self.currents.insert(desk.clone(), Current::of(leaf));
                self.issuers.learn_name(&leaf.issuer);
                d.original = bytes;
                d.outcome = Outcome::Accepted {
                    desk,
                    leaf: Box::new(leaf.clone()),
                    chain,
                    warnings,
                };
            }
        }
        d
    }

    fn refused(&self, desk: Option<DeskId>, sha256: Option<Sha256>, refusal: Refusal) -> Outcome {
        Outcome::Refused {
            desk: desk.or_else(|| self.named.clone().filter(|n| self.index.contains(n))),
            sha256,
            refusal,
        }
    }
}

/// Who and when, for the records written.
pub struct Writer<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The configured push destination, as each push job made records it
    /// (the push capability words it: `push::destination_label`). Given by
    /// the caller so that intake, which makes the jobs, need not know how
    /// the national configuration is reached.
    pub destination: String,
    /// The instant.
    pub now: Instant,
    /// The time zone for dates in sentences.
    pub tz: Tz,
    /// The OS user.
    pub actor: &'a str,
    /// A first load: the certificates are already configured nationally (their
    /// push is recorded done, so no push and no confirmation follow) and
    /// refusals are for the team only (terminal and log), never mailed.
    pub initial: bool,
}

/// How many files' writes share one transaction in bulk intake: each file's
/// writes stay together, and flushing once per batch keeps bulk intake fast.
pub const BATCH: usize = 500;

/// The pushes still to be made, by desk, that a newly accepted certificate
/// supersedes: read once, then kept up to date batch after batch.
pub struct OpenJobs {
    by_desk: HashMap<DeskId, Vec<PushJob>>,
    destination: String,
}

impl Writer<'_> {
    /// Reads the pushes not yet done, before the first batch.
    pub fn open_jobs(&self, store: &Store) -> Result<OpenJobs, StoreError> {
        let mut by_desk: HashMap<DeskId, Vec<PushJob>> = HashMap::new();
        for job in store.push_jobs()? {
            if matches!(job.state, PushState::Pending | PushState::Failed) {
                by_desk.entry(job.desk.clone()).or_default().push(job);
            }
        }
        Ok(OpenJobs {
            by_desk,
            destination: self.destination.clone(),
        })
    }

    /// Writes one batch of decisions in one transaction: each file's writes
    /// stay together. Not flushed: the caller flushes once after the last
    /// batch, before it reports anything (a flush per batch cost a tenth of
    /// bulk intake, and each transaction is atomic without it).
    pub fn write_batch(
        &self,
        store: &Store,
        batch: &[Decision],
        open: &mut OpenJobs,
    ) -> Result<(), StoreError> {
        let mut ops = Vec::new();
        for d in batch {
            ops.extend(self.ops(d, &open.destination, &mut open.by_desk));
        }
        if ops.is_empty() {
            return Ok(());
        }
        store.write_unflushed(|tx| apply(tx, &ops))
    }

    fn ops(
        &self,
        d: &Decision,
        destination: &str,
        open: &mut HashMap<DeskId, Vec<PushJob>>,
    ) -> Vec<Op> {
        let mut ops = Vec::new();
        match &d.outcome {
            Outcome::Unchanged { .. } => {}
            Outcome::Accepted {
                desk,
                leaf,
                chain,
                warnings,
            } => {
                let cert = Op::Cert(Box::new(CertRecord {
                    sha256: leaf.sha256,
                    desk: desk.clone(),
                    subject: leaf.subject.clone(),
                    issuer: leaf.issuer.clone(),
                    serial: leaf.serial.clone(),
                    not_before: leaf.not_before,
                    not_after: leaf.not_after,
                    der: leaf.der.clone(),
                    original: d.original.clone(),
                    source: d.file.clone(),
                    chain: chain.clone(),
                    ingested_at: self.now,
                    ingested_by: self.actor.to_owned(),
                    warnings: warnings.iter().map(Warning::code).collect(),
                }));
                // The jobs first: the certificate's current summary then
                // carries its new job's state from its first write.
                for mut old in open.remove(desk).unwrap_or_default() {
                    if old.sha256 != leaf.sha256 {
                        old.state = PushState::Superseded;
                        old.next_attempt = None;
                        ops.push(Op::Job(old));
                    }
                }
                let job = if self.initial {
                    // Recorded done, never attempted: the national system
                    // already has it, and a done job is what `status` and
                    // `push status` show for a configured certificate.
                    PushJob {
                        desk: desk.clone(),
                        sha256: leaf.sha256,
                        destination: destination.to_owned(),
                        state: PushState::Done,
                        attempts: 0,
                        next_attempt: None,
                        last_error: None,
                        created_at: self.now,
                        done_at: Some(self.now),
                    }
                } else {
                    PushJob {
                        desk: desk.clone(),
                        sha256: leaf.sha256,
                        destination: destination.to_owned(),
                        state: PushState::Pending,
                        attempts: 0,
                        next_attempt: Some(self.now),
                        last_error: None,
                        created_at: self.now,
                        done_at: None,
                    }
                };
                open.insert(desk.clone(), vec![job.clone()]);
                ops.push(Op::Job(job));
                ops.push(cert);
                // Each warning's code leads its sentence: the digest finds issuer
                // changes by it (`alerts/digest.rs`).
                let notes: Vec<String> = warnings
                    .iter()
                    .map(|w| format!("{}: {}", w.code(), w.fr(self.tz)))
                    .collect();
                ops.push(Op::Audit(
                    AuditEntry::new(self.now, self.actor, "cert.ingest")
                        .desk(desk)
                        .cert(leaf.sha256)
                        .detail(format!(
                            "{} accepted{}{}",
                            d.file,
                            if self.initial {
                                " (first load: already configured nationally, not pushed)"
                            } else {
                                ""
                            },
                            if notes.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", notes.join("; "))
                            }
                        )),
                ));
            }
            Outcome::Refused {
                desk,
                sha256,
                refusal,
            } => {
                let mut a = AuditEntry::new(self.now, self.actor, "cert.ingest")
                    .outcome("refused")
                    // The team reads the log and the digest in French.
                    .detail(format!(
                        "{}: {}: {}",
                        d.file,
                        refusal.code(),
                        refusal.fr(self.tz)
                    ));
                if let Some(desk) = desk {
                    a = a.desk(desk);
                }
                if let Some(s) = sha256 {
                    a = a.cert(*s);
                }
                ops.push(Op::Audit(a));
                // A first load's files are the team's own: the desk sent
                // nothing and is told nothing.
                if self.initial {
                    return ops;
                }
                if let (Some(desk), Some(fsha)) = (desk, d.file_sha256) {
                    let mut details = BTreeMap::new();
                    details.insert("file".to_owned(), d.file.clone());
                    details.insert("code".to_owned(), refusal.code().to_owned());
                    details.insert("reason_fr".to_owned(), refusal.fr(self.tz));
                    details.insert("reason_en".to_owned(), refusal.en(self.tz));
                    let subject = AlertSubject::Refusal {
                        desk: desk.clone(),
                        cert: *sha256,
                        file: fsha,
                    };
                    ops.push(Op::Alert(AlertRecord {
                        details,
                        ..AlertRecord::pending(subject, self.now)
                    }));
                }
            }
        }
        ops
    }
}

/// Writes `ops` in `tx`.
fn apply(tx: &mut crate::store::Tx<'_>, ops: &[Op]) -> Result<(), StoreError> {
    for op in ops {
        match op {
            Op::Cert(rec) => tx.put_current_cert(rec)?,
            Op::Job(job) => tx.put_push_job(job)?,
            Op::Audit(a) => tx.audit(a)?,
            Op::Alert(a) => {
                // The same file refused twice is told once.
                if tx.alert(&alert_key(a))?.is_none() {
                    tx.put_alert(a)?;
                }
            }
        }
    }
    Ok(())
}

enum Op {
    Cert(Box<CertRecord>),
    Job(PushJob),
    Audit(AuditEntry),
    Alert(AlertRecord),
}
