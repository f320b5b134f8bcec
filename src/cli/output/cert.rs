//! The JSON shapes of `vigie cert inspect`, `cert ingest` and `cert history`.

use chrono_tz::Tz;
use serde::Serialize;

use crate::app::cert::Inspected;
use crate::cert::ingest::{Decision, Outcome};
use crate::cert::parse::CertInfo;
use crate::cert::CertRecord;
use crate::clock::rfc3339;
use crate::fingerprint::Sha256;

/// One element of `vigie cert inspect --json`: a file and what it holds.
#[derive(Serialize)]
pub struct InspectRow {
    /// The file's display name.
    pub file: String,
    /// Its shape, `null` when none was recognised.
    pub format: Option<&'static str>,
    /// The certificates it holds.
    pub certificates: Vec<CertInfo>,
    /// The first problem met.
    pub error: Option<ErrorJson>,
}

/// A problem with a file: a reason code and a message.
#[derive(Serialize)]
pub struct ErrorJson {
    /// The reason code (`private_key`, `empty`…).
    pub code: &'static str,
    /// What it means.
    pub message: String,
}

impl From<Inspected> for InspectRow {
    fn from(i: Inspected) -> Self {
        InspectRow {
            file: i.file,
            format: i.format,
            certificates: i.certificates,
            error: i.problem.map(|p| ErrorJson {
                code: p.code(),
                message: p.to_string(),
            }),
        }
    }
}

impl InspectRow {
    /// The text `vigie cert inspect` prints for people.
    pub fn text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("{}: {}\n", self.file, self.format.unwrap_or("-")));
        for c in &self.certificates {
            out.push_str(&format!(
                "  subject     {}\n  issuer      {}\n  serial      {}\n  not before  {}\n  not after   {}\n  sha256      {}\n  key         {} {} bits{}\n",
                c.subject,
                c.issuer,
                c.serial,
                rfc3339(c.not_before),
                rfc3339(c.not_after),
                c.sha256,
                c.key.algorithm,
                c.key.bits,
                if c.is_ca { " (CA)" } else { "" }
            ));
            if !c.extended_key_usage.is_empty() {
                out.push_str(&format!(
                    "  usage       {}\n",
                    c.extended_key_usage.join(", ")
                ));
            }
            if !c.san.is_empty() {
                out.push_str(&format!("  san         {}\n", c.san.join(", ")));
            }
        }
        if let Some(e) = &self.error {
            out.push_str(&format!("  error       {} ({})\n", e.message, e.code));
        }
        out
    }
}

/// One element of `vigie cert ingest --json`: a file and what became of it.
#[derive(Serialize)]
pub struct IngestRow {
    /// The file's display name.
    pub file: String,
    /// `accepted`, `unchanged`, `refused`, or `skipped` (a hidden or system
    /// file of a folder, never refused nor mailed).
    pub outcome: &'static str,
    /// The desk, when known.
    pub desk: Option<String>,
    /// The leaf's fingerprint, when there was one.
    pub sha256: Option<String>,
    /// The shape the certificate came in.
    pub format: Option<&'static str>,
    /// A refusal's reason code.
    pub code: Option<&'static str>,
    /// A refusal's reason, in French.
    pub reason_fr: Option<String>,
    /// A refusal's reason, in English.
    pub reason_en: Option<String>,
    /// Whether `--force` would override the refusal.
    pub overridable: Option<bool>,
    /// An acceptance's warnings (DESIGN §13: objects, not bare codes).
    pub warnings: Vec<WarningJson>,
}

/// A warning of `cert ingest --json`: its code and sentences.
#[derive(Serialize)]
pub struct WarningJson {
    /// The stable code (`same_key`, `issuer_changed`, `forced:expired`…).
    pub code: String,
    /// What it means, in French.
    pub message_fr: String,
    /// What it means, in English.
    pub message_en: String,
}

impl IngestRow {
    /// The row of a hidden or system file skipped in a folder.
    pub fn skipped(file: String) -> IngestRow {
        IngestRow {
            file,
            outcome: "skipped",
            desk: None,
            sha256: None,
            format: None,
            code: Some("system_file"),
            reason_fr: Some(
                "fichier caché ou système (Thumbs.db, desktop.ini, .DS_Store, ~$…, .tmp…), ignoré"
                    .into(),
            ),
            reason_en: Some(
                "a hidden or system file (Thumbs.db, desktop.ini, .DS_Store, ~$…, .tmp…), skipped"
                    .into(),
            ),
            overridable: None,
            warnings: Vec::new(),
        }
    }

