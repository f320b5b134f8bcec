//! A deadline campaign through the real binary (issue 16), over some 100
//! days with `--now`, with the suite's SMTP server on loopback: reminders
//! go only to the desks that have neither switched nor scheduled their
//! change, once per threshold, the most urgent only after a gap, none after
//! the deadline; `campaign show --json`, the report and the digest agree.

use std::collections::{BTreeMap, BTreeSet};

use vigie::desk::{Desk, Email, Lang, Mode};

use crate::alerts::{config, desk_id, email};
use crate::smtp::SmtpServer;
use crate::support::{code, stderr, Case};

/// Six desks: 1–5 on V1 (5 suspended), 6 already on V2.
fn seed(case: &Case) {
    let store = case.store();
    store
        .write(|tx| {
            for n in 1..=6 {
                let mut d = Desk {
                    id: desk_id(n),
                    name: format!("Office public de l'habitat n°{n}"),
                    emails: vec![Email::parse(&email(n)).unwrap()],
                    department: Some(vigie::model::Department::parse("31").unwrap()),
                    mode: Mode::Async,
                    lang: Lang::Fr,
                    thresholds: None,
                    suspended: n == 5,
                    settings: Default::default(),
                };
                d.set_setting("version", if n == 6 { "V2" } else { "V1" })
                    .unwrap();
                tx.put_desk(&d)?;
            }
            Ok(())
        })
        .unwrap();
}

/// Desk `n` asks for its switch on `on`, and the team schedules it on `now`
/// (the desk gets an acknowledgement).
fn schedule(case: &Case, n: u32, on: &str, now: &str) {
    let id = desk_id(n).to_string();
    case.ok(&[
        "--now",
        now,
        "desk",
        "schedule",
        &id,
        "--set",
        "version=V2",
        "--on",
        on,
    ]);
}

/// Desk `n` is recorded as switched to V2 (as after its change was applied
/// by hand in the national configuration).
fn switch(case: &Case, n: u32) {
    let id = desk_id(n).to_string();
    case.ok(&["desk", "edit", &id, "--set", "version=V2"]);
}

/// The campaign reminders of the alert log: desk number → thresholds.
fn reminders(case: &Case) -> BTreeMap<u32, BTreeSet<i64>> {
    let mut out: BTreeMap<u32, BTreeSet<i64>> = BTreeMap::new();
    for a in case.json(&["alerts", "list", "--json"]).as_array().unwrap() {
        if a["kind"] != "campaign" {
            continue;
        }
        assert_eq!(a["state"], "sent", "{a}");
        let desk = a["desk"].as_str().unwrap();
        let n: u32 = desk[10..].parse().unwrap();
        out.entry(n)
            .or_default()
            .insert(a["threshold_days"].as_i64().unwrap());
    }
    out
}

fn expect(pairs: &[(u32, &[i64])]) -> BTreeMap<u32, BTreeSet<i64>> {
    pairs
        .iter()
        .map(|(n, t)| (*n, t.iter().copied().collect()))
        .collect()
}

fn run_alerts(case: &Case, now: &str) {
    case.ok(&["alerts", "run", "--now", now]);
}

