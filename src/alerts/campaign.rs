//! A deadline campaign's reminders (issue 16): the desks a campaign
//! concerns that have neither the campaign's value nor a scheduled change
//! to it are reminded at the alert thresholds before the deadline.
//!
//! The rules are the certificate alerts' (see [`super::plan`]): a threshold
//! `t` is crossed once the calendar days to the deadline are `<= t`; only
//! the most urgent crossed threshold is a candidate, due unless it or a more
//! urgent one is in the alert log, so a missed run sends one reminder, the
//! most urgent, once. The desk's own thresholds (`desk edit --thresholds`)
//! replace the configured ones, as for its certificate. No reminder after
//! the deadline day, none for a closed campaign, none to a suspended desk.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::context::{DigestCampaign, DigestCampaignDesk, DIGEST_SECTION_LINES};
use super::plan::{due_threshold, message_id, recipients, AlertLog, Rules};
use super::{AlertRecord, AlertSubject};
use crate::campaign::{self, Member, Standing};
use crate::clock::{local_date, Instant};
use crate::config::Config;
use crate::model::{Campaign, Desk, DeskId};
use crate::store::{alert_key, Store, StoreError};

/// The one reminder due for `desk` (standing as `member`) in `campaign` at
/// `now`, if any.
pub fn due_for(
    campaign: &Campaign,
    desk: &Desk,
    member: &Member,
    log: &dyn AlertLog,
    rules: &Rules,
    now: Instant,
) -> Option<AlertRecord> {
    if campaign.closed || desk.suspended || member.standing != Standing::Left {
        return None;
    }
    let days_left = (campaign.deadline - local_date(now, rules.tz)).num_days();
    if days_left < 0 {
        return None;
    }
    let thresholds = desk.thresholds.as_deref().unwrap_or(&rules.thresholds);
    let subject = |days| AlertSubject::Campaign {
        desk: desk.id.clone(),
        campaign: campaign.name.clone(),
        days,
    };
    let most_urgent = due_threshold(thresholds, days_left, |t| log.contains(&subject(t).key()))?;
    let mut rec = AlertRecord::pending(subject(most_urgent), now);
    rec.message_id = Some(message_id(
        &alert_key(&rec),
        &rules.installation,
        &rules.message_id_domain,
    ));
    rec.recipients = recipients(desk, &rules.team, false);
    rec.details = details(campaign, &member.current, days_left);
    Some(rec)
}

/// What the reminder's templates read beyond the desk: fixed when it is
/// decided, so that a retry sends the same words.
fn details(campaign: &Campaign, current: &str, days_left: i64) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("campaign".to_owned(), campaign.name.clone()),
        ("key".to_owned(), campaign.key.clone()),
        ("value".to_owned(), campaign.value.clone()),
        ("where".to_owned(), campaign.where_pair()),
        (
            "deadline".to_owned(),
            campaign.deadline.format("%d/%m/%Y").to_string(),
        ),
        ("current".to_owned(), current.to_owned()),
        ("days_left".to_owned(), days_left.to_string()),
    ])
}

/// The details of a sample reminder, for `vigie templates check`.
pub fn sample_details() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("campaign".to_owned(), "v2-2013".to_owned()),
        ("key".to_owned(), "version".to_owned()),
        ("value".to_owned(), "V2".to_owned()),
        ("where".to_owned(), "version=V1".to_owned()),
        ("deadline".to_owned(), "31/03/2013".to_owned()),
        ("current".to_owned(), "V1".to_owned()),
        ("days_left".to_owned(), "30".to_owned()),
    ])
}

/// The reminders due at `now` for every open campaign of the store.
pub fn plan_store(
    store: &Store,
    config: &Config,
    rules: &Rules,
    now: Instant,
) -> Result<Vec<AlertRecord>, StoreError> {
    let progress = campaign::all(store, &config.desk_settings)?;
    if progress.iter().all(|p| p.campaign.closed) {
        return Ok(Vec::new());
    }
    let log: HashSet<Vec<u8>> = store.alert_keys()?.into_iter().collect();
    let desks: HashMap<DeskId, Desk> = store
        .desks()?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let mut due = Vec::new();
    for p in &progress {
        for m in p.with(Standing::Left) {
            if let Some(desk) = desks.get(&m.desk) {
                due.extend(due_for(&p.campaign, desk, m, &log, rules, now));
            }
        }
    }
    Ok(due)
}

/// Why a pending reminder should no longer go out, if it should not: its
/// campaign was closed or removed, or the desk has since scheduled its
/// change or reached the value. Checked just before sending, as a newer
/// certificate silences a certificate's alert.
pub fn no_longer_due(
    store: &Store,
    config: &Config,
    desk: &DeskId,
    name: &str,
) -> Result<Option<String>, StoreError> {
    let Some(c) = store.campaign(name)? else {
        return Ok(Some(format!("campaign {name} no longer exists")));
    };
    if c.closed {
        return Ok(Some(format!("campaign {name} is closed")));
    }
    let Some(d) = store.desk(desk)? else {
        return Ok(None);
    };
    let pending = store.pending_change_for(desk, &c.key)?;
    let standing =
        campaign::member(&c, &d, &config.desk_settings, pending.as_ref()).map(|m| m.standing);
    Ok(match standing {
        Some(Standing::Left) => None,
        Some(s) => Some(format!("the desk is {} in campaign {name}", s.as_str())),
        None => Some(format!("campaign {name} no longer concerns the desk")),
    })
}

