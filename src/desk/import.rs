//! Reading a desk inventory from a CSV file, as spreadsheets write them.
//!
//! The team keeps its desk list in a spreadsheet; in France, Excel saves CSV with
//! `;` as the delimiter and Windows-1252 as the encoding, while other tools write
//! `,` and UTF-8 (sometimes with a byte-order mark). All four are detected from
//! the content. Columns are found by their header, in French or English, in any
//! order. The whole file is checked before anything is returned, so one bad row
//! stops the import with its line number and nothing is half-written.

use std::collections::HashMap;

use super::{check_name, Department, Desk, DeskId, Email, Lang, Mode};

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
}

/// What was detected about the file, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The field delimiter.
    pub delimiter: u8,
    /// The text encoding.
    pub encoding: &'static str,
}

/// The desks read from a file, with the line each came from, and warnings
/// (such as a SIREN failing its Luhn check) that do not stop the import.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Desks in file order, each with its line number.
    pub desks: Vec<(u64, Desk)>,
    /// Non-fatal remarks, each naming its line.
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

/// Picks `;` or `,` by counting each, outside quotes, on the header line.
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut semi, mut comma, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semi += 1,
            ',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi >= comma && semi > 0 {
        b';'
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

fn column_of(header: &str) -> Option<Column> {
    let key = fold(header);
    let key = key.trim_end_matches(|c: char| c.is_ascii_digit());
    Some(match key {
        "identifiant" | "identifiantguichet" | "guichet" | "idguichet" | "codeguichet" | "id"
        | "desk" | "deskid" | "identifier" => Column::Id,
        "nom" | "nomguichet" | "name" | "deskname" | "raisonsociale" | "libelle" => Column::Name,
        "departement" | "dept" | "dep" | "department" | "codedepartement" => Column::Department,
        "courriel" | "courriels" | "email" | "emails" | "mail" | "mails" | "adressemail"
        | "adressesmail" | "adressecourriel" | "contact" | "contacts" => Column::Email,
        "mode" | "modeechange" | "modedechange" => Column::Mode,
        "langue" | "lang" | "language" => Column::Lang,
        _ => return None,
    })
}

/// Parses a whole CSV desk inventory. Fails on the first bad row, naming its line.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
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
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = column_of(h) {
            columns.entry(c).or_default().push(i);
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
    let mut warnings = Vec::new();
    let mut seen: HashMap<DeskId, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Row {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            reason: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let row_err = |reason: String| ImportError::Row { line, reason };
        let cell = |c: Column| -> Option<&str> {
            columns
                .get(&c)
                .and_then(|idx| record.get(idx[0]))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let id = DeskId::parse(cell(Column::Id).unwrap_or(""))
            .map_err(|e| row_err(format!("identifiant: {e}")))?;
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(row_err(format!(
                "the desk {id} already appears on line {first}"
            )));
        }
        if !id.siren_luhn_ok() {
            warnings.push(format!(
                "line {line}: the SIREN of {id} fails its check digit (Luhn); kept as written"
            ));
        }
        let name = check_name(cell(Column::Name).unwrap_or(""))
            .map_err(|e| row_err(format!("nom: {e}")))?;
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
                let e = Email::parse(part).map_err(|e| row_err(format!("courriel: {e}")))?;
                if !emails.contains(&e) {
                    emails.push(e);
                }
            }
        }
        if emails.is_empty() {
            warnings.push(format!(
                "line {line}: {id} has no e-mail address; its alerts will go to the team"
            ));
        }
        let department = cell(Column::Department)
            .map(Department::parse)
            .transpose()
            .map_err(|e| row_err(format!("département: {e}")))?;
        let mode = cell(Column::Mode)
            .map(str::parse::<Mode>)
            .transpose()
            .map_err(|e| row_err(format!("mode: {e}")))?
            .unwrap_or_default();
        let lang = cell(Column::Lang)
            .map(str::parse::<Lang>)
            .transpose()
            .map_err(|e| row_err(format!("langue: {e}")))?
            .unwrap_or_default();
        desks.push((
            line,
            Desk {
                id,
                name,
                emails,
                department,
                mode,
                lang,
                thresholds: None,
            },
        ));
    }
    Ok(Parsed {
        desks,
        warnings,
        detected: Detected {
            delimiter,
            encoding,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (line, d) = &parsed.desks[1];
        assert_eq!(*line, 3);
        assert_eq!(d.name, "Mairie de Saint-Étienne");
        assert_eq!(d.department.as_ref().unwrap().as_str(), "42");
        assert_eq!(parsed.desks[0].1.emails.len(), 2);
    }

    #[test]
    fn comma_utf8_with_bom_and_english_headers() {
        let text = "\u{feff}email,desk,name,department,mode,lang\n\
                    x@example.org,732829320-00003,\"Bailleur, Social\",2A,ws,en\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.detected.delimiter, b',');
        assert_eq!(parsed.detected.encoding, "UTF-8 (BOM)");
        let d = &parsed.desks[0].1;
        assert_eq!(d.id.as_str(), "732829320-00003");
        assert_eq!(d.name, "Bailleur, Social");
        assert_eq!(d.mode, Mode::Ws);
        assert_eq!(d.lang, Lang::En);
    }

    #[test]
    fn quoted_field_holding_the_delimiter() {
        let text = "guichet;nom;courriel\n732829320-00004;\"HLM; section nord\";\"a@example.org;b@example.org\"\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.desks[0].1.name, "HLM; section nord");
        assert_eq!(parsed.desks[0].1.emails.len(), 2);
    }

    #[test]
    fn several_email_columns() {
        let text = "id,nom,email,email2\n732829320-00005,X,a@example.org,b@example.org\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.desks[0].1.emails.len(), 2);
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
}

/// Compares the desks of a file with those stored (looked up by `existing`).
/// Settings the file cannot carry (per-desk thresholds) are kept.
pub fn diff(parsed: &[(u64, Desk)], existing: impl Fn(&DeskId) -> Option<Desk>) -> Diff {
    let mut d = Diff::default();
    for (_, new) in parsed {
        match existing(&new.id) {
            None => d.added.push(new.clone()),
            Some(old) => {
                let mut merged = new.clone();
                merged.thresholds.clone_from(&old.thresholds);
                if merged == old {
                    d.unchanged += 1;
                } else {
                    d.changed.push((merged, old));
                }
            }
        }
    }
    d
}
