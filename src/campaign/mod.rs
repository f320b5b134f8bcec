//! Deadline campaigns (issue 16): who, among the desks a campaign concerns,
//! is *done* (the setting already has the campaign's value), *scheduled* (a
//! pending change to that value, with its date) or *left* (neither).
//!
//! Deciding is [`member`], a function of values; [`progress`] reads the
//! desks and the pending changes from the store once for every campaign.
//! The reminders to the desks left are the alerts' business
//! (`crate::alerts`, kind `campaign`), the report's and the digest's
//! sections are built from [`Progress`].
//!
//! # Which desks a campaign concerns
//!
//! Those whose setting `where_key` has the value `where_value` (defaults
//! applied, as `desk show` prints them), and, when the filter is on the
//! campaign's own key (`--set version=V2 --where version=V1`, the usual
//! case), those that already reached the value: a desk switched to V2 no
//! longer matches `version=V1`, and it is the campaign's success, not a
//! desk that left it.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::config::DeskSettings;
use crate::model::{Campaign, Change, ChangeId, Desk, DeskId};
use crate::store::{Store, StoreError};

/// Where a desk stands in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// Its setting already has the campaign's value.
    Done,
    /// A pending change to the campaign's value is scheduled.
    Scheduled,
    /// Neither: it is reminded until the deadline.
    Left,
}

impl Standing {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Done => "done",
            Standing::Scheduled => "scheduled",
            Standing::Left => "left",
        }
    }

    /// The French word the report and the digest use.
    pub fn fr(self) -> &'static str {
        match self {
            Standing::Done => "fait",
            Standing::Scheduled => "programmé",
            Standing::Left => "restant",
        }
    }
}

/// One desk a campaign concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The desk.
    pub desk: DeskId,
    /// Its name.
    pub name: String,
    /// Its current value of the campaign's key (defaults applied).
    pub current: String,
    /// Where it stands.
    pub standing: Standing,
    /// The pending change that makes it scheduled, with its date.
    pub change: Option<(ChangeId, NaiveDate)>,
    /// Suspended desks are counted, but not reminded.
    pub suspended: bool,
}

/// Where `desk` stands in `campaign`, or `None` when the campaign does not
/// concern it. `pending` is the desk's scheduled change of the campaign's
/// key, if any.
pub fn member(
    campaign: &Campaign,
    desk: &Desk,
    settings: &DeskSettings,
    pending: Option<&Change>,
) -> Option<Member> {
    let current = settings.value_of(desk, &campaign.key).unwrap_or_default();
    let matches = settings.value_of(desk, &campaign.where_key).as_deref()
        == Some(campaign.where_value.as_str());
    let done = current == campaign.value;
    let reached = done && campaign.where_key == campaign.key;
    if !matches && !reached {
        return None;
    }
    let scheduled = pending
        .filter(|c| c.is_pending() && c.key == campaign.key && c.value == campaign.value)
        .map(|c| (c.id.clone(), c.on));
    let standing = if done {
        Standing::Done
    } else if scheduled.is_some() {
        Standing::Scheduled
    } else {
        Standing::Left
    };
    Some(Member {
        desk: desk.id.clone(),
        name: desk.name.clone(),
        current,
        standing,
        change: if done { None } else { scheduled },
        suspended: desk.suspended,
    })
}

/// A campaign and the desks it concerns, in desk order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The campaign.
    pub campaign: Campaign,
    /// Its desks.
    pub members: Vec<Member>,
}

/// How many desks stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Done.
    pub done: usize,
    /// Scheduled.
    pub scheduled: usize,
    /// Left.
    pub left: usize,
}

impl Counts {
    /// Every desk the campaign concerns.
    pub fn total(&self) -> usize {
        self.done + self.scheduled + self.left
    }
}

