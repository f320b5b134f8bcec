//! A deadline campaign (issue 16; the reference document's §1.1: the
//! national deadline of 31 March ends version 1 for everyone): every desk
//! that still has a setting on the old value is to ask for its switch date
//! before the deadline. vigie reminds those that have not, at the alert
//! thresholds, and the report and digest show who is done, scheduled, left.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{printable, Instant};

/// The most characters a campaign's name may have.
pub const NAME_MAX: usize = 40;

/// One campaign. Its name is its id: unique in the store, and part of the
/// alert log's key of its reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// Its name, as [`check_campaign_name`] returns it (lower case).
    pub name: String,
    /// The setting the desks must change (`version`, `mode` or a
    /// `[desk_settings]` key), checked when the campaign was made.
    pub key: String,
    /// The value they must reach (normalised: `V2`, `ws`…).
    pub value: String,
    /// The deadline: reminders count their thresholds down to this local
    /// day. Written `YYYY-MM-DD`.
    pub deadline: NaiveDate,
    /// The desks concerned: those whose setting `where_key` is `where_value`.
    pub where_key: String,
    /// See `where_key`.
    pub where_value: String,
    /// When it was made.
    #[serde(with = "crate::model::instant::stored")]
    pub created_at: Instant,
    /// A closed campaign sends no more reminders; it is still listed.
    #[serde(default)]
    pub closed: bool,
}

impl Campaign {
    /// The `--where` filter as typed: `KEY=VALUE`.
    pub fn where_pair(&self) -> String {
        format!("{}={}", self.where_key, self.where_value)
    }

    /// The setting as typed: `KEY=VALUE`.
    pub fn set_pair(&self) -> String {
        format!("{}={}", self.key, self.value)
    }
}

/// Checks a campaign name: 1 to [`NAME_MAX`] letters, digits, `-`, `_` or
/// `.`, starting with a letter or digit; returned in lower case so that
/// `V2-2013` and `v2-2013` are the same campaign.
///
/// The characters are restricted because the name is part of the alert
/// log's keys (`|` and `/` separate their parts) and of file names people
/// see; spaces would need quoting in every command.
pub fn check_campaign_name(input: &str) -> Result<String, String> {
    let name = input.trim().to_lowercase();
    let ok = !name.is_empty()
        && name.chars().count() <= NAME_MAX
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "«{}» is not a campaign name: use 1 to {NAME_MAX} letters, digits, - _ or ., starting with a letter or digit (e.g. v2-2013)",
            printable(input)
        ))
    }
}

/// The reference document's campaign, for tests: every V1 desk to V2 by
/// 31 March 2013.
#[cfg(test)]
impl Campaign {
    pub(crate) fn sample() -> Campaign {
        Campaign {
            name: "v2-2013".into(),
            key: "version".into(),
            value: "V2".into(),
            deadline: NaiveDate::from_ymd_opt(2013, 3, 31).unwrap(),
            where_key: "version".into(),
            where_value: "V1".into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            closed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_plain_and_lower_case() {
        assert_eq!(check_campaign_name(" V2-2013 ").unwrap(), "v2-2013");
        assert_eq!(check_campaign_name("mode_ws.1").unwrap(), "mode_ws.1");
        for bad in ["", "-v2", "v2|x", "v2/x", "v 2", "é", &"a".repeat(41)] {
            assert!(check_campaign_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_campaign_round_trips_with_its_deadline_as_written() {
        let c = Campaign::sample();
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""deadline":"2013-03-31""#), "{text}");
        assert_eq!(serde_json::from_str::<Campaign>(&text).unwrap(), c);
        assert_eq!(
            (c.where_pair(), c.set_pair()),
            ("version=V1".into(), "version=V2".into())
        );
    }
}
