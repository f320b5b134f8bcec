//! A push run: every due job is attempted once, each attempt recorded in its
//! own flushed write before the destination is contacted (attempts, next
//! attempt) and after it answered (done, failed, or the error to retry on).
//!
//! Because the next attempt is booked before the destination is contacted, a
//! run killed at any point loses no job: the job stays pending and comes due
//! again. Because `done` is written only after the destination acknowledged,
//! no job is ever marked done that it did not take; at worst a certificate is
//! pushed twice, which every destination accepts (files are replaced, HTTPS
//! carries an idempotency key).

use std::collections::BTreeMap;
use std::path::Path;

use super::command::CommandTarget;
use super::directory::{DirectoryError, DirectoryTarget};
use super::https::{HttpsError, HttpsTarget};
use super::plan::{self, Outcome};
use super::{destination_label, directory_path, normal_pem, PushItem, PushJob, PushState, Target};
use crate::audit::AuditEntry;
use crate::clock::{rfc3339, Instant};
use crate::config::{Config, Destination};
use crate::model::{AlertRecord, AlertSubject, Change, ChangeState};
use crate::store::{alert_key, Store, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushSummary {
    /// Jobs the destination acknowledged.
    pub done: usize,
    /// Jobs that failed this time and are booked for a later attempt.
    pub retried: usize,
    /// Jobs the destination refused for good (until `vigie push retry`).
    pub failed: usize,
    /// Each attempt, in order: the job as recorded after it, and its outcome.
    pub attempts: Vec<(PushJob, Outcome)>,
    /// Each attempt at a scheduled setting change, in order: the change as
    /// recorded after it, and its outcome (not counted above).
    pub changes: Vec<(Change, Outcome)>,
}

impl PushSummary {
    /// Changes done, retried later and refused for good, in that order.
    pub fn change_counts(&self) -> (usize, usize, usize) {
        self.changes
            .iter()
            .fold((0, 0, 0), |(d, r, f), (_, o)| match o {
                Outcome::Done => (d + 1, r, f),
                Outcome::Retry(_) => (d, r + 1, f),
                Outcome::Refused(_) => (d, r, f + 1),
            })
    }
}

/// Why a run could not proceed. Per-job failures are not errors: they are
/// recorded in the job.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The national folder cannot be used.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The HTTPS destination cannot be set up.
    #[error(transparent)]
    Https(#[from] HttpsError),
}

/// Runs every job due at `now` against the configured destination.
pub fn run(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Instant,
    actor: &str,
) -> Result<PushSummary, PushError> {
    let never = AtomicBool::new(false);
    run_with(
        store,
        config,
        data_dir,
        now,
        actor,
        &mut random_unit,
        &never,
    )
}

/// [`run`] for the service: stops before the next job once `stop` is set
/// (the job in hand is finished and recorded first).
pub fn run_until(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Instant,
    actor: &str,
    stop: &AtomicBool,
) -> Result<PushSummary, PushError> {
    run_with(store, config, data_dir, now, actor, &mut random_unit, stop)
}

/// [`run`], with the jitter's randomness supplied (a number in `[0, 1)` per
/// call), for tests that want exact instants.
pub fn run_with(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Instant,
    actor: &str,
    jitter: &mut dyn FnMut() -> f64,
    stop: &AtomicBool,
) -> Result<PushSummary, PushError> {
    let jobs = store.push_jobs()?;
    let due: Vec<PushJob> = plan::due(&jobs, now).into_iter().cloned().collect();
    let changes = store.pending_changes()?;
    let due_changes: Vec<Change> = plan::due_changes(&changes, now, config.tz())
        .into_iter()
        .cloned()
        .collect();
    let mut summary = PushSummary::default();
    if due.is_empty() && due_changes.is_empty() {
        return Ok(summary);
    }
    let national = &config.national;
    let label = destination_label(national, data_dir);
    let mut target = open_target(config, data_dir, now, &jobs)?;
    let cap = national.max_backoff;
    for job in due {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Some(cert) = store.cert(&job.sha256)? else {
            let job = record(store, &job, now, actor, &label, &missing_cert())?;
            summary.failed += 1;
            summary.attempts.push((job, missing_cert()));
            continue;
        };
        let wait = plan::backoff(job.attempts + 1, cap, jitter());
        let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        // Book the attempt first: if vigie dies during it, the job is still
        // pending and comes due again at `next`.
        let booked = store.write(|tx| {
            let Some(mut j) = tx.push_job(&job.desk, &job.sha256)? else {
                return Ok(None);
            };
            if j.state != PushState::Pending {
                return Ok(None);
            }
            j.attempts += 1;
            j.next_attempt = Some(next);
            j.destination = label.clone();
            tx.put_push_job(&j)?;
            Ok(Some(j))
        })?;
        let Some(booked) = booked else { continue };
        let item = PushItem {
            desk: cert.desk.clone(),
            sha256: cert.sha256,
            not_after: cert.not_after,
            pem: normal_pem(&cert.der),
        };
        let outcome = target.push(&item, now);
        let job = record(store, &booked, now, actor, &label, &outcome)?;
        match outcome {
            Outcome::Done => summary.done += 1,
            Outcome::Refused(_) => summary.failed += 1,
            Outcome::Retry(_) => summary.retried += 1,
        }
        summary.attempts.push((job, outcome));
    }
    for change in due_changes {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let wait = plan::backoff(change.attempts + 1, cap, jitter());
        let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        // As for certificates: the attempt is booked (and flushed) before
        // the destination is contacted, so a crash leaves the change
        // scheduled and due again at `next`; a change cancelled meanwhile is
        // left alone.
        let booked = store.write(|tx| {
            let Some(mut c) = tx.change(&change.id)? else {
                return Ok(None);
            };
            if c.state != ChangeState::Scheduled {
                return Ok(None);
            }
            c.attempts += 1;
            c.next_attempt = Some(next);
            c.destination = Some(label.clone());
            tx.put_change(&c)?;
            Ok(Some(c))
        })?;
        let Some(booked) = booked else { continue };
        let item = super::ChangeItem {
            desk: booked.desk.clone(),
            change: booked.id.clone(),
            key: booked.key.clone(),
            value: booked.value.clone(),
        };
        let outcome = target.apply(&item, now);
        let recorded = record_change(store, &booked, now, actor, &label, &outcome)?;
        summary.changes.push((recorded, outcome));
    }
    Ok(summary)
}

/// Writes a change attempt's outcome, in one flushed write: when done, the
/// change, the desk's new setting, the desk's confirmation (sent by the next
/// alerts run) and the audit line land together.
fn record_change(
    store: &Store,
    booked: &Change,
    now: Instant,
    actor: &str,
    label: &str,
    outcome: &Outcome,
) -> Result<Change, PushError> {
    Ok(store.write(|tx| {
        let mut c = tx.change(&booked.id)?.unwrap_or_else(|| booked.clone());
        let what = format!("{}={} on {} ({})", c.key, c.value, c.on, c.id);
        let entry = AuditEntry::new(now, actor, "").desk(&c.desk);
        let entry = match outcome {
            Outcome::Done => {
                c.state = ChangeState::Done;
                c.done_at = Some(now);
                c.next_attempt = None;
                c.last_error = None;
                let mut detail = format!("{what}: {label}, attempt {}", c.attempts);
                match tx.desk(&c.desk)? {
                    Some(mut desk) => {
                        // The value was checked when the change was made.
                        if let Err(e) = desk.set_setting(&c.key, &c.value) {
                            detail.push_str(&format!("; the desk's record kept its value: {e}"));
                        }
                        tx.put_desk(&desk)?;
                        let alert = crate::alerts::change_message(
                            crate::alerts::ChangeMessage::Applied,
                            &c,
                            None,
                            now,
                        );
                        if tx.alert(&alert_key(&alert))?.is_none() {
                            tx.put_alert(&alert)?;
                        }
                    }
                    None => {
                        detail.push_str("; the desk is no longer in the inventory, no confirmation")
                    }
                }
                AuditEntry {
                    action: "change.done".into(),
                    detail,
                    ..entry
                }
            }
            Outcome::Refused(why) => {
                c.state = ChangeState::Failed;
                c.next_attempt = None;
                c.last_error = Some(why.clone());
                AuditEntry {
                    action: "change.failed".into(),
                    outcome: "failed".into(),
                    detail: format!("{what}: {label}, attempt {}: {why}", c.attempts),
                    ..entry
                }
            }
            Outcome::Retry(why) => {
                c.last_error = Some(why.clone());
                let when = c.next_attempt.map(rfc3339).unwrap_or_default();
                AuditEntry {
                    action: "change.attempt".into(),
                    outcome: "retry".into(),
                    detail: format!(
                        "{what}: {label}, attempt {}: {why}; next attempt {when}",
                        c.attempts
                    ),
                    ..entry
                }
            }
        };
        tx.put_change(&c)?;
        tx.audit(&entry)?;
        Ok(c)
    })?)
}

fn missing_cert() -> Outcome {
    Outcome::Refused("the certificate is not in the store".into())
}

/// Opens the configured destination; `jobs` tell the folder which files a
/// crash may have left unlisted.
fn open_target(
    config: &Config,
    data_dir: &Path,
    now: Instant,
    jobs: &[PushJob],
) -> Result<Box<dyn Target>, PushError> {
    let national = &config.national;
    Ok(match &national.destination {
        Destination::Directory(_) => Box::new(DirectoryTarget::open(
            &directory_path(national, data_dir),
            now,
            jobs,
        )?),
        Destination::Https(https) => Box::new(HttpsTarget::open(https, national.timeout)?),
        Destination::Command(argv) => Box::new(CommandTarget::new(argv.clone(), national.timeout)),
    })
}

/// Writes an attempt's outcome into its job, with its audit line and, when
/// done, the desk's confirmation e-mail (sent by the alerts delivery), all in
/// one flushed write.
fn record(
    store: &Store,
    job: &PushJob,
    now: Instant,
    actor: &str,
    label: &str,
    outcome: &Outcome,
) -> Result<PushJob, PushError> {
    Ok(store.write(|tx| {
        let mut j = tx
            .push_job(&job.desk, &job.sha256)?
            .unwrap_or_else(|| job.clone());
        let entry = AuditEntry::new(now, actor, "").desk(&j.desk).cert(j.sha256);
        let entry = match outcome {
            Outcome::Done => {
                j.state = PushState::Done;
                j.done_at = Some(now);
                j.next_attempt = None;
                j.last_error = None;
                let desk = tx.desk(&j.desk)?;
                let mut detail = format!("{label}, attempt {}", j.attempts);
                match desk {
                    Some(desk) => {
                        let confirmation = AlertSubject::Confirmation {
                            desk: j.desk.clone(),
                            cert: j.sha256,
                        };
                        let alert = AlertRecord {
                            recipients: desk.emails.iter().map(|e| e.to_string()).collect(),
                            details: BTreeMap::from([("destination".into(), label.to_owned())]),
                            ..AlertRecord::pending(confirmation, now)
                        };
                        // One confirmation per certificate, even if it is
                        // pushed again later.
                        if tx.alert(&alert_key(&alert))?.is_none() {
                            tx.put_alert(&alert)?;
                        }
                    }
                    None => {
                        detail.push_str("; the desk is no longer in the inventory, no confirmation")
                    }
                }
                AuditEntry {
                    action: "push.done".into(),
                    detail,
                    ..entry
                }
            }
            Outcome::Refused(why) => {
                j.state = PushState::Failed;
                j.next_attempt = None;
                j.last_error = Some(why.clone());
                AuditEntry {
                    action: "push.failed".into(),
                    outcome: "failed".into(),
                    detail: format!(
                        "{label}, attempt {}: {why}; after fixing the cause: vigie push retry {}",
                        j.attempts, j.desk
                    ),
                    ..entry
                }
            }
            Outcome::Retry(why) => {
                j.last_error = Some(why.clone());
                let when = j.next_attempt.map(rfc3339).unwrap_or_default();
                AuditEntry {
                    action: "push.attempt".into(),
                    outcome: "retry".into(),
                    detail: format!(
                        "{label}, attempt {}: {why}; next attempt {when}",
                        j.attempts
                    ),
                    ..entry
                }
            }
        };
        tx.put_push_job(&j)?;
        tx.audit(&entry)?;
        Ok(j)
    })?)
}

/// Re-arms the desk's failed push (its current certificate's, else its most
/// recent), due at `now`. Returns the job, or `None` if the desk has no
/// failed push.
pub fn retry(
    store: &Store,
    desk: &crate::desk::DeskId,
    now: Instant,
    actor: &str,
) -> Result<Option<PushJob>, StoreError> {
    let current = store.current_sha(desk)?;
    let mut failed: Vec<PushJob> = store
        .push_jobs()?
        .into_iter()
        .filter(|j| &j.desk == desk && j.state == PushState::Failed)
        .collect();
    failed.sort_by_key(|j| (Some(j.sha256) == current, j.created_at));
    let Some(job) = failed.pop() else {
        return Ok(None);
    };
    store.write(|tx| {
        let Some(mut j) = tx.push_job(&job.desk, &job.sha256)? else {
            return Ok(None);
        };
        if j.state != PushState::Failed {
            return Ok(None);
        }
        let detail = format!(
            "re-armed after {} attempt(s); last error: {}",
            j.attempts,
            j.last_error.as_deref().unwrap_or("none")
        );
        j.state = PushState::Pending;
        j.attempts = 0;
        j.next_attempt = Some(now);
        tx.put_push_job(&j)?;
        tx.audit(
            &AuditEntry::new(now, actor, "push.retry")
                .desk(&j.desk)
                .cert(j.sha256)
                .detail(detail),
        )?;
        Ok(Some(j))
    })
}

/// A number in `[0, 1)` from the standard library's randomly keyed hasher: the
/// jitter needs spread, not cryptographic quality.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}
