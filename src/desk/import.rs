//! Reading a desk inventory from a CSV file, as spreadsheets write them.
//!
//! The team keeps its desk list in a spreadsheet; in France, Excel saves CSV with
//! `;` as the delimiter and Windows-1252 as the encoding, while other tools write
//! `,` or tabs (a copy from a spreadsheet) and UTF-8 (sometimes with a
//! byte-order mark). All are detected from the content. Columns are found by
//! their header, in French or English, in any order ("Nom du guichet",
//! "Mél"…); a column vigie does not know is named in a warning. The whole
//! file is checked before anything is returned: every bad row is reported at
//! once, with its line number, and nothing is half-written. An empty cell
//! leaves the desk's stored value as it is.
//!
//! National settings (issue 16) are columns too: `version`, and a column
//! named after each key `[desk_settings]` adds; a value the configuration
//! does not allow is a bad row, naming the allowed values.

use std::collections::{BTreeMap, HashMap};

use super::edit::Changes;
use super::{check_name, Department, Desk, DeskId, Email, Lang, Mode};
use crate::config::DeskSettings;

/// A problem that stops an import, located in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The header row is missing or lacks a required column.
    #[error("header: {0}")]
    Header(String),
    /// A data row is wrong.
    #[error("line {line}: {reason}")]
    Row {
        /// 1-based line number in the file, as a spreadsheet or editor shows it.
        line: u64,
        /// What is wrong, naming the column and the value.
        reason: String,
    },
    /// Several data rows are wrong: each, in line order, with its reason.
    #[error("{} rows are wrong: {}", .0.len(), rows_text(.0))]
    Rows(Vec<(u64, String)>),
}

impl ImportError {
    /// The bad rows, `(line, reason)`, in line order; empty for a header
    /// problem.
    pub fn rows(&self) -> Vec<(u64, String)> {
        match self {
            ImportError::Header(_) => Vec::new(),
            ImportError::Row { line, reason } => vec![(*line, reason.clone())],
            ImportError::Rows(rows) => rows.clone(),
        }
    }

    /// The error for these bad rows: one row, or several.
    pub fn of_rows(mut rows: Vec<(u64, String)>) -> ImportError {
        rows.sort_by_key(|(line, _)| *line);
        if rows.len() == 1 {
            let (line, reason) = rows.remove(0);
            ImportError::Row { line, reason }
        } else {
            ImportError::Rows(rows)
        }
    }
}

fn rows_text(rows: &[(u64, String)]) -> String {
    rows.iter()
        .map(|(line, reason)| format!("line {line}: {reason}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What was detected about the file, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The field delimiter.
    pub delimiter: u8,
    /// The text encoding.
    pub encoding: &'static str,
}

impl Detected {
    /// The delimiter as a person names it: `';'`, `','` or `tab`.
    pub fn delimiter_name(&self) -> String {
        match self.delimiter {
            b'\t' => "tab".into(),
            d => format!("'{}'", d as char),
        }
    }
}

/// One row of a roster: a desk id and the values its cells give. An empty
/// cell gives nothing (`None` in [`Changes`]): an existing desk keeps its
/// value, a new one gets the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The desk.
    pub id: DeskId,
    /// What the row's non-empty cells say.
    pub changes: Changes,
}

impl RosterRow {
    /// The desk this row makes when the inventory has none with its id; an
    /// error when its name cell is empty, since a new desk needs one.
    pub fn new_desk(&self) -> Result<Desk, String> {
        let Some(name) = self.changes.name.clone() else {
            return Err(format!(
                "nom: the name is empty and {} is not in the inventory yet",
                self.id
            ));
        };
        let mut desk = Desk {
            id: self.id.clone(),
            name,
            emails: self.changes.emails.clone().unwrap_or_default(),
            department: self.changes.department.clone(),
            mode: self.changes.mode.unwrap_or_default(),
            lang: self.changes.lang.unwrap_or_default(),
            thresholds: None,
            suspended: false,
            settings: Default::default(),
        };
        for (key, value) in &self.changes.settings {
            // Checked against the configuration when the row was read, so
            // this cannot fail.
            let _ = desk.set_setting(key, value);
        }
        Ok(desk)
    }
}

/// The desks read from a file, with the line each came from, and warnings
/// (such as a SIREN failing its Luhn check) that do not stop the import.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Rows in file order, each with its line number.
    pub desks: Vec<(u64, RosterRow)>,
    /// The bad rows, `(line, reason)`: [`parse`] fails when there is any,
    /// [`read`] leaves them to the caller.
    pub problems: Vec<(u64, String)>,
    /// Non-fatal remarks, each naming its line or column.
    pub warnings: Vec<String>,
    /// Delimiter and encoding found.
    pub detected: Detected,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Column {
    Id,
    Name,
    Department,
    Email,
    Mode,
    Lang,
    /// The built-in `version` setting.
    Version,
    /// A key `[desk_settings]` adds: its index in
    /// [`DeskSettings::added_keys`].
    Added(usize),
}

/// Decodes the bytes of a CSV file: UTF-8 (with or without BOM), else
/// Windows-1252, which every byte sequence is.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8 (BOM)");
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), "Windows-1252")
        }
    }
}

