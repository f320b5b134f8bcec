//! Sample data for `vigie templates check`: every template is rendered with a
//! context shaped like the real ones, so a misspelt variable fails here and
//! not in front of a desk.

use std::collections::BTreeMap;

use super::context::{
    CertView, DeskView, DigestBounce, DigestData, DigestDesk, DigestFailedRecipient, DigestMore,
    DigestPush, DigestRefusal, MessageContext,
};
use super::templates::{TemplateError, Templates};
use super::AlertKind;
use crate::config::Config;
use crate::desk::Lang;

/// Every kind of message.
pub const KINDS: [AlertKind; 9] = [
    AlertKind::Threshold,
    AlertKind::Expired,
    AlertKind::Digest,
    AlertKind::Refusal,
    AlertKind::Confirmation,
    AlertKind::Campaign,
    AlertKind::ChangeScheduled,
    AlertKind::ChangeCancelled,
    AlertKind::ChangeApplied,
];

/// A context of the shape `kind` gets.
pub fn context(kind: AlertKind, config: &Config) -> MessageContext {
    let desk = DeskView {
        id: "732829320-00001".into(),
        name: "Office public de l'habitat (exemple)".into(),
        mode: "both".into(),
    };
    let cert = CertView {
        subject: "CN=Guichet exemple, O=Office public de l'habitat, C=FR".into(),
        issuer: "CN=Exemple AC Entreprises, O=Exemple Certification, C=FR".into(),
        issuer_name: "Exemple Certification".into(),
        serial: "0a1b2c3d4e5f".into(),
        sha256: "ab".repeat(32),
        not_after: "30/06/2027".into(),
        not_before: "30/06/2024".into(),
    };
    let line = DigestDesk {
        id: desk.id.clone(),
        name: desk.name.clone(),
        not_after: "30/06/2027".into(),
        days_left: Some(12),
        issuer_name: "Exemple Certification".into(),
    };
    let (days_left, details, digest, desk, cert) = match kind {
        AlertKind::Threshold => (Some(12), BTreeMap::new(), None, Some(desk), Some(cert)),
        AlertKind::Expired => (Some(-8), BTreeMap::new(), None, Some(desk), Some(cert)),
        AlertKind::Confirmation => (Some(700), BTreeMap::new(), None, Some(desk), Some(cert)),
        AlertKind::ChangeScheduled | AlertKind::ChangeCancelled | AlertKind::ChangeApplied => (
            None,
            crate::alerts::change_details(
                &crate::model::Change {
                    note: Some("demande du 12/03/2013".into()),
                    previous: Some("V1".into()),
                    ..crate::model::Change::new(
                        crate::model::ChangeId::from_bits(0x1234),
                        crate::model::DeskId::parse("732829320-00001")
                            .expect("a valid sample desk id"),
                        "version".into(),
                        "V2".into(),
                        chrono::NaiveDate::from_ymd_opt(2013, 3, 18).expect("a valid date"),
                        chrono::DateTime::UNIX_EPOCH,
                    )
                },
                Some("25/03/2013"),
            ),
            None,
            Some(desk),
            None,
        ),
        AlertKind::Refusal => (
            None,
            BTreeMap::from([
                ("file".to_owned(), "guichet.pfx".to_owned()),
                ("code".to_owned(), "pkcs12".to_owned()),
                (
                    "reason_fr".to_owned(),
                    "le fichier contient une clé privée".to_owned(),
                ),
                (
                    "reason_en".to_owned(),
                    "the file holds a private key".to_owned(),
                ),
            ]),
            None,
            Some(desk),
            None,
        ),
        AlertKind::Campaign => (
            None,
            super::campaign::sample_details(),
            None,
            Some(desk),
            None,
        ),
        AlertKind::Digest => (
            None,
            BTreeMap::new(),
            Some(DigestData {
                since: Some("01/06/2027".into()),
                upcoming: vec![line.clone()],
                expired: vec![DigestDesk {
                    days_left: Some(-3),
                    ..line.clone()
                }],
                refused: vec![DigestRefusal {
                    date: "02/06/2027".into(),
                    desk: line.id.clone(),
                    detail: "pkcs12: le fichier contient une clé privée".into(),
                    count: 3,
                }],
                issuer_changes: vec![DigestRefusal {
                    date: "03/06/2027".into(),
                    desk: line.id.clone(),
                    detail: "guichet.cer accepted (issuer_changed: Autre AC)".into(),
                    count: 1,
                }],
                more: DigestMore {
                    refused: 12,
                    ..DigestMore::default()
                },
                failed_pushes: vec![DigestPush {
                    desk: line.id.clone(),
                    sha256: "abababababab".into(),
                    last_error: "409 Conflict".into(),
                }],
                no_cert: vec![line.clone()],
                no_email: vec![line.clone()],
                failed_recipients: vec![DigestFailedRecipient {
                    desk: line.id.clone(),
                    address: "ancienne-adresse@example.org".into(),
                    answer: "550 5.1.1 mailbox unavailable".into(),
                }],
                bounced: vec![DigestBounce {
                    desk: line.id.clone(),
                    name: line.name.clone(),
                    address: "guichet-parti@example.org".into(),
                    reason: "smtp; 550 5.1.1 user unknown".into(),
                    date: "17/06/2027".into(),
                }],
                campaigns: vec![super::campaign::sample_digest_line()],
            }),
            None,
            None,
        ),
    };
    MessageContext {
        desk,
        cert,
        days_left,
        days_since: days_left.map(|d| (-d).max(0)),
        threshold_days: days_left.map(|_| 15),
        escalated: true,
        urgent: false,
        advice: (kind == AlertKind::Refusal).then_some("revoke"),
        no_desk_email: false,
        manager: super::context::manager_view(config),
        details,
        digest,
        today: "18/06/2027".into(),
    }
}

