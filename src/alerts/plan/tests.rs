use std::collections::HashSet;

use proptest::prelude::*;

use super::*;
use crate::alerts::AlertKind;
use crate::clock::parse_instant;
use crate::desk::{Email, Lang, Mode};
use crate::fingerprint::Sha256;
use crate::store::alert_key;

pub(crate) fn desk(n: u32, emails: &[&str]) -> Desk {
    Desk {
        id: DeskId::parse(&format!("732829320-{n:05}")).unwrap(),
        name: format!("Guichet {n}"),
        emails: emails.iter().map(|e| Email::parse(e).unwrap()).collect(),
        department: None,
        mode: Mode::Async,
        lang: Lang::Fr,
        thresholds: None,
        suspended: false,
        settings: Default::default(),
    }
}

pub(crate) fn cert(desk: &Desk, not_after: Instant) -> CertSummary {
    CertSummary {
        sha256: Sha256::of(format!("{}{not_after}", desk.id).as_bytes()),
        subject: "CN=Guichet".into(),
        issuer: "CN=CA, O=Certigna".into(),
        serial: "01".into(),
        not_before: not_after - chrono::Duration::days(730),
        not_after,
        push: None,
    }
}

fn rules() -> Rules {
    Rules::from_config(&Config::default())
}

fn at(s: &str) -> Instant {
    parse_instant(s).unwrap()
}

