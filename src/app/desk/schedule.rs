//! Scheduling a change of one national setting of a desk, or of every desk
//! still on a value (`vigie desk schedule`, DESIGN §12): the change is
//! recorded with the desk's acknowledgement (pending) and its audit line in
//! one transaction, then the acknowledgement goes out through the alerts'
//! delivery — unless this is a what-if `--now`, in which case it waits for
//! the next real `alerts run`.

use chrono::NaiveDate;

use crate::alerts::change::{deliver_for_changes, french_date};
use crate::alerts::{change_message, ChangeMessage, RunSummary};
use crate::app::{AppError, Env};
use crate::audit::AuditEntry;
use crate::config::Setting;
use crate::desk::{Desk, DeskId};
use crate::model::Change;
use crate::store::StoreError;

/// Which desks a scheduling is for.
#[derive(Debug, Clone)]
pub enum Target {
    /// One desk.
    One(DeskId),
    /// Every desk, not suspended, whose setting is this value (with the
    /// configuration's default applied).
    Where(Setting),
}

/// What to schedule.
#[derive(Debug, Clone)]
pub struct Request {
    /// The desks.
    pub target: Target,
    /// The setting and its new value, checked.
    pub set: Setting,
    /// The day asked for (local).
    pub on: NaiveDate,
    /// A note for people.
    pub note: Option<String>,
}

/// What a scheduling did.
#[derive(Debug, Clone, Default)]
pub struct Scheduled {
    /// The changes made, in desk order.
    pub changes: Vec<Change>,
    /// The pending changes they replaced (now cancelled).
    pub replaced: Vec<Change>,
    /// Desks left out because they already have the value.
    pub already: Vec<DeskId>,
    /// With `--where`: desks left out because they already have a pending
    /// change of the key (their own date is kept).
    pub pending: Vec<DeskId>,
    /// What became of the acknowledgements (empty on a what-if run).
    pub delivery: RunSummary,
}

/// Schedules `req`. A date before today (local) is refused, as is a single
/// desk that already has the value; `--where` skips such desks, and the
/// desks that already have a pending change of the key.
pub fn schedule(env: &Env, req: &Request) -> Result<Scheduled, AppError> {
    let today = crate::clock::local_date(env.now, env.tz);
    if req.on < today {
        return Err(StoreError::Conflict(format!(
            "{} is in the past (today is {}): a change is scheduled for today or later",
            req.on, today
        ))
        .into());
    }
    let settings = env.config.desk_settings();
    let store = env.store()?;
    let desks: Vec<Desk> = match &req.target {
        Target::One(id) => vec![store
            .desk(id)?
            .ok_or_else(|| AppError::NoDesk(id.clone()))?],
        Target::Where(w) => store
            .desks()?
            .into_iter()
            .filter(|d| !d.suspended && settings.value_of(d, &w.key).as_deref() == Some(&w.value))
            .collect(),
    };
    let (todo, already): (Vec<Desk>, Vec<Desk>) = desks
        .into_iter()
        .partition(|d| settings.value_of(d, &req.set.key).as_deref() != Some(&req.set.value));
    // For everyone still on a value, a desk that already asked for its own
    // date keeps it: only a desk named alone has its pending change
    // replaced.
    let mut pending = Vec::new();
    let todo: Vec<Desk> = match &req.target {
        Target::One(_) => todo,
        Target::Where(_) => {
            let mut keep = Vec::with_capacity(todo.len());
            for d in todo {
                if store.pending_change_for(&d.id, &req.set.key)?.is_some() {
                    pending.push(d.id);
                } else {
                    keep.push(d);
                }
            }
            keep
        }
    };
    if let (Target::One(id), Some(d)) = (&req.target, already.first()) {
        return Err(StoreError::Conflict(format!(
            "{id} ({}) already has {}: nothing to schedule",
            d.name, req.set
        ))
        .into());
    }
    let campaign = match &req.target {
        Target::One(_) => None,
        Target::Where(w) => Some(format!("{} where {w}", req.set)),
    };
    let (changes, replaced) = store.write(|tx| {
        let mut made = Vec::with_capacity(todo.len());
        let mut replaced = Vec::new();
        for d in &todo {
            let mut change = Change::new(
                tx.new_change_id()?,
                d.id.clone(),
                req.set.key.clone(),
                req.set.value.clone(),
                req.on,
                env.now,
            );
            change.note.clone_from(&req.note);
            change.previous = settings.value_of(d, &req.set.key);
            change.campaign.clone_from(&campaign);
            let old = tx.schedule_change(&change)?;
            let replaced_on = old.as_ref().map(|o| french_date(o.on));
            tx.put_alert(&change_message(
                ChangeMessage::Scheduled,
                &change,
                replaced_on.as_deref(),
                env.now,
            ))?;
            let mut detail = format!("{} on {} ({})", req.set, req.on, change.id);
            if let Some(o) = &old {
                detail.push_str(&format!("; replaces {} of {}", o.id, o.on));
            }
            if let Some(n) = &req.note {
                detail.push_str(&format!("; note: {n}"));
            }
            tx.audit(
                &AuditEntry::new(env.now, &env.actor, "change.schedule")
                    .desk(&d.id)
                    .detail(detail),
            )?;
            made.push(change);
            replaced.extend(old);
        }
        Ok((made, replaced))
    })?;
    let ids: Vec<_> = changes.iter().map(|c| c.id.clone()).collect();
    let delivery = tell_desks(env, &store, &ids)?;
    Ok(Scheduled {
        changes,
        replaced,
        already: already.into_iter().map(|d| d.id).collect(),
        pending,
        delivery,
    })
}

/// Delivers now the desks' messages about changes `ids` (acknowledgements,
/// cancellation notices); nothing in a what-if (`--now`, DESIGN §13), where
/// they stay pending.
pub(super) fn tell_desks(
    env: &Env,
    store: &crate::store::Store,
    ids: &[crate::model::ChangeId],
) -> Result<RunSummary, AppError> {
    if env.what_if() {
        return Ok(RunSummary::default());
    }
    Ok(deliver_for_changes(
        store,
        &env.config,
        &env.data_dir,
        env.now,
        &env.actor,
        ids,
    )?)
}