/// Renders every template with sample data; returns each template's name and
/// its error, if any.
pub fn check(config: &Config) -> Vec<(String, Result<(), TemplateError>)> {
    let templates = Templates::new(config.templates_dir.as_deref());
    let mut out = Vec::new();
    for kind in KINDS {
        for lang in [Lang::Fr, Lang::En] {
            let ctx = context(kind, config).value();
            for ext in ["subject", "txt", "html"] {
                let name = format!("{}.{lang}.{ext}", kind.as_str());
                let r = templates.render(&name, &ctx).map(|_| ());
                out.push((name, r));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_template_renders_and_says_what_design_asks() {
        let config = Config::default();
        for (name, r) in check(&config) {
            r.unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let t = Templates::new(None);
        let ctx = context(AlertKind::Threshold, &config).value();
        let m = t.message(AlertKind::Threshold, Lang::Fr, &ctx).unwrap();
        assert!(m.subject.contains("fin de vie") && m.subject.contains("732829320-00001"));
        for needle in [
            "30/06/2027",
            "Exemple Certification",
            "0a1b2c3d4e5f",
            ".cer",
            "clé privée",
            "gestion@example.org",
        ] {
            assert!(m.text.contains(needle), "text lacks {needle}");
        }
        let ctx = context(AlertKind::Expired, &config).value();
        let m = t.message(AlertKind::Expired, Lang::En, &ctx).unwrap();
        assert!(m.subject.contains("fin de vie") && m.subject.contains("732829320-00001"));
    }

    #[test]
    fn expiry_on_the_day_says_today_not_zero_days_ago() {
        let config = Config::default();
        let t = Templates::new(None);
        let mut ctx = context(AlertKind::Expired, &config);
        ctx.days_left = Some(0);
        ctx.days_since = Some(0);
        let ctx = ctx.value();
        for (lang, today, never) in [
            (
                Lang::Fr,
                "aujourd'hui",
                ["il y a 0 jour", ": 0 jour", ">0 jour"],
            ),
            (Lang::En, "today", [", 0 day", ": 0 day", ">0 day"]),
        ] {
            let m = t.message(AlertKind::Expired, lang, &ctx).unwrap();
            for (part, body) in [("text", &m.text), ("html", &m.html)] {
                assert!(
                    body.contains(today),
                    "{lang:?} {part} lacks «{today}»:\n{body}"
                );
                for bad in never {
                    assert!(!body.contains(bad), "{lang:?} {part} says «{bad}»:\n{body}");
                }
            }
        }
        // A day later the count is back.
        let mut ctx = context(AlertKind::Expired, &config);
        ctx.days_left = Some(-1);
        ctx.days_since = Some(1);
        let m = t
            .message(AlertKind::Expired, Lang::Fr, &ctx.value())
            .unwrap();
        assert!(m.text.contains("il y a 1 jour."), "{}", m.text);
    }
}
