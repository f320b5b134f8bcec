//! The rows as CSV for French Excel: UTF-8 with a byte-order mark (without
//! it Excel reads UTF-8 as Windows-1252), `;` between fields (the French
//! list separator), CRLF line ends, dates as dd/mm/yyyy in the configured
//! zone, states in French. Text from desks and certificates goes through
//! [`crate::escape::spreadsheet_cell`], so that a desk named `=HYPERLINK(…)`
//! stays text.

use std::io::Write;

use chrono_tz::Tz;

use super::{state_fr, ReportRow};
use crate::clock::{french_date, parse_instant};
use crate::escape::spreadsheet_cell;
use crate::model::PushState;
use crate::model::{AlertKind, AlertState};

/// The header line, in French as the team reads it.
pub const CSV_HEADER: [&str; 15] = [
    "Guichet",
    "Nom",
    "Département",
    "Région",
    "État",
    "Jours restants",
    "Fin de validité",
    "Contact",
    "Émetteur",
    "Sujet",
    "Empreinte SHA-256",
    "Configuration nationale",
    "Dernière alerte",
    "État de la dernière alerte",
    "Date de la dernière alerte",
];

/// The French name of a push state.
pub fn push_fr(p: PushState) -> &'static str {
    match p {
        PushState::Pending => "en attente",
        PushState::Done => "faite",
        PushState::Failed => "en échec",
        PushState::Superseded => "remplacée",
    }
}

/// The French name of an alert kind.
pub fn alert_kind_fr(k: AlertKind) -> &'static str {
    match k {
        AlertKind::Threshold => "avant échéance",
        AlertKind::Expired => "après expiration",
        AlertKind::Digest => "synthèse",
        AlertKind::Refusal => "refus",
        AlertKind::Confirmation => "confirmation",
        AlertKind::Campaign => "relance de campagne",
        AlertKind::ChangeScheduled => "changement programmé",
        AlertKind::ChangeCancelled => "changement annulé",
        AlertKind::ChangeApplied => "changement effectué",
    }
}

/// The French name of an alert's delivery state.
pub fn alert_state_fr(s: AlertState) -> &'static str {
    match s {
        AlertState::Pending => "en attente",
        AlertState::Sent => "envoyée",
        AlertState::Failed => "en échec",
        AlertState::Superseded => "sans objet",
        AlertState::Bounced => "non remise",
    }
}

/// An RFC 3339 instant as dd/mm/yyyy in `tz`; empty when absent.
fn date(at: Option<&str>, tz: Tz) -> String {
    at.and_then(|s| parse_instant(s).ok())
        .map(|i| french_date(i, tz))
        .unwrap_or_default()
}

/// One record, in [`CSV_HEADER`]'s order.
fn record(r: &ReportRow, tz: Tz) -> [String; 15] {
    let text = |s: Option<&str>| spreadsheet_cell(s.unwrap_or_default());
    [
        r.desk.clone(),
        spreadsheet_cell(&r.name),
        r.department.clone().unwrap_or_default(),
        text(r.region.as_deref()),
        state_fr(r.state).into(),
        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
        date(r.not_after.as_deref(), tz),
        spreadsheet_cell(&r.contact.join(", ")),
        text(r.issuer.as_deref()),
        text(r.subject.as_deref()),
        r.sha256.clone().unwrap_or_default(),
        r.push_state.map(push_fr).unwrap_or_default().into(),
        r.last_alert_kind
            .map(alert_kind_fr)
            .unwrap_or_default()
            .into(),
        r.last_alert_state
            .map(alert_state_fr)
            .unwrap_or_default()
            .into(),
        date(r.last_alert_at.as_deref(), tz),
    ]
}

/// Writes the rows to `out` as French Excel reads them.
pub fn write_csv<'a, W: Write>(
    mut out: W,
    rows: impl IntoIterator<Item = &'a ReportRow>,
    tz: Tz,
) -> Result<(), std::io::Error> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);
    let fail = |e: ::csv::Error| match e.into_kind() {
        ::csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    };
    w.write_record(CSV_HEADER).map_err(fail)?;
    for r in rows {
        w.write_record(record(r, tz)).map_err(fail)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::State;

    #[test]
    fn french_excel_reads_it() {
        let r = ReportRow {
            desk: "732829320-00001".into(),
            name: "=HYPERLINK(\"http://x\")".into(),
            department: Some("31".into()),
            region: Some("Occitanie".into()),
            state: State::Warning,
            days_left: Some(-3),
            not_after: Some("2027-01-31T23:30:00Z".into()),
            contact: vec!["a@example.org".into(), "b@example.org".into()],
            issuer: Some("CN=AC; O=\"x\"".into()),
            subject: None,
            sha256: None,
            push_state: Some(PushState::Done),
            last_alert_kind: Some(AlertKind::Threshold),
            last_alert_state: Some(AlertState::Sent),
            last_alert_at: Some("2027-01-01T08:00:00Z".into()),
            campaigns: Default::default(),
            end: None,
        };
        let mut out = Vec::new();
        write_csv(&mut out, [&r], chrono_tz::Europe::Paris).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("\u{feff}Guichet;Nom;Département;"));
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "732829320-00001;\"'=HYPERLINK(\"\"http://x\"\")\";31;Occitanie;à surveiller;-3;\
             01/02/2027;a@example.org, b@example.org;\"CN=AC; O=\"\"x\"\"\";;;faite;\
             avant échéance;envoyée;01/01/2027"
        );
        assert!(text.ends_with("\r\n"));
    }
}