/// The digest's lines: each open campaign whose deadline is today or
/// later, with its counts (those of `vigie campaign show`) and the desks
/// left, at most [`DIGEST_SECTION_LINES`] of them.
pub fn digest_lines(
    store: &Store,
    config: &Config,
    now: Instant,
) -> Result<Vec<DigestCampaign>, StoreError> {
    let today = local_date(now, config.tz());
    let mut out = Vec::new();
    for p in campaign::all(store, &config.desk_settings)? {
        if p.campaign.closed || p.days_left(today) < 0 {
            continue;
        }
        let n = p.counts();
        out.push(DigestCampaign {
            name: p.campaign.name.clone(),
            set: p.campaign.set_pair(),
            deadline: p.campaign.deadline.format("%d/%m/%Y").to_string(),
            done: n.done,
            scheduled: n.scheduled,
            left: n.left,
            left_desks: p
                .with(Standing::Left)
                .take(DIGEST_SECTION_LINES)
                .map(|m| DigestCampaignDesk {
                    id: m.desk.to_string(),
                    name: m.name.clone(),
                    current: m.current.clone(),
                })
                .collect(),
        });
    }
    Ok(out)
}

/// A sample campaign line of the digest, for `vigie templates check`.
pub fn sample_digest_line() -> DigestCampaign {
    DigestCampaign {
        name: "v2-2013".into(),
        set: "version=V2".into(),
        deadline: "31/03/2013".into(),
        done: 8,
        scheduled: 3,
        left: 2,
        left_desks: vec![DigestCampaignDesk {
            id: "732829320-00001".into(),
            name: "Office public de l'habitat (exemple)".into(),
            current: "V1".into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChangeId, Lang, Mode};
    use chrono::NaiveDate;

    fn rules() -> Rules {
        Rules::from_config(&Config::default())
    }

    fn desk() -> Desk {
        Desk {
            id: DeskId::parse("732829320-00001").unwrap(),
            name: "Guichet".into(),
            emails: vec![crate::model::Email::parse("g@example.org").unwrap()],
            department: None,
            mode: Mode::Async,
            lang: Lang::Fr,
            thresholds: None,
            suspended: false,
            settings: Default::default(),
        }
    }

    fn member(standing: Standing) -> Member {
        Member {
            desk: desk().id,
            name: "Guichet".into(),
            current: "V1".into(),
            standing,
            change: None,
            suspended: false,
        }
    }

    fn at(s: &str) -> Instant {
        crate::clock::parse_instant(s).unwrap()
    }

    fn days(rec: &AlertRecord) -> i64 {
        rec.threshold_days().unwrap()
    }

    #[test]
    fn the_most_urgent_crossed_threshold_once_then_nothing() {
        let (c, d, m, r) = (Campaign::sample(), desk(), member(Standing::Left), rules());
        let mut log: HashSet<Vec<u8>> = HashSet::new();
        // 100 days before: no threshold crossed.
        assert!(due_for(&c, &d, &m, &log, &r, at("2012-12-21T09:00:00+01:00")).is_none());
        // 59 days before: 60.
        let rec = due_for(&c, &d, &m, &log, &r, at("2013-01-31T09:00:00+01:00")).unwrap();
        assert_eq!(days(&rec), 60);
        assert_eq!(rec.details["deadline"], "31/03/2013");
        assert_eq!(rec.details["current"], "V1");
        assert_eq!(rec.recipients, ["g@example.org"]);
        log.insert(alert_key(&rec));
        assert!(due_for(&c, &d, &m, &log, &r, at("2013-02-01T09:00:00+01:00")).is_none());
        // A gap over 30 and 15: only 7, once.
        let rec = due_for(&c, &d, &m, &log, &r, at("2013-03-25T09:00:00+01:00")).unwrap();
        assert_eq!(days(&rec), 7);
        log.insert(alert_key(&rec));
        assert!(due_for(&c, &d, &m, &log, &r, at("2013-03-26T09:00:00+01:00")).is_none());
        // The deadline day is 1's; after it, nothing.
        assert_eq!(
            days(&due_for(&c, &d, &m, &log, &r, at("2013-03-31T09:00:00+02:00")).unwrap()),
            1
        );
        assert!(due_for(&c, &d, &m, &log, &r, at("2013-04-01T09:00:00+02:00")).is_none());
    }

    #[test]
    fn nothing_to_desks_done_scheduled_suspended_or_in_a_closed_campaign() {
        let (c, d, r) = (Campaign::sample(), desk(), rules());
        let now = at("2013-03-25T09:00:00+01:00");
        let log: HashSet<Vec<u8>> = HashSet::new();
        for s in [Standing::Done, Standing::Scheduled] {
            let mut m = member(s);
            m.change = Some((ChangeId::from_bits(1), NaiveDate::default()));
            assert!(due_for(&c, &d, &m, &log, &r, now).is_none());
        }
        let m = member(Standing::Left);
        let mut suspended = desk();
        suspended.suspended = true;
        assert!(due_for(&c, &suspended, &m, &log, &r, now).is_none());
        let mut closed = Campaign::sample();
        closed.closed = true;
        assert!(due_for(&closed, &d, &m, &log, &r, now).is_none());
        // The desk's own thresholds replace the configured ones.
        let mut own = desk();
        own.thresholds = Some(vec![10]);
        assert_eq!(days(&due_for(&c, &own, &m, &log, &r, now).unwrap()), 10);
    }
}