/// Picks `;`, tab or `,`, whichever appears most, outside quotes, on the
/// header line (`;` first on a tie, as French spreadsheets write it).
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut semi, mut tab, mut comma, mut quoted) = (0, 0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semi += 1,
            '\t' if !quoted => tab += 1,
            ',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi == 0 && tab == 0 && comma == 0 {
        b','
    } else if semi >= tab && semi >= comma {
        b';'
    } else if tab >= comma {
        b'\t'
    } else {
        b','
    }
}

/// Folds a header cell to a comparable key: lower case, accents off, only
/// letters and digits.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'à' | 'â' | 'ä' => 'a',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn column_of(header: &str, settings: &DeskSettings) -> Option<Column> {
    let folded = fold(header);
    if let Some(i) = settings.added_keys().position(|k| fold(k) == folded) {
        return Some(Column::Added(i));
    }
    let key = folded;
    let key = key.trim_end_matches(|c: char| c.is_ascii_digit());
    Some(match key {
        "identifiant"
        | "identifiantguichet"
        | "identifiantduguichet"
        | "guichet"
        | "idguichet"
        | "codeguichet"
        | "codeduguichet"
        | "nguichet"
        | "numeroguichet"
        | "numeroduguichet"
        | "id"
        | "desk"
        | "deskid"
        | "identifier" => Column::Id,
        "nom" | "nomguichet" | "nomduguichet" | "nomdeguichet" | "name" | "deskname"
        | "raisonsociale" | "libelle" | "libelleguichet" | "libelleduguichet" => Column::Name,
        "departement" | "dept" | "dep" | "department" | "codedepartement" => Column::Department,
        "courriel" | "courriels" | "email" | "emails" | "mail" | "mails" | "mel" | "mels"
        | "adressemail" | "adressesmail" | "adressemel" | "adressesmel" | "adressecourriel"
        | "adressescourriel" | "contact" | "contacts" => Column::Email,
        "mode" | "modeechange" | "modedechange" => Column::Mode,
        "langue" | "lang" | "language" => Column::Lang,
        "version" | "versionsne" | "versionapplication" => Column::Version,
        _ => return None,
    })
}

/// The columns vigie knows, as the unknown-column warning lists them.
const KNOWN_COLUMNS: &str =
    "identifiant (or nom du guichet…), nom, département, courriel (or mél, email), mode, langue, version";

/// Parses a whole CSV desk inventory. Fails on any bad row, naming every one
/// with its line; a row whose name cell is empty is taken as one that leaves
/// the name as it is (see [`RosterRow::new_desk`]).
pub fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let parsed = read(bytes)?;
    if parsed.problems.is_empty() {
        Ok(parsed)
    } else {
        Err(ImportError::of_rows(parsed.problems))
    }
}