/// Runs the planner at each instant, recording what it decides.
fn simulate(dc: &[DeskCert<'_>], instants: &[Instant]) -> Vec<AlertRecord> {
    let mut log: HashSet<Vec<u8>> = HashSet::new();
    let mut all = Vec::new();
    for &now in instants {
        for rec in plan(dc, &log, &rules(), now).due {
            assert!(log.insert(alert_key(&rec)), "planned twice: {rec:?}");
            all.push(rec);
        }
    }
    all
}

#[test]
fn daily_runs_send_each_threshold_once_then_weekly_reminders() {
    let d = desk(1, &["a@example.org"]);
    let c = cert(&d, at("2027-06-30T15:00:00Z"));
    let dc = [DeskCert {
        desk: &d,
        cert: Some(&c),
    }];
    let start = at("2027-03-01T08:00:00Z");
    let days: Vec<Instant> = (0..150)
        .map(|i| start + chrono::Duration::days(i))
        .collect();
    let sent = simulate(&dc, &days);
    let th: Vec<i64> = sent
        .iter()
        .filter(|r| r.kind() == AlertKind::Threshold)
        .map(|r| r.threshold_days().unwrap())
        .collect();
    assert_eq!(th, [90, 60, 30, 15, 7, 1]);
    let ex: Vec<i64> = sent
        .iter()
        .filter(|r| r.kind() == AlertKind::Expired)
        .map(|r| r.threshold_days().unwrap())
        .collect();
    // Expired on 30/06 at 17:00 Paris; first run after it is 01/07 (1 day since).
    assert_eq!(ex.first(), Some(&0));
    assert!(ex.windows(2).all(|w| w[1] - w[0] == 7), "{ex:?}");
}

#[test]
fn the_day_of_a_threshold_is_local() {
    // 90 days before 2027-06-30 is 2027-04-01; at 23:30 UTC on 31/03 it is
    // already 01/04 in Paris.
    let d = desk(1, &["a@example.org"]);
    let c = cert(&d, at("2027-06-30T10:00:00Z"));
    let dc = [DeskCert {
        desk: &d,
        cert: Some(&c),
    }];
    let log = HashSet::new();
    assert!(plan(&dc, &log, &rules(), at("2027-03-31T21:30:00Z"))
        .due
        .is_empty());
    assert_eq!(
        plan(&dc, &log, &rules(), at("2027-03-31T22:30:00Z"))
            .due
            .len(),
        1
    );
}

#[test]
fn catch_up_sends_only_the_most_urgent_and_never_the_skipped() {
    let d = desk(1, &["a@example.org"]);
    let c = cert(&d, at("2027-06-30T10:00:00Z"));
    let dc = [DeskCert {
        desk: &d,
        cert: Some(&c),
    }];
    // Down from 100 days before to 20 days before, then daily.
    let mut instants = vec![at("2027-03-22T08:00:00Z"), at("2027-06-10T08:00:00Z")];
    instants.extend((1..25).map(|i| at("2027-06-10T08:00:00Z") + chrono::Duration::days(i)));
    let sent = simulate(&dc, &instants);
    let th: Vec<i64> = sent
        .iter()
        .map(|r| r.threshold_days().unwrap())
        .take(4)
        .collect();
    assert_eq!(th, [30, 15, 7, 1]);
}

#[test]
fn escalation_copies_the_team_and_desks_without_address_go_to_the_team() {
    let d = desk(1, &["a@example.org"]);
    let c = cert(&d, at("2027-06-30T10:00:00Z"));
    let log = HashSet::new();
    let dc = [DeskCert {
        desk: &d,
        cert: Some(&c),
    }];
    let early = plan(&dc, &log, &rules(), at("2027-05-30T08:00:00Z"));
    assert_eq!(early.due[0].recipients, ["a@example.org"]);
    let late = plan(&dc, &log, &rules(), at("2027-06-20T08:00:00Z"));
    assert_eq!(
        late.due[0].recipients,
        ["a@example.org", "equipe@example.org"]
    );
    let mute = desk(2, &[]);
    let c2 = cert(&mute, at("2027-06-30T10:00:00Z"));
    let p = plan(
        &[
            DeskCert {
                desk: &mute,
                cert: Some(&c2),
            },
            DeskCert {
                desk: &d,
                cert: None,
            },
        ],
        &log,
        &rules(),
        at("2027-05-30T08:00:00Z"),
    );
    assert_eq!(p.due[0].recipients, ["equipe@example.org"]);
    assert_eq!(p.no_email, std::slice::from_ref(&mute.id));
    assert_eq!(p.no_cert, std::slice::from_ref(&d.id));
}

#[test]
fn per_desk_thresholds_override() {
    let mut d = desk(1, &["a@example.org"]);
    d.thresholds = Some(vec![45]);
    let c = cert(&d, at("2027-06-30T10:00:00Z"));
    let dc = [DeskCert {
        desk: &d,
        cert: Some(&c),
    }];
    let p = plan(&dc, &HashSet::new(), &rules(), at("2027-05-30T08:00:00Z"));
    assert_eq!(p.due[0].threshold_days(), Some(45));
}

#[test]
fn message_ids_are_stable_and_distinct() {
    let d = desk(1, &["a@example.org"]);
    let c = cert(&d, at("2027-06-30T10:00:00Z"));
    let dc = [DeskCert {
        desk: &d,
        cert: Some(&c),
    }];
    let a = plan(&dc, &HashSet::new(), &rules(), at("2027-05-30T08:00:00Z"));
    let b = plan(&dc, &HashSet::new(), &rules(), at("2027-05-30T09:00:00Z"));
    assert_eq!(a.due[0].message_id, b.due[0].message_id);
    let id = a.due[0].message_id.clone().unwrap();
    assert!(
        id.starts_with("<vigie.") && id.ends_with("@example.org>"),
        "{id}"
    );
}

proptest! {
    #[test]
    fn never_two_messages_for_one_desk_cert_threshold(
        expiry_offset in 0i64..400,
        gaps in proptest::collection::vec(1i64..40, 1..60),
        hour in 0u32..24,
    ) {
        let d = desk(1, &["a@example.org"]);
        let start = at("2027-01-01T00:00:00Z");
        let c = cert(&d, start + chrono::Duration::days(expiry_offset) + chrono::Duration::hours(i64::from(hour)));
        let dc = [DeskCert { desk: &d, cert: Some(&c) }];
        let mut now = start + chrono::Duration::hours(9);
        let mut instants = Vec::new();
        for g in gaps {
            now += chrono::Duration::days(g);
            instants.push(now);
        }
        // `simulate` asserts no key is planned twice.
        let sent = simulate(&dc, &instants);
        let mut seen = HashSet::new();
        for r in &sent {
            prop_assert!(seen.insert((r.kind(), r.sha256(), r.threshold_days())));
        }
        // Thresholds come out in decreasing urgency order, one per run at most.
        let th: Vec<i64> = sent.iter().filter(|r| r.kind() == AlertKind::Threshold).map(|r| r.threshold_days().unwrap()).collect();
        prop_assert!(th.windows(2).all(|w| w[0] > w[1]));
    }
}
