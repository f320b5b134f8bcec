//! `vigie report` through the real binary, read back by independent
//! readers: Python's `csv` and `json` modules, Python's `icalendar`, and a
//! headless Chromium for the HTML page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use vigie::alerts::{AlertRecord, AlertState, AlertSubject};
use vigie::audit::AuditEntry;
use vigie::cert::CertRecord;
use vigie::desk::{Department, Desk, DeskId, Email, Lang, Mode};
use vigie::fingerprint::Sha256;

use crate::support::{code, seed, stderr, Case};

/// The instant every command of these tests evaluates at.
pub const NOW: &str = "2027-01-15T09:00:00Z";

fn at(s: &str) -> DateTime<Utc> {
    vigie::clock::parse_instant(s).unwrap()
}

pub fn desk_id(n: u32) -> DeskId {
    DeskId::parse(&format!("732829320-{n:05}")).unwrap()
}

/// The desk named like a script, to prove it is shown as text.
pub const SCRIPT_NAME: &str = "<script>alert(1)</script>";

/// The desks of the estate: number, name, department, end of the current
/// certificate.
pub fn estate() -> Vec<(
    u32,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
)> {
    vec![
        (
            1,
            "OPH de la Haute-Garonne",
            Some("31"),
            Some("2027-01-25T10:00:00Z"),
        ),
        (2, SCRIPT_NAME, Some("31"), Some("2027-02-10T10:00:00Z")),
        (
            3,
            "Mairie de Rouen",
            Some("76"),
            Some("2027-07-01T10:00:00Z"),
        ),
        (
            4,
            "Habitat Marseille",
            Some("13"),
            Some("2027-01-05T10:00:00Z"),
        ),
        (5, "Logement Corse-du-Sud", Some("2A"), None),
        // 00:30 on 1 April 2028 in Paris: its day is the 1st, not the 31st.
        (
            6,
            "SIG Guadeloupe",
            Some("971"),
            Some("2028-03-31T22:30:00Z"),
        ),
        (7, "Action Logement", None, Some("2027-12-01T10:00:00Z")),
    ]
}

pub fn cert_for(id: &DeskId, not_after: DateTime<Utc>, tag: &str) -> CertRecord {
    CertRecord {
        sha256: Sha256::of(format!("{id}{not_after}{tag}").as_bytes()),
        subject: format!("CN=Guichet {id}, O=Office, C=FR"),
        issuer: "CN=Exemple AC Entreprises, O=Exemple Certification, C=FR".into(),
        source: "guichet.cer".into(),
        ..seed::cert_record(id, &[1, 2, 3], not_after)
    }
}

