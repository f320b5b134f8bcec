//! The messages about scheduled setting changes (issue 16, DESIGN §12): the
//! acknowledgement sent when a change is scheduled, the notice when it is
//! cancelled, and the confirmation once the national system applied it.
//!
//! They are alert records like the others — written as pending in the same
//! transaction as the change itself, then delivered by the same code
//! ([`super::deliver`]): Message-ID fixed before sending, pending while SMTP
//! is down and retried by the next `alerts run`, never sent by a what-if
//! `--now`. What the template says (the setting, its value, the date) is
//! fixed in the record's details when the message is decided, so that a
//! retry sends the same words.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::deliver::{deliver_pending_where, Outlet};
use super::templates::Templates;
use super::transport::Transport;
use super::{rules_for, AlertError, AlertRecord, AlertSubject, RunSummary};
use crate::clock::Instant;
use crate::config::Config;
use crate::model::{Change, ChangeId};
use crate::store::Store;

/// A change's date as the desk reads it: dd/mm/yyyy.
pub fn french_date(day: chrono::NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// What the templates of a change's messages see in `details`: `change`
/// (its id), `key`, `value`, `on` (dd/mm/yyyy), `note` and `previous`
/// (empty when none), and `replaced_on`, the date of the earlier change this
/// one replaces (empty when none).
pub fn change_details(change: &Change, replaced_on: Option<&str>) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("change".to_owned(), change.id.to_string()),
        ("key".to_owned(), change.key.clone()),
        ("value".to_owned(), change.value.clone()),
        ("on".to_owned(), french_date(change.on)),
        ("note".to_owned(), change.note.clone().unwrap_or_default()),
        (
            "previous".to_owned(),
            change.previous.clone().unwrap_or_default(),
        ),
        (
            "replaced_on".to_owned(),
            replaced_on.unwrap_or_default().to_owned(),
        ),
    ])
}

/// Which message about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeMessage {
    /// The change was scheduled: acknowledgement with the date.
    Scheduled,
    /// The change was cancelled.
    Cancelled,
    /// The change was applied.
    Applied,
}

/// The pending record of a message about `change`, decided at `now`.
pub fn change_message(
    what: ChangeMessage,
    change: &Change,
    replaced_on: Option<&str>,
    now: Instant,
) -> AlertRecord {
    let (desk, id) = (change.desk.clone(), change.id.clone());
    let subject = match what {
        ChangeMessage::Scheduled => AlertSubject::ChangeScheduled { desk, change: id },
        ChangeMessage::Cancelled => AlertSubject::ChangeCancelled { desk, change: id },
        ChangeMessage::Applied => AlertSubject::ChangeApplied { desk, change: id },
    };
    AlertRecord {
        details: change_details(change, replaced_on),
        ..AlertRecord::pending(subject, now)
    }
}

/// Delivers now the pending messages about the changes `ids` (and only
/// those: a `desk schedule` does not send the day's reminders). What cannot
/// go out stays pending for the next `alerts run`.
pub fn deliver_for_changes(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    now: Instant,
    actor: &str,
    ids: &[ChangeId],
) -> Result<RunSummary, AlertError> {
    let mut summary = RunSummary::default();
    if ids.is_empty() {
        return Ok(summary);
    }
    let rules = rules_for(config, data_dir, true)?;
    let transport = Transport::from_config(config, data_dir)?;
    let templates = Templates::new(config.templates_dir.as_deref());
    deliver_pending_where(
        store,
        config,
        &Outlet {
            transport: &transport,
            templates: &templates,
            installation: &rules.installation,
        },
        now,
        actor,
        &mut summary,
        &AtomicBool::new(false),
        &|rec: &AlertRecord| rec.subject.change().is_some_and(|c| ids.contains(c)),
    )?;
    Ok(summary)
}