impl Progress {
    /// The desks standing at `standing`.
    pub fn with(&self, standing: Standing) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(move |m| m.standing == standing)
    }

    /// The counts.
    pub fn counts(&self) -> Counts {
        let n = |s| self.with(s).count();
        Counts {
            done: n(Standing::Done),
            scheduled: n(Standing::Scheduled),
            left: n(Standing::Left),
        }
    }

    /// Calendar days from `today` to the deadline (negative once past).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.campaign.deadline - today).num_days()
    }
}

/// The progress of each of `campaigns`, reading the desks and the pending
/// changes once.
pub fn progress(
    store: &Store,
    settings: &DeskSettings,
    campaigns: Vec<Campaign>,
) -> Result<Vec<Progress>, StoreError> {
    if campaigns.is_empty() {
        return Ok(Vec::new());
    }
    let pending: HashMap<(DeskId, String), Change> = store
        .pending_changes()?
        .into_iter()
        .map(|c| ((c.desk.clone(), c.key.clone()), c))
        .collect();
    let desks = store.desks()?;
    Ok(campaigns
        .into_iter()
        .map(|campaign| {
            let members = desks
                .iter()
                .filter_map(|d| {
                    let p = pending.get(&(d.id.clone(), campaign.key.clone()));
                    member(&campaign, d, settings, p)
                })
                .collect();
            Progress { campaign, members }
        })
        .collect())
}

/// The progress of every campaign of the store, open ones first (by
/// deadline), closed ones after.
pub fn all(store: &Store, settings: &DeskSettings) -> Result<Vec<Progress>, StoreError> {
    let mut campaigns = store.campaigns()?;
    campaigns.sort_by_key(|c| c.closed);
    progress(store, settings, campaigns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lang, Mode};

    fn desk(n: u32, version: &str) -> Desk {
        let mut d = Desk {
            id: DeskId::parse(&format!("732829320-{n:05}")).unwrap(),
            name: format!("Guichet {n}"),
            emails: vec![],
            department: None,
            mode: Mode::Async,
            lang: Lang::Fr,
            thresholds: None,
            suspended: false,
            settings: Default::default(),
        };
        d.set_setting("version", version).unwrap();
        d
    }

    fn change(d: &Desk, value: &str) -> Change {
        Change::new(
            ChangeId::from_bits(7),
            d.id.clone(),
            "version".into(),
            value.into(),
            NaiveDate::from_ymd_opt(2013, 3, 18).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn done_scheduled_and_left() {
        let s = DeskSettings::default();
        let c = Campaign::sample();
        let (v1, on_v2) = (desk(1, "V1"), desk(2, "V2"));
        assert_eq!(member(&c, &v1, &s, None).unwrap().standing, Standing::Left);
        let to_v2 = change(&v1, "V2");
        let m = member(&c, &v1, &s, Some(&to_v2)).unwrap();
        assert_eq!(m.standing, Standing::Scheduled);
        assert_eq!(m.change, Some((to_v2.id.clone(), to_v2.on)));
        assert_eq!(m.current, "V1");
        // A change to another value does not answer the campaign.
        let other = change(&v1, "V1");
        assert_eq!(
            member(&c, &v1, &s, Some(&other)).unwrap().standing,
            Standing::Left
        );
        // Switched already: done, though it no longer matches the filter.
        assert_eq!(
            member(&c, &on_v2, &s, None).unwrap().standing,
            Standing::Done
        );
    }

    #[test]
    fn a_filter_on_another_key_leaves_the_others_out() {
        let s = DeskSettings::default();
        let mut c = Campaign::sample();
        c.where_key = "mode".into();
        c.where_value = "ws".into();
        let mut ws = desk(1, "V2");
        ws.mode = Mode::Ws;
        assert_eq!(member(&c, &ws, &s, None).unwrap().standing, Standing::Done);
        // On V2 but not in the filter: not the campaign's.
        assert_eq!(member(&c, &desk(2, "V2"), &s, None), None);
        assert_eq!(member(&c, &desk(3, "V1"), &s, None), None);
    }
}