/// Seeds the estate, an alert sent, an alert refused by the server, a
/// renewal 19 days after its first alert, and a refused intake.
pub fn seed_estate(case: &Case) {
    let store = case.store();
    store
        .write(|tx| {
            for (n, name, dept, end) in estate() {
                let id = desk_id(n);
                tx.put_desk(&Desk {
                    id: id.clone(),
                    name: name.into(),
                    emails: vec![Email::parse(&format!("guichet{n}@example.org")).unwrap()],
                    department: dept.map(|d| Department::parse(d).unwrap()),
                    mode: Mode::Both,
                    lang: Lang::Fr,
                    thresholds: None,
                    suspended: false,
                    settings: Default::default(),
                })?;
                if let Some(end) = end {
                    tx.put_current_cert(&cert_for(&id, at(end), ""))?;
                }
            }
            // Desk 1: its 30-day alert went out.
            let c1 = cert_for(&desk_id(1), at("2027-01-25T10:00:00Z"), "");
            tx.put_alert(&alert(
                &desk_id(1),
                c1.sha256,
                30,
                "2026-12-26T08:00:00Z",
                None,
            ))?;
            tx.put_alert(&alert(
                &desk_id(1),
                c1.sha256,
                15,
                "2027-01-10T08:00:00Z",
                None,
            ))?;
            // Desk 2: the server refused its address.
            let c2 = cert_for(&desk_id(2), at("2027-02-10T10:00:00Z"), "");
            tx.put_alert(&alert(
                &desk_id(2),
                c2.sha256,
                30,
                "2027-01-11T08:00:00Z",
                Some("550 5.1.1 <guichet2@example.org>: mailbox unavailable"),
            ))?;
            // Desk 3: alerted on 01/06/2026 about its old certificate,
            // renewed on 20/06/2026.
            let old = cert_for(&desk_id(3), at("2026-07-01T10:00:00Z"), "old");
            let new = cert_for(&desk_id(3), at("2027-07-01T10:00:00Z"), "");
            tx.put_alert(&alert(
                &desk_id(3),
                old.sha256,
                30,
                "2026-06-01T08:00:00Z",
                None,
            ))?;
            tx.audit(
                &AuditEntry::new(at("2026-06-20T14:00:00Z"), "test", "cert.ingest")
                    .desk(&desk_id(3))
                    .cert(new.sha256)
                    .detail("rouen.cer accepted"),
            )?;
            // A refused file in the period.
            tx.audit(
                &AuditEntry::new(at("2027-01-12T10:00:00Z"), "test", "cert.ingest")
                    .desk(&desk_id(4))
                    .outcome("refused")
                    .detail("marseille.cer: expired: le certificat a expiré"),
            )?;
            Ok(())
        })
        .unwrap();
}

fn alert(desk: &DeskId, sha: Sha256, days: i64, when: &str, error: Option<&str>) -> AlertRecord {
    AlertRecord {
        subject: AlertSubject::Threshold {
            desk: desk.clone(),
            cert: sha,
            days,
        },
        state: if error.is_some() {
            AlertState::Failed
        } else {
            AlertState::Sent
        },
        message_id: Some(format!("<{desk}.{days}@vigie>")),
        recipients: vec![format!("guichet@example.org")],
        created_at: at(when),
        sent_at: error.is_none().then(|| at(when)),
        attempts: 1,
        error: error.map(str::to_owned),
        details: BTreeMap::new(),
        failed_recipients: Vec::new(),
    }
}

/// A Python 3 that can import `module`: Debian's (where `.ci/run`
/// installs python3-icalendar) or the one on the PATH. Fails loudly when
/// none can: these tests must not pass without their reader.
pub fn python_with(module: &str) -> PathBuf {
    for candidate in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(candidate)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return PathBuf::from(candidate);
        }
    }
    panic!(
        "no Python 3 with the module {module}: install it (apt-get install python3-{module}, as .ci/run does)"
    );
}

