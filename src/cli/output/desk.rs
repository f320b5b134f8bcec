//! The JSON shapes of `vigie desk list` and `vigie desk show`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::app::desk::DeskView;
use crate::clock::rfc3339;
use crate::config::DeskSettings;
use crate::desk::{Department, Desk, DeskId, Email, Lang, Mode};
use crate::model::Version;

/// One element of `vigie desk list --json`: the desk's fields (`"id"`,
/// `"name"`, `"emails"`…) as the model always wrote them, and each national
/// setting as a top-level field (DESIGN §12): `"mode"`, `"version"` and the
/// keys `[desk_settings]` adds, with their defaults applied. Pinned by the
/// snapshots below; `"version"` and the added keys came with issue 16.
#[derive(Debug, Serialize)]
pub struct ListRow {
    /// The desk id.
    pub id: DeskId,
    /// Its name.
    pub name: String,
    /// Its addresses.
    pub emails: Vec<Email>,
    /// Its department.
    pub department: Option<Department>,
    /// Its exchange mode.
    pub mode: Mode,
    /// Its exchange format's version.
    pub version: Version,
    /// The added settings, key → value (the key's default when unset).
    #[serde(flatten)]
    pub added: BTreeMap<String, String>,
    /// The language of its e-mails.
    pub lang: Lang,
    /// Its own alert thresholds, when it has some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Vec<u32>>,
    /// Written only when set, as the model writes it.
    #[serde(skip_serializing_if = "is_false")]
    pub suspended: bool,
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

impl ListRow {
    /// The row of `desk`, its added settings as `settings` knows them: keys
    /// the configuration no longer names are left out, unset ones take
    /// their default.
    pub fn new(desk: Desk, settings: &DeskSettings) -> ListRow {
        let added = settings
            .added_keys()
            .filter_map(|k| settings.value_of(&desk, k).map(|v| (k.to_owned(), v)))
            .collect();
        ListRow {
            added,
            version: desk.settings.version,
            id: desk.id,
            name: desk.name,
            emails: desk.emails,
            department: desk.department,
            mode: desk.mode,
            lang: desk.lang,
            thresholds: desk.thresholds,
            suspended: desk.suspended,
        }
    }
}

/// `vigie desk show --json`: the desk's fields at the top level (as in
/// [`ListRow`]), and its certificates.
#[derive(Serialize)]
pub struct ShowView {
    /// The desk.
    #[serde(flatten)]
    pub desk: ListRow,
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

impl ShowView {
    /// The view of a desk, its settings as `settings` knows them.
    pub fn new(v: DeskView, settings: &DeskSettings) -> Self {
        let current = v.current;
        ShowView {
            desk: ListRow::new(v.desk, settings),
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

/// One element of `vigie desk changes --json` (DESIGN §12, exactly these
/// fields).
#[derive(Debug, Serialize)]
pub struct ChangeRow {
    /// The change id.
    pub change: String,
    /// The desk.
    pub desk: String,
    /// The setting.
    pub key: String,
    /// Its new value.
    pub value: String,
    /// The day, YYYY-MM-DD.
    pub on: String,
    /// `scheduled`, `done`, `failed` or `cancelled`.
    pub state: &'static str,
    /// The note, if any.
    pub note: Option<String>,
}

impl From<&crate::model::Change> for ChangeRow {
    fn from(c: &crate::model::Change) -> ChangeRow {
        ChangeRow {
            change: c.id.to_string(),
            desk: c.desk.to_string(),
            key: c.key.clone(),
            value: c.value.clone(),
            on: c.on.format("%Y-%m-%d").to_string(),
            state: c.state.as_str(),
            note: c.note.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cli::output::{json_text, tests::streamed};

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

    fn settings() -> DeskSettings {
        let raw = [(
            "profil".to_owned(),
            vec!["standard".into(), "pilote".into()],
        )];
        DeskSettings::from_raw(&raw.into_iter().collect()).unwrap()
    }

    #[test]
    fn list_json() {
        let mut switched = desk("732829320-00002", Some(vec![60, 30, 7]));
        switched.set_setting("version", "V2").unwrap();
        switched.set_setting("profil", "pilote").unwrap();
        let rows: Vec<ListRow> = vec![desk("732829320-00001", None), switched]
            .into_iter()
            .map(|d| ListRow::new(d, &settings()))
            .collect();
        insta::assert_snapshot!(streamed(&rows));
    }

    #[test]
    fn changes_json() {
        let mut c = crate::model::Change::new(
            crate::model::ChangeId::from_bits(0x12_3456_789a),
            DeskId::parse("732829320-00001").unwrap(),
            "version".into(),
            "V2".into(),
            chrono::NaiveDate::from_ymd_opt(2013, 3, 18).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
        );
        c.note = Some("demande du 12/03".into());
        let rows = vec![ChangeRow::from(&c)];
        insta::assert_snapshot!(streamed(&rows));
    }

    #[test]
    fn show_json() {
        let view = ShowView {
            desk: ListRow::new(
                desk("732829320-00001", Some(vec![30])),
                &DeskSettings::default(),
            ),
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
