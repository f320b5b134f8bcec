//! "Fin de vie" alerts: which messages are due ([`plan`]), how they read
//! ([`templates`]), and their delivery ([`deliver`]), recorded in the alert log
//! before and after sending so that each goes out once and none is lost.
//!
//! The service and the CLI call [`run`] and [`digest`].

pub mod campaign;
pub mod change;
mod clean;
mod context;
pub mod deliver;
mod digest;
mod digest_parts;
pub mod installation;
pub mod plan;
pub mod sample;
pub mod smtp_client;
pub mod templates;
pub mod transport;
pub mod trial;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

pub use crate::model::{AlertKind, AlertRecord, AlertState, AlertSubject, FailedRecipient};
pub use change::{change_details, change_message, ChangeMessage};
pub use context::{DigestData, MessageContext};
pub use digest::digest;

use crate::audit::AuditEntry;
use crate::clock::{days_between, Instant};
use crate::config::Config;
use crate::desk::DeskId;
use crate::model::CertRecord;
use crate::store::{alert_key, Store, StoreError};
use plan::{DeskCert, Plan, Rules};
use templates::{Rendered, TemplateError, Templates};
use transport::Transport;

/// Why a run could not be carried out (a single message's failure is not an
/// error: it is recorded on the message).
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The SMTP settings cannot be used.
    #[error("{0}")]
    Config(String),
    /// A template failed.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// No such desk.
    #[error("no desk {0} in the inventory")]
    UnknownDesk(DeskId),
    /// The SMTP client's runtime could not start (out of file descriptors
    /// or threads).
    #[error("cannot start the SMTP client: {0}")]
    Runtime(#[source] std::io::Error),
    /// The installation's identity could not be read or drawn.
    #[error("installation identity: {0}")]
    Installation(#[source] std::io::Error),
}

/// The rules of `config`, with the identity of the installation in
/// `data_dir` (drawn on first use when `create`).
pub fn rules_for(config: &Config, data_dir: &Path, create: bool) -> Result<Rules, AlertError> {
    let mut rules = Rules::from_config(config);
    rules.installation = installation::id(data_dir, create)
        .map_err(AlertError::Installation)?
        .unwrap_or_default();
    Ok(rules)
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Messages newly decided this run.
    pub planned: Vec<AlertRecord>,
    /// Final states of the messages handled this run, by kind.
    pub by_kind: BTreeMap<AlertKind, StateCounts>,
    /// Desks without an e-mail address.
    pub no_email: Vec<DeskId>,
    /// Desks without a certificate.
    pub no_cert: Vec<DeskId>,
    /// Pending alerts dropped because their certificate was replaced
    /// ([`AlertState::Superseded`], not counted as failures).
    pub superseded: usize,
    /// Addresses the server refused in messages it took for their other
    /// recipients, with the desk of the message.
    pub refused_recipients: Vec<(Option<DeskId>, FailedRecipient)>,
}

/// Messages in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateCounts {
    /// Accepted by the server (or written to the outbox).
    pub sent: usize,
    /// Still to send.
    pub pending: usize,
    /// Given up.
    pub failed: usize,
}

impl RunSummary {
    /// Counts one message's final state. A superseded message is counted
    /// apart, not under its kind: it is no failure.
    pub fn count(&mut self, kind: AlertKind, state: AlertState) {
        if state == AlertState::Superseded {
            self.superseded += 1;
            return;
        }
        let c = self.by_kind.entry(kind).or_default();
        match state {
            // A run never sees a bounce (they come back later, by mail):
            // the message did leave.
            AlertState::Sent | AlertState::Bounced => c.sent += 1,
            AlertState::Pending => c.pending += 1,
            AlertState::Failed | AlertState::Superseded => c.failed += 1,
        }
    }

    /// The totals over every kind.
    pub fn total(&self) -> StateCounts {
        self.by_kind
            .values()
            .fold(StateCounts::default(), |a, c| StateCounts {
                sent: a.sent + c.sent,
                pending: a.pending + c.pending,
                failed: a.failed + c.failed,
            })
    }

    /// One line for logs: totals, then per kind sent/pending/failed.
    pub fn line(&self) -> String {
        let t = self.total();
        let per_kind: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, c)| format!("{} {}/{}/{}", k.as_str(), c.sent, c.pending, c.failed))
            .collect();
        let mut line = format!(
            "{} sent, {} pending, {} failed",
            t.sent, t.pending, t.failed
        );
        if !per_kind.is_empty() {
            line.push_str(&format!(" ({})", per_kind.join(", ")));
        }
        line
    }
}

/// The plan at `now` for every desk of the store, decided desk by desk as
/// the roster is read: planning 100,000 desks holds only what is due.
pub fn plan_store(store: &Store, rules: &Rules, now: Instant) -> Result<Plan, StoreError> {
    let decided: HashSet<Vec<u8>> = store.alert_keys()?.into_iter().collect();
    let mut plan = Plan::default();
    store.roster(|e| {
        let dc = DeskCert {
            desk: &e.desk,
            cert: e.cert.as_ref(),
        };
        plan.consider(dc, &decided, rules, now);
        Ok::<(), StoreError>(())
    })?;
    Ok(plan)
}