/// Reads a whole CSV desk inventory: fails only when the file cannot be a
/// roster (its header); the bad rows are in [`Parsed::problems`], so that
/// the caller may add its own (a new desk without a name) and report them
/// all at once.
pub fn read(bytes: &[u8]) -> Result<Parsed, ImportError> {
    read_with(bytes, &DeskSettings::default())
}

/// [`read`], with the settings the configuration knows: their columns are
/// read, and their values checked.
pub fn read_with(bytes: &[u8], settings: &DeskSettings) -> Result<Parsed, ImportError> {
    let (text, encoding) = decode(bytes);
    // The csv crate counts a CRLF as two line ends in record positions; fold
    // them so that reported line numbers match what an editor shows.
    let text = text.replace("\r\n", "\n");
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Header(e.to_string()))?
        .clone();
    let mut columns: HashMap<Column, Vec<usize>> = HashMap::new();
    let mut warnings = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match column_of(h, settings) {
            Some(c) => columns.entry(c).or_default().push(i),
            None if h.trim().is_empty() => {}
            None => warnings.push(format!(
                "the column «{}» is not one vigie knows and is ignored (known: {KNOWN_COLUMNS}{})",
                super::printable(h.trim()),
                settings
                    .added_keys()
                    .map(|k| format!(", {k}"))
                    .collect::<String>()
            )),
        }
    }
    for (col, names) in [
        (Column::Id, "identifiant (or guichet, id)"),
        (Column::Name, "nom (or name)"),
    ] {
        match columns.get(&col).map(Vec::len) {
            None => {
                return Err(ImportError::Header(format!(
                    "no column {names}; columns found: {}",
                    headers.iter().collect::<Vec<_>>().join(", ")
                )))
            }
            Some(n) if n > 1 => {
                return Err(ImportError::Header(format!(
                    "the column {names} appears twice"
                )))
            }
            _ => {}
        }
    }

    let mut desks = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<DeskId, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push((e.position().map(|p| p.line()).unwrap_or(0), e.to_string()));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match row(&record, &columns, settings, line, &mut seen, &mut warnings) {
            Ok(r) => desks.push((line, r)),
            Err(reason) => problems.push((line, reason)),
        }
    }
    Ok(Parsed {
        desks,
        problems,
        warnings,
        detected: Detected {
            delimiter,
            encoding,
        },
    })
}

