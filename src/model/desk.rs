//! A registration desk as the store keeps it: its identifier, name,
//! addresses, department, exchange mode, language and the other settings the
//! national configuration holds for it ([`Settings`]: its version, and the
//! keys an installation adds in `[desk_settings]`).
//!
//! Everything here is a value checked at construction ("parse, don't
//! validate"): once a [`Desk`] exists, its identifier, addresses and
//! department are valid.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{printable, DeskId, Email};

/// How a desk exchanges with the national system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Files exchanged by signed and encrypted e-mail.
    #[default]
    Async,
    /// SOAP over HTTPS with client authentication.
    Ws,
    /// Both of the above.
    Both,
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "async" | "asynchrone" | "asynchronous" | "mail" => Ok(Mode::Async),
            "ws" | "web service" | "webservice" | "web-service" => Ok(Mode::Ws),
            "both" | "les deux" | "async+ws" | "mixte" => Ok(Mode::Both),
            _ => Err(format!(
                "«{}» is not a mode: expected async, ws or both",
                printable(s)
            )),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Async => "async",
            Mode::Ws => "ws",
            Mode::Both => "both",
        })
    }
}

/// The language of the e-mails a desk receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French, the default.
    #[default]
    Fr,
    /// English, on request.
    En,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "fr" | "français" | "francais" | "french" => Ok(Lang::Fr),
            "en" | "anglais" | "english" => Ok(Lang::En),
            _ => Err(format!(
                "«{}» is not a language: expected fr or en",
                printable(s)
            )),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        })
    }
}

/// The version of the national exchange format a desk sends in and
/// receives in (reference document §1: the switch to version 2).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub enum Version {
    /// The first version. Desk records written before vigie knew versions
    /// have no such field and read as `V1`.
    #[default]
    V1,
    /// Version 2.
    V2,
}

impl Version {
    /// Whether this is the default, for `skip_serializing_if`: a `V1` desk
    /// is stored exactly as before versions existed.
    pub fn is_v1(&self) -> bool {
        *self == Version::V1
    }
}

impl FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_uppercase().as_str() {
            "V1" | "1" => Ok(Version::V1),
            "V2" | "2" => Ok(Version::V2),
            _ => Err(format!(
                "«{}» is not a version: expected V1 or V2",
                printable(s)
            )),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V1 => "V1",
            Version::V2 => "V2",
        })
    }
}

/// The setting keys every installation knows, in the order they are shown.
/// `mode` is the [`Desk::mode`] field; `version` is [`Settings::version`].
pub const BUILT_IN_SETTINGS: [&str; 2] = ["version", "mode"];

/// A desk's national settings other than its mode (kept as the
/// [`Desk::mode`] field it has always been).
///
/// Stored inside the desk record as `"settings": {"version": "V2",
/// "<added key>": "<value>"…}` and only when it differs from the default
/// (`V1`, no added key): records written before settings existed read as
/// `V1` with no added key, and desks that never changed are written byte for
/// byte as before.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Settings {
    /// The exchange format's version.
    #[serde(default, skip_serializing_if = "Version::is_v1")]
    pub version: Version,
    /// The values of the keys `[desk_settings]` adds, by key. A key absent
    /// here has no value of its own (the configuration's default applies:
    /// see `config::DeskSettings::value_of`). Keys are checked against the
    /// configuration before they are written, never here: the model does
    /// not know the configuration.
    #[serde(flatten)]
    pub added: BTreeMap<String, String>,
}

impl Settings {
    /// Whether these are the defaults, for `skip_serializing_if`.
    pub fn is_default(&self) -> bool {
        self.version.is_v1() && self.added.is_empty()
    }
}

/// A French department code: `01`–`95`, `2A`, `2B`, `971`–`976`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Department(String);

