//! The demo's material: a data directory of its own, a roster as a team's
//! spreadsheet saves it, certificates from a demo authority in every shape
//! desks send them, and a private key sent by mistake. `vigie demo` then runs
//! the commands a user would type over them.

use std::path::{Path, PathBuf};

use chrono::TimeDelta;

use crate::app::AppError;
use crate::certgen::{self, Ca, Key, KeyKind, LeafSpec};
use crate::clock::Instant;

/// Marks a folder as made by `vigie demo`, so a second run may replace it.
const MARKER: &str = ".vigie-demo";

/// A demo desk: id, name, department, and the end of its current certificate
/// in days from now (`None`: no certificate on record).
pub struct DemoDesk {
    /// The desk id.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its department.
    pub department: &'static str,
    /// The end of its current certificate, in days from now.
    pub current_days: Option<i64>,
}

/// The demo desks: a dozen over three departments, with a spread of end dates.
pub const DESKS: [DemoDesk; 12] = [
    DemoDesk {
        id: "732829320-LYO01",
        name: "Office public de l'habitat de Lyon",
        department: "69",
        current_days: Some(45),
    },
    DemoDesk {
        id: "732829320-LYO02",
        name: "Office public de l'habitat de Lyon, agence Est",
        department: "69",
        current_days: Some(52),
    },
    DemoDesk {
        id: "552100554-VIL01",
        name: "Mairie de Villeurbanne",
        department: "69",
        current_days: Some(38),
    },
    DemoDesk {
        id: "552100554-VEN01",
        name: "Mairie de Vénissieux",
        department: "69",
        current_days: Some(60),
    },
    DemoDesk {
        id: "775663438-STE01",
        name: "Habitat social de Saint-Étienne",
        department: "42",
        current_days: Some(41),
    },
    DemoDesk {
        id: "775663438-ROA01",
        name: "Habitat social de Roanne",
        department: "42",
        current_days: Some(33),
    },
    DemoDesk {
        id: "130005481-AL001",
        name: "Action Logement, délégation de l'Ain",
        department: "01",
        current_days: Some(80),
    },
    DemoDesk {
        id: "130005481-AL002",
        name: "Action Logement, délégation de la Loire",
        department: "42",
        current_days: Some(25),
    },
    DemoDesk {
        id: "542065479-BOU01",
        name: "Bourg Habitat",
        department: "01",
        current_days: Some(5),
    },
    DemoDesk {
        id: "542065479-OYO01",
        name: "Mairie d'Oyonnax",
        department: "01",
        current_days: Some(-3),
    },
    DemoDesk {
        id: "542065479-GEX01",
        name: "Pays de Gex Logement",
        department: "01",
        current_days: None,
    },
    DemoDesk {
        id: "775663438-MON01",
        name: "Montbrison Habitat",
        department: "42",
        current_days: Some(420),
    },
];

/// The shapes in which the first six desks send their renewed certificate.
pub const SHAPES: [(&str, &str); 6] = [
    ("der", "cer"),
    ("pem", "cer"),
    ("pem-crlf-bag-attributes", "pem"),
    ("base64", "cer"),
    ("pkcs7-der", "p7b"),
    ("pkcs7-pem", "p7b"),
];

fn fail(what: &'static str) -> impl Fn(certgen::CertgenError) -> AppError {
    move |source| AppError::Demo { what, source }
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), AppError> {
    if let Some(dir) = path.parent() {
        crate::store::create_private_dir(dir)?;
    }
    std::fs::write(path, bytes).map_err(|source| AppError::Write {
        file: path.display().to_string(),
        source,
    })
}

/// Creates the demo folder, replacing one an earlier demo made.
pub fn prepare(dir: &Path) -> Result<(), AppError> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if dir.join(MARKER).exists() {
            std::fs::remove_dir_all(dir).map_err(|source| AppError::ClearDemo {
                dir: dir.display().to_string(),
                source,
            })?;
        } else if !empty {
            return Err(AppError::NotADemo(dir.display().to_string()));
        }
    }
    crate::store::create_private_dir(dir)?;
    write(
        &dir.join(MARKER),
        "made by vigie demo; a later vigie demo may replace this folder\n",
    )
}

/// Writes the desk inventory as the team's spreadsheet saves it
/// (Windows-1252, `;`) under `incoming`; returns its path.
pub fn write_roster(incoming: &Path) -> Result<PathBuf, AppError> {
    let mut csv = String::from("Identifiant;Nom;Département;Courriels\r\n");
    for d in &DESKS {
        let local = d.id[10..].to_lowercase();
        csv.push_str(&format!(
            "{};{};{};guichet-{local}@example.org\r\n",
            d.id, d.name, d.department
        ));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&csv);
    let csv_path = incoming.join("guichets.csv");
    write(&csv_path, bytes)?;
    Ok(csv_path)
}