    /// The row of decision `d`, its dates in zone `tz`.
    pub fn new(d: &Decision, tz: Tz) -> IngestRow {
        let base = IngestRow {
            file: d.file.clone(),
            outcome: "",
            desk: None,
            sha256: None,
            format: d.format.map(|f| f.as_str()),
            code: None,
            reason_fr: None,
            reason_en: None,
            overridable: None,
            warnings: Vec::new(),
        };
        match &d.outcome {
            Outcome::Accepted {
                desk,
                leaf,
                warnings,
                ..
            } => IngestRow {
                outcome: "accepted",
                desk: Some(desk.to_string()),
                sha256: Some(leaf.sha256.to_hex()),
                warnings: warnings
                    .iter()
                    .map(|w| WarningJson {
                        code: w.code(),
                        message_fr: w.fr(tz),
                        message_en: w.en(tz),
                    })
                    .collect(),
                ..base
            },
            Outcome::Unchanged { desk, sha256 } => IngestRow {
                outcome: "unchanged",
                desk: Some(desk.to_string()),
                sha256: Some(sha256.to_hex()),
                ..base
            },
            Outcome::Refused {
                desk,
                sha256,
                refusal,
            } => IngestRow {
                outcome: "refused",
                desk: desk.as_ref().map(ToString::to_string),
                sha256: sha256.map(|s| s.to_hex()),
                code: Some(refusal.code()),
                reason_fr: Some(refusal.fr(tz)),
                reason_en: Some(refusal.en(tz)),
                overridable: Some(refusal.overridable()),
                ..base
            },
        }
    }
}

/// One element of `vigie cert history --json`: a certificate the desk has had.
#[derive(Serialize)]
pub struct HistoryRow {
    /// Its fingerprint.
    pub sha256: String,
    /// Whether it is the desk's current certificate.
    pub current: bool,
    /// Its subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Its serial number, lowercase hex.
    pub serial: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// When it was ingested, RFC 3339.
    pub ingested_at: String,
    /// Who ingested it.
    pub ingested_by: String,
    /// Where it came from.
    pub source: String,
    /// The warnings it was accepted with.
    pub warnings: Vec<String>,
}

impl HistoryRow {
    /// The row of `c`, `current` naming the desk's current certificate.
    pub fn new(c: CertRecord, current: Option<Sha256>) -> HistoryRow {
        HistoryRow {
            sha256: c.sha256.to_hex(),
            current: Some(c.sha256) == current,
            subject: c.subject,
            issuer: c.issuer,
            serial: c.serial,
            not_before: rfc3339(c.not_before),
            not_after: rfc3339(c.not_after),
            ingested_at: rfc3339(c.ingested_at),
            ingested_by: c.ingested_by,
            source: c.source,
            warnings: c.warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::cert::reason::{Refusal, Warning};
    use crate::cert::sniff::Format;
    use crate::cli::output::tests::streamed;
    use crate::desk::DeskId;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("certs-fixtures")
            .join(name)
    }

    #[test]
    fn inspect_json() {
        let rows: Vec<InspectRow> = ["rsa-2048-desk2.cer", "key-pkcs8.pem", "empty.cer"]
            .iter()
            .map(|f| {
                let mut i = crate::app::cert::inspect(&fixture(f), 1 << 20);
                i.file = (*f).to_owned();
                InspectRow::from(i)
            })
            .collect();
        insta::assert_snapshot!(streamed(&rows));
    }

    #[test]
    fn ingest_json() {
        let der = std::fs::read(fixture("rsa-2048-desk2.cer")).unwrap();
        let leaf = CertInfo::from_der(&der).unwrap();
        let desk = DeskId::parse("732829320-00002").unwrap();
        let sha = leaf.sha256;
        let decisions = [
            Decision {
                file: "a.cer".into(),
                file_sha256: None,
                format: Some(Format::Der),
                original: Vec::new(),
                outcome: Outcome::Accepted {
                    desk: desk.clone(),
                    leaf: Box::new(leaf),
                    chain: Vec::new(),
                    warnings: vec![
                        Warning::SameKey,
                        Warning::IssuerChanged("CN=AC 1".into(), "CN=AC 2".into()),
                    ],
                },
            },
            Decision {
                file: "b.cer".into(),
                file_sha256: None,
                format: Some(Format::Pem),
                original: Vec::new(),
                outcome: Outcome::Unchanged {
                    desk: desk.clone(),
                    sha256: sha,
                },
            },
            Decision {
                file: "c.pem".into(),
                file_sha256: None,
                format: None,
                original: Vec::new(),
                outcome: Outcome::Refused {
                    desk: Some(desk),
                    sha256: None,
                    refusal: Refusal::File(crate::cert::sniff::SniffError::PrivateKey(
                        "PRIVATE KEY".into(),
                    )),
                },
            },
        ];
        let rows: Vec<IngestRow> = decisions
            .iter()
            .map(|d| IngestRow::new(d, chrono_tz::Europe::Paris))
            .collect();
        insta::assert_snapshot!(streamed(&rows));
    }

    #[test]
    fn history_json() {
        let der = std::fs::read(fixture("rsa-2048-desk2.cer")).unwrap();
        let info = CertInfo::from_der(&der).unwrap();
        let at = crate::clock::parse_instant("2026-03-01T09:30:00Z").unwrap();
        let record = CertRecord {
            sha256: info.sha256,
            desk: DeskId::parse("732829320-00002").unwrap(),
            subject: info.subject.clone(),
            issuer: info.issuer.clone(),
            serial: info.serial.clone(),
            not_before: info.not_before,
            not_after: info.not_after,
            der: der.clone(),
            original: der,
            source: "guichet.cer".into(),
            chain: Vec::new(),
            ingested_at: at,
            ingested_by: "marie".into(),
            warnings: vec!["same_key".into()],
        };
        let rows = [
            HistoryRow::new(record.clone(), Some(info.sha256)),
            HistoryRow::new(record, None),
        ];
        insta::assert_snapshot!(streamed(&rows));
    }
}
