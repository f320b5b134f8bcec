//! The JSON shape of `vigie campaign list|show --json` (docs/campaigns.md):
//! the campaign's fields at the top level (`name`, `key`, `value`,
//! `deadline` as `YYYY-MM-DD`, `where` as `KEY=VALUE`), its counts, and the
//! desks done, scheduled and left.

use chrono::NaiveDate;
use serde::Serialize;

use crate::campaign::{Member, Progress, Standing};
use crate::clock::rfc3339;

/// One campaign: an element of `campaign list --json`, and what
/// `campaign show --json` prints.
#[derive(Debug, Serialize)]
pub struct CampaignView {
    /// Its name.
    pub name: String,
    /// The setting to change.
    pub key: String,
    /// The value to reach.
    pub value: String,
    /// The deadline, `YYYY-MM-DD`.
    pub deadline: String,
    /// The desks concerned, `KEY=VALUE`.
    #[serde(rename = "where")]
    pub filter: String,
    /// When it was made, RFC 3339.
    pub created_at: String,
    /// Closed: no more reminders.
    pub closed: bool,
    /// Calendar days to the deadline (negative once past).
    pub days_left: i64,
    /// How many desks stand where.
    pub counts: CountsView,
    /// The desks done.
    pub done: Vec<MemberView>,
    /// The desks scheduled, with their change and its date.
    pub scheduled: Vec<MemberView>,
    /// The desks left.
    pub left: Vec<MemberView>,
}

/// The counts of a campaign.
#[derive(Debug, Serialize)]
pub struct CountsView {
    /// Done.
    pub done: usize,
    /// Scheduled.
    pub scheduled: usize,
    /// Left.
    pub left: usize,
    /// Every desk the campaign concerns.
    pub total: usize,
}

/// One desk of a campaign.
#[derive(Debug, Serialize)]
pub struct MemberView {
    /// The desk id.
    pub desk: String,
    /// Its name.
    pub name: String,
    /// Its current value of the campaign's key.
    pub current: String,
    /// Its scheduled change (for `scheduled`), else null.
    pub change: Option<String>,
    /// The change's date, `YYYY-MM-DD` (for `scheduled`), else null.
    pub on: Option<String>,
    /// Suspended: counted, not reminded.
    pub suspended: bool,
}

impl CampaignView {
    /// The view of `p` on the local day `today`.
    pub fn new(p: &Progress, today: NaiveDate) -> CampaignView {
        let c = &p.campaign;
        let counts = p.counts();
        let members = |s: Standing| p.with(s).map(MemberView::from).collect();
        CampaignView {
            name: c.name.clone(),
            key: c.key.clone(),
            value: c.value.clone(),
            deadline: c.deadline.to_string(),
            filter: c.where_pair(),
            created_at: rfc3339(c.created_at),
            closed: c.closed,
            days_left: p.days_left(today),
            counts: CountsView {
                done: counts.done,
                scheduled: counts.scheduled,
                left: counts.left,
                total: counts.total(),
            },
            done: members(Standing::Done),
            scheduled: members(Standing::Scheduled),
            left: members(Standing::Left),
        }
    }
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> MemberView {
        MemberView {
            desk: m.desk.to_string(),
            name: m.name.clone(),
            current: m.current.clone(),
            change: m.change.as_ref().map(|(id, _)| id.to_string()),
            on: m.change.as_ref().map(|(_, on)| on.to_string()),
            suspended: m.suspended,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::Member;
    use crate::model::{Campaign, ChangeId, DeskId};

    #[test]
    fn campaign_json() {
        let member =
            |n: u32, current: &str, standing, change: Option<(ChangeId, NaiveDate)>| Member {
                desk: DeskId::parse(&format!("732829320-{n:05}")).unwrap(),
                name: format!("Guichet {n}"),
                current: current.into(),
                standing,
                change,
                suspended: n == 4,
            };
        let p = Progress {
            campaign: Campaign {
                name: "v2-2013".into(),
                key: "version".into(),
                value: "V2".into(),
                deadline: NaiveDate::from_ymd_opt(2013, 3, 31).unwrap(),
                where_key: "version".into(),
                where_value: "V1".into(),
                created_at: crate::clock::parse_instant("2013-01-15T09:00:00Z").unwrap(),
                closed: false,
            },
            members: vec![
                member(1, "V2", Standing::Done, None),
                member(
                    2,
                    "V1",
                    Standing::Scheduled,
                    Some((
                        ChangeId::from_bits(42),
                        NaiveDate::from_ymd_opt(2013, 3, 18).unwrap(),
                    )),
                ),
                member(3, "V1", Standing::Left, None),
                member(4, "V1", Standing::Left, None),
            ],
        };
        let view = CampaignView::new(&p, NaiveDate::from_ymd_opt(2013, 3, 1).unwrap());
        insta::assert_snapshot!(crate::cli::output::tests::streamed(&[view]));
    }
}
