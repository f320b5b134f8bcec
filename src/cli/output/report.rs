//! The JSON shape of `vigie report --format json` (the CSV's is the
//! report capability's, for French Excel).

use crate::report::ReportRow;

/// One element of `vigie report --format json`: the report's row as it
/// serialises, pinned by the snapshot below.
pub type Row = ReportRow;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::tests::streamed;
    use crate::model::{AlertKind, AlertState};
    use crate::push::PushState;
    use crate::status::State;

    #[test]
    fn report_json() {
        let rows = [
            Row {
                desk: "732829320-00001".into(),
                name: "OPH de la Haute-Garonne".into(),
                department: Some("31".into()),
                region: Some("Occitanie".into()),
                state: State::Warning,
                days_left: Some(25),
                not_after: Some("2027-01-01T00:00:00Z".into()),
                contact: vec!["guichet@example.org".into()],
                issuer: Some("CN=AC".into()),
                subject: Some("CN=Guichet 732829320-00001".into()),
                sha256: Some("ab".repeat(32)),
                push_state: Some(PushState::Done),
                last_alert_kind: Some(AlertKind::Threshold),
                last_alert_state: Some(AlertState::Sent),
                last_alert_at: Some("2026-12-02T08:00:00Z".into()),
                campaigns: Default::default(),
                end: None,
            },
            Row {
                desk: "732829320-00002".into(),
                name: "Mairie".into(),
                department: None,
                region: None,
                state: State::Missing,
                days_left: None,
                not_after: None,
                contact: vec![],
                issuer: None,
                subject: None,
                sha256: None,
                push_state: None,
                last_alert_kind: None,
                last_alert_state: None,
                last_alert_at: None,
                campaigns: Default::default(),
                end: None,
            },
        ];
        insta::assert_snapshot!(streamed(&rows));
    }
}
