//! Changes to a desk's record, as `vigie desk edit` and a roster import give
//! them: only the fields named change, so that an option left out or an
//! empty spreadsheet cell never erases what the team entered before.

use std::collections::BTreeMap;

use super::{Department, Desk, Email, Lang, Mode};

/// The fields to change on a desk; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// A new name (already checked).
    pub name: Option<String>,
    /// New addresses, replacing the old ones.
    pub emails: Option<Vec<Email>>,
    /// A new department.
    pub department: Option<Department>,
    /// A new exchange mode.
    pub mode: Option<Mode>,
    /// A new language.
    pub lang: Option<Lang>,
    /// National settings to set, key → value, each already checked against
    /// the configuration (`config::DeskSettings::check`).
    pub settings: BTreeMap<String, String>,
}

impl Changes {
    /// Whether no field is named.
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }

    /// `desk` with the named fields changed; the others (thresholds, the
    /// suspended flag…) as they were.
    pub fn apply(&self, desk: &Desk) -> Desk {
        let mut out = desk.clone();
        if let Some(n) = &self.name {
            out.name.clone_from(n);
        }
        if let Some(e) = &self.emails {
            out.emails.clone_from(e);
        }
        if let Some(d) = &self.department {
            out.department = Some(d.clone());
        }
        if let Some(m) = self.mode {
            out.mode = m;
        }
        if let Some(l) = self.lang {
            out.lang = l;
        }
        for (key, value) in &self.settings {
            // Checked by `DeskSettings::check` when the change was read, so
            // this cannot fail; were it to, the value stays as it was.
            let _ = out.set_setting(key, value);
        }
        out
    }
}

/// What changed between two versions of a desk, for the audit log and the
/// terminal: `name: «A» → «B»; e-mail: a@x → b@x`, or empty when nothing did.
pub fn describe(old: &Desk, new: &Desk) -> String {
    let emails = |d: &Desk| {
        d.emails
            .iter()
            .map(Email::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let department = |d: &Desk| {
        d.department
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string)
    };
    let mut parts = Vec::new();
    if old.name != new.name {
        parts.push(format!("name: «{}» → «{}»", old.name, new.name));
    }
    if old.emails != new.emails {
        parts.push(format!("e-mail: {} → {}", emails(old), emails(new)));
    }
    if old.department != new.department {
        parts.push(format!(
            "department: {} → {}",
            department(old),
            department(new)
        ));
    }
    if old.mode != new.mode {
        parts.push(format!("mode: {} → {}", old.mode, new.mode));
    }
    if old.lang != new.lang {
        parts.push(format!("language: {} → {}", old.lang, new.lang));
    }
    if old.settings.version != new.settings.version {
        parts.push(format!(
            "version: {} → {}",
            old.settings.version, new.settings.version
        ));
    }
    for (key, value) in &new.settings.added {
        let before = old.settings.added.get(key);
        if before != Some(value) {
            parts.push(format!(
                "{key}: {} → {value}",
                before.map_or("-", String::as_str)
            ));
        }
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::DeskId;

    fn desk() -> Desk {
        Desk {
            id: DeskId::parse("732829320-00001").unwrap(),
            name: "OPH".into(),
            emails: vec![Email::parse("a@example.org").unwrap()],
            department: Some(Department::parse("69").unwrap()),
            mode: Mode::Ws,
            lang: Lang::Fr,
            thresholds: Some(vec![30]),
            suspended: true,
            settings: Default::default(),
        }
    }

    #[test]
    fn only_the_named_fields_change() {
        let old = desk();
        assert_eq!(Changes::default().apply(&old), old);
        assert!(Changes::default().is_empty());
        let changes = Changes {
            emails: Some(vec![Email::parse("b@example.org").unwrap()]),
            lang: Some(Lang::En),
            ..Changes::default()
        };
        let new = changes.apply(&old);
        assert_eq!(new.name, "OPH");
        assert_eq!(new.mode, Mode::Ws);
        assert_eq!(new.thresholds, Some(vec![30]));
        assert!(new.suspended);
        assert_eq!(
            describe(&old, &new),
            "e-mail: a@example.org → b@example.org; language: fr → en"
        );
        assert_eq!(describe(&old, &old), "");
    }
}