/// Decides what is due at `now`, records it as pending, then sends every
/// pending message (including refusals and confirmations written by intake
/// and push, and earlier failures). With `dry_run`, decides and stops.
pub fn run(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Instant,
    actor: &str,
    dry_run: bool,
) -> Result<RunSummary, AlertError> {
    run_until(
        store,
        config,
        data_dir,
        now,
        actor,
        dry_run,
        &AtomicBool::new(false),
    )
}

/// [`run`] for the service: once `stop` is set, the message in hand is
/// finished and recorded, and the others stay pending for the next run.
pub fn run_until(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Instant,
    actor: &str,
    dry_run: bool,
    stop: &AtomicBool,
) -> Result<RunSummary, AlertError> {
    let rules = rules_for(config, data_dir, !dry_run)?;
    let mut plan = plan_store(store, &rules, now)?;
    // Issue 16: the reminders of deadline campaigns.
    plan.due
        .extend(campaign::plan_store(store, config, &rules, now)?);
    let mut summary = RunSummary {
        planned: plan.due.clone(),
        no_email: plan.no_email,
        no_cert: plan.no_cert,
        ..RunSummary::default()
    };
    if dry_run {
        return Ok(summary);
    }
    record(store, &plan.due, now, actor)?;
    let transport = Transport::from_config(config, data_dir)?;
    let templates = Templates::new(config.templates_dir.as_deref());
    deliver::deliver_pending(
        store,
        config,
        &deliver::Outlet {
            transport: &transport,
            templates: &templates,
            installation: &rules.installation,
        },
        now,
        actor,
        &mut summary,
        stop,
    )?;
    Ok(summary)
}

/// Writes decided messages as pending, in one transaction, skipping any
/// whose key appeared meanwhile.
fn record(store: &Store, due: &[AlertRecord], now: Instant, actor: &str) -> Result<(), AlertError> {
    if due.is_empty() {
        return Ok(());
    }
    store.write(|tx| {
        for rec in due {
            if tx.alert(&alert_key(rec))?.is_none() {
                tx.put_alert(rec)?;
                let mut e = AuditEntry::new(now, actor, "alert.plan").detail(format!(
                    "{} {}",
                    rec.kind().as_str(),
                    rec.threshold_days()
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                ));
                if let Some(d) = rec.desk() {
                    e = e.desk(d);
                }
                if let Some(s) = rec.sha256() {
                    e = e.cert(s);
                }
                tx.audit(&e)?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// What `desk` would receive at `now`: the messages due, rendered, or, when
/// none is about its certificate, the threshold alert as it would read
/// today; and the reminders of deadline campaigns due to it (issue 16).
/// Sends nothing.
pub fn preview(
    store: &Store,
    config: &Config,
    now: Instant,
    desk: &DeskId,
) -> Result<Vec<Preview>, AlertError> {
    let d = store
        .desk(desk)?
        .ok_or_else(|| AlertError::UnknownDesk(desk.clone()))?;
    let cert = store.current_cert(desk)?;
    let rules = Rules::from_config(config);
    let keys: HashSet<Vec<u8>> = store.alert_keys()?.into_iter().collect();
    let summary = cert.as_ref().map(CertRecord::summary);
    let dc = [DeskCert {
        desk: &d,
        cert: summary.as_ref(),
    }];
    // Each message with whether it is due now (a sample is not).
    let mut due: Vec<(AlertRecord, bool)> = plan::plan(&dc, &keys, &rules, now)
        .due
        .into_iter()
        .map(|rec| (rec, true))
        .collect();
    if let (true, Some(c)) = (due.is_empty(), &cert) {
        // The sample is never recorded nor keyed: its figure is today's
        // (days left, or days since expiry), the threshold it will cross
        // being unknown.
        let days_left = days_between(now, c.not_after, rules.tz);
        let (desk, cert) = (d.id.clone(), c.sha256);
        let subject = if now >= c.not_after {
            AlertSubject::Expired {
                desk,
                cert,
                days_since: (-days_left).max(0),
            }
        } else {
            AlertSubject::Threshold {
                desk,
                cert,
                days: days_left,
            }
        };
        let sample = AlertRecord {
            recipients: plan::recipients(&d, &config.manager.team, false),
            ..AlertRecord::pending(subject, now)
        };
        due.push((sample, false));
    }
    // The deadline campaigns' reminders, as `alerts run` plans them.
    due.extend(
        campaign::plan_store(store, config, &rules, now)?
            .into_iter()
            .filter(|rec| rec.desk() == Some(desk))
            .map(|rec| (rec, true)),
    );
    let templates = Templates::new(config.templates_dir.as_deref());
    due.into_iter()
        .map(|(rec, due_now)| {
            let mut ctx = context::build(&rec, Some(&d), cert.as_ref(), config, now);
            if !due_now {
                // A sample crosses no threshold: templates see none, as they
                // always have in a preview.
                ctx.threshold_days = None;
            }
            let rendered = templates.message(rec.kind(), d.lang, &ctx.value())?;
            Ok(Preview {
                rec,
                rendered,
                due: due_now,
            })
        })
        .collect()
}

/// One message `vigie alerts preview` shows.
#[derive(Debug)]
pub struct Preview {
    /// The message: one due now, or, when none is, a sample of how the next
    /// alert reads (with today's figures; never recorded).
    pub rec: AlertRecord,
    /// As the desk would receive it.
    pub rendered: Rendered,
    /// Whether the message is due now; `false` for the sample.
    pub due: bool,
}
