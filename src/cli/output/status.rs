//! The JSON and CSV shapes of `vigie status`.

use crate::status::StatusRow;

/// One element of `vigie status --json`: the status capability's row as it
/// serialises, pinned by the snapshot below.
pub type Row = StatusRow;

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

/// One record of `vigie status --csv`, in [`CSV_HEADER`]'s order.
pub fn csv_record(r: &StatusRow) -> [String; 10] {
    [
        r.desk.clone(),
        r.name.clone(),
        r.department.clone().unwrap_or_default(),
        r.state.as_str().into(),
        r.sha256.clone().unwrap_or_default(),
        r.subject.clone().unwrap_or_default(),
        r.issuer.clone().unwrap_or_default(),
        r.not_after.clone().unwrap_or_default(),
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
