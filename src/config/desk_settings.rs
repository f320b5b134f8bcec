//! The desk settings an installation knows (DESIGN §12): the built-in
//! `version` (`V1`|`V2`) and `mode` (`async`|`ws`|`both`), and the keys
//! `[desk_settings]` adds, each with its allowed values:
//!
//! ```toml
//! [desk_settings]
//! profil = ["standard", "pilote"]
//! ```
//!
//! An added key's first value is the value of a desk that has none of its
//! own, as `V1` and `async` are for the built-in keys. Every `KEY=VALUE` a
//! person types (`desk add|edit --set`, the roster's columns, `desk
//! schedule --set`, `--where`) is checked here, so that nothing downstream
//! meets a key or a value the configuration does not allow.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{printable, Desk, BUILT_IN_SETTINGS};

/// Keys a `[desk_settings]` table may not add: the built-in settings, and
/// the names of the fields a desk's JSON already has (added keys are
/// top-level fields of `desk list|show --json`).
const RESERVED: [&str; 12] = [
    "version",
    "mode",
    "id",
    "name",
    "emails",
    "email",
    "department",
    "lang",
    "thresholds",
    "suspended",
    "settings",
    "desk",
];

/// The settings an installation knows, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeskSettings {
    /// Added key → allowed values, the first being the default.
    added: BTreeMap<String, Vec<String>>,
}

/// A checked setting: a known key and one of its allowed values, written as
/// the configuration writes it (`V2`, `ws`, `pilote`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Setting {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// Why a `KEY=VALUE` was refused. [`fmt::Display`] gives the French
/// sentence then the English one, each naming what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingError {
    /// Not of the form `KEY=VALUE`.
    Syntax {
        /// What was typed.
        input: String,
    },
    /// A key the installation does not know.
    UnknownKey {
        /// The key typed.
        key: String,
        /// The keys known.
        known: Vec<String>,
    },
    /// A value the key does not allow.
    Value {
        /// The key.
        key: String,
        /// The value typed.
        value: String,
        /// The values allowed.
        allowed: Vec<String>,
    },
}

impl SettingError {
    /// The French sentence.
    pub fn message_fr(&self) -> String {
        match self {
            SettingError::Syntax { input } => format!(
                "«{}» n'est pas de la forme CLÉ=VALEUR (par exemple version=V2)",
                printable(input)
            ),
            SettingError::UnknownKey { key, known } => format!(
                "«{}» n'est pas un paramètre de guichet connu : paramètres connus {}",
                printable(key),
                known.join(", ")
            ),
            SettingError::Value {
                key,
                value,
                allowed,
            } => format!(
                "«{}» n'est pas une valeur permise pour {key} : valeurs permises {}",
                printable(value),
                allowed.join(", ")
            ),
        }
    }

    /// The English sentence.
    pub fn message_en(&self) -> String {
        match self {
            SettingError::Syntax { input } => format!(
                "«{}» is not of the form KEY=VALUE (e.g. version=V2)",
                printable(input)
            ),
            SettingError::UnknownKey { key, known } => format!(
                "«{}» is not a known desk setting: known settings are {}",
                printable(key),
                known.join(", ")
            ),
            SettingError::Value {
                key,
                value,
                allowed,
            } => format!(
                "«{}» is not an allowed value of {key}: allowed values are {}",
                printable(value),
                allowed.join(", ")
            ),
        }
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message_fr(), self.message_en())
    }
}

impl std::error::Error for SettingError {}

impl DeskSettings {
    /// Checks a `[desk_settings]` table as written; an error is the dotted
    /// key at fault and what is wrong with it.
    pub fn from_raw(raw: &BTreeMap<String, Vec<String>>) -> Result<DeskSettings, (String, String)> {
        let mut added = BTreeMap::new();
        for (key, values) in raw {
            let dotted = format!("desk_settings.{key}");
            let shape_ok = key.len() <= 40
                && key.starts_with(|c: char| c.is_ascii_lowercase())
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !shape_ok {
                return Err((
                    dotted,
                    "a setting's name is lower-case letters, digits and _, starting with a letter, at most 40 characters".into(),
                ));
            }
            if RESERVED.contains(&key.as_str()) {
                return Err((
                    dotted,
                    format!("«{key}» is built in or already a desk field; choose another name"),
                ));
            }
            if values.is_empty() {
                return Err((dotted, "at least one allowed value is needed".into()));
            }
            let mut seen: Vec<String> = Vec::new();
            for v in values {
                let t = v.trim();
                if t.is_empty()
                    || t != v
                    || t.chars().count() > 100
                    || t.chars().any(|c| c.is_control() || c == '=')
                {
                    return Err((
                        dotted,
                        format!(
                            "«{}»: a value is 1 to 100 characters, without surrounding spaces, control characters or =",
                            printable(v)
                        ),
                    ));
                }
                if seen.iter().any(|s| s.to_lowercase() == t.to_lowercase()) {
                    return Err((dotted, format!("«{}» is listed twice", printable(v))));
                }
                seen.push(t.to_owned());
            }
            added.insert(key.clone(), seen);
        }
        Ok(DeskSettings { added })
    }

    /// Every key, built-in first (`version`, `mode`), then the added ones
    /// in name order.
    pub fn keys(&self) -> Vec<&str> {
        BUILT_IN_SETTINGS
            .iter()
            .copied()
            .chain(self.added.keys().map(String::as_str))
            .collect()
    }

    /// The keys `[desk_settings]` adds, in name order.
    pub fn added_keys(&self) -> impl Iterator<Item = &str> {
        self.added.keys().map(String::as_str)
    }

