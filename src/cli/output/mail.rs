//! The JSON shape of `vigie mail ingest|fetch|list` (DESIGN §10).

use serde::Serialize;

use crate::model::{MailCert, MailRecord};

/// A refusal's reason.
#[derive(Debug, Serialize)]
pub struct ReasonJson {
    code: String,
    message: String,
}

/// One certificate found in a message.
#[derive(Debug, Serialize)]
pub struct CertJson {
    sha256: Option<String>,
    found_in: &'static str,
    file: String,
    signature_verified: Option<bool>,
    outcome: &'static str,
    reason: Option<ReasonJson>,
}

/// One element of the JSON array: a message and what became of it.
#[derive(Debug, Serialize)]
pub struct MailRow {
    message_id: Option<String>,
    from: Option<String>,
    subject: Option<String>,
    date: Option<String>,
    desk: Option<String>,
    attributed_by: Option<&'static str>,
    certificates: Vec<CertJson>,
    /// `ingested`, `refused`, `needs_human`, `bounce`, `ignored`, `duplicate`.
    pub action: &'static str,
    reply_message_id: Option<String>,
}

impl From<&MailCert> for CertJson {
    fn from(c: &MailCert) -> Self {
        CertJson {
            sha256: c.sha256.map(|s| s.to_hex()),
            found_in: c.found_in.as_str(),
            file: c.file.clone(),
            signature_verified: c.signature_verified,
            outcome: c.outcome.as_str(),
            reason: c.reason.as_ref().map(|r| ReasonJson {
                code: r.code.clone(),
                message: r.message.clone(),
            }),
        }
    }
}

impl From<&MailRecord> for MailRow {
    fn from(r: &MailRecord) -> Self {
        MailRow {
            message_id: (!r.message_id.is_empty()).then(|| r.message_id.clone()),
            from: r.from.clone(),
            subject: r.subject.clone(),
            date: r.date.clone(),
            desk: r.desk.as_ref().map(ToString::to_string),
            attributed_by: r.attributed_by.map(|a| a.as_str()),
            certificates: r.certificates.iter().map(CertJson::from).collect(),
            action: r.action.as_str(),
            reply_message_id: r.reply_message_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::tests::streamed;
    use crate::desk::DeskId;
    use crate::model::{AttributedBy, CertOutcome, FoundIn, MailAction, MailReason, Sha256};

    #[test]
    fn mail_json() {
        let at = crate::clock::parse_instant("2027-03-01T09:30:00+01:00").unwrap();
        let ingested = MailRecord {
            message_id: "<a1@guichet.example.org>".into(),
            sha256: Sha256::of(b"message"),
            from: Some("guichet@example.org".into()),
            subject: Some("Re: fin de vie 732829320-00001".into()),
            date: Some("2027-03-01T08:00:00Z".into()),
            desk: Some(DeskId::parse("732829320-00001").unwrap()),
            attributed_by: Some(AttributedBy::Reply),
            certificates: vec![
                MailCert {
                    sha256: Some(Sha256::of(b"cert")),
                    found_in: FoundIn::Attachment,
                    file: "guichet.cer".into(),
                    signature_verified: None,
                    outcome: CertOutcome::Accepted,
                    reason: None,
                },
                MailCert {
                    sha256: None,
                    found_in: FoundIn::Attachment,
                    file: "winmail.dat".into(),
                    signature_verified: Some(false),
                    outcome: CertOutcome::Refused,
                    reason: Some(MailReason {
                        code: "winmail_dat".into(),
                        message: "Renvoyez…".into(),
                        message_en: "Send again…".into(),
                    }),
                },
            ],
            action: MailAction::Refused,
            note: None,
            reply_message_id: Some("<vigie.r@example.org>".into()),
            reply_sent_at: None,
            thread: Vec::new(),
            source: "m.eml".into(),
            received_at: at,
        };
        let question = MailRecord {
            message_id: String::new(),
            from: None,
            subject: None,
            date: None,
            desk: None,
            attributed_by: None,
            certificates: Vec::new(),
            action: MailAction::NeedsHuman,
            reply_message_id: None,
            ..ingested.clone()
        };
        let rows: Vec<MailRow> = [&ingested, &question]
            .into_iter()
            .map(MailRow::from)
            .collect();
        insta::assert_snapshot!(streamed(&rows));
    }
}