impl Department {
    /// Parses a department code. A single digit is padded (`1` → `01`), as
    /// spreadsheets drop leading zeros.
    pub fn parse(input: &str) -> Result<Department, String> {
        let s = input.trim().to_uppercase();
        let s = if s.len() == 1 && s.as_bytes()[0].is_ascii_digit() {
            format!("0{s}")
        } else {
            s
        };
        let ok = match s.as_str() {
            "2A" | "2B" => true,
            d if d.len() == 2 && d.bytes().all(|c| c.is_ascii_digit()) => {
                matches!(d.parse::<u32>(), Ok(1..=95)) && d != "20"
            }
            d if d.len() == 3 && d.bytes().all(|c| c.is_ascii_digit()) => {
                matches!(d.parse::<u32>(), Ok(971..=976))
            }
            _ => false,
        };
        if ok {
            Ok(Department(s))
        } else {
            Err(format!(
                "«{}» is not a department code: expected 01–95, 2A, 2B or 971–976",
                printable(input)
            ))
        }
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Department {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Department::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registration desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desk {
    /// The desk identifier.
    pub id: DeskId,
    /// The desk's name, as the team knows it.
    pub name: String,
    /// Where alerts go; at least one address is expected but a desk without
    /// one is kept (and reported to the team by the alerts).
    pub emails: Vec<Email>,
    /// The department the desk belongs to, when known.
    pub department: Option<Department>,
    /// How the desk exchanges with the national system.
    pub mode: Mode,
    /// The language of its e-mails.
    pub lang: Lang,
    /// Alert thresholds for this desk, overriding the installation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Vec<u32>>,
    /// Set by `vigie desk suspend`: the desk stays in the inventory but is
    /// sent no reminders. Records written before the flag existed have no
    /// such field and read as not suspended; it is written only when set, so
    /// that those records and the JSON of active desks stay as they were.
    #[serde(default, skip_serializing_if = "is_false")]
    pub suspended: bool,
    /// The national settings besides the mode (version, added keys); see
    /// [`Settings`] for how they are stored so old records stay identical.
    #[serde(default, skip_serializing_if = "Settings::is_default")]
    pub settings: Settings,
}

impl Desk {
    /// The desk's own value of a setting: `version` and `mode` always have
    /// one; an added key has one only once set (`None` otherwise, and for
    /// keys vigie does not know). Use `config::DeskSettings::value_of` for
    /// the value with the configuration's default applied.
    pub fn setting(&self, key: &str) -> Option<String> {
        match key {
            "version" => Some(self.settings.version.to_string()),
            "mode" => Some(self.mode.to_string()),
            other => self.settings.added.get(other).cloned(),
        }
    }

    /// Sets one setting. `version` and `mode` are parsed here (an error
    /// names the allowed values); an added key's value must have been
    /// checked against the configuration (`config::DeskSettings::check`)
    /// before, as the model does not know which keys and values exist.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "version" => self.settings.version = value.parse()?,
            "mode" => self.mode = value.parse()?,
            other => {
                self.settings
                    .added
                    .insert(other.to_owned(), value.to_owned());
            }
        }
        Ok(())
    }
}

/// Whether a flag is unset, for `skip_serializing_if`.
fn is_false(flag: &bool) -> bool {
    !*flag
}

/// Checks a desk name: not empty, no control characters (they would end up in
/// e-mail headers and tables), at most 200 characters.
pub fn check_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("the desk name is empty".into());
    }
    if n.chars().any(char::is_control) {
        return Err(format!(
            "the desk name «{}» holds control characters (line breaks, tabs…)",
            printable(n)
        ));
    }
    if n.chars().count() > 200 {
        return Err("the desk name is longer than 200 characters".into());
    }
    Ok(n.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments() {
        for ok in ["01", "1", "95", "2A", "2b", "971", "976", " 69 "] {
            assert!(Department::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["00", "20", "96", "970", "977", "2C", "", "abc", "0691"] {
            assert!(Department::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Department::parse("1").unwrap().as_str(), "01");
    }

    #[test]
    fn modes_and_languages() {
        assert_eq!("WS".parse::<Mode>().unwrap(), Mode::Ws);
        assert_eq!("asynchrone".parse::<Mode>().unwrap(), Mode::Async);
        assert!("pigeon".parse::<Mode>().is_err());
        assert_eq!("Français".parse::<Lang>().unwrap(), Lang::Fr);
        assert!("de".parse::<Lang>().is_err());
    }

    #[test]
    fn records_without_the_suspended_flag_still_decode() {
        let old = r#"{"id":"732829320-00001","name":"A","emails":[],"department":null,"mode":"async","lang":"fr"}"#;
        let desk: Desk = serde_json::from_str(old).unwrap();
        assert!(!desk.suspended);
        // An active desk is written exactly as before the flag existed.
        assert_eq!(serde_json::to_string(&desk).unwrap(), old);
        let suspended = Desk {
            suspended: true,
            ..desk
        };
        let text = serde_json::to_string(&suspended).unwrap();
        assert!(text.ends_with(r#""suspended":true}"#), "{text}");
        assert_eq!(serde_json::from_str::<Desk>(&text).unwrap(), suspended);
    }

    #[test]
    fn records_without_settings_read_as_v1_and_defaults_are_not_written() {
        let old = r#"{"id":"732829320-00001","name":"A","emails":[],"department":null,"mode":"async","lang":"fr"}"#;
        let mut desk: Desk = serde_json::from_str(old).unwrap();
        assert_eq!(desk.settings.version, Version::V1);
        assert_eq!(desk.setting("version").as_deref(), Some("V1"));
        assert_eq!(desk.setting("mode").as_deref(), Some("async"));
        assert_eq!(desk.setting("profil"), None);
        desk.set_setting("version", "v2").unwrap();
        desk.set_setting("profil", "pilote").unwrap();
        desk.set_setting("mode", "ws").unwrap();
        assert!(desk
            .set_setting("version", "V3")
            .unwrap_err()
            .contains("V1 or V2"));
        let text = serde_json::to_string(&desk).unwrap();
        assert!(
            text.ends_with(r#""settings":{"version":"V2","profil":"pilote"}}"#),
            "{text}"
        );
        let back: Desk = serde_json::from_str(&text).unwrap();
        assert_eq!(back, desk);
        assert_eq!(back.setting("profil").as_deref(), Some("pilote"));
        assert_eq!(back.mode, Mode::Ws);
        // Back to the defaults: written as before settings existed.
        desk.set_setting("version", "V1").unwrap();
        desk.set_setting("mode", "async").unwrap();
        desk.settings.added.clear();
        assert_eq!(serde_json::to_string(&desk).unwrap(), old);
    }

    #[test]
    fn names_refuse_control_characters() {
        assert!(check_name("Office HLM\r\nBcc: x@y").is_err());
        assert!(check_name("  ").is_err());
        assert_eq!(check_name(" Office public ").unwrap(), "Office public");
    }
}