    /// The values a key allows, the default first; `None` for an unknown key.
    pub fn allowed(&self, key: &str) -> Option<Vec<String>> {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        match key {
            "version" => Some(owned(&["V1", "V2"])),
            "mode" => Some(owned(&["async", "ws", "both"])),
            other => self.added.get(other).cloned(),
        }
    }

    /// Checks a key and a value. Keys are matched as written (lower case);
    /// values without regard to case and surrounding spaces, and the
    /// built-in keys take the spellings `desk add` always took (`2`,
    /// `asynchrone`, `web service`…). The value returned is written as the
    /// configuration writes it.
    pub fn check(&self, key: &str, value: &str) -> Result<Setting, SettingError> {
        let key = key.trim();
        let Some(allowed) = self.allowed(key) else {
            return Err(SettingError::UnknownKey {
                key: key.to_owned(),
                known: self.keys().iter().map(|k| (*k).to_owned()).collect(),
            });
        };
        let refused = || SettingError::Value {
            key: key.to_owned(),
            value: value.to_owned(),
            allowed: allowed.clone(),
        };
        let value = match key {
            "version" => value
                .parse::<crate::model::Version>()
                .map_err(|_| refused())?
                .to_string(),
            "mode" => value
                .parse::<crate::model::Mode>()
                .map_err(|_| refused())?
                .to_string(),
            _ => {
                let v = value.trim().to_lowercase();
                allowed
                    .iter()
                    .find(|a| a.to_lowercase() == v)
                    .cloned()
                    .ok_or_else(refused)?
            }
        };
        Ok(Setting {
            key: key.to_owned(),
            value,
        })
    }

    /// Checks a `KEY=VALUE` as typed.
    pub fn check_pair(&self, input: &str) -> Result<Setting, SettingError> {
        match input.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => self.check(k, v),
            _ => Err(SettingError::Syntax {
                input: input.to_owned(),
            }),
        }
    }

    /// The desk's value of a key, with the default (the first allowed
    /// value) for an added key it has no value of; `None` for an unknown
    /// key.
    pub fn value_of(&self, desk: &Desk, key: &str) -> Option<String> {
        desk.setting(key)
            .or_else(|| self.added.get(key).and_then(|v| v.first().cloned()))
    }

    /// Every setting of a desk, in [`DeskSettings::keys`] order, with the
    /// defaults applied (what `desk show` and the JSON print).
    pub fn values_of(&self, desk: &Desk) -> Vec<Setting> {
        self.keys()
            .into_iter()
            .filter_map(|k| {
                self.value_of(desk, k).map(|value| Setting {
                    key: k.to_owned(),
                    value,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> DeskSettings {
        let mut raw = BTreeMap::new();
        raw.insert(
            "profil".to_owned(),
            vec!["standard".to_owned(), "Pilote".to_owned()],
        );
        DeskSettings::from_raw(&raw).unwrap()
    }

    #[test]
    fn built_in_and_added_keys_are_checked_and_normalised() {
        let c = catalog();
        assert_eq!(c.keys(), ["version", "mode", "profil"]);
        assert_eq!(
            c.check_pair("version=v2").unwrap().to_string(),
            "version=V2"
        );
        assert_eq!(c.check_pair("mode=WS").unwrap().value, "ws");
        assert_eq!(c.check_pair("profil= pilote").unwrap().value, "Pilote");
        let e = c.check_pair("version=V3").unwrap_err();
        assert!(e.message_fr().contains("valeurs permises V1, V2"), "{e}");
        assert!(e.message_en().contains("allowed values are V1, V2"), "{e}");
        let e = c.check_pair("couleur=bleu").unwrap_err();
        assert!(e.to_string().contains("version, mode, profil"), "{e}");
        assert!(matches!(
            c.check_pair("version"),
            Err(SettingError::Syntax { .. })
        ));
        assert!(matches!(
            c.check_pair("=V2"),
            Err(SettingError::Syntax { .. })
        ));
    }

    #[test]
    fn an_added_key_defaults_to_its_first_value() {
        let c = catalog();
        let mut desk: Desk = serde_json::from_str(
            r#"{"id":"732829320-00001","name":"A","emails":[],"department":null,"mode":"async","lang":"fr"}"#,
        )
        .unwrap();
        assert_eq!(c.value_of(&desk, "profil").as_deref(), Some("standard"));
        assert_eq!(c.value_of(&desk, "nope"), None);
        desk.set_setting("profil", "Pilote").unwrap();
        let all: Vec<String> = c.values_of(&desk).iter().map(|s| s.to_string()).collect();
        assert_eq!(all, ["version=V1", "mode=async", "profil=Pilote"]);
    }

    #[test]
    fn bad_tables_are_refused_naming_the_key() {
        let refuse = |key: &str, values: &[&str]| {
            let mut raw = BTreeMap::new();
            raw.insert(
                key.to_owned(),
                values.iter().map(|v| (*v).to_owned()).collect(),
            );
            DeskSettings::from_raw(&raw).unwrap_err().0
        };
        assert_eq!(refuse("version", &["a"]), "desk_settings.version");
        assert_eq!(refuse("name", &["a"]), "desk_settings.name");
        assert_eq!(refuse("Profil", &["a"]), "desk_settings.Profil");
        assert_eq!(refuse("profil", &[]), "desk_settings.profil");
        assert_eq!(refuse("profil", &["a", "A"]), "desk_settings.profil");
        assert_eq!(refuse("profil", &["a=b"]), "desk_settings.profil");
        assert_eq!(refuse("profil", &[" a"]), "desk_settings.profil");
    }
}
