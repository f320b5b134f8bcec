//! The calendar of certificate ends (RFC 5545), written with the
//! `icalendar` crate: for each desk's current certificate, an all-day
//! "Fin de vie du certificat" event on its end date in the configured zone,
//! with alarms 30 and 7 days before, and a "Lancer le renouvellement" event
//! `[alerts] renewal_lead_days` before it.
//!
//! # How a renewal replaces the old events
//!
//! Each event's UID is made of the desk and the certificate's fingerprint,
//! so it stays the same from one export to the next while the certificate
//! is current. Once a newer certificate is current, the old one's events
//! are no longer in the feed, and the new one's come under new UIDs. A
//! subscribed calendar (Thunderbird, Outlook, Apple Calendar, Google
//! Calendar) mirrors the feed on each refresh: events gone from it are
//! removed. Raising SEQUENCE on a shared UID instead is the scheduling
//! protocol's way (iTIP, RFC 5546) and is not what subscription clients
//! act on; it would also tie an event to a desk rather than to a
//! certificate, which DESIGN §11 asks for.

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use icalendar::{Alarm, Component, EventLike, Trigger};

use super::{state_fr, ReportRow};
use crate::clock::{local_date, Instant};

/// The calendar, ready to be written.
pub struct Calendar(icalendar::Calendar);

impl std::fmt::Display for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The UID of a certificate's event of `kind` (`fin` or `renouvellement`).
fn uid(kind: &str, desk: &str, sha256: &str) -> String {
    // 128 bits of the fingerprint are plenty to tell certificates apart,
    // and keep the line short of RFC 5545's 75-octet folding.
    format!("{kind}-{desk}-{}@vigie", &sha256[..32.min(sha256.len())])
}

/// The calendar of `rows`' current certificates, stamped `now` (so that
/// two exports at the same instant are byte for byte the same), with the
/// renewal reminder `lead_days` before each end.
pub fn calendar<'a>(
    rows: impl IntoIterator<Item = &'a ReportRow>,
    now: Instant,
    tz: Tz,
    lead_days: u32,
) -> Calendar {
    let mut cal = icalendar::Calendar::empty();
    cal.append_property(icalendar::Property::new("VERSION", "2.0"))
        .append_property(icalendar::Property::new("PRODID", "-//vigie//Fins de vie des certificats//FR"))
        .append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"))
        .append_property(icalendar::Property::new("METHOD", "PUBLISH"))
        // Subscribed clients refresh hourly (REFRESH-INTERVAL, RFC 7986,
        // and Outlook's X-PUBLISHED-TTL), so that a renewal shows the
        // same day.
        .ttl(&Duration::hours(1))
        .name("vigie — fins de vie des certificats")
        .description("Fin de validité des certificats des guichets enregistreurs, et date où lancer leur renouvellement.");
    for r in rows {
        let (Some(end), Some(sha)) = (r.end, r.sha256.as_deref()) else {
            continue;
        };
        let day = local_date(end, tz);
        let description = description(r, day);
        let mut ends = all_day(
            &uid("fin", &r.desk, sha),
            &format!("Fin de vie du certificat — guichet {} ({})", r.desk, r.name),
            &description,
            day,
            now,
        );
        for days in [30, 7] {
            // The crate gives an alarm a random UID and the clock's DTSTAMP
            // unless told: both are pinned, so that the same store at the
            // same instant exports the same bytes.
            let mut alarm = Alarm::display(
                &format!(
                    "Le certificat du guichet {} ({}) arrive en fin de vie dans {days} jours.",
                    r.desk, r.name
                ),
                Trigger::before_start(Duration::days(days)),
            );
            alarm
                .uid(&format!("{}-{days}j", uid("alerte", &r.desk, sha)))
                .timestamp(now);
            ends.alarm(alarm);
        }
        cal.push(ends.done());
        let start = day - Duration::days(i64::from(lead_days));
        let renew = all_day(
            &uid("renouvellement", &r.desk, sha),
            &format!("Lancer le renouvellement — guichet {} ({})", r.desk, r.name),
            &format!(
                "Le certificat arrive en fin de vie le {} : le renouvellement auprès de l'autorité de certification (avec son face-à-face) prend plusieurs semaines.\n{description}",
                day.format("%d/%m/%Y")
            ),
            start,
            now,
        );
        cal.push(renew);
    }
    Calendar(cal.done())
}

/// An all-day event on `day`: DTSTART is the date and DTEND the next day,
/// as RFC 5545 §3.6.1 has it (DTEND is exclusive).
fn all_day(
    uid: &str,
    summary: &str,
    description: &str,
    day: NaiveDate,
    now: Instant,
) -> icalendar::Event {
    icalendar::Event::new()
        .uid(uid)
        .timestamp(now)
        .summary(summary)
        .description(description)
        .starts(day)
        .ends(day + Duration::days(1))
        .done()
}

/// What an event says of its desk: contact, issuer, state.
fn description(r: &ReportRow, day: NaiveDate) -> String {
    let contact = if r.contact.is_empty() {
        "aucune adresse".to_owned()
    } else {
        r.contact.join(", ")
    };
    format!(
        "Guichet {} ({}).\nFin de validité : {}.\nContact : {contact}.\nAutorité de certification : {}.\nÉtat : {}.",
        r.desk,
        r.name,
        day.format("%d/%m/%Y"),
        r.issuer.as_deref().unwrap_or("inconnue"),
        state_fr(r.state),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;
    use crate::status::State;

    #[test]
    fn an_all_day_event_ends_the_next_day_in_the_zone() {
        let r = ReportRow {
            desk: "732829320-00001".into(),
            name: "OPH; \"Rhône\"".into(),
            department: None,
            region: None,
            state: State::Ok,
            days_left: Some(100),
            not_after: None,
            contact: vec!["a@example.org".into()],
            issuer: Some("CN=AC".into()),
            subject: None,
            sha256: Some("ab".repeat(32)),
            push_state: None,
            last_alert_kind: None,
            last_alert_state: None,
            last_alert_at: None,
            campaigns: Default::default(),
            // 00:30 on 1 February in Paris.
            end: Some(parse_instant("2027-01-31T23:30:00Z").unwrap()),
        };
        let now = parse_instant("2026-12-01T10:00:00Z").unwrap();
        let text = calendar([&r], now, chrono_tz::Europe::Paris, 45).to_string();
        assert!(text.contains("DTSTART;VALUE=DATE:20270201\r\n"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20270202\r\n"), "{text}");
        assert!(text.contains("DTSTART;VALUE=DATE:20261218\r\n"), "{text}");
        // 30 days, as the crate writes a duration.
        assert!(
            text.contains("TRIGGER;RELATED=START:-PT2592000S\r\n"),
            "{text}"
        );
        assert!(text.contains("DTSTAMP:20261201T100000Z\r\n"), "{text}");
        assert!(text.contains(&format!(
            "UID:fin-732829320-00001-{}@vigie\r\n",
            "ab".repeat(16)
        )));
        assert_eq!(
            text,
            calendar([&r], now, chrono_tz::Europe::Paris, 45).to_string()
        );
    }
}