#[test]
fn a_campaign_reminds_only_the_desks_left_once_per_threshold_and_the_numbers_agree() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed(&case);
    let day0 = "2012-12-20T09:00:00+01:00";

    // Refusals: an unknown value, a past deadline, a name used twice.
    let add = |name: &str, set: &str, deadline: &str| {
        case.run(&[
            "campaign",
            "add",
            name,
            "--set",
            set,
            "--deadline",
            deadline,
            "--where",
            "version=V1",
            "--now",
            day0,
        ])
    };
    let out = add("v2-2013", "version=V3", "2013-03-31");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = add("v2-2013", "version=V2", "2012-12-20");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = add("V2-2013", "version=V2", "31/03/2013");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = add("v2-2013", "version=V2", "2013-03-31");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(case.ok(&["log"]).contains("campaign.add"));

    // 96 days before: nothing crossed yet.
    run_alerts(&case, "2012-12-25T09:00:00+01:00");
    assert!(reminders(&case).is_empty());
    assert!(server.messages().is_empty());

    // 70 days before: 90 crossed; desks 1–4 (5 is suspended, 6 is done).
    // `alerts preview` shows a desk left its reminder, sending nothing; a
    // desk already on V2 gets none.
    let preview = |n: u32| {
        let out = case.run(&[
            "alerts",
            "preview",
            &desk_id(n).to_string(),
            "--now",
            "2013-01-20T09:00:00+01:00",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let one = preview(1);
    assert!(one.contains("avant le 31/03/2013"), "{one}");
    assert!(one.contains(&format!("To: {}", email(1))), "{one}");
    assert!(!preview(6).contains("31/03/2013"));
    assert!(server.messages().is_empty());
    assert!(reminders(&case).is_empty());
    run_alerts(&case, "2013-01-20T09:00:00+01:00");
    assert_eq!(
        reminders(&case),
        expect(&[(1, &[90]), (2, &[90]), (3, &[90]), (4, &[90])])
    );
    let msgs = server.messages();
    assert_eq!(msgs.len(), 4);
    let m = msgs
        .iter()
        .find(|m| m.rcpt == [email(1)])
        .expect("a reminder to desk 1");
    let subject = m.header("Subject").unwrap();
    assert!(subject.contains("732829320-00001"), "{subject}");
    let text = m.part("text/plain").expect("text part");
    for needle in ["31/03/2013", "version = V1", "date", "avant le 31/03/2013"] {
        assert!(
            text.contains(needle),
            "the reminder lacks «{needle}»:\n{text}"
        );
    }
    assert!(m.part("text/html").is_some());
    // The same day again: nothing new.
    run_alerts(&case, "2013-01-20T15:00:00+01:00");
    assert_eq!(server.messages().len(), 4);

    // Desk 2 asks for 18 March: no more reminders for it.
    schedule(&case, 2, "2013-03-18", "2013-01-25T10:00:00+01:00");
    let ack = server.messages().pop().expect("the acknowledgement");
    assert_eq!(ack.rcpt, [email(2)], "the acknowledgement goes to desk 2");
    // 59 days before: 60 for desks 1, 3 and 4.
    run_alerts(&case, "2013-01-31T09:00:00+01:00");
    assert_eq!(
        reminders(&case),
        expect(&[(1, &[90, 60]), (2, &[90]), (3, &[90, 60]), (4, &[90, 60])])
    );
    assert_eq!(server.messages().len(), 8);

    // Desk 3 is switched; then no run for weeks (the service was down):
    // 6 days before, 30 and 15 were missed, only 7 goes out, once.
    switch(&case, 3);
    let out = case.run(&[
        "alerts",
        "run",
        "--dry-run",
        "--now",
        "2013-03-25T09:00:00+01:00",
    ]);
    assert_eq!(
        stderr(&out).matches("due: campaign").count(),
        2,
        "{}",
        stderr(&out)
    );
    run_alerts(&case, "2013-03-25T09:00:00+01:00");
    run_alerts(&case, "2013-03-25T10:00:00+01:00");
    let expected = expect(&[
        (1, &[90, 60, 7]),
        (2, &[90]),
        (3, &[90, 60]),
        (4, &[90, 60, 7]),
    ]);
    assert_eq!(reminders(&case), expected);
    assert_eq!(server.messages().len(), 10);

    // campaign show --json: done 3 and 6, scheduled 2 (on 18 March), left
    // 1, 4 and the suspended 5.
    let show = case.json(&[
        "campaign",
        "show",
        "v2-2013",
        "--json",
        "--now",
        "2013-03-25T10:00:00+01:00",
    ]);
    assert_eq!(show["name"], "v2-2013");
    assert_eq!(show["key"], "version");
    assert_eq!(show["value"], "V2");
    assert_eq!(show["deadline"], "2013-03-31");
    assert_eq!(show["where"], "version=V1");
    assert_eq!(show["days_left"], 6);
    assert_eq!(
        show["counts"],
        serde_json::json!({"done": 2, "scheduled": 1, "left": 3, "total": 6})
    );
    let ids = |k: &str| -> Vec<String> {
        show[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["desk"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids("done"),
        [desk_id(3).to_string(), desk_id(6).to_string()]
    );
    assert_eq!(ids("scheduled"), [desk_id(2).to_string()]);
    assert_eq!(show["scheduled"][0]["on"], "2013-03-18");
    assert_eq!(
        ids("left"),
        [
            desk_id(1).to_string(),
            desk_id(4).to_string(),
            desk_id(5).to_string()
        ]
    );
    let list = case.json(&[
        "campaign",
        "list",
        "--json",
        "--now",
        "2013-03-25T10:00:00+01:00",
    ]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["counts"], show["counts"]);

    // The report's rows say the same.
    let rows = case.json(&[
        "report",
        "--format",
        "json",
        "--now",
        "2013-03-25T10:00:00+01:00",
    ]);
    let mut from_report: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows.as_array().unwrap() {
        if let Some(s) = r["campaigns"]["v2-2013"].as_str() {
            *from_report.entry(s.to_owned()).or_default() += 1;
        }
    }
    let counts = &show["counts"];
    for k in ["done", "scheduled", "left"] {
        assert_eq!(
            from_report.get(k).copied().unwrap_or(0) as u64,
            counts[k].as_u64().unwrap(),
            "{k}: {from_report:?}"
        );
    }
    let html = case.ok(&["report", "--now", "2013-03-25T10:00:00+01:00"]);
    for (k, v) in [("done", 2), ("scheduled", 1), ("left", 3)] {
        let cell = format!("data-compte=\"{k}\">{v}<");
        assert!(html.contains(&cell), "the report lacks {cell}");
    }

    // And so does the team's digest.
    case.ok(&["alerts", "digest", "--now", "2013-03-25T10:30:00+01:00"]);
    let msgs = server.messages();
    assert_eq!(msgs.len(), 11);
    let digest = msgs
        .iter()
        .find(|m| m.rcpt == ["equipe@example.org"])
        .expect("the digest");
    let text = digest.part("text/plain").unwrap();
    assert!(
        text.contains("Campagne v2-2013 (version=V2 avant le 31/03/2013) : 2 fait(s), 1 programmé(s), 3 restant(s)"),
        "{text}"
    );
    assert!(text.contains(&format!("{} Office", desk_id(4))), "{text}");

    // The deadline day sends threshold 1; after it, nothing.
    run_alerts(&case, "2013-03-31T09:00:00+02:00");
    assert_eq!(server.messages().len(), 13);
    run_alerts(&case, "2013-04-02T09:00:00+02:00");
    assert_eq!(server.messages().len(), 13);
    server.stop();
}

#[test]
fn a_closed_campaign_and_a_what_if_send_nothing() {
    let server = SmtpServer::start();
    let case = Case::with_config(&config(server.port()));
    seed(&case);
    case.ok(&[
        "campaign",
        "add",
        "v2-2013",
        "--set",
        "version=V2",
        "--deadline",
        "2013-03-31",
        "--where",
        "version=V1",
        "--now",
        "2013-01-15T09:00:00+01:00",
    ]);
    // --now without VIGIE_NOW_SENDS asks what-if: the reminders are told,
    // not sent nor recorded.
    let out = case
        .cmd()
        .env_remove(crate::support::NOW_SENDS)
        .args(["alerts", "run", "--now", "2013-01-20T09:00:00+01:00"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("campaign"), "{}", stderr(&out));
    assert!(server.messages().is_empty());
    assert!(reminders(&case).is_empty());

    case.ok(&[
        "campaign",
        "close",
        "v2-2013",
        "--now",
        "2013-01-16T09:00:00+01:00",
    ]);
    run_alerts(&case, "2013-01-20T09:00:00+01:00");
    assert!(server.messages().is_empty());
    let show = case.json(&["campaign", "show", "v2-2013", "--json"]);
    assert_eq!(show["closed"], true);
    let out = case.run(&["campaign", "show", "nope"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    server.stop();
}