/// The demo's certificate authority, a root and an intermediate, issuing desk
/// certificates with increasing serial numbers.
pub struct Authority {
    ca: Ca,
    serial: u64,
}

impl Authority {
    /// A root and an intermediate valid for years around `now`.
    pub fn new(now: Instant) -> Result<Authority, AppError> {
        let day = |d: i64| now + TimeDelta::days(d);
        let root = Ca::root(
            "Racine de démonstration vigie",
            Key::generate(KeyKind::P256).map_err(fail("key"))?,
            day(-3650),
            day(3650),
        )
        .map_err(fail("root CA"))?;
        let ca = Ca::intermediate(
            "AC de démonstration vigie",
            Key::generate(KeyKind::P256).map_err(fail("key"))?,
            &root,
            day(-3000),
            day(3000),
        )
        .map_err(fail("intermediate CA"))?;
        Ok(Authority { ca, serial: 1000 })
    }

    /// A certificate for `desk`, DER, and its key.
    fn issue(
        &mut self,
        desk: &str,
        not_before: Instant,
        not_after: Instant,
    ) -> Result<(Vec<u8>, Key), AppError> {
        self.serial += 1;
        let email = format!("guichet-{}@example.org", desk[10..].to_lowercase());
        let key = Key::generate(KeyKind::P256).map_err(fail("key"))?;
        let spec = LeafSpec::desk(desk, &email, not_before, not_after, self.serial);
        let der = self.ca.issue(&spec, &key).map_err(fail("certificate"))?;
        Ok((der, key))
    }
}

/// Writes the desks' current certificates, one DER file each, into
/// `incoming/current`, ending at their `current_days` from `now`; returns the
/// folder.
pub fn write_current(
    ca: &mut Authority,
    incoming: &Path,
    now: Instant,
) -> Result<PathBuf, AppError> {
    let day = |d: i64| now + TimeDelta::days(d);
    let current_dir = incoming.join("current");
    for d in &DESKS {
        if let Some(days) = d.current_days {
            let (der, _) = ca.issue(d.id, day(days - 730), day(days))?;
            write(&current_dir.join(format!("{}.cer", d.id)), der)?;
        }
    }
    Ok(current_dir)
}

/// Writes the renewed certificate of the first six desks, each in another of
/// [`SHAPES`], into `incoming/renewed`; returns the files in desk order.
pub fn write_renewed(
    ca: &mut Authority,
    incoming: &Path,
    now: Instant,
) -> Result<Vec<PathBuf>, AppError> {
    let day = |d: i64| now + TimeDelta::days(d);
    let renewed_dir = incoming.join("renewed");
    let mut files = Vec::new();
    for (d, (shape, ext)) in DESKS.iter().zip(SHAPES) {
        let (der, _) = ca.issue(d.id, day(-1), day(3 * 365))?;
        let bytes = match shape {
            "der" => der.clone(),
            "pem" => certgen::pem("CERTIFICATE", &der).into_bytes(),
            "pem-crlf-bag-attributes" => format!(
                "Bag Attributes\r\n    friendlyName: {}\r\nsubject=CN = Guichet {}\r\n{}",
                d.name,
                d.id,
                certgen::pem("CERTIFICATE", &der).replace('\n', "\r\n")
            )
            .into_bytes(),
            "base64" => {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .encode(&der)
                    .into_bytes()
            }
            "pkcs7-der" => certgen::pkcs7(&[&der, &ca.ca.der]),
            _ => certgen::pem("PKCS7", &certgen::pkcs7(&[&der, &ca.ca.der])).into_bytes(),
        };
        let path = renewed_dir.join(format!("{}-{shape}.{ext}", d.id));
        write(&path, bytes)?;
        files.push(path);
    }
    Ok(files)
}

/// Writes the private key that desk `desk` sends by mistake, into
/// `incoming/refused`; returns the file.
pub fn write_private_key(
    ca: &mut Authority,
    incoming: &Path,
    desk: &str,
    now: Instant,
) -> Result<PathBuf, AppError> {
    let day = |d: i64| now + TimeDelta::days(d);
    let (_, key) = ca.issue(desk, day(-1), day(3 * 365))?;
    let key_path = incoming
        .join("refused")
        .join(format!("{desk}-cle-privee.pem"));
    write(&key_path, certgen::pem("PRIVATE KEY", &key.pkcs8))?;
    Ok(key_path)
}

/// How many e-mails the demo left in its outbox and certificates in its
/// national folder.
pub fn results(dir: &Path) -> (usize, usize) {
    let eml = std::fs::read_dir(dir.join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0);
    let pem = std::fs::read_dir(dir.join("national"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "pem"))
                .count()
        })
        .unwrap_or(0);
    (eml, pem)
}
