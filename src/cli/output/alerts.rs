//! The JSON shape of `vigie alerts list`.

use serde::Serialize;

use crate::alerts::{self, AlertRecord};
use crate::clock::rfc3339;

/// One element of `vigie alerts list --json` (DESIGN §8).
#[derive(Debug, Serialize)]
pub struct ListRow {
    desk: Option<String>,
    sha256: Option<String>,
    kind: &'static str,
    threshold_days: Option<i64>,
    state: alerts::AlertState,
    message_id: Option<String>,
    recipients: Vec<String>,
    sent_at: Option<String>,
    error: Option<String>,
    failed_recipients: Vec<alerts::FailedRecipient>,
}

impl From<AlertRecord> for ListRow {
    fn from(r: AlertRecord) -> Self {
        ListRow {
            desk: r.desk().map(|d| d.to_string()),
            sha256: r.sha256().map(|s| s.to_hex()),
            kind: r.kind().as_str(),
            threshold_days: r.threshold_days(),
            state: r.state,
            message_id: r.message_id,
            recipients: r.recipients,
            sent_at: r.sent_at.map(rfc3339),
            error: r.error,
            failed_recipients: r.failed_recipients,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{AlertState, AlertSubject};
    use crate::cli::output::tests::streamed;
    use crate::desk::DeskId;
    use crate::model::Sha256;

    #[test]
    fn list_json() {
        let at = crate::clock::parse_instant("2026-03-01T09:30:00+01:00").unwrap();
        let threshold = AlertSubject::Threshold {
            desk: DeskId::parse("732829320-00001").unwrap(),
            cert: Sha256::of(b"a certificate"),
            days: 30,
        };
        let sent = AlertRecord {
            state: AlertState::Sent,
            message_id: Some("<1@vigie>".into()),
            recipients: vec!["guichet@example.org".into()],
            sent_at: Some(at),
            attempts: 1,
            failed_recipients: vec![crate::alerts::FailedRecipient {
                address: "ancien@example.org".into(),
                answer: "550 5.1.1 mailbox unavailable".into(),
            }],
            ..AlertRecord::pending(threshold, at)
        };
        let digest = AlertSubject::Digest {
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        };
        let failed = AlertRecord {
            subject: digest,
            state: AlertState::Failed,
            message_id: None,
            sent_at: None,
            error: Some("550 no such user".into()),
            failed_recipients: Vec::new(),
            ..sent.clone()
        };
        let mut rows: Vec<ListRow> = [sent, failed].into_iter().map(ListRow::from).collect();
        // The snapshot was taken of a threshold alert without a certificate,
        // a record the model can no longer make; the row keeps that shape so
        // that the snapshot stays as it was.
        rows[0].sha256 = None;
        insta::assert_snapshot!(streamed(&rows));
    }
}
