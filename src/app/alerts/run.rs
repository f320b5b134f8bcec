//! Running the alerts due now, or telling what a run would send.

use crate::alerts::deliver::team_or_manager;
use crate::alerts::plan::recipients;
use crate::alerts::{self, AlertRecord, AlertSubject, RunSummary};
use crate::app::job::clock_not_behind;
use crate::app::{AppError, Env};
use crate::clock::Instant;
use crate::model::SUPERSEDED;

/// Sends the messages due now and retries pending ones (on a dry run, only
/// plans them). A what-if environment ([`Env::what_if`]) is always a dry
/// run: nothing is recorded, nothing is sent. A real run at an instant
/// earlier than the last one is refused ([`AppError::ClockBehind`]).
pub fn run(env: &Env, dry_run: bool) -> Result<RunSummary, AppError> {
    let store = env.store()?;
    let dry = dry_run || env.what_if();
    if !dry {
        clock_not_behind(&store, "alerts", env.now)?;
    }
    let summary = alerts::run(&store, &env.config, &env.data_dir, env.now, &env.actor, dry)?;
    if !dry {
        store.record_run_at("alerts", env.now)?;
    }
    Ok(summary)
}

/// What a run at [`Env::now`] would do, decided without recording or
/// sending anything: the same plan, and the same pending messages in the
/// order the run takes them.
#[derive(Debug, Clone, Default)]
pub struct DryRun {
    /// The run's plan: new messages in `planned`, desks without address or
    /// certificate.
    pub summary: RunSummary,
    /// Messages already recorded that the run would send: refusals and
    /// confirmations written by intake and push, earlier failures retried;
    /// with the recipients the run would give those that have none yet.
    pub pending: Vec<AlertRecord>,
    /// Pending messages the run would drop instead of sending, and why (a
    /// newer certificate, a desk no longer in the inventory).
    pub dropped: Vec<(AlertRecord, String)>,
    /// The last real run, when it is later than [`Env::now`]: the real run
    /// would be refused.
    pub behind: Option<Instant>,
}

/// Tells what `vigie alerts run` would send at [`Env::now`]
/// (`alerts run --dry-run`, and any run under `--now`).
pub fn dry_run(env: &Env) -> Result<DryRun, AppError> {
    let store = env.store()?;
    let behind = store.last_run_at("alerts")?.filter(|last| env.now < *last);
    let summary = alerts::run(
        &store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
        true,
    )?;
    let mut out = DryRun {
        summary,
        behind,
        ..DryRun::default()
    };
    // What `alerts::deliver` does with each pending record before sending
    // it, without writing anything.
    for mut rec in store.alerts_in(alerts::AlertState::Pending)? {
        let desk = match rec.desk() {
            Some(id) => match store.desk(id)? {
                Some(d) => Some(d),
                None => {
                    let why = format!("desk {id} is no longer in the inventory");
                    out.dropped.push((rec, why));
                    continue;
                }
            },
            None => None,
        };
        if let AlertSubject::Threshold { desk, cert, .. }
        | AlertSubject::Expired { desk, cert, .. } = &rec.subject
        {
            if store.current_sha(desk)? != Some(*cert) {
                out.dropped.push((rec, SUPERSEDED.to_owned()));
                continue;
            }
        }
        // Issue 16: as the delivery drops a campaign's stale reminder.
        if let AlertSubject::Campaign { desk, campaign, .. } = &rec.subject {
            let why = alerts::campaign::no_longer_due(&store, &env.config, desk, campaign)?;
            if let Some(why) = why {
                out.dropped.push((rec, why));
                continue;
            }
        }
        if rec.recipients.is_empty() {
            rec.recipients = match &desk {
                Some(d) => recipients(d, &env.config.manager.team, false),
                None => team_or_manager(&env.config),
            };
        }
        out.pending.push(rec);
    }
    Ok(out)
}