/// Reads one data row on `line`; the first thing wrong with it, naming the
/// column, is its error.
fn row(
    record: &csv::StringRecord,
    columns: &HashMap<Column, Vec<usize>>,
    catalog: &DeskSettings,
    line: u64,
    seen: &mut HashMap<DeskId, u64>,
    warnings: &mut Vec<String>,
) -> Result<RosterRow, String> {
    let cell = |c: Column| -> Option<&str> {
        columns
            .get(&c)
            .and_then(|idx| record.get(idx[0]))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let id =
        DeskId::parse(cell(Column::Id).unwrap_or("")).map_err(|e| format!("identifiant: {e}"))?;
    if let Some(first) = seen.insert(id.clone(), line) {
        return Err(format!("the desk {id} already appears on line {first}"));
    }
    if !id.siren_luhn_ok() {
        warnings.push(format!(
            "line {line}: the SIREN of {id} fails its check digit (Luhn); kept as written"
        ));
    }
    let name = cell(Column::Name)
        .map(check_name)
        .transpose()
        .map_err(|e| format!("nom: {e}"))?;
    let mut emails = Vec::new();
    for &i in columns
        .get(&Column::Email)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let raw = record.get(i).unwrap_or("");
        for part in raw
            .split(|c: char| c == ',' || c == ';' || c == '|' || c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            let e = Email::parse(part).map_err(|e| format!("courriel: {e}"))?;
            if !emails.contains(&e) {
                emails.push(e);
            }
        }
    }
    let department = cell(Column::Department)
        .map(Department::parse)
        .transpose()
        .map_err(|e| format!("département: {e}"))?;
    let mode = cell(Column::Mode)
        .map(str::parse::<Mode>)
        .transpose()
        .map_err(|e| format!("mode: {e}"))?;
    let lang = cell(Column::Lang)
        .map(str::parse::<Lang>)
        .transpose()
        .map_err(|e| format!("langue: {e}"))?;
    let mut settings = BTreeMap::new();
    let setting_columns = std::iter::once(("version", Column::Version)).chain(
        catalog
            .added_keys()
            .enumerate()
            .map(|(i, k)| (k, Column::Added(i))),
    );
    for (key, column) in setting_columns {
        if let Some(value) = cell(column) {
            let s = catalog
                .check(key, value)
                .map_err(|e| format!("{key}: {e}"))?;
            settings.insert(s.key, s.value);
        }
    }
    Ok(RosterRow {
        id,
        changes: Changes {
            name,
            emails: (!emails.is_empty()).then_some(emails),
            department,
            mode,
            lang,
            settings,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The desks the rows make when the inventory is empty.
    fn new_desks(parsed: &Parsed) -> Vec<(u64, Desk)> {
        parsed
            .desks
            .iter()
            .map(|(line, r)| (*line, r.new_desk().unwrap()))
            .collect()
    }

    #[test]
    fn semicolon_windows_1252_with_french_headers() {
        let text = "Identifiant;Nom;Département;Courriels\r\n\
                    732829320-00001;Office Public de l'Habitat;69;a@example.org b@example.org\r\n\
                    732829320-00002;Mairie de Saint-Étienne;42;c@example.org\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let parsed = parse(&bytes).unwrap();
        assert_eq!(parsed.detected.delimiter, b';');
        assert_eq!(parsed.detected.encoding, "Windows-1252");
        assert_eq!(parsed.desks.len(), 2);
        let desks = new_desks(&parsed);
        let (line, d) = &desks[1];
        assert_eq!(*line, 3);
        assert_eq!(d.name, "Mairie de Saint-Étienne");
        assert_eq!(d.department.as_ref().unwrap().as_str(), "42");
        assert_eq!(desks[0].1.emails.len(), 2);
    }

    #[test]
    fn comma_utf8_with_bom_and_english_headers() {
        let text = "\u{feff}email,desk,name,department,mode,lang\n\
                    x@example.org,732829320-00003,\"Bailleur, Social\",2A,ws,en\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.detected.delimiter, b',');
        assert_eq!(parsed.detected.encoding, "UTF-8 (BOM)");
        let desks = new_desks(&parsed);
        let d = &desks[0].1;
        assert_eq!(d.id.as_str(), "732829320-00003");
        assert_eq!(d.name, "Bailleur, Social");
        assert_eq!(d.mode, Mode::Ws);
        assert_eq!(d.lang, Lang::En);
    }

    #[test]
    fn quoted_field_holding_the_delimiter() {
        let text = "guichet;nom;courriel\n732829320-00004;\"HLM; section nord\";\"a@example.org;b@example.org\"\n";
        let desks = new_desks(&parse(text.as_bytes()).unwrap());
        assert_eq!(desks[0].1.name, "HLM; section nord");
        assert_eq!(desks[0].1.emails.len(), 2);
    }

    #[test]
    fn several_email_columns() {
        let text = "id,nom,email,email2\n732829320-00005,X,a@example.org,b@example.org\n";
        let desks = new_desks(&parse(text.as_bytes()).unwrap());
        assert_eq!(desks[0].1.emails.len(), 2);
    }

    #[test]
    fn bad_row_names_its_line() {
        let mut text = String::from("identifiant;nom\n");
        for i in 1..=5 {
            text.push_str(&format!("732829320-{i:05};Guichet {i}\n"));
        }
        text.push_str("73282932-BAD;Guichet cassé\n");
        match parse(text.as_bytes()) {
            Err(ImportError::Row { line, reason }) => {
                assert_eq!(line, 7);
                assert!(reason.contains("identifiant"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_and_missing_columns() {
        let dup = "id;nom\n732829320-00001;A\n732829320-00001;B\n";
        assert!(matches!(
            parse(dup.as_bytes()),
            Err(ImportError::Row { line: 3, .. })
        ));
        let nohdr = "foo;bar\n1;2\n";
        assert!(matches!(
            parse(nohdr.as_bytes()),
            Err(ImportError::Header(_))
        ));
    }

    #[test]
    fn luhn_failure_is_a_warning() {
        let text = "id;nom\n732829321-00001;A\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.desks.len(), 1);
        assert!(parsed.warnings.iter().any(|w| w.contains("Luhn")));
    }

    /// Issue 14: the headers a French team writes, tab-separated text as a
    /// copy from a spreadsheet gives, and a column vigie does not know.
    #[test]
    fn french_headers_tabs_and_unknown_columns() {
        let text = "N° guichet\tNom du guichet\tMél\tTéléphone\n\
                    732829320-00001\tOffice public\ta@example.org\t04 00 00 00 00\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.detected.delimiter, b'\t');
        assert_eq!(parsed.detected.delimiter_name(), "tab");
        let desks = new_desks(&parsed);
        assert_eq!(desks[0].1.name, "Office public");
        assert_eq!(desks[0].1.emails[0].as_str(), "a@example.org");
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.contains("«Téléphone»") && w.contains("ignored")),
            "{:?}",
            parsed.warnings
        );
        let mel = "identifiant;nom du guichet;Mel\n732829320-00001;A;b@example.org\n";
        assert_eq!(
            new_desks(&parse(mel.as_bytes()).unwrap())[0].1.emails[0].as_str(),
            "b@example.org"
        );
    }

    /// Issue 14: every bad row at once, not the first alone.
    #[test]
    fn every_bad_row_is_reported() {
        let text = "id;nom;courriel;département\n\
                    73282932-BAD;A;a@example.org;69\n\
                    732829320-00002;B;pas-une-adresse;69\n\
                    732829320-00003;C;c@example.org;69\n\
                    732829320-00004;D;d@example.org;99\n";
        let err = parse(text.as_bytes()).unwrap_err();
        let lines: Vec<u64> = err.rows().iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 5], "{err}");
        let rows = err.rows();
        assert!(rows[0].1.contains("identifiant"), "{err}");
        assert!(rows[1].1.contains("courriel"), "{err}");
        assert!(rows[2].1.contains("département"), "{err}");
    }

    /// Issue 16: the version and the added settings are columns; a value
    /// the configuration does not allow is a bad row, naming the allowed
    /// values and the line.
    #[test]
    fn settings_are_columns_checked_against_the_configuration() {
        let raw = [(
            "profil".to_owned(),
            vec!["standard".into(), "pilote".into()],
        )];
        let settings = DeskSettings::from_raw(&raw.into_iter().collect()).unwrap();
        let text = "identifiant;nom;version;Profil\n\
                    732829320-00001;A;V2;Pilote\n\
                    732829320-00002;B;;\n";
        let parsed = read_with(text.as_bytes(), &settings).unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let desks = new_desks(&parsed);
        assert_eq!(desks[0].1.setting("version").as_deref(), Some("V2"));
        assert_eq!(desks[0].1.setting("profil").as_deref(), Some("pilote"));
        assert_eq!(desks[1].1.setting("version").as_deref(), Some("V1"));
        assert_eq!(desks[1].1.setting("profil"), None);

        let bad = "identifiant;nom;version;profil\n\
                   732829320-00001;A;V3;standard\n\
                   732829320-00002;B;V2;expert\n";
        let parsed = read_with(bad.as_bytes(), &settings).unwrap();
        assert_eq!(parsed.problems.len(), 2, "{:?}", parsed.problems);
        assert_eq!(parsed.problems[0].0, 2);
        assert!(
            parsed.problems[0].1.contains("V1, V2"),
            "{:?}",
            parsed.problems
        );
        assert_eq!(parsed.problems[1].0, 3);
        assert!(
            parsed.problems[1].1.contains("standard, pilote"),
            "{:?}",
            parsed.problems
        );
        // Without the key in the configuration, its column is unknown.
        let parsed = read(bad.as_bytes()).unwrap();
        assert!(
            parsed.warnings[0].contains("profil"),
            "{:?}",
            parsed.warnings
        );
    }

    /// Issue 14: an empty cell keeps what the inventory holds; a new desk
    /// still needs a name.
    #[test]
    fn an_empty_cell_keeps_the_stored_value() {
        let stored = Desk {
            id: DeskId::parse("732829320-00001").unwrap(),
            name: "Office public".into(),
            emails: vec![Email::parse("a@example.org").unwrap()],
            department: Some(Department::parse("69").unwrap()),
            mode: Mode::Ws,
            lang: Lang::En,
            thresholds: Some(vec![30]),
            suspended: true,
            settings: Default::default(),
        };
        let text = "identifiant;nom;courriel;département;mode;langue\n\
                    732829320-00001;;;42;;\n\
                    732829320-00002;;;;;\n";
        let parsed = read(text.as_bytes()).unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let known = stored.clone();
        let lookup = |id: &DeskId| (*id == known.id).then(|| known.clone());
        let problems = diff(&parsed.desks, lookup).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 3);
        assert!(problems[0].1.contains("nom"), "{problems:?}");
        let d = diff(&parsed.desks[..1], lookup).unwrap();
        let (new, old) = &d.changed[0];
        assert_eq!(*old, stored);
        assert_eq!(
            *new,
            Desk {
                department: Some(Department::parse("42").unwrap()),
                ..stored
            }
        );
    }
}

/// What an import would change in the inventory.
#[derive(Debug, Default, Clone)]
pub struct Diff {
    /// Desks not yet in the inventory.
    pub added: Vec<Desk>,
    /// Desks whose fields differ, with the old value.
    pub changed: Vec<(Desk, Desk)>,
    /// How many desks are already exactly as the file says.
    pub unchanged: usize,
    /// Remarks on the result, each naming its line (a desk left without an
    /// address).
    pub warnings: Vec<String>,
}

/// Compares the rows of a file with the desks stored (looked up by
/// `existing`). An empty cell keeps the stored value, and so do the settings
/// a file cannot carry (per-desk thresholds, the suspended flag). A new desk
/// whose name cell is empty is a bad row: every such row is returned,
/// `(line, reason)`.
pub fn diff(
    parsed: &[(u64, RosterRow)],
    existing: impl Fn(&DeskId) -> Option<Desk>,
) -> Result<Diff, Vec<(u64, String)>> {
    let mut d = Diff::default();
    let mut problems = Vec::new();
    for (line, row) in parsed {
        let new = match existing(&row.id) {
            None => match row.new_desk() {
                Ok(desk) => {
                    d.added.push(desk.clone());
                    desk
                }
                Err(reason) => {
                    problems.push((*line, reason));
                    continue;
                }
            },
            Some(old) => {
                let merged = row.changes.apply(&old);
                if merged == old {
                    d.unchanged += 1;
                } else {
                    d.changed.push((merged.clone(), old));
                }
                merged
            }
        };
        if new.emails.is_empty() {
            d.warnings.push(format!(
                "line {line}: {} has no e-mail address; its alerts will go to the team",
                new.id
            ));
        }
    }
    if problems.is_empty() {
        Ok(d)
    } else {
        Err(problems)
    }
}
