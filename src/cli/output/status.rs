//! The JSON and CSV shapes of `vigie status`.

use chrono_tz::Tz;

use crate::clock::{french_date, parse_instant};
use crate::status::StatusRow;

/// One element of `vigie status --json`: the status capability's row as it
/// serialises, pinned by the snapshot below.
pub type Row = StatusRow;

/// What `vigie status --csv` starts with: the UTF-8 byte-order mark, without
/// which Excel reads the file as Windows-1252 and garbles every accent.
pub const CSV_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The CSV columns of `vigie status --csv`.
pub const CSV_HEADER: [&str; 10] = [
    "desk",
    "name",
    "department",
    "state",
    "sha256",
    "subject",
    "issuer",
    "not_after",
    "days_left",
    "push_state",
];

/// One record of `vigie status --csv`, in [`CSV_HEADER`]'s order, for a
/// French spreadsheet: the end of validity as its date in `tz`, dd/mm/yyyy,
/// which Excel reads as a date (the JSON keeps RFC 3339).
pub fn csv_record(r: &StatusRow, tz: Tz) -> [String; 10] {
    let not_after = r.not_after.as_deref().map(|s| {
        parse_instant(s)
            .map(|at| french_date(at, tz))
            // The row's own RFC 3339 always parses; were it not to, the
            // text as it is is still better than nothing.
            .unwrap_or_else(|_| s.to_owned())
    });
    [
        r.desk.clone(),
        r.name.clone(),
        r.department.clone().unwrap_or_default(),
        r.state.as_str().into(),
        r.sha256.clone().unwrap_or_default(),
        r.subject.clone().unwrap_or_default(),
        r.issuer.clone().unwrap_or_default(),
        not_after.unwrap_or_default(),
        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
        r.push_state
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::tests::streamed;
    use crate::push::PushState;
    use crate::status::State;

    #[test]
    fn csv_dates_are_french_and_local() {
        let row = Row {
            desk: "732829320-00001".into(),
            name: "OPH du Rhône".into(),
            department: Some("69".into()),
            state: State::Ok,
            sha256: None,
            subject: None,
            issuer: None,
            // 23:30 UTC on 31 December is already 1 January in Paris.
            not_after: Some("2027-12-31T23:30:00Z".into()),
            days_left: Some(300),
            push_state: None,
        };
        let rec = csv_record(&row, chrono_tz::Europe::Paris);
        assert_eq!(rec[7], "01/01/2028");
    }

    #[test]
    fn status_json() {
        let rows = [
            Row {
                desk: "732829320-00001".into(),
                name: "OPH du Rhône".into(),
                department: Some("69".into()),
                state: State::Warning,
                sha256: Some("ab".repeat(32)),
                subject: Some("CN=Guichet 732829320-00001".into()),
                issuer: Some("CN=AC".into()),
                not_after: Some("2027-01-01T00:00:00Z".into()),
                days_left: Some(25),
                push_state: Some(PushState::Done),
            },
            Row {
                desk: "732829320-00002".into(),
                name: "Mairie".into(),
                department: None,
                state: State::Missing,
                sha256: None,
                subject: None,
                issuer: None,
                not_after: None,
                days_left: None,
                push_state: None,
            },
        ];
        insta::assert_snapshot!(streamed(&rows));
    }
}
