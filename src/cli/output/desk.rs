//! The JSON shapes of `vigie desk list` and `vigie desk show`.

use serde::Serialize;

use crate::app::desk::DeskView;
use crate::clock::rfc3339;
use crate::desk::Desk;

/// One element of `vigie desk list --json`: the desk's fields as the model
/// serialises them (`"id"`, `"name"`, `"emails"`…), pinned by the snapshot
/// below.
pub type ListRow = Desk;

/// `vigie desk show --json`: the desk's fields at the top level, and its
/// certificates.
#[derive(Serialize)]
pub struct ShowView {
    /// The desk.
    #[serde(flatten)]
    pub desk: Desk,
    /// Every certificate it has had, oldest first.
    pub certificates: Vec<CertLine>,
}

/// One certificate of `vigie desk show`.
#[derive(Serialize)]
pub struct CertLine {
    /// Its fingerprint.
    pub sha256: String,
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
    /// Whether it is the desk's current certificate.
    pub current: bool,
}

impl From<DeskView> for ShowView {
    fn from(v: DeskView) -> Self {
        let current = v.current;
        ShowView {
            desk: v.desk,
            certificates: v
                .certificates
                .into_iter()
                .map(|c| CertLine {
                    current: Some(c.sha256) == current,
                    sha256: c.sha256.to_hex(),
                    subject: c.subject,
                    issuer: c.issuer,
                    serial: c.serial,
                    not_before: rfc3339(c.not_before),
                    not_after: rfc3339(c.not_after),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cli::output::{json_text, tests::streamed};
    use crate::desk::{Department, DeskId, Email, Lang, Mode};

    pub(crate) fn desk(id: &str, thresholds: Option<Vec<u32>>) -> Desk {
        Desk {
            id: DeskId::parse(id).unwrap(),
            name: "OPH du Rhône \"Est\"".into(),
            emails: vec![
                Email::parse("guichet@example.org").unwrap(),
                Email::parse("chef@example.org").unwrap(),
            ],
            department: Some(Department::parse("69").unwrap()),
            mode: Mode::Async,
            lang: Lang::Fr,
            thresholds,
            suspended: false,
            settings: Default::default(),
        }
    }

    #[test]
    fn list_json() {
        let rows: Vec<ListRow> = vec![
            desk("732829320-00001", None),
            desk("732829320-00002", Some(vec![60, 30, 7])),
        ];
        insta::assert_snapshot!(streamed(&rows));
    }

    #[test]
    fn show_json() {
        let view = ShowView {
            desk: desk("732829320-00001", Some(vec![30])),
            certificates: vec![CertLine {
                sha256: "ab".repeat(32),
                subject: "CN=Guichet 732829320-00001".into(),
                issuer: "CN=AC".into(),
                serial: "0f".into(),
                not_before: "2025-01-01T00:00:00Z".into(),
                not_after: "2027-01-01T00:00:00Z".into(),
                current: true,
            }],
        };
        let text = String::from_utf8(json_text(&view).unwrap()).unwrap();
        insta::assert_snapshot!(text);
    }
}