/// Runs a Python script with arguments; returns its stdout, parsed as JSON.
pub fn python(module: &str, script: &str, args: &[&Path]) -> serde_json::Value {
    let out = Command::new(python_with(module))
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn status_by_desk(case: &Case) -> BTreeMap<String, serde_json::Value> {
    case.json(&["--now", NOW, "status", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["desk"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

#[test]
fn json_and_csv_rows_agree_with_status_and_carry_regions() {
    let case = Case::new();
    seed_estate(&case);
    let status = status_by_desk(&case);
    let out = case.path("rapport.json");
    case.ok(&[
        "--now",
        NOW,
        "report",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    let rows = python(
        "json",
        "import json,sys; print(json.dumps(json.load(open(sys.argv[1], encoding='utf-8'))))",
        &[&out],
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), status.len());
    for r in rows {
        let s = &status[r["desk"].as_str().unwrap()];
        for key in [
            "name",
            "department",
            "state",
            "days_left",
            "not_after",
            "issuer",
            "sha256",
            "push_state",
        ] {
            assert_eq!(r[key], s[key], "{key} of {}", r["desk"]);
        }
    }
    let by = |n: u32| {
        rows.iter()
            .find(|r| r["desk"] == desk_id(n).as_str())
            .unwrap()
    };
    assert_eq!(by(1)["region"], "Occitanie");
    assert_eq!(by(3)["region"], "Normandie");
    assert_eq!(by(5)["region"], "Corse");
    assert_eq!(by(6)["region"], "Guadeloupe");
    assert_eq!(by(7)["region"], serde_json::Value::Null);
    assert_eq!(
        by(1)["contact"],
        serde_json::json!(["guichet1@example.org"])
    );
    assert_eq!(by(1)["last_alert_kind"], "threshold");
    assert_eq!(by(1)["last_alert_state"], "sent");
    assert_eq!(by(1)["last_alert_at"], "2027-01-10T08:00:00Z");
    assert_eq!(by(2)["last_alert_state"], "failed");

    // CSV for French Excel: a BOM, `;`, dd/mm/yyyy in the zone.
    let csv_path = case.path("rapport.csv");
    case.ok(&[
        "--now",
        NOW,
        "report",
        "--format",
        "csv",
        "-o",
        csv_path.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&csv_path).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "no BOM");
    let csv = python(
        "csv",
        "import csv,json,sys\n\
         with open(sys.argv[1], encoding='utf-8-sig', newline='') as f:\n\
         \x20   print(json.dumps(list(csv.DictReader(f, delimiter=';'))))",
        &[&csv_path],
    );
    let csv = csv.as_array().unwrap();
    assert_eq!(csv.len(), rows.len());
    let line = |n: u32| {
        csv.iter()
            .find(|r| r["Guichet"] == desk_id(n).as_str())
            .unwrap()
    };
    assert_eq!(line(2)["Nom"], SCRIPT_NAME);
    assert_eq!(line(1)["Région"], "Occitanie");
    assert_eq!(line(1)["État"], "urgent");
    assert_eq!(line(1)["Jours restants"], "10");
    assert_eq!(line(6)["Fin de validité"], "01/04/2028");
    assert_eq!(line(5)["État"], "sans certificat");
    assert_eq!(line(1)["Date de la dernière alerte"], "10/01/2027");

    // Filters: a department, a region (case aside), the team's regions.
    let only = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["--now", NOW, "report", "--format", "json"];
        full.extend_from_slice(args);
        case.json(&full)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["desk"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        only(&["--department", "31"]),
        [desk_id(1).to_string(), desk_id(2).to_string()]
    );
    assert_eq!(only(&["--region", "normandie"]), [desk_id(3).to_string()]);
    let out = case.run(&["--now", NOW, "report", "--region", "Atlantide"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("Occitanie"), "{}", stderr(&out));
    let out = case.run(&["--now", NOW, "report", "--department", "20"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    let team = Case::with_config(
        "[regions]\n\"Midi-Pyrénées\" = [\"31\", \"09\"]\n\"Haute-Normandie\" = [\"76\", \"27\"]\n",
    );
    seed_estate(&team);
    let rows = team.json(&[
        "--now",
        NOW,
        "report",
        "--format",
        "json",
        "--region",
        "midi-pyrénées",
    ]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["region"] == "Midi-Pyrénées"));
    let all = team.json(&["--now", NOW, "report", "--format", "json"]);
    let marseille = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["desk"] == desk_id(4).as_str())
        .unwrap()
        .clone();
    assert_eq!(marseille["region"], "Provence-Alpes-Côte d'Azur");
}

#[test]
fn a_report_needs_a_store_and_a_department_named_twice_is_refused() {
    let case = Case::new();
    let out = case.run(&["report", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!case.data().exists(), "a report created a store");
    let bad = Case::with_config("[regions]\nA = [\"31\"]\nB = [\"31\"]\n");
    let out = bad.run(&["report"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("31"), "{}", stderr(&out));
}

/// What Python's `icalendar` reads of a calendar: per event its UID,
/// summary, start and end dates, and alarm triggers in days.
const READ_ICS: &str = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = []
for ev in cal.walk('VEVENT'):
    out.append({
        'uid': str(ev['UID']),
        'summary': str(ev['SUMMARY']),
        'description': str(ev['DESCRIPTION']),
        'start': ev.decoded('DTSTART').isoformat(),
        'end': ev.decoded('DTEND').isoformat(),
        'all_day': type(ev.decoded('DTSTART')).__name__ == 'date',
        'alarms': sorted(a.decoded('TRIGGER').days for a in ev.walk('VALARM')),
    })
print(json.dumps(out))
"#;

fn read_ics(case: &Case, now: &str, name: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let path = case.path(name);
    let mut args = vec![
        "--now",
        now,
        "report",
        "--format",
        "ics",
        "-o",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    case.ok(&args);
    python("icalendar", READ_ICS, &[&path])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_calendar_reads_in_icalendar_with_stable_uids_and_alarms() {
    crate::need!(crate::support::tools::Tool::Python("icalendar"));
    let case = Case::with_config("[alerts]\nrenewal_lead_days = 60\n");
    seed_estate(&case);
    let events = read_ics(&case, NOW, "a.ics", &[]);
    // Two events per desk with a certificate: six desks.
    assert_eq!(events.len(), 12, "{events:#?}");
    let of = |events: &[serde_json::Value], n: u32, kind: &str| -> serde_json::Value {
        events
            .iter()
            .find(|e| {
                e["uid"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{kind}-{}", desk_id(n)))
            })
            .unwrap_or_else(|| panic!("no {kind} event for desk {n}: {events:#?}"))
            .clone()
    };
    let end = of(&events, 6, "fin");
    assert_eq!(
        end["summary"],
        format!(
            "Fin de vie du certificat — guichet {} (SIG Guadeloupe)",
            desk_id(6)
        )
    );
    assert_eq!(end["all_day"], true);
    // The day in Paris, and DTEND the day after.
    assert_eq!(end["start"], "2028-04-01");
    assert_eq!(end["end"], "2028-04-02");
    assert_eq!(end["alarms"], serde_json::json!([-30, -7]));
    let description = end["description"].as_str().unwrap();
    assert!(
        description.contains("guichet6@example.org"),
        "{description}"
    );
    assert!(
        description.contains("Exemple AC Entreprises"),
        "{description}"
    );
    assert!(description.contains("à jour"), "{description}");
    let renew = of(&events, 6, "renouvellement");
    assert!(renew["summary"]
        .as_str()
        .unwrap()
        .starts_with("Lancer le renouvellement — guichet"));
    // `renewal_lead_days = 60` before 1 April 2028.
    assert_eq!(renew["start"], "2028-02-01");
    assert_eq!(renew["end"], "2028-02-02");
    // The script-named desk is text in the summary.
    assert!(of(&events, 2, "fin")["summary"]
        .as_str()
        .unwrap()
        .contains(SCRIPT_NAME));

    // A later export, with nothing changed, has the same UIDs.
    let later = read_ics(&case, "2027-02-01T09:00:00Z", "b.ics", &[]);
    let uids = |ev: &[serde_json::Value]| -> Vec<String> {
        let mut v: Vec<String> = ev
            .iter()
            .map(|e| e["uid"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(uids(&events), uids(&later));
    // One department.
    assert_eq!(
        read_ics(&case, NOW, "c.ics", &["--department", "31"]).len(),
        4
    );

    // Desk 1 renews: its old events leave the feed, the new ones come in.
    let store = case.store();
    let renewed = cert_for(&desk_id(1), at("2030-01-25T10:00:00Z"), "renewed");
    store.write(|tx| tx.put_current_cert(&renewed)).unwrap();
    drop(store);
    let after = read_ics(&case, NOW, "d.ics", &[]);
    assert_eq!(after.len(), 12);
    let old = of(&events, 1, "fin")["uid"].as_str().unwrap().to_owned();
    assert!(after.iter().all(|e| e["uid"] != old.as_str()));
    let new = of(&after, 1, "fin");
    assert_ne!(new["uid"], old.as_str());
    assert_eq!(new["start"], "2030-01-25");
}
